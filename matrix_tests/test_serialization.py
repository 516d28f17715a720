"""Serialization: what a view stores in one request and what the next request reads back."""

import pytest
from django.core.cache import cache

pytestmark = [pytest.mark.serialization, pytest.mark.django_db]


def test_datetime_round_trip(client):
    """request.session["datetime"] = datetime(2026, 1, 2, tzinfo=UTC); read it on the next request

    Expect: the next request reads back an equal datetime.
    Why: db, cached_db, file and signed_cookies encode the session with SESSION_SERIALIZER,
    JSONSerializer by default (plain json.dumps): the save at the end of the first request
    raises TypeError (datetime is not JSON serializable). The cache engine hands the dict to the
    cache unencoded and django-redis pickles it. cached_db writes the database (JSON) first.
    Fix: store when.isoformat() and parse it back (see test_datetime_as_isoformat).
    Depends: the cache's serializer: django-redis pickles by default, which decides the cache
    cell; the cache-redis-json configuration shows it with django-redis' JSONSerializer.
    Detect: none: the view stores the datetime; the test only requests it
    """
    client.get("/rich/datetime/")
    stored = client.get("/rich/datetime/read/").json()
    assert stored["type"] == stored["expected_type"]
    assert stored["equal"] is True


def test_decimal_round_trip(client):
    """request.session["decimal"] = Decimal("9.99") in a view; read it on the next request

    Expect: the next request reads back an equal Decimal.
    Why: db, cached_db, file and signed_cookies encode the session with SESSION_SERIALIZER,
    JSONSerializer by default (plain json.dumps): the save at the end of the first request
    raises TypeError (Decimal is not JSON serializable). The cache engine hands the dict to the
    cache unencoded and django-redis pickles it. cached_db writes the database (JSON) first.
    Fix: store str(value) and read it back with Decimal(request.session["decimal"]).
    Depends: the cache's serializer: django-redis pickles by default, which decides the cache
    cell; the cache-redis-json configuration shows it with django-redis' JSONSerializer.
    Detect: none: the view stores the Decimal; the test only requests it
    """
    client.get("/rich/decimal/")
    stored = client.get("/rich/decimal/read/").json()
    assert stored["type"] == stored["expected_type"]
    assert stored["equal"] is True


def test_uuid_round_trip(client):
    """request.session["uuid"] = UUID("12345678-...") in a view; read it on the next request

    Expect: the next request reads back an equal UUID.
    Why: db, cached_db, file and signed_cookies encode the session with SESSION_SERIALIZER,
    JSONSerializer by default (plain json.dumps): the save at the end of the first request
    raises TypeError (UUID is not JSON serializable). The cache engine hands the dict to the
    cache unencoded and django-redis pickles it. cached_db writes the database (JSON) first.
    Fix: store str(value) and read it back with UUID(request.session["uuid"]).
    Depends: the cache's serializer: django-redis pickles by default, which decides the cache
    cell; the cache-redis-json configuration shows it with django-redis' JSONSerializer.
    Detect: none: the view stores the UUID; the test only requests it
    """
    client.get("/rich/uuid/")
    stored = client.get("/rich/uuid/read/").json()
    assert stored["type"] == stored["expected_type"]
    assert stored["equal"] is True


def test_set_round_trip(client):
    """request.session["set"] = {"a", "b"} in a view; read it on the next request

    Expect: the next request reads back an equal set.
    Why: db, cached_db, file and signed_cookies encode the session with SESSION_SERIALIZER,
    JSONSerializer by default (plain json.dumps): the save at the end of the first request
    raises TypeError (set is not JSON serializable). The cache engine hands the dict to the
    cache unencoded and django-redis pickles it. cached_db writes the database (JSON) first.
    Fix: store sorted(value) and read it back with set(request.session["set"]).
    Depends: the cache's serializer: django-redis pickles by default, which decides the cache
    cell (with its JSONSerializer the value comes back no more: TypeError).
    Detect: none: the view stores the set; the test only requests it
    """
    client.get("/rich/set/")
    stored = client.get("/rich/set/read/").json()
    assert stored["type"] == stored["expected_type"]
    assert stored["equal"] is True


def test_tuple_round_trip(client):
    """request.session["tuple"] = (1, 2) in a view; read it on the next request

    Expect: the next request reads back the tuple (1, 2).
    Why: JSON has no tuple: db, file and signed_cookies give back the list [1, 2], which is not
    equal to (1, 2). The cache engine keeps the tuple (django-redis pickles the dict); cached_db
    keeps it only while the read is served from the pickled Redis copy (its row holds a list).
    Fix: store lists, or convert on read: tuple(request.session["tuple"]).
    Depends: the cache's serializer (django-redis pickles by default) for the cache cell, and
    for cached_db also the Redis copy still being there (after an eviction: a list).
    Detect: none: the view stores the tuple; the test only requests it
    """
    client.get("/rich/tuple/")
    stored = client.get("/rich/tuple/read/").json()
    assert stored["type"] == stored["expected_type"]
    assert stored["equal"] is True


def test_datetime_as_isoformat(client):
    """request.session["when"] = when.isoformat(); datetime.fromisoformat() on the next request

    Expect: the next request gets the same datetime back.
    """
    client.get("/when/set/")
    assert client.get("/when/").json() == {"type": "datetime", "equal": True}


def test_pickle_serializer_setting(client, settings):
    """settings.SESSION_SERIALIZER = "django.contrib.sessions.serializers.PickleSerializer"

    Expect: a datetime stored by one request is read back by the next.
    Why: PickleSerializer was deprecated in Django 4.1 and removed in 5.0: from 5.0 on
    django.contrib.sessions.serializers has only JSONSerializer, so every request raises
    ImportError. On 4.2 it still works on every engine (with a RemovedInDjango50Warning).
    Depends: for cache on 4.2, the cache's serializer: the cache engine hands the dict to the
    cache, not to SESSION_SERIALIZER; with django-redis' JSONSerializer the datetime is a str.
    Fix: keep the JSON serializer and store JSON types (see test_datetime_as_isoformat).
    Kind: django-limitation
    """
    settings.SESSION_SERIALIZER = "django.contrib.sessions.serializers.PickleSerializer"
    client.get("/rich/datetime/")
    stored = client.get("/rich/datetime/read/").json()
    assert stored["type"] == "datetime"
    assert stored["equal"] is True


def test_int_key_round_trip(client):
    """request.session[1] = "one"; the next request reads request.session.get(1)

    Expect: the value is found under the integer key 1.
    Why: JSON object keys are strings: db, file and signed_cookies read back "1", not 1. The
    cache engine stores the dict pickled (django-redis), and cached_db serves that pickled Redis
    copy, so both keep the integer key (cached_db only while the Redis copy lasts).
    Fix: use string keys: request.session["1"] or a named key.
    Depends: the cache's serializer (django-redis pickles by default) for the cache cell, and
    for cached_db also the Redis copy still being there (after an eviction: the key is "1").
    Detect: none: the view stores the integer key; the test only requests it
    """
    client.get("/int-key/set/")
    assert client.get("/int-key/").json() == {"present": True, "value": "one"}


def test_nested_mutation_without_modified(client):
    """request.session.setdefault("cart", []).append(item) in two requests, no modified = True

    Expect: the cart holds both items.
    Why: on every engine, appending to a list the session already holds does not set
    session.modified (setdefault() returns the stored list), so SessionMiddleware does not save
    the second request's change.
    Fix: set request.session.modified = True after the mutation, or SESSION_SAVE_EVERY_REQUEST
    = True (both patterns below hold everywhere).
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#when-sessions-are-saved
    Kind: django-limitation
    """
    client.get("/cart/add/apple/")
    client.get("/cart/add/pear/")
    assert client.get("/cart/").json()["cart"] == ["apple", "pear"]


def test_nested_mutation_marked_modified(client):
    """request.session["cart"].append(item); request.session.modified = True, in two requests

    Expect: the cart holds both items.
    """
    client.get("/cart/add-marked/apple/")
    client.get("/cart/add-marked/pear/")
    assert client.get("/cart/").json()["cart"] == ["apple", "pear"]


def test_nested_mutation_with_save_every_request(client, settings):
    """settings.SESSION_SAVE_EVERY_REQUEST = True; append to a list in the session, twice

    Expect: the cart holds both items.
    """
    settings.SESSION_SAVE_EVERY_REQUEST = True
    client.get("/cart/add/apple/")
    client.get("/cart/add/pear/")
    assert client.get("/cart/").json()["cart"] == ["apple", "pear"]


def test_session_reads_the_same_after_cache_eviction(client):
    """a view stores (1, 2); the next request reads it; cache.clear(); a request reads it again

    Expect: the value reads the same before and after the cache entry is evicted (memory
    pressure, a Redis restart, a cache.clear()).
    Why: cached_db serves the pickled Redis copy while it exists (a tuple) and the JSON row
    after it is gone (a list): the same session changes type under the code reading it.
    The cache engine loses the session with its entry. db, file and signed_cookies never
    read the cache and give a list both times.
    Fix: store only JSON types (lists, string keys), so both copies agree; treat a cache
    session as lost when the cache is flushed.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cached-sessions
    Depends: for cached_db, the cache's serializer: django-redis pickles by default, so its
    copy keeps the tuple (with a JSON cache serializer both reads give a list).
    Detect: client.request() -> client.request() -> *cache.clear() -> client.request()
    """
    client.get("/rich/tuple/")
    before = client.get("/rich/tuple/read/").json()
    cache.clear()
    assert client.get("/rich/tuple/read/").json() == before


def test_custom_serializer_with_django_json_encoder(client, settings):
    """SESSION_SERIALIZER = a JSONSerializer with DjangoJSONEncoder; a view stores a datetime

    Expect: the next request reads what the serializer wrote: the datetime as an ISO string.
    Why: SESSION_SERIALIZER is used by the engines that encode the session themselves (db,
    file, signed_cookies). The cache engine hands the session dict to the cache, which
    serializes it its own way: django-redis and LocMemCache pickle it, so the datetime comes
    back a datetime, and cached_db reads that cache copy first. django-redis' JSON serializer
    (DjangoJSONEncoder too) happens to agree with the setting.
    Fix: convert values before storing them (request.session["when"] = when.isoformat()),
    so that every engine and cache serializer stores the same thing.
    Depends: the cache's serializer (django-redis pickle or JSON, LocMemCache's pickle) on
    the cache engines, not SESSION_SERIALIZER.
    Detect: none: the view stores the datetime; the test only requests it
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#write-your-own-serializer
    """
    settings.SESSION_SERIALIZER = "project.sessions_app.serializers.DjangoJSONSerializer"
    client.get("/rich/datetime/")
    assert client.get("/rich/datetime/read/").json()["type"] == "str"
