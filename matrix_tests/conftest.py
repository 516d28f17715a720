"""Fixtures shared by the patterns. Like every pattern, it never branches on the engine's name."""

import queue
import threading
from concurrent.futures import Future
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_PREFIX
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from session_matrix.core.config import themes
from session_matrix.core.overlay import service
from session_matrix.core.recorder import gate_since_django, not_run
from session_matrix.core.services import chromium


def pytest_configure(config):
    for name, title in themes().items():
        config.addinivalue_line("markers", f"{name}: {title}")


def pytest_collection_modifyitems(items):
    # @pytest.mark.since_django("5.1"): on older Django the idiom is skipped as not available.
    gate_since_django(items)


@pytest.fixture
def cached_db_key():
    """``cached_db_key(session_key)``: the cache key of the session's cached_db copy, as the
    patterns that evict it (``cache.delete``) need it.

    An engine built on Django's cached_db keeps its copy under its own ``cache_key_prefix``
    (django-qsessions: ``qsessions.q_cached_db``), so Django's ``KEY_PREFIX`` would evict
    nothing there. Any other engine keeps no cached_db copy: the key is Django's, which names
    none of its entries.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    prefix = store.cache_key_prefix if issubclass(store, CachedDBStore) else CACHED_DB_PREFIX
    return lambda session_key: prefix + session_key


@pytest.fixture
def user(django_user_model):
    """A user who can log in with the password ``wonderland``."""
    return django_user_model.objects.create_user("alice", password="wonderland")


class _BrowserThread:
    """Chromium through Playwright's sync API, in a thread of its own.

    Playwright's sync API runs an asyncio event loop in the thread that uses it, and Django
    refuses ORM calls in a thread where a loop runs (SynchronousOnlyOperation); an async
    pattern's own loop could not start there either. So Playwright lives in this thread, and
    the patterns' calls are handed to it one at a time: the test's thread stays an ordinary
    synchronous one, free to create users, log in and save sessions at any point.

    The browser is the run's one Chromium when there is one (``endpoint``: connected to
    Playwright's browser server, in a browser context of this column's own), else one
    launched for this column.
    """

    def __init__(self, executable, endpoint=None):
        self._calls = queue.Queue()
        started = Future()
        self._thread = threading.Thread(
            target=self._serve,
            args=(executable, endpoint, started),
            name="playwright",
            daemon=True,
        )
        self._thread.start()
        self.browser = started.result()

    def _serve(self, executable, endpoint, started):
        from playwright.sync_api import sync_playwright

        try:
            playwright = sync_playwright().start()
            if endpoint:
                browser = playwright.chromium.connect(endpoint)
            else:
                browser = playwright.chromium.launch(
                    executable_path=executable, args=list(chromium.ARGS)
                )
            context = browser.new_context()
            self.page = context.new_page()
        except BaseException as exc:
            started.set_exception(exc)
            return
        started.set_result(browser)
        while (call := self._calls.get()) is not None:
            done, func = call
            try:
                done.set_result(func())
            except BaseException as exc:
                done.set_exception(exc)
        context.close()  # the shared Chromium keeps running for the other columns
        browser.close()
        playwright.stop()

    def reset(self):
        """Forget what a pattern did: its cookies, its other pages, the page's location."""
        context = self.page.context
        for other in context.pages:
            if other is not self.page:
                other.close()
        context.clear_cookies()
        self.page.goto("about:blank")

    def call(self, func):
        done = Future()
        self._calls.put((done, func))
        return done.result()

    def stop(self):
        self._calls.put(None)
        self._thread.join(timeout=30)


class _Remote:
    """A Playwright object (browser, context, page, response...) that lives in the browser
    thread: attribute reads and method calls run there, and return plain values or more
    remote objects. ``with page.expect_navigation():`` works as usual."""

    def __init__(self, target, thread):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_thread", thread)

    def _wrap(self, value):
        if isinstance(value, list | tuple):
            return type(value)(self._wrap(item) for item in value)
        if type(value).__module__.startswith("playwright."):
            return _Remote(value, self._thread)
        return value

    @staticmethod
    def _unwrap(value):
        return value._target if isinstance(value, _Remote) else value

    def __getattr__(self, name):
        value = self._thread.call(lambda: getattr(self._target, name))
        if not callable(value):
            return self._wrap(value)

        def method(*args, **kwargs):
            args = [self._unwrap(arg) for arg in args]
            kwargs = {key: self._unwrap(arg) for key, arg in kwargs.items()}
            return self._wrap(self._thread.call(lambda: value(*args, **kwargs)))

        return method

    def __enter__(self):
        return self._wrap(self._thread.call(self._target.__enter__))

    def __exit__(self, *exc_info):
        return self._thread.call(lambda: self._target.__exit__(*exc_info))


@pytest.fixture(scope="session")
def _chromium():
    """The run's one Chromium (or this column's own), in its own thread (see _BrowserThread)."""
    executable, missing = service("chromium")  # Debian's, from the chromium provider
    if executable is None:
        not_run(missing)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        not_run("no Playwright (pip install playwright)")
    thread = _BrowserThread(executable, chromium.shared(executable))
    yield thread
    thread.stop()


@pytest.fixture
def page(_chromium, live_server):
    """A Playwright ``Page`` in Chromium, for a pattern that drives ``live_server``.

    One browser context serves every pattern (opening a page costs a renderer process):
    at the end of each pattern its cookies are cleared and any other page it opened in the
    context (``page.context.new_page()``) is closed, so nothing carries over.
    """
    remote = _Remote(_chromium.page, _chromium)
    yield remote
    _chromium.call(_chromium.reset)
