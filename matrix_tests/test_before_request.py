"""Editing the session through the test client before the test has made any request."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import SimpleTestCase, TestCase

pytestmark = pytest.mark.before_request


class SeedTests(TestCase):
    """The seed: the two tests from the question that started this project."""

    def test_naive_save(self):
        """s = self.client.session; s["foo"] = 2; s.save(); self.client.get(url)

        Expect: the view reads foo == 2 from the session, answers "2" and stores 3.
        Why: on signed_cookies the session key *is* the signed data: save() computes a new key,
        but Client.session never writes it back into client.cookies, so the request still sends
        the old cookie, which has no foo. The other engines save under the key the cookie
        already holds.
        Fix: after save(), client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key.
        Source: https://code.djangoproject.com/ticket/10899
        Detect: client.session -> *session.save() -> client.request(); without client.cookies[]=,
        client.session[]=
        """
        s = self.client.session
        s["foo"] = 2
        s.save()
        response = self.client.get("/counter/")
        self.assertEqual(response.content, b"2")
        self.assertEqual(self.client.session["foo"], 3)

    def test_save_then_update_cookie(self):
        """s = self.client.session; s["foo"] = 2; s.save(); client.cookies[...] = s.session_key

        Expect: the view reads foo == 2 from the session, answers "2" and stores 3.
        """
        s = self.client.session
        s["foo"] = 2
        s.save()
        self.client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key
        response = self.client.get("/counter/")
        self.assertEqual(response.content, b"2")
        self.assertEqual(self.client.session["foo"], 3)


@pytest.mark.django_db
def test_naive_save_pytest(client):
    """session = client.session; session["foo"] = 2; session.save() with pytest-django's client

    Expect: the view reads foo == 2 from the session, answers "2" and stores 3.
    Why: as in the seed: on signed_cookies save() makes a new key (the signed data) that
    Client.session never writes into client.cookies; the request sends the old cookie.
    Fix: after save(), client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key.
    Detect: like SeedTests::test_naive_save
    """
    session = client.session
    session["foo"] = 2
    session.save()
    response = client.get("/counter/")
    assert response.content == b"2"
    assert client.session["foo"] == 3


@pytest.mark.django_db
def test_save_then_update_cookie_pytest(client):
    """client.session edit + save(), then client.cookies[SESSION_COOKIE_NAME] = session.session_key

    Expect: the view reads foo == 2 from the session, answers "2" and stores 3.
    """
    session = client.session
    session["foo"] = 2
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    response = client.get("/counter/")
    assert response.content == b"2"
    assert client.session["foo"] == 3


@pytest.mark.django_db
def test_chained_property_assignment(client):
    """client.session["foo"] = 2; client.session.save() without keeping the session in a variable

    Expect: the view reads foo == 2.
    Why: negative control, a mistake on every engine: Client.session is a property that builds
    a new SessionStore on each access, so foo goes into a store that is never saved and the
    store that is saved has no foo. Django's docs warn about exactly this.
    Fix: session = client.session; session["foo"] = 2; session.save(), then
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key.
    Source: https://docs.djangoproject.com/en/5.2/topics/testing/tools/#django.test.Client.session
    Kind: mistake
    """
    client.session["foo"] = 2
    client.session.save()
    response = client.get("/counter/")
    assert response.content == b"2"


@pytest.mark.django_db
def test_edit_without_save(client):
    """session = client.session; session["foo"] = 2 and no save() before the request

    Expect: the view reads foo == 2.
    Why: negative control, a mistake on every engine: the SessionStore is an in-memory copy;
    nothing reaches the store (or, on signed_cookies, a new key) until save(), and the view
    loads what is stored.
    Fix: session.save(), then client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key.
    Kind: mistake
    """
    session = client.session
    session["foo"] = 2
    response = client.get("/counter/")
    assert response.content == b"2"


@pytest.mark.django_db
def test_update_then_save(client):
    """session = client.session; session.update({"foo": 2, "colour": "blue"}); session.save()

    Expect: the view reads foo == 2, and colour is there too.
    Why: update() is one more edit of the in-memory store; on signed_cookies save() puts the
    data into a new key that Client.session never writes into client.cookies.
    Fix: after save(), client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key.
    Detect: client.session -> session.update() -> *session.save() -> client.request(); without
    client.cookies[]=
    """
    session = client.session
    session.update({"foo": 2, "colour": "blue"})
    session.save()
    assert client.get("/counter/").content == b"2"
    assert client.session["colour"] == "blue"


@pytest.mark.django_db
def test_delete_key_then_save(client):
    """del session["colour"]; session.save() on a session the test seeded the portable way

    Expect: the view no longer finds colour.
    Why: on signed_cookies every save() produces a new key; the cookie was updated after the
    first save only, so it still carries the signed data *with* colour: the deleted value is
    silently served again (no error, a stale value).
    Fix: write session.session_key into client.cookies after every save(), not once.
    Detect: client.session -> del session[] -> *session.save() -> client.request(); without
    client.cookies[]=
    """
    session = client.session
    session["colour"] = "blue"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    session = client.session
    del session["colour"]
    session.save()
    assert client.get("/session/colour/").json()["present"] is False


@pytest.mark.django_db
def test_setdefault_append_then_save(client):
    """session.setdefault("cart", []).append("apple"); session.save(); cookie = session_key

    Expect: the cart view lists the apple (a nested change is kept: the test calls save()).
    """
    session = client.session
    session.setdefault("cart", []).append("apple")
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get("/cart/").json()["cart"] == ["apple"]


@pytest.mark.django_db
def test_flush_client_session(client):
    """client.session.flush() to start the next request with an empty session

    Expect: the view no longer finds what the test had stored.
    Why: flush() deletes the stored session, so on the key-based engines the cookie's key
    now points at nothing. signed_cookies has nothing server-side to delete (its delete()
    only empties the object), so the cookie still carries the data.
    Fix: drop the cookie instead: client.cookies.pop(settings.SESSION_COOKIE_NAME) (or
    client.logout() when logged in); the next request then starts a new session everywhere.
    Detect: *session.flush() -> client.request(); without client.cookies.pop()
    """
    session = client.session
    session["colour"] = "blue"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    client.session.flush()
    assert client.get("/session/colour/").json()["present"] is False


@pytest.mark.django_db
def test_cycle_key_then_update_cookie(client):
    """session.cycle_key(); client.cookies[SESSION_COOKIE_NAME] = session.session_key

    Expect: the view still finds the data under the new key, and the old key carries nothing.
    Why: on signed_cookies cycle_key() is just save(): the data is signed again (within the
    same second, even into the same key) and the old cookie, a signed copy of the data, can
    never be revoked. The key-based engines delete the old key.
    Fix: none on signed_cookies (a cookie stays valid until SESSION_COOKIE_AGE); assert only
    what the new key holds, or use a server-side engine where old keys must die.
    Detect: *session.cycle_key() -> client.cookies[]= -> client.request()
    """
    session = client.session
    session["colour"] = "blue"
    session.save()
    old_key = session.session_key
    session.cycle_key()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get("/session/colour/").json()["value"] == "blue"
    client.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert client.get("/session/colour/").json()["present"] is False


@pytest.mark.django_db
def test_admin_client_edit_session(admin_client):
    """pytest-django's admin_client: s = admin_client.session; s["foo"] = 2; s.save()

    Expect: the view reads foo == 2 and the admin is still logged in.
    Why: admin_client is force_login(), which writes its own key into the cookie, so the login
    holds everywhere; the edit after it is the naive save, and on signed_cookies the new key
    with foo never reaches client.cookies.
    Fix: after save(), admin_client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key.
    Detect: like SeedTests::test_naive_save
    """
    session = admin_client.session
    session["foo"] = 2
    session.save()
    assert admin_client.get("/counter/").content == b"2"
    assert admin_client.get("/whoami/").json()["username"] == "admin"


def test_client_session_without_django_db(client):
    """session = client.session; edit; save(); cookie update, in a pytest test with no django_db

    Expect: the view reads the value the test stored (sessions need no test database).
    Why: client.session creates and saves a session when the client has no cookie yet, and
    save() writes where the engine keeps sessions: db and cached_db (and a cache engine on
    DatabaseCache) write a row, and pytest-django blocks database access in a test without
    the django_db mark (RuntimeError "Database access not allowed"). cache on Redis or
    memcached, file and signed_cookies never touch the database, so the test passes there.
    Depends: pytest-django's database blocker, and where the engine (or its cache) stores
    sessions; with @pytest.mark.django_db every engine passes (the twin).
    Fix: mark the test @pytest.mark.django_db (or request the db fixture) whenever it uses
    the session, even on an engine that does not need it today.
    Source: https://github.com/django/django/pull/4522
    Detect: none: what decides is the missing django_db mark, which is not a step in the code
    Twin: test_save_then_update_cookie_pytest
    """
    session = client.session
    session["colour"] = "blue"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get("/session/colour/").json()["value"] == "blue"


class SimpleTestCaseSessionTests(SimpleTestCase):
    """A SimpleTestCase (no database) that uses the test client's session."""

    def test_client_session_in_simple_test_case(self):
        """s = self.client.session; edit; save(); cookie update, in a SimpleTestCase

        Expect: the view reads the value the test stored.
        Why: SimpleTestCase refuses every database query since Django 1.9 (#24652):
        AssertionError "Database queries to 'default' are not allowed in SimpleTestCase
        subclasses". client.session saves a new session at once, which on db and cached_db
        (and a cache engine on DatabaseCache) is a query; cache on Redis or memcached, file
        and signed_cookies pass.
        Depends: on SimpleTestCase's database guard and on where the engine stores sessions;
        in a TestCase every engine passes (SeedTests::test_save_then_update_cookie).
        Fix: use TestCase (or set databases = {"default"} on the SimpleTestCase) when a test
        uses the session.
        Source: https://github.com/django/django/pull/4522
        Detect: none: what decides is the SimpleTestCase base class, not a step in the code
        Twin: SeedTests::test_save_then_update_cookie
        """
        session = self.client.session
        session["colour"] = "blue"
        session.save()
        self.client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        self.assertEqual(self.client.get("/session/colour/").json()["value"], "blue")

    def test_force_login_in_simple_test_case(self):
        """self.client.force_login(User(pk=1, username="alice")) in a SimpleTestCase

        Expect: the view sees the user logged in.
        Why: force_login() sends user_logged_in, whose receiver saves user.last_login (a
        database write), and every request loads the user from the database: SimpleTestCase
        refuses both (AssertionError "Database queries to 'default' are not allowed"), on
        every engine, before the session matters.
        Fix: a TestCase with a saved user (self.client.force_login(User.objects.create_user(...))).
        Source: https://github.com/django/django/pull/4522
        Kind: mistake
        """
        user = get_user_model()(pk=1, username="alice")
        self.client.force_login(user)
        self.assertEqual(self.client.get("/whoami/").json()["username"], "alice")
