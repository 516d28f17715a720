"""A project's own SessionStore: a subclass of the engine the project is configured with,
named in SESSION_ENGINE, and the test client building it.

The stores live in ``project/sessions_app/stores/``; they are imported here, before any
test points SESSION_ENGINE at them, so that each extends the column's engine.
"""

import pytest
from django.conf import settings
from django.test import override_settings

from project.sessions_app.stores import audited, device  # noqa: F401 (imported first: see above)

pytestmark = pytest.mark.custom_store

AUDITED = "project.sessions_app.stores.audited"
DEVICE = "project.sessions_app.stores.device"


@pytest.mark.django_db
@override_settings(SESSION_ENGINE=AUDITED)
def test_store_overriding_save_with_force_login(client, user):
    """SessionStore(ProjectStore) overriding save() to record each save; client.force_login(user)

    Expect: the login's session went through the project's save(): its key is recorded.
    Source: https://docs.djangoproject.com/en/5.2/topics/http/sessions/#extending-database-backed-session-engines
    """
    audited.SAVED_KEYS.clear()
    client.force_login(user)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value in audited.SAVED_KEYS


@pytest.mark.since_django("5.0", reason="AsyncClient.aforce_login() arrived in Django 5.0")
@pytest.mark.django_db(transaction=True)
@override_settings(SESSION_ENGINE=AUDITED)
async def test_store_overriding_save_with_aforce_login(async_client, user):
    """the same store (save() overridden); await async_client.aforce_login(user)

    Expect: the login's session went through the project's save(): its key is recorded.
    Why: aforce_login() arrived in Django 5.0, but there it logged in through the sync API
    (save() ran, and the audit saw it). Since Django 5.1 the db, cache and cached_db engines
    implement asave() (and acreate()) on their own, without calling save(): the async login
    path of the test client (asession(), then alogin() and asave()) never reaches the
    override, so the audit misses
    the session. The file and signed_cookies engines' asave() just calls save(), so their
    subclasses see it, as do those of a third-party engine that implements save() only
    (django-user-sessions): SessionBase.asave() runs save() in a thread. Async views calling
    await request.session.asave() skip the override the same way.
    Fix: override the async twin too: async def asave(self, must_create=False): await
    super().asave(must_create); record it (and acreate() for the creation path).
    Source: https://github.com/jazzband/django-user-sessions/pull/194
    Detect: none: the project's SessionStore subclass overrides save(); the test only logs in
    """
    audited.SAVED_KEYS.clear()
    await async_client.aforce_login(user)
    assert async_client.cookies[settings.SESSION_COOKIE_NAME].value in audited.SAVED_KEYS


@pytest.mark.django_db
@override_settings(SESSION_ENGINE=DEVICE)
def test_store_with_required_init_arguments(client, user):
    """a SessionStore(user_agent, ip, session_key=None) (early django-user-sessions); force_login

    Expect: the client logs the user in (the project's middleware passes the extra arguments).
    Why: the test client builds the store itself: client.session and force_login() call
    SessionStore() or SessionStore(cookie_value), so the two required arguments are missing:
    TypeError, on every engine. Nothing in the client lets a test pass them.
    Fix: give the extra arguments defaults (session_key=None, user_agent=None, ip=None, as
    django-user-sessions' store does today), or use the package's own test client
    (django-user-sessions ships user_sessions.utils.tests.Client).
    Source: https://github.com/jazzband/django-user-sessions/issues/1
    Kind: test-tool-limitation
    """
    client.force_login(user)
    assert client.get("/whoami/").json()["username"] == "alice"
