"""Reading and editing the session once a view has set the session cookie."""

import datetime
from importlib import import_module

import pytest
import time_machine
from django.conf import settings

pytestmark = [pytest.mark.after_request, pytest.mark.django_db]

# A fixed instant for patterns whose outcome depends on the clock (signed keys embed the second).
FROZEN_AT = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def test_read_value_a_view_stored(client):
    """client.post("/session/colour/", {"value": "blue"}); then client.session["colour"]

    Expect: the test sees what the view stored.
    """
    client.post("/session/colour/", {"value": "blue"})
    assert client.session["colour"] == "blue"


def test_edit_after_view_set_cookie(client):
    """after a view stored data: s = client.session; s["foo"] = 2; s.save(); client.get(url)

    Expect: the view reads foo == 2 and keeps what the first view stored.
    Why: on signed_cookies save() signs the edited data into a new key, and Client.session
    never writes it into client.cookies: the next request sends the cookie the view set,
    which has colour but no foo.
    Fix: after save(), client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key.
    Detect: client.request() -> client.session -> session[]= -> *session.save() ->
    client.request(); without client.cookies[]=, client.session[]=
    """
    client.post("/session/colour/", {"value": "blue"})
    session = client.session
    session["foo"] = 2
    session.save()
    assert client.get("/counter/").content == b"2"
    assert client.session["colour"] == "blue"


def test_edit_after_view_set_cookie_with_cookie_update(client):
    """after a view stored data: edit client.session, save(), write session_key into the cookie

    Expect: the view reads foo == 2 and keeps what the first view stored.
    """
    client.post("/session/colour/", {"value": "blue"})
    session = client.session
    session["foo"] = 2
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get("/counter/").content == b"2"
    assert client.session["colour"] == "blue"


def test_session_handle_kept_across_a_request(client):
    """session = client.session kept from before a request, read after the view changed it

    Expect: the handle shows what the view stored (colour == "blue").
    Why: client.session returns a SessionStore for the cookie value of that moment, loaded
    lazily. On the key-based engines the view saved under the same key, so the handle's first
    read (after the request) loads the new data; it works only because nothing was read
    before the request (a handle read earlier keeps its old copy on every engine). On
    signed_cookies the handle's key is the old signed data, which still says "red".
    Fix: take a fresh session = client.session after each request.
    Detect: client.session -> client.request() -> *handle[]
    """
    client.post("/session/colour/", {"value": "red"})
    session = client.session
    client.post("/session/colour/", {"value": "blue"})
    assert session["colour"] == "blue"


def test_session_key_stable_across_saves(client):
    """key = session.session_key after save(); save() again later; compare with the cookie

    Expect: the key equals the cookie the view set and does not change while the session
    lives (the clock is frozen, then moved on two seconds).
    Why: a signed_cookies key is signing.dumps(data) through a TimestampSigner, which embeds
    the current second: the same data saved two seconds later gets another key (and a test
    comparing keys without a frozen clock is flaky). The key-based engines keep the key until
    cycle_key() or flush().
    Fix: compare session data, not keys; if a key is needed, read it again from
    client.cookies after the last request, and freeze the clock (time_machine) around it.
    Source: https://github.com/DataDog/system-tests/pull/7530
    Detect: client.request() -> client.session -> session.save() -> session.session_key ->
    *session.save()
    """
    with time_machine.travel(FROZEN_AT, tick=False) as traveller:
        client.post("/session/colour/", {"value": "blue"})
        session = client.session
        session.save()
        key = session.session_key
        assert client.cookies[settings.SESSION_COOKIE_NAME].value == key
        traveller.shift(2)
        session.save()
        assert session.session_key == key


def test_edit_after_view_flushed_session(client):
    """a view flushed the session (logout/flush view); s = client.session; s["foo"] = 2; s.save()

    Expect: the view reads foo == 2.
    Why: negative control, a trap on every engine: the flush view deletes the cookie with
    `Set-Cookie: sessionid=""; Max-Age=0`; the test client ignores expiry and keeps a morsel
    whose value is "". That morsel is truthy, so Client.session builds SessionStore("") (no
    key) instead of creating a session and setting the cookie; save() stores under a new key
    the cookie never gets, and the request sends the empty cookie. django-user-sessions passes:
    its own SessionMiddleware (a copy of an older Django's) never deletes the cookie, it saves
    the flushed, empty session under a new key and sets that cookie, which client.session loads.
    Fix: after save(), client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key (deleting
    the morsel first is not enough on signed_cookies).
    Kind: test-tool-limitation
    """
    client.post("/session/colour/", {"value": "blue"})
    client.post("/flush/")
    session = client.session
    session["foo"] = 2
    session.save()
    assert client.get("/counter/").content == b"2"


def test_session_store_loaded_by_cookie_key(client):
    """SessionStore(session_key=client.cookies[SESSION_COOKIE_NAME].value) from SESSION_ENGINE

    Expect: the store loaded by key holds what the view stored.
    """
    client.post("/session/colour/", {"value": "blue"})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    assert store["colour"] == "blue"


def test_session_model_get_decoded(client):
    """Session.objects.get(pk=client.cookies["sessionid"].value).get_decoded()

    Expect: the decoded row holds what the view stored.
    Why: only db and cached_db write a django_session row; cache keeps the session in the
    cache only, file in a file, signed_cookies in the cookie itself: Session.DoesNotExist.
    Fix: import_module(settings.SESSION_ENGINE).SessionStore(key) (or client.session) loads
    the session on every engine.
    Detect: *Session.objects.get() -> get_decoded()
    """
    from django.contrib.sessions.models import Session

    client.post("/session/colour/", {"value": "blue"})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.get(pk=key).get_decoded()["colour"] == "blue"


def test_set_test_cookie_then_worked(client):
    """a view calls request.session.set_test_cookie(); the next view checks test_cookie_worked()

    Expect: the second view reports the test cookie worked (and deletes it).
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#setting-test-cookies
    """
    client.get("/cookie-check/start/")
    assert client.get("/cookie-check/").json()["worked"] is True
    assert client.get("/cookie-check/").json()["worked"] is False


def test_session_kept_after_a_500_response(client):
    """a view stores the order in request.session, then answers 500 (a payment provider failed)

    Expect: the next request still finds the order in the session.
    Why: SessionMiddleware saves nothing when the response is a server error (500 since
    #3881; every 5xx since Django 4.2, #34173), on every engine: the change made by the
    failing view is dropped on purpose (the error may have left it half done).
    Fix: keep what must survive a failure out of the session (a model row written before
    the call), or answer with a 4xx or a redirect to an error page when the session must be
    saved.
    Source: https://code.djangoproject.com/ticket/34173
    Kind: django-limitation
    """
    client.post("/checkout/fails/", {"order": "42"})
    assert client.get("/session/order/").json()["value"] == "42"


def test_session_key_in_a_charfield_40(client):
    """a view records Visit(session_key=request.session.session_key) (CharField(max_length=40))

    Expect: each visit is recorded under the visitor's session key: two visits count 2.
    Why: a signed_cookies session key is the signed data itself, far longer than 40
    characters (and it changes with every save): the model's validation (full_clean(), as a
    ModelForm runs it) rejects it (ValidationError), and without validation PostgreSQL and
    MariaDB raise DataError ("value too long for type character varying(40)"); SQLite stores
    any length and hides it. The other engines' keys are 32 characters.
    Fix: do not key records on session_key where signed_cookies may be used; store a value
    of your own in the session (request.session.setdefault("visitor", uuid4().hex)), or use
    a server-side engine.
    Source: https://github.com/thornomad/django-hitcount/issues/81
    Detect: none: the view stores the key; the test only requests it
    """
    client.get("/visit/")
    assert client.get("/visit/").json()["visits"] == 2
