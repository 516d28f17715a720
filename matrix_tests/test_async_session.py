"""The async side: AsyncClient, async views and the async session methods.

Async tests use ``django_db(transaction=True)``, as pytest-django advises: the ORM calls that
``sync_to_async`` sends to another thread must see committed rows.
"""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

pytestmark = [pytest.mark.async_session, pytest.mark.django_db(transaction=True)]


@pytest.mark.since_django("5.1", reason="SessionBase.aset()/asave() arrived in Django 5.1")
async def test_asession_aset_asave(async_client):
    """s = await async_client.asession(); await s.aset("foo", 2); await s.asave(); cookie update

    Expect: the view reads foo == 2.
    Why: it works on every engine; it fails only where the cache client has no async
    methods, django-valkey 0.4.1's ValkeyCache (see Depends).
    Fix: on Valkey, point django-redis at the server (it speaks the same protocol: the
    cache-valkey-django_redis column agrees with Redis on every row).
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    """
    session = await async_client.asession()
    await session.aset("foo", 2)
    await session.asave()
    async_client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    response = await async_client.get("/counter/")
    assert response.content == b"2"


@pytest.mark.since_django("5.1", reason="SessionBase.aset()/asave() arrived in Django 5.1")
async def test_asession_aset_asave_without_cookie_update(async_client):
    """s = await async_client.asession(); await s.aset("foo", 2); await s.asave(); then a request

    Expect: the view reads foo == 2.
    Why: on signed_cookies the session key is the signed data itself: asave() makes a new key,
    and AsyncClient only writes the cookie when asession() creates the session, so the request
    still sends the old, empty session (KeyError 'foo' in the view).
    Fix: after asave(), async_client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key.
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    Detect: client.asession() -> session.aset() -> *session.asave() -> client.request(); without
    client.cookies[]=
    """
    session = await async_client.asession()
    await session.aset("foo", 2)
    await session.asave()
    response = await async_client.get("/counter/")
    assert response.content == b"2"


@pytest.mark.since_django("5.0", reason="Client.asession() arrived in Django 5.0")
async def test_asession_read_with_getitem(async_client):
    """after a view stored data: s = await async_client.asession(); s["colour"] in the async test

    Expect: the test reads what the view stored.
    Why: asession() returns a store that loads lazily; s["colour"] loads it with the sync ORM
    inside the event loop, so db raises SynchronousOnlyOperation (cached_db is served from
    Redis and passes; cache, file and signed_cookies do no ORM query).
    Fix: await s.aget("colour") (Django 5.1+), or await sync_to_async(s.__getitem__)("colour").
    Depends: for cached_db, the session's Redis copy being there (once it is evicted the read
    goes to the database, as on db); for cache, the cache backend: a database cache
    (DatabaseCache) reaches the ORM, and the cache engine's load() swallows the
    SynchronousOnlyOperation (it resets the session on any cache error): the data reads as
    missing.
    Twin: test_asession_read_with_getitem_after_cache_eviction
    Detect: client.asession() -> *session[]
    """
    await async_client.post("/session/colour/", {"value": "blue"})
    session = await async_client.asession()
    assert session["colour"] == "blue"


@pytest.mark.since_django("5.0", reason="Client.aforce_login() arrived in Django 5.0")
async def test_aforce_login(async_client, user):
    """await async_client.aforce_login(user); then a view checks request.user

    Expect: the view sees the user logged in.
    Why: it works on every engine; it fails only where the cache client has no async
    methods, django-valkey 0.4.1's ValkeyCache (see Depends).
    Fix: on Valkey, point django-redis at the server (it speaks the same protocol: the
    cache-valkey-django_redis column agrees with Redis on every row).
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    """
    await async_client.aforce_login(user)
    response = await async_client.get("/whoami/")
    assert response.json()["username"] == "alice"


async def test_force_login_in_async_test(async_client, user):
    """async_client.force_login(user), the sync method, inside an async def test

    Expect: the view sees the user logged in.
    Why: force_login() runs the sync ORM inside the event loop on every engine: it saves the
    session (db, cached_db) and login() fires update_last_login(), which saves the user, so
    SynchronousOnlyOperation is raised even on signed_cookies.
    Fix: await async_client.aforce_login(user) (Django 5.0+); on 4.2
    await sync_to_async(async_client.force_login)(user).
    Source: https://docs.djangoproject.com/en/5.2/topics/async/#async-safety
    Kind: mistake
    """
    async_client.force_login(user)
    response = await async_client.get("/whoami/")
    assert response.json()["username"] == "alice"


async def test_sync_session_in_async_test(async_client):
    """s = async_client.session; s["foo"] = 2; s.save(); cookie update, inside an async def test

    Expect: the view reads foo == 2.
    Why: with no cookie yet, the session property creates and saves a session; on db and
    cached_db that is a sync ORM query (exists(), then INSERT) inside the event loop:
    SynchronousOnlyOperation. cache (django-redis), file and signed_cookies touch no ORM.
    Depends: the cache backend for cache: a database cache (DatabaseCache) reaches the ORM,
    which raises SynchronousOnlyOperation from async code as db does.
    Fix: s = await async_client.asession(); await s.aset(...); await s.asave() (Django 5.1+),
    then the cookie update; on 4.2 do the same edit inside sync_to_async.
    Detect: client.session -> *session.save(); async
    """
    session = async_client.session
    session["foo"] = 2
    session.save()
    async_client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    response = await async_client.get("/counter/")
    assert response.content == b"2"


async def test_async_view_reads_session_synchronously(async_client):
    """an async view reads request.session with the sync API (key in session, session.get(key))

    Expect: the async view reads what an earlier request stored.
    Why: the first read loads the session; on db that is a sync ORM query inside the async view:
    SynchronousOnlyOperation. cached_db passes here because the read is served from Redis;
    cache, file and signed_cookies make no ORM query.
    Fix: await request.session.aget(key) (Django 5.1+); on 4.2
    await sync_to_async(request.session.get)(key).
    Depends: for cached_db, the session's Redis copy being there (once it is evicted the read
    goes to the database, as on db); for cache, the cache backend: a database cache
    (DatabaseCache) reaches the ORM, and the cache engine's load() swallows the
    SynchronousOnlyOperation (it resets the session on any cache error): the data reads as
    missing.
    Twin: test_async_view_reads_session_synchronously_after_cache_eviction
    Detect: none: the async view reads the session synchronously; the test only requests it
    """
    await async_client.post("/session/colour/", {"value": "blue"})
    response = await async_client.get("/async/session/colour/")
    assert response.json()["value"] == "blue"


@pytest.mark.since_django("5.1", reason="SessionBase.aget() arrived in Django 5.1")
async def test_async_view_aget(async_client):
    """an async view reads with await request.session.aget(key)

    Expect: the async view reads what an earlier request stored.
    Why: it works on every engine; it fails only where the cache client has no async
    methods, django-valkey 0.4.1's ValkeyCache (see Depends).
    Fix: on Valkey, point django-redis at the server (it speaks the same protocol: the
    cache-valkey-django_redis column agrees with Redis on every row).
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    """
    await async_client.post("/session/colour/", {"value": "blue"})
    response = await async_client.get("/async/aget/colour/")
    assert response.json()["value"] == "blue"


@pytest.mark.since_django("5.1", reason="SessionBase.aset() arrived in Django 5.1")
async def test_async_view_aset(async_client):
    """an async view stores with await request.session.aset(key, value)

    Expect: the next request reads the stored value.
    """
    await async_client.get("/async/aset/colour/", {"value": "blue"})
    response = await async_client.get("/session/colour/")
    assert response.json()["value"] == "blue"


@pytest.mark.since_django("5.1", reason="SessionBase.apop()/asave() arrived in Django 5.1")
async def test_store_apop_asave():
    """s = SessionStore(key); await s.apop("colour"); await s.asave(); load the key again

    Expect: the popped key is gone, the other data is kept.
    Why: it works on every engine; it fails only where the cache client has no async
    methods, django-valkey 0.4.1's ValkeyCache (see Depends).
    Fix: on Valkey, point django-redis at the server (it speaks the same protocol: the
    cache-valkey-django_redis column agrees with Redis on every row).
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    store = SessionStore()
    await store.aset("colour", "blue")
    await store.aset("size", "L")
    await store.asave()
    loaded = SessionStore(store.session_key)
    assert await loaded.apop("colour") == "blue"
    await loaded.asave()
    reloaded = SessionStore(loaded.session_key)
    assert await reloaded.aget("colour") is None
    assert await reloaded.aget("size") == "L"


@pytest.mark.since_django("5.1", reason="SessionBase.acycle_key() arrived in Django 5.1")
async def test_store_acycle_key():
    """await store.acycle_key(); await store.asave(), then load the old and the new key

    Expect: the data moved to the new key; the old key no longer loads it.
    Why: on signed_cookies acycle_key() is just a save(): nothing is stored server-side to
    delete, and the old signed key stays valid until SESSION_COOKIE_AGE, data included (Django's
    own test_cycle is a no-op for this engine).
    Fix: none on signed_cookies: use a server-side engine when an old key must stop working.
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    Detect: *session.acycle_key()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    store = SessionStore()
    await store.aset("colour", "blue")
    await store.asave()
    old_key = store.session_key
    await store.acycle_key()
    await store.asave()
    assert await SessionStore(store.session_key).aget("colour") == "blue"
    assert await SessionStore(old_key).aget("colour") is None


@pytest.mark.since_django("5.1", reason="SessionBase.aflush() arrived in Django 5.1")
async def test_store_aflush():
    """await store.aflush(), then load the key the store had before

    Expect: the old key no longer loads any data.
    Why: on signed_cookies aflush() only empties this store object (adelete() resets the key);
    the old signed key still decodes to the old data until SESSION_COOKIE_AGE.
    Fix: none on signed_cookies: use a server-side engine when a flushed key must stop working.
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    Detect: *session.aflush() -> session.aget()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    store = SessionStore()
    await store.aset("colour", "blue")
    await store.asave()
    old_key = store.session_key
    await store.aflush()
    assert await SessionStore(old_key).aget("colour") is None


@pytest.mark.since_django("5.0", reason="Client.asession() arrived in Django 5.0")
async def test_asession_read_with_getitem_after_cache_eviction(async_client, cached_db_key):
    """the same read, after the session's cached_db cache entry is evicted (cache.adelete)

    Expect: the test reads what the view stored.
    Why: without the Redis copy, cached_db loads the session from the database, with the sync
    ORM inside the event loop, as db does: SynchronousOnlyOperation. cache, file and
    signed_cookies make no ORM query (the delete touches only a cached_db entry).
    Depends: the cache backend for cache: a database cache (DatabaseCache) reaches the ORM,
    and the cache engine's load() swallows the SynchronousOnlyOperation (it resets the
    session on any cache error): the data reads as missing.
    Fix: await s.aget("colour") (Django 5.1+), or await sync_to_async(s.__getitem__)("colour").
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cached-sessions
    Twin: test_asession_read_with_getitem
    Detect: cache.adelete|delete() -> client.asession() -> *session[]
    """
    await async_client.post("/session/colour/", {"value": "blue"})
    key = async_client.cookies[settings.SESSION_COOKIE_NAME].value
    await cache.adelete(cached_db_key(key))
    session = await async_client.asession()
    assert session["colour"] == "blue"


async def test_async_view_reads_session_synchronously_after_cache_eviction(
    async_client, cached_db_key
):
    """the same async view, after the session's cached_db cache entry is evicted (cache.adelete)

    Expect: the async view reads what an earlier request stored.
    Why: without the Redis copy, cached_db loads the session from the database, with the sync
    ORM inside the async view, as db does: SynchronousOnlyOperation. cache, file and
    signed_cookies make no ORM query (the delete touches only a cached_db entry).
    Depends: the cache backend for cache: a database cache (DatabaseCache) reaches the ORM,
    and the cache engine's load() swallows the SynchronousOnlyOperation (it resets the
    session on any cache error): the data reads as missing.
    Fix: await request.session.aget(key) (Django 5.1+); on 4.2
    await sync_to_async(request.session.get)(key).
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cached-sessions
    Twin: test_async_view_reads_session_synchronously
    Detect: none: the async view reads the session synchronously; the test only requests it
    """
    await async_client.post("/session/colour/", {"value": "blue"})
    key = async_client.cookies[settings.SESSION_COOKIE_NAME].value
    await cache.adelete(cached_db_key(key))
    response = await async_client.get("/async/session/colour/")
    assert response.json()["value"] == "blue"


@pytest.mark.since_django("5.0", reason="alogin() arrived in Django 5.0")
async def test_alogin_with_none_falls_back_to_request_user(async_client, user):
    """an async view re-logs the current user in with await alogin(request, None)

    Expect: the user is still logged in after the view.
    Why: alogin(request, None) fell back to the request's user (5.0 and 5.1 ran login() in a
    thread, which used request.user; 5.2 awaits request.auser() and warns,
    RemovedInDjango61Warning); 6.1 removed the fallback: alogin() calls
    user.get_session_auth_hash() on None (AttributeError), on every engine. On 5.0–6.0 it
    works.
    Fix: pass the user: await alogin(request, await request.auser()).
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    Source: https://docs.djangoproject.com/en/6.1/releases/6.1/#features-removed-in-6-1
    Kind: mistake
    """
    await async_client.aforce_login(user)
    await async_client.post("/async/relogin/")
    assert (await async_client.get("/whoami/")).json()["username"] == "alice"


@pytest.mark.since_django("5.0", reason="AsyncClient.alogout() arrived in Django 5.0")
async def test_replay_cookie_after_alogout(async_client, user):
    """old = async_client.cookies["sessionid"].value; await async_client.alogout(); send old

    Expect: the old cookie no longer authenticates anyone.
    Why: alogout() flushes the session, which deletes it from the store on the key-based
    engines. A signed cookie carries the login itself and the server keeps no record to
    delete: it stays valid until SESSION_COOKIE_AGE.
    Fix: none on signed_cookies in the test; a password change revokes every copy (the
    session auth hash changes); use a server-side engine where replay matters.
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    Source: https://docs.djangoproject.com/en/5.2/topics/testing/tools/#django.test.Client.alogout
    Detect: client.cookies[] -> *client.alogout() -> client.cookies[]= -> client.request()
    """
    await async_client.aforce_login(user)
    old = async_client.cookies[settings.SESSION_COOKIE_NAME].value
    await async_client.alogout()
    async_client.cookies[settings.SESSION_COOKIE_NAME] = old
    assert (await async_client.get("/whoami/")).json()["authenticated"] is False


@pytest.mark.since_django("5.1", reason="the session's async methods arrived in Django 5.1")
async def test_store_aexists(async_client):
    """after a view stored data: await SessionStore().aexists(async_client.cookies[...].value)

    Expect: True: the session the cookie names exists.
    Why: signed_cookies has no server-side store: its exists() (and aexists(), which calls
    it) always returns False.
    Fix: check the data instead: await SessionStore(key).aget("colour").
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    Source: https://docs.djangoproject.com/en/5.2/releases/5.1/#django-contrib-sessions
    Detect: *session.aexists()
    """
    await async_client.post("/session/colour/", {"value": "blue"})
    key = async_client.cookies[settings.SESSION_COOKIE_NAME].value
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    assert await SessionStore().aexists(key)


@pytest.mark.since_django("5.1", reason="the session's async methods arrived in Django 5.1")
async def test_store_aclear_expired():
    """await SessionStore.aclear_expired() on a session saved already expired (asave())

    Expect: the expired session is stored until aclear_expired() runs, and gone after it; a
    live session next to it is kept.
    Why: as for clear_expired(): the cache engine stores nothing for a session created with
    a lifetime of zero or less (django-redis' add() with such a timeout only reports whether
    the key exists), so aexists() is False from the start; signed_cookies stores nothing at
    all. db, cached_db and file delete the expired record.
    Fix: assert what the user sees (the expired key loads nothing) rather than what is
    stored; expect aclear_expired() to matter on db, cached_db and file only.
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    Detect: none: the outcome is decided by what the store kept, not by a step
    Twin: matrix_tests/test_expiry.py::test_clear_expired_called_directly
    Source: https://docs.djangoproject.com/en/5.2/releases/5.1/#django-contrib-sessions
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    expired, live = SessionStore(), SessionStore()
    await expired.aset("alive", True)
    await live.aset("alive", True)
    await expired.aset_expiry(timezone.now() - timedelta(seconds=1))
    await expired.asave()
    await live.asave()
    assert await SessionStore().aexists(expired.session_key)
    await SessionStore.aclear_expired()
    assert not await SessionStore().aexists(expired.session_key)
    assert await SessionStore(live.session_key).aget("alive") is True


async def test_sync_login_in_async_view(async_client, user):
    """an async view calls authenticate() and login() (the sync API) for a posted username/password

    Expect: the user is logged in after the view.
    Why: authenticate() looks the user up with the ORM, and Django refuses synchronous ORM
    calls in an async view (SynchronousOnlyOperation), on every engine, before the session
    is touched; login() would save user.last_login the same way.
    Fix: await aauthenticate(request, ...) and await alogin(request, user) (Django 5.0+),
    or make the view synchronous.
    Source: https://docs.djangoproject.com/en/5.2/releases/5.0/#django-contrib-auth
    Kind: mistake
    """
    await async_client.post("/async/sync-login/", {"username": "alice", "password": "wonderland"})
    assert (await async_client.get("/whoami/")).json()["username"] == "alice"


@pytest.mark.since_django("5.0", reason="HttpRequest.auser() arrived in Django 5.0")
async def test_async_view_auser_after_aforce_login(async_client, user):
    """await async_client.aforce_login(user); an async view reads await request.auser()

    Expect: the async view sees the user.
    Why: it works on every engine; it fails only where the cache client has no async
    methods, django-valkey 0.4.1's ValkeyCache (see Depends).
    Fix: on Valkey, point django-redis at the server (it speaks the same protocol: the
    cache-valkey-django_redis column agrees with Redis on every row).
    Depends: the cache client: django-valkey 0.4.1's ValkeyCache is not built on Django's
    BaseCache and has no async methods (aget, aset, ahas_key, adelete), so on the
    django-valkey columns the async session calls raise AttributeError, or read an empty
    session where the cache engine swallows the error; django-redis on the same Valkey
    server (cache-valkey-django_redis) agrees with Redis.
    Source: https://docs.djangoproject.com/en/5.2/releases/5.0/#django-contrib-auth
    """
    await async_client.aforce_login(user)
    assert (await async_client.get("/async/whoami/")).json()["username"] == "alice"
