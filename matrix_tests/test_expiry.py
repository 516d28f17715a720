"""Expiry and time: set_expiry, SESSION_COOKIE_AGE, clearsessions, and moving the clock.

The clock is moved with time_machine, which mocks Python's clock only: Redis keeps its own.
"""

import time
from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

pytestmark = [pytest.mark.expiry, pytest.mark.django_db]


def test_set_expiry_then_time_travel(client):
    """a view calls request.session.set_expiry(60); time_machine.travel() two minutes ahead

    Expect: the next request finds the session expired.
    Why: time_machine moves Python's clock only. cache and cached_db stored the session in Redis
    with a real 60 s TTL, and Redis still serves it. The file engine passes an integer expiry to
    get_expiry_age(expiry=60), which returns 60 whatever the time: a positive integer expiry is
    never enforced on file. signed_cookies ignores custom expiry and checks the signature age
    against SESSION_COOKIE_AGE only (#19201). db compares expire_date with the mocked clock.
    Fix: no engine-independent way: use set_expiry(timedelta(...)) (file enforces a datetime),
    test Redis-backed engines on the real clock, and on signed_cookies only SESSION_COOKIE_AGE
    ends a session.
    Source: https://code.djangoproject.com/ticket/19201
    Depends: the clock: time_machine moves Python's clock, not Redis', which decides the
    cache and cached_db cells (on the real clock they expire).
    Twin: test_set_expiry_then_sleep
    Detect: client.request() -> *time_machine.travel() -> client.request()
    """
    client.get("/expiry/60/")
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        response = client.get("/session/alive/")
    assert response.json()["present"] is False


def test_set_expiry_then_sleep(client):
    """a view calls request.session.set_expiry(1); time.sleep(1.5) on the real clock

    Expect: the next request finds the session expired.
    Why: on the real clock Redis drops the key (cache, cached_db) and db filters on expire_date.
    The file engine compares an integer expiry as-is (get_expiry_age(expiry=1) returns 1), so a
    positive integer set_expiry() never expires a file session. signed_cookies ignores custom
    expiry: only SESSION_COOKIE_AGE limits the signature's age (#19201).
    Fix: set_expiry(timedelta(seconds=n)) for a deadline file enforces too; on signed_cookies
    lower SESSION_COOKIE_AGE, or flush() the session to end it.
    Source: https://code.djangoproject.com/ticket/19201
    Twin: test_set_expiry_then_time_travel
    Detect: none: the view calls set_expiry(1); the test only requests and sleeps
    """
    client.get("/expiry/1/")
    time.sleep(1.5)
    assert client.get("/session/alive/").json()["present"] is False


def test_set_expiry_zero_browser_close_cookie(client):
    """a view calls request.session.set_expiry(0): a session that ends when the browser closes

    Expect: the cookie has neither max-age nor expires, and the session works meanwhile.
    """
    response = client.get("/expiry/0/")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    assert client.get("/session/alive/").json()["present"] is True


def test_set_expiry_negative_then_next_request(client):
    """a view calls request.session.set_expiry(-10); then the next request

    Expect: the next request finds the session expired.
    Why: signed_cookies does not enforce custom expiry (#19201): the signature is only checked
    against SESSION_COOKIE_AGE, and the test client, like an old cookie replayed, keeps sending
    the cookie although its max-age is negative.
    Fix: end the session with request.session.flush(); on signed_cookies nothing server-side
    can expire an issued cookie before SESSION_COOKIE_AGE.
    Source: https://code.djangoproject.com/ticket/19201
    Detect: none: the view sets the negative expiry; the test only requests it
    """
    client.get("/expiry/-10/")
    assert client.get("/session/alive/").json()["present"] is False


def test_set_expiry_past_datetime_from_test(client):
    """s = client.session; s.set_expiry(timezone.now() - timedelta(seconds=10)); s.save(); cookie

    Expect: the next request finds the session expired.
    Why: signed_cookies does not enforce custom expiry (#19201): the past _session_expiry is
    stored in the cookie but load() checks the signature against SESSION_COOKIE_AGE only.
    Fix: to test the "session expired" path on signed_cookies, use a fresh client (no cookie)
    or flush() the session; expiry from the test works on the other engines.
    Source: https://code.djangoproject.com/ticket/19201
    Detect: client.session -> session.set_expiry() -> session.save() -> client.cookies[]= ->
    *client.request()
    """
    session = client.session
    session["alive"] = True
    session.set_expiry(timezone.now() - timedelta(seconds=10))
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get("/session/alive/").json()["present"] is False


def test_clearsessions_removes_expired_session():
    """s.set_expiry(timedelta(minutes=1)); s.save(); 2 minutes later call_command("clearsessions")

    Expect: the expired session is removed: exists(key) is False and the key loads nothing.
    Why: cache: clear_expired() is a no-op; Redis drops keys by TTL on its real clock, which
    time_machine does not move. cached_db: clear_expired() is the db engine's, it deletes expired
    rows only; the Redis copy stays and exists() checks the cache first (django-qsessions'
    queryset delete() also deletes the cache copies, so it passes). signed_cookies stores
    nothing (exists() is always False), and the cookie still loads: custom expiry is ignored.
    Fix: expect clearsessions to remove sessions on db and file only; on Redis-backed engines
    the TTL removes them in real time; an issued signed cookie cannot be removed.
    Depends: the clock: time_machine moves Python's clock, not Redis', which decides the
    cache and cached_db cells (on the real clock Redis has dropped the keys).
    Twin: test_clearsessions_after_real_expiry
    Detect: session.set_expiry() -> session.save() -> time_machine.travel() -> *call_command()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    session = SessionStore()
    session["alive"] = True
    session.set_expiry(timedelta(minutes=1))
    session.save()
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        call_command("clearsessions")
        assert not SessionStore().exists(session.session_key)
        assert SessionStore(session.session_key).get("alive") is None


def test_session_cookie_age_then_time_travel(client, settings):
    """settings.SESSION_COOKIE_AGE = 60 (pytest-django); a view stores data; travel 2 minutes

    Expect: the next request finds the session expired.
    Why: cache and cached_db stored the session in Redis with a real 60 s TTL; time_machine does
    not move Redis' clock, and cached_db reads the cache first. db, file (file mtime + age) and
    signed_cookies (signature age) compare with the mocked clock.
    Fix: on Redis-backed engines test expiry on the real clock (a short SESSION_COOKIE_AGE and
    a sleep), or assert the expiry that was set (get_expiry_age(), the cookie's max-age).
    Depends: the clock: time_machine moves Python's clock, not Redis', which decides the
    cache and cached_db cells (on the real clock they expire).
    Twin: test_session_cookie_age_then_sleep
    Detect: settings.SESSION_COOKIE_AGE= -> client.request() -> *time_machine.travel() ->
    client.request()
    """
    settings.SESSION_COOKIE_AGE = 60
    client.post("/session/colour/", {"value": "blue"})
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        response = client.get("/session/colour/")
    assert response.json()["present"] is False


@override_settings(SESSION_COOKIE_AGE=60)
def test_session_cookie_age_override_sets_max_age(client):
    """@override_settings(SESSION_COOKIE_AGE=60); a view stores data

    Expect: the session cookie carries max-age=60.
    """
    response = client.post("/session/colour/", {"value": "blue"})
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 60


def test_get_expiry_age_after_time_travel(client):
    """a view calls set_expiry(600); 100 s later (time_machine) client.session.get_expiry_age()

    Expect: 500 seconds are left.
    Why: negative control, a misreading on every engine: an integer set_expiry() means "that
    many seconds of inactivity": it is
    stored as the integer and get_expiry_age() returns it unchanged (600), counted afresh from
    each save.
    Fix: set_expiry(timedelta(seconds=600)) or a datetime for a fixed deadline: get_expiry_age()
    then counts down (test_get_expiry_age_with_timedelta_after_time_travel).
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#django.contrib.sessions.backends.base.SessionBase.set_expiry
    Kind: django-limitation
    """
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/expiry/600/")
    with time_machine.travel(start + timedelta(seconds=100), tick=False):
        assert client.session.get_expiry_age() == 500


def test_get_expiry_age_with_timedelta_after_time_travel(client):
    """s = client.session; s.set_expiry(timedelta(seconds=600)); save, cookie; 100 s later

    Expect: client.session.get_expiry_age() says 500 seconds are left.
    """
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        session = client.session
        session["alive"] = True
        session.set_expiry(timedelta(seconds=600))
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    with time_machine.travel(start + timedelta(seconds=100), tick=False):
        assert client.session.get_expiry_age() == 500


def test_clearsessions_after_real_expiry():
    """s.set_expiry(timedelta(seconds=1.1)); s.save(); sleep(1.2); call_command("clearsessions")

    Expect: the expired session is removed: exists(key) is False and the key loads nothing.
    Why: on the real clock Redis has dropped the cache key (cache) and the cached copy
    (cached_db, whose row clearsessions deletes), and db and file delete theirs. Only
    signed_cookies still loads it: the data is the cookie, and its custom expiry is not
    enforced (#19201); exists() is always False there.
    Fix: an issued signed cookie cannot be removed: end it with SESSION_COOKIE_AGE, or use a
    server-side engine where a session must be revocable.
    Source: https://code.djangoproject.com/ticket/19201
    Twin: test_clearsessions_removes_expired_session
    Detect: session.set_expiry() -> session.save() -> time.sleep() -> *call_command()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    session = SessionStore()
    session["alive"] = True
    # Just over a second: Redis gets the remaining lifetime in whole seconds, at least one.
    session.set_expiry(timedelta(seconds=1.1))
    session.save()
    time.sleep(1.2)
    call_command("clearsessions")
    assert not SessionStore().exists(session.session_key)
    assert SessionStore(session.session_key).get("alive") is None


def test_session_cookie_age_then_sleep(client, settings):
    """settings.SESSION_COOKIE_AGE = 1 (pytest-django); a view stores data; time.sleep(1.2)

    Expect: the next request finds the session expired.
    Source: https://docs.djangoproject.com/en/5.2/ref/settings/#session-cookie-age
    Twin: test_session_cookie_age_then_time_travel
    """
    settings.SESSION_COOKIE_AGE = 1
    client.post("/session/colour/", {"value": "blue"})
    time.sleep(1.2)
    assert client.get("/session/colour/").json()["present"] is False


def test_clear_expired_called_directly():
    """SessionStore.clear_expired() (what clearsessions calls) on a session saved already expired

    Expect: the expired session is stored until clear_expired() runs, and gone after it;
    a live session next to it is kept.
    Why: clear_expired() is a no-op on cache and signed_cookies. The cache engine creates the
    session with add() and its remaining lifetime as the timeout, here zero or less, and no
    cache backend keeps such an entry: django-redis stores nothing (its add() with such a
    timeout only reports whether the key exists), Django's RedisCache sets the key and deletes
    it at once, LocMemCache, memcached and DatabaseCache store it already expired. So exists()
    is False from the start and there is nothing to clean up; signed_cookies stores nothing
    at all (exists() is always False). db and cached_db delete the expired row, file the expired
    file (the file cleanup is #22938).
    Fix: assert what the user sees (the expired key loads nothing) rather than what is
    stored; expect clear_expired() to matter on db, cached_db and file only.
    Source: https://code.djangoproject.com/ticket/22938
    Detect: session.set_expiry() -> session.save() -> *SessionStore.clear_expired()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    expired, live = SessionStore(), SessionStore()
    expired["alive"] = live["alive"] = True
    expired.set_expiry(timezone.now() - timedelta(seconds=1))
    expired.save()
    live.save()
    assert SessionStore().exists(expired.session_key)
    SessionStore.clear_expired()
    assert not SessionStore().exists(expired.session_key)
    assert SessionStore(live.session_key).get("alive") is True


def test_remember_me_longer_than_cookie_age(client):
    """a "remember me" session: s.set_expiry(timedelta(days=30)) > SESSION_COOKIE_AGE; 20 days on

    Expect: 20 days later (time_machine) the session is still alive.
    Why: signed_cookies checks the signature's age against SESSION_COOKIE_AGE only and
    ignores the session's own expiry (#19201): after 14 days the cookie is rejected whatever
    set_expiry() said. db, file and the Redis engines keep it for 30 days (Redis' real clock
    agrees here: its key lives 30 days).
    Fix: on signed_cookies raise SESSION_COOKIE_AGE to the longest "remember me" period and
    shorten ordinary sessions with set_expiry(), or use a server-side engine. Mind what that
    costs on signed_cookies: set_expiry() only shortens the cookie's Max-Age (what a browser
    keeps), while the server accepts the signature for the whole SESSION_COOKIE_AGE, so every
    shortened cookie that was copied stays replayable for the longest period (30 days here).
    Source: https://code.djangoproject.com/ticket/19201
    Detect: time_machine.travel() -> client.session -> session.set_expiry() -> session.save() ->
    client.cookies[]= -> time_machine.travel() -> *client.request()
    """
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        session = client.session
        session["alive"] = True
        session.set_expiry(timedelta(days=30))
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    with time_machine.travel(start + timedelta(days=20), tick=False):
        assert client.get("/session/alive/").json()["present"] is True


def test_idle_timeout_with_save_every_request(client, settings):
    """SESSION_SAVE_EVERY_REQUEST = True; SESSION_COOKIE_AGE = 60; a request every 40 s, then idle

    Expect: an idle timeout: the session lives while requests come every 40 s (each pushes
    its end 60 s further) and is gone after 61 s without one (time_machine moves the clock).
    Why: every request saves the session again, and each engine measures the 60 s on its
    own clock. db stores expire_date from the moved clock and signed_cookies re-signs with
    the moved time: both pass. cache and cached_db give Redis a real 60 s TTL on each save,
    and Redis' clock has not moved: the session is still there after the idle minute. The
    file engine dates a session without its own expiry from the file's mtime, which the
    filesystem stamps on the real clock: at the second request (80 s on the moved clock) the
    file looks 80 s old and the session is dropped while still in use.
    Fix: test an idle timeout on db or signed_cookies with time_machine, or on the real clock
    (short ages and sleeps) on cache, cached_db and file; in production every engine
    enforces it.
    Depends: the clock: time_machine moves Python's clock, not Redis' (cache, cached_db) nor
    the filesystem's (file); a cache engine on LocMemCache or DatabaseCache follows the
    moved clock.
    Source: https://docs.djangoproject.com/en/5.2/ref/settings/#session-save-every-request
    Detect: none: the clock decides; the test's steps are the same on every engine
    """
    settings.SESSION_SAVE_EVERY_REQUEST = True
    settings.SESSION_COOKIE_AGE = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/session/colour/", {"value": "blue"})
    for seconds in (40, 80, 120):
        with time_machine.travel(start + timedelta(seconds=seconds), tick=False):
            assert client.get("/session/colour/").json()["present"] is True
    with time_machine.travel(start + timedelta(seconds=181), tick=False):
        assert client.get("/session/colour/").json()["present"] is False


def test_set_expiry_then_only_reads(client):
    """a view calls set_expiry(300); then read-only requests 200 s and 400 s later (time_machine)

    Expect: reading is not activity (Django's docs): the session is alive at 200 s and gone
    at 400 s, 300 s after the last write.
    Why: as in test_set_expiry_then_time_travel: db compares expire_date with the moved clock
    (the read at 200 s saves nothing, so it extends nothing). cache and cached_db gave Redis a
    real 300 s TTL that the moved clock does not shorten. The file engine passes the integer
    expiry to get_expiry_age(expiry=300), which returns 300 whatever the time, so a file
    session with an integer expiry never ends on load. signed_cookies ignores the session's
    own expiry and accepts the signature for SESSION_COOKIE_AGE (#19201).
    Fix: set_expiry(timedelta(seconds=300)) (a datetime, which file enforces), test the Redis
    engines on the real clock, and on signed_cookies only SESSION_COOKIE_AGE ends a session.
    Depends: the clock: time_machine moves Python's clock, not Redis' (on the real clock the
    cache and cached_db sessions expire); a cache engine on LocMemCache or DatabaseCache
    follows it.
    Detect: none: the view calls set_expiry(); the test only requests it
    Twin: test_set_expiry_then_time_travel
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#django.contrib.sessions.backends.base.SessionBase.set_expiry
    """
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/expiry/300/")
    with time_machine.travel(start + timedelta(seconds=200), tick=False):
        assert client.get("/session/alive/").json()["present"] is True
    with time_machine.travel(start + timedelta(seconds=400), tick=False):
        assert client.get("/session/alive/").json()["present"] is False
