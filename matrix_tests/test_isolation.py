"""Isolation and persistence: what rolls back, what a cache flush or another process sees."""

import io
import subprocess
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.db import connection, connections, transaction
from django.test import Client, TestCase, override_settings

pytestmark = pytest.mark.isolation

# Run in a fresh Python: the same settings module and environment (Redis database, session
# directory), pointed at the database this test run uses; print what the session holds.
READ_IN_ANOTHER_PROCESS = """
import sys
from importlib import import_module

import django
from django.conf import settings

settings.DATABASES["default"]["NAME"] = sys.argv[1]
django.setup()
print(import_module(settings.SESSION_ENGINE).SessionStore(sys.argv[2]).get("colour"))
"""


class PaymentFailed(Exception):
    pass


def checkout(session):
    """A service that writes the session inside a transaction, then fails and rolls back."""
    with transaction.atomic():
        session["order"] = 42
        session.save()
        raise PaymentFailed


@pytest.mark.django_db
def test_session_saved_in_rolled_back_atomic():
    """with transaction.atomic(): session["order"] = 42; session.save(); then the block raises

    Expect: the session write is rolled back with the transaction: the key loads nothing.
    Why: only the db engine writes inside the transaction. Redis keys (cache), session files and
    the signed cookie itself are not transactional; cached_db's row is rolled back but its Redis
    copy stays and is what the next load reads.
    Depends: for cache, where the cache lives: a database cache (DatabaseCache) is written
    inside the test's transaction and rolls back with it, as db does.
    Fix: write the session only after the transaction has committed (for instance in
    transaction.on_commit), never rely on a rollback to undo a session write.
    Detect: transaction.atomic() -> *session.save()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    session = SessionStore()
    with pytest.raises(PaymentFailed):
        checkout(session)
    assert SessionStore(session.session_key).get("order") is None


@pytest.mark.django_db
def test_request_after_rolled_back_session(client):
    """a session saved in a rolled-back atomic() is sent as the cookie; a view then writes to it

    Expect: the request succeeds and the session holds what the view wrote.
    Why: cached_db loads the session from its Redis copy, but the row was rolled back: the save
    at the end of the request (a forced UPDATE) matches no row, raises UpdateError, and
    SessionMiddleware answers 400 (SessionInterrupted). db finds no row at load and starts a new
    session; cache, file and signed_cookies still hold the data.
    Fix: save sessions outside transactions that may roll back; on cached_db, delete a session
    whose row you roll back (SessionStore(key).delete() clears the Redis copy too).
    Detect: transaction.atomic() -> session.save() -> client.cookies[]= -> *client.request()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    session = SessionStore()
    with pytest.raises(PaymentFailed):
        checkout(session)
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    response = client.post("/session/colour/", {"value": "red"})
    assert response.status_code == 200
    assert client.session["colour"] == "red"


def log_device_out(session_key):
    """A service that deletes a session inside a transaction, then fails and rolls back."""
    with transaction.atomic():
        import_module(settings.SESSION_ENGINE).SessionStore(session_key).delete()
        raise PaymentFailed


@pytest.mark.django_db
def test_testcase_rolls_back_sessions_between_tests():
    """a TestCase: test_1 stores session data through a view, test_2 loads the key test_1 kept

    Expect: TestCase rolls back after each test, so test_2 finds nothing under that key
    (the suite is run here with unittest, as `manage.py test` runs it).
    Why: TestCase rolls back the database only. The cache engine's Redis key, cached_db's
    Redis copy and the file engine's file outlive the test; on signed_cookies the data is in
    the key itself, so it loads until SESSION_COOKIE_AGE.
    Depends: for cache, where the cache lives: a database cache (DatabaseCache) is written
    inside the test's transaction and rolls back with it, as db does.
    Fix: delete what a test creates (self.addCleanup(SessionStore(key).delete), as Django's
    own session tests do), give each run its own Redis DB and file directory, and never carry
    session keys from one test to the next (signed cookies cannot be revoked).
    Source: https://code.djangoproject.com/ticket/11505
    Detect: none: the session crosses from one TestCase test to the next; no one test's code shows
    it
    """
    kept = {}

    class CheckoutTests(TestCase):
        def test_1_view_stores_session(self):
            self.client.post("/session/colour/", {"value": "blue"})
            kept["key"] = self.client.cookies[settings.SESSION_COOKIE_NAME].value
            self.assertEqual(self.client.session["colour"], "blue")

        def test_2_previous_tests_session_is_gone(self):
            SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
            self.assertIsNone(SessionStore(kept["key"]).get("colour"))

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(CheckoutTests)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    problems = [trace.strip().splitlines()[-1] for _, trace in result.errors + result.failures]
    assert result.testsRun == 2
    assert problems == []


@pytest.mark.django_db
def test_session_deleted_in_rolled_back_atomic():
    """with transaction.atomic(): SessionStore(key).delete() (log a device out); then it raises

    Expect: the delete is rolled back with the transaction: the key loads its data again.
    Why: only the database is transactional. db restores the row; cached_db deleted its
    Redis copy outside the transaction, but the row comes back and the next load refills the
    cache from it. The cache engine's Redis key and the file engine's file are gone for good.
    signed_cookies has nothing server-side to delete: the key never stopped loading.
    Depends: for cache, where the cache lives: a database cache (DatabaseCache) is written
    inside the test's transaction and rolls back with it, as db does.
    Fix: delete sessions after the transaction commits (transaction.on_commit(
    lambda: SessionStore(key).delete())), so a rollback never has to undo it.
    Source: https://docs.djangoproject.com/en/5.2/topics/db/transactions/#performing-actions-after-commit
    Detect: transaction.atomic() -> *session.delete()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    session = SessionStore()
    session["colour"] = "blue"
    session.save()
    with pytest.raises(PaymentFailed):
        log_device_out(session.session_key)
    assert SessionStore(session.session_key).get("colour") == "blue"


def in_another_request(func):
    """Run func as a request served meanwhile would be: in another thread, on a database
    connection of its own."""

    def serve():
        try:
            return func()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as server:
        return server.submit(serve).result()


@pytest.mark.django_db(transaction=True)
def test_session_read_while_its_delete_is_uncommitted():
    """SessionStore(key).delete() in transaction.atomic() while another request reads the session

    Expect: once the delete commits, the session is gone: the key loads nothing.
    Why: cached_db deletes its cache copy at once but its row only when the transaction
    commits. A request served in between misses the cache, reads the row (still committed
    for every other connection) and puts it back into the cache; after the commit that copy
    goes on serving the deleted session until it times out, at the row's remaining lifetime
    (load() caches it for get_expiry_age(expiry=expire_date), not a fresh SESSION_COOKIE_AGE).
    signed_cookies has nothing server-side to delete: the key is the data and keeps loading.
    Depends: on a test database that a second connection can read while a transaction is
    open (PostgreSQL, MariaDB, SQLite in a file). pytest-django's in-memory SQLite locks the
    table instead, so the db-backed configurations on it fail with OperationalError
    ("database table is locked") before the race can happen.
    Fix: delete the session once the transaction has committed:
    transaction.on_commit(lambda: SessionStore(key).delete()).
    Source: https://docs.djangoproject.com/en/5.2/topics/db/transactions/#performing-actions-after-commit
    Detect: transaction.atomic() -> session.delete() -> *session.get(); unless pytest.raises()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    session = SessionStore()
    session["colour"] = "blue"
    session.save()
    key = session.session_key
    with transaction.atomic():
        SessionStore(key).delete()
        in_another_request(lambda: SessionStore(key).get("colour"))
    assert SessionStore(key).get("colour") is None


@pytest.mark.django_db
def test_store_create_outside_request():
    """s = SessionStore(); s["colour"] = "blue"; s.create() in a script or task; SessionStore(key)

    Expect: create() saved the session under a new key: the key loads the data.
    Why: on signed_cookies create() only marks the session modified, for the middleware to
    set a cookie at the end of a request: session_key stays None and nothing is saved.
    (On the other engines create() saves immediately, with the data already set.)
    Fix: call save() rather than create() (save() creates the session when it has no key, on
    every engine), then read session_key.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-sessions-out-of-views
    Detect: SessionStore() -> session[]= -> *session.create()
    """
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    session = SessionStore()
    session["colour"] = "blue"
    session.create()
    assert session.session_key is not None
    assert SessionStore(session.session_key).get("colour") == "blue"


@pytest.mark.django_db
def test_cache_clear_keeps_sessions(client):
    """django.core.cache.cache.clear() in a test, after a view stored session data

    Expect: clearing the cache does not log anybody out: the session still holds the data.
    Why: the cache engine keeps sessions in the cache named by SESSION_CACHE_ALIAS ("default"
    here), and django-redis' clear() is FLUSHDB on that whole Redis database: every session is
    gone. cached_db falls back to its database rows.
    Fix: give sessions their own cache alias on a separate Redis database (SESSION_CACHE_ALIAS),
    or use cached_db; in tests delete only the keys you set (cache.delete_many).
    Detect: client.request() -> *cache.clear() -> client.request()
    """
    client.post("/session/colour/", {"value": "blue"})
    cache.clear()
    assert client.get("/session/colour/").json()["value"] == "blue"


@pytest.mark.django_db(transaction=True)
def test_session_visible_to_another_process(client):
    """a view stores data; subprocess.run([sys.executable, ...]) loads SessionStore(key)

    Expect: another process (a worker, a management command) reads the saved session.
    Why: pytest-django's SQLite test database is in memory, private to the pytest process: the
    other process opening the same name gets a new, empty database ("no such table:
    django_session"). cached_db passes only because the other process reads the Redis copy.
    This is about the test database: in production db sessions outlive a restart.
    Fix: give the test database a file name (DATABASES["default"]["TEST"]["NAME"]) and use
    django_db(transaction=True) when another process must read it, or load the session in the
    test process.
    Depends: pytest-django's test database: SQLite in memory, private to the pytest process
    (with a file-backed test database db passes too); cached_db passes through its Redis copy.
    Detect: client.cookies[] -> *subprocess.run|Popen|check_output()
    """
    client.post("/session/colour/", {"value": "blue"})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    result = subprocess.run(
        [sys.executable, "-c", READ_IN_ANOTHER_PROCESS, connection.settings_dict["NAME"], key],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip() == "blue", result.stderr.strip().splitlines()[-1:]


@pytest.mark.django_db
def test_two_clients_do_not_share_a_session():
    """two Client() instances in one test, each storing its own value under the same key

    Expect: each client reads back its own value.
    """
    alice, bob = Client(), Client()
    alice.post("/session/colour/", {"value": "blue"})
    bob.post("/session/colour/", {"value": "red"})
    assert alice.get("/session/colour/").json()["value"] == "blue"
    assert bob.get("/session/colour/").json()["value"] == "red"


@pytest.mark.django_db
def test_session_store_exists(client):
    """after a view stored data: SessionStore().exists(client.cookies["sessionid"].value)

    Expect: True: the session the cookie names exists.
    Why: signed_cookies has no server-side store: its exists() always returns False.
    Fix: check the data instead: SessionStore(key).get("colour") or client.session["colour"].
    Detect: client.request() -> client.cookies[] -> *session.exists()
    """
    client.post("/session/colour/", {"value": "blue"})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    assert SessionStore().exists(key)


@override_settings(DATABASE_ROUTERS=["project.sessions_app.routers.SessionsRouter"])
class SessionsOnTheirOwnDatabaseTests(TestCase):
    """DATABASE_ROUTERS sends django.contrib.sessions to a second database ("sessions");
    the TestCase keeps Django's default databases = {"default"}."""

    def test_login_with_sessions_database_left_out(self):
        """sessions routed to DATABASES["sessions"]; a TestCase with the default databases logs in

        Expect: the client logs in and the view sees the user.
        Why: TestCase allows queries only to the aliases in its databases attribute
        ({"default"} unless set). On db and cached_db the Session model is routed to
        "sessions": saving the login's session is refused (AssertionError "Database queries
        to 'sessions' are not allowed in this test"). The other engines never query the
        Session model, so the router is never asked. Engines with their own session model
        (django-qsessions, django-user-sessions) are not routed by a router that names
        Django's sessions app, and pass.
        Depends: on the router and TestCase.databases, not on the engine alone; with
        databases = {"default", "sessions"} every engine passes (the twin).
        Fix: list the sessions database: databases = {"default", "sessions"} (or "__all__").
        Source: https://github.com/mdn/content/issues/3579
        Detect: none: the router lives in the settings; the test's code shows no step
        Twin: SessionsOnTheirOwnDatabaseListedTests::test_login_with_sessions_database_listed
        """
        User.objects.create_user("alice", password="wonderland")
        self.assertTrue(self.client.login(username="alice", password="wonderland"))
        self.assertEqual(self.client.get("/whoami/").json()["username"], "alice")


@override_settings(DATABASE_ROUTERS=["project.sessions_app.routers.SessionsRouter"])
class SessionsOnTheirOwnDatabaseListedTests(TestCase):
    """The same router; the TestCase lists both databases."""

    databases = {"default", "sessions"}

    def test_login_with_sessions_database_listed(self):
        """sessions routed to DATABASES["sessions"]; databases = {"default", "sessions"}; login

        Expect: the client logs in and the view sees the user.
        Source: https://github.com/mdn/content/issues/3579
        """
        User.objects.create_user("alice", password="wonderland")
        self.assertTrue(self.client.login(username="alice", password="wonderland"))
        self.assertEqual(self.client.get("/whoami/").json()["username"], "alice")


@pytest.mark.django_db
def test_read_session_straight_from_the_cache(client):
    """caches[SESSION_CACHE_ALIAS].get("django.contrib.sessions.cache" + key) after a view wrote

    Expect: the cache entry is the session's data: its colour is "blue".
    Why: that key prefix is the cache engine's own (django.contrib.sessions.cache).
    cached_db keeps its copy under django.contrib.sessions.cached_db (django-qsessions under
    its own prefix), and db, file and signed_cookies keep nothing in the cache: the get()
    returns None. A third-party store names its keys as it likes.
    Fix: load the session through the engine: SessionStore(key).get("colour") (or
    SessionStore(key).load()), which knows where and how it stores it.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cached-sessions
    Detect: *caches.get()
    """
    client.post("/session/colour/", {"value": "blue"})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    data = caches[settings.SESSION_CACHE_ALIAS].get("django.contrib.sessions.cache" + key)
    assert data["colour"] == "blue"


@pytest.mark.django_db
def test_assert_num_queries_around_a_session_view(client, user, django_assert_num_queries):
    """client.force_login(user); with django_assert_num_queries(2): client.get("/whoami/")

    Expect: the view makes 2 queries, the number its author counted (on the db engine: the
    session and the user).
    Why: the session's query is the engine's: db reads the django_session row (1 query);
    cached_db finds the session in its cache; cache, file and signed_cookies never query.
    Only the user's query is the view's own, so the count is 2 on db (and db on PostgreSQL
    or MariaDB) and 1 elsewhere. Engines with a session model of their own
    (django-qsessions, django-user-sessions) also record the request (user agent, IP, last
    activity) and count 5.
    Fix: count the view's own queries only: load the session before the block (a request
    before it does not help: each request loads it again), or assert an upper bound
    (django_assert_max_num_queries) that holds on the engines the project supports.
    Depends: the cache backend too: a cache engine on DatabaseCache reads the session with
    a query of its own, so it counts 2 like db.
    Source: https://docs.djangoproject.com/en/5.2/topics/testing/tools/#django.test.TransactionTestCase.assertNumQueries
    Detect: none: which engines fail depends on the count the test asserts (written on db it
    fails on the others; written on signed_cookies it fails on db and cached_db), and the
    code does not say which engine the count was taken on.
    """
    client.force_login(user)
    with django_assert_num_queries(2):
        client.get("/whoami/")


@pytest.mark.django_db
def test_log_everyone_out_with_delete_pattern(client, user):
    """cache.delete_pattern("django.contrib.sessions.cache*") (django-redis) to log every user out

    Expect: the logged-in client is anonymous on its next request.
    Why: delete_pattern() is django-redis' own: Django's cache backends (LocMemCache,
    RedisCache, memcached, DatabaseCache) have no such method (AttributeError). Only the
    cache engine keeps every session in the cache: cached_db's copies match the pattern too
    (django.contrib.sessions.cached_db…), but its database rows survive and the session
    loads from them again; db, file and signed_cookies keep nothing in the cache.
    Fix: log users out through what every engine honours: change the user's session auth
    hash (a password change), or delete each session through SessionStore(key).delete().
    Depends: the cache backend: only django-redis has delete_pattern(); the cache engine on
    LocMemCache, memcached, Django's RedisCache or DatabaseCache fails with AttributeError.
    Source: https://github.com/jazzband/django-redis#scan--delete-keys-in-bulk
    Detect: *cache.delete_pattern()
    """
    client.force_login(user)
    cache.delete_pattern("django.contrib.sessions.cache*")
    assert client.get("/whoami/").json()["authenticated"] is False


@pytest.mark.django_db
def test_count_sessions_with_cache_keys(client):
    """len(cache.keys("django.contrib.sessions.cache*")) (django-redis) before and after two visits

    Expect: two more sessions are counted than before the visits.
    Why: keys() is django-redis' own (AttributeError on Django's cache backends), and only
    engines that keep every session in that Redis database have keys to count: the cache
    engine, and cached_db's copies (their prefix django.contrib.sessions.cached_db matches
    the pattern). db, file and signed_cookies keep nothing there, and a third-party store
    keys its entries its own way (django-qsessions: qsessions.q_cached_db…, none counted).
    Fix: count what the engine stores: Session.objects.filter(expire_date__gt=now()) on the
    db engines; the cache engine has no portable count.
    Depends: the cache backend: only django-redis has keys(); the cache engines on other
    backends fail with AttributeError.
    Source: https://github.com/jazzband/django-redis#scan--delete-keys-in-bulk
    Detect: *cache.keys()
    """
    before = len(cache.keys("django.contrib.sessions.cache*"))
    client.post("/session/colour/", {"value": "blue"})
    Client().post("/session/colour/", {"value": "red"})
    assert len(cache.keys("django.contrib.sessions.cache*")) == before + 2
