"""The settings module of every ``session-matrix suite`` run: yours, with one configuration's
session settings laid over them.

``session-matrix suite`` runs your pytest with ``--ds session_matrix.suite.settings`` and
names your settings module in ``SESSION_MATRIX_SUITE_SETTINGS``. This module copies your
module's names (what ``from yoursite.settings import *`` would copy, and every setting Django
reads from it), then lays over them only what choosing a session engine means, from the
record named by ``SESSION_MATRIX_ENGINE`` with its services' values (a private Redis
database, a temporary directory):

- every ``SESSION_*`` setting the record sets (``SESSION_ENGINE``, ``SESSION_CACHE_ALIAS``,
  ``SESSION_FILE_PATH``, ``SESSION_SERIALIZER``...);
- the cache the sessions live in: ``CACHES[<SESSION_CACHE_ALIAS>]``, when the record
  defines that alias (for the built-in cache records: your ``default`` cache becomes a
  private Redis database, as switching by Django's documentation would do); your other
  caches stay yours;
- the record's list edits (``INSTALLED_APPS``, ``MIDDLEWARE``: a third-party engine's app);
- ``django.contrib.sessions`` in ``INSTALLED_APPS`` for the engines that keep sessions in the
  ``django_session`` table, if it is missing (what switching to them takes).

Everything else stays yours: ``DATABASES`` too, even where a record sets it (``db`` on
PostgreSQL is ``db`` on your database here). Only the *test* databases get a suffix naming
the configuration, so that configurations running in parallel never share one.
"""

from __future__ import annotations

import copy
import importlib
import os
import re
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from session_matrix.core import overlay, records
from session_matrix.suite import scratch

# Django reads every name of a settings module that isupper() ("_X" too): this module defines
# none of its own, and it binds yours only once its work is done (the last line). It has no
# __dir__ either: Django lists a settings module's names with dir().
__all__ = ["exported", "lay", "suffixed_test_databases"]


def _uses_session_table(engine: object) -> bool:
    """The engines that keep sessions in ``django_session`` (its app must be installed)."""
    backends = "django.contrib.sessions.backends"
    return engine in (f"{backends}.db", f"{backends}.cached_db")


def exported(module: ModuleType) -> dict[str, Any]:
    """The names ``from module import *`` binds, and every one Django reads as a setting
    (``name.isupper()``, ``__all__`` or not)."""
    public = getattr(module, "__all__", None) or [n for n in vars(module) if n[:1] != "_"]
    names = [*public, *(name for name in vars(module) if name.isupper())]
    return {name: getattr(module, name) for name in dict.fromkeys(names)}


def suffixed_test_databases(databases: dict[str, Any], suffix: str) -> dict[str, Any]:
    """``databases`` with every server database's test name suffixed (``test_shop_cache``);
    an SQLite database tested in memory (no ``TEST.NAME``) is private to its process anyway."""
    suffix = re.sub(r"[^a-z0-9]+", "_", suffix.lower()).strip("_")
    named = copy.deepcopy(databases)
    for settings in named.values():
        if not isinstance(settings, dict):
            continue
        test = settings.setdefault("TEST", {})
        sqlite = str(settings.get("ENGINE", "")).endswith("sqlite3")
        if sqlite and not test.get("NAME"):
            continue
        base = str(test.get("NAME") or f"test_{settings.get('NAME', '')}")
        if sqlite:
            path = Path(base)
            test["NAME"] = str(path.with_name(f"{path.stem}_{suffix}{path.suffix}"))
        else:
            test["NAME"] = f"{base[: 62 - len(suffix)]}_{suffix}"  # PostgreSQL: 63 at most
    return named


def lay(namespace: dict[str, Any]) -> records.Record:
    """Lay the session settings of the record named by ``SESSION_MATRIX_ENGINE`` over the
    settings in ``namespace``; the services' values come from ``SESSION_MATRIX_PROVIDED``."""
    applied = dict(namespace)
    record = overlay.apply(applied)  # every placeholder filled, every service prepared
    filled = overlay.session_settings(record, overlay.provided(record).values)
    for key, value in filled.items():
        if key.startswith("SESSION_"):
            namespace[key] = value
    alias = namespace.get("SESSION_CACHE_ALIAS", "default")
    cache = filled.get("CACHES", {}).get(alias)
    if cache is not None:
        locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        caches = dict(namespace.get("CACHES") or {"default": locmem})
        caches[alias] = cache
        namespace["CACHES"] = caches
    for key in record.lists:
        namespace[key] = applied[key]
    apps = list(namespace.get("INSTALLED_APPS", []))
    if (
        _uses_session_table(namespace.get("SESSION_ENGINE"))
        and "django.contrib.sessions" not in apps
    ):
        namespace["INSTALLED_APPS"] = [*apps, "django.contrib.sessions"]
    if isinstance(namespace.get("DATABASES"), dict):
        namespace["DATABASES"] = suffixed_test_databases(namespace["DATABASES"], record.name)
    return record


def _where(exc: BaseException) -> str:
    """``shop/settings.py line 12``: the line of your project's code the import failed at (a
    syntax error's own line), relative to it; "" when it failed elsewhere (no such module)."""
    root = Path.cwd().resolve()  # each run's pytest runs in your project's directory
    ours = Path(__file__).resolve().parent.parent
    found = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(exc.__traceback__)]
    if isinstance(exc, SyntaxError) and exc.filename:
        found.append((exc.filename, exc.lineno))
    for filename, line in reversed(found):
        if filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>
            continue
        path = Path(filename).resolve()
        theirs = path.is_relative_to(root) and not path.is_relative_to(ours)
        if line is not None and theirs and "site-packages" not in path.parts:
            return f"{path.relative_to(root)} line {line}"
    return ""


def _settings(theirs: str) -> dict[str, Any]:
    """Your module's names with the configuration laid over them, in a dict of their own
    (binding them here first could shadow what this module still needs)."""
    try:
        module = importlib.import_module(theirs)
    except BaseException as exc:  # the runner turns this into one line: nothing is written
        directory = scratch.directory()
        if directory is not None:
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            where = _where(exc)
            text = f"{last}, at {where}" if where else last
            (directory / scratch.SETTINGS_ERROR).write_text(text, encoding="utf-8")
        raise
    namespace = exported(module)
    namespace["SESSION_MATRIX_CONFIGURATION"] = lay(namespace).name
    return namespace


if os.environ.get(scratch.THEIRS_VAR):  # imported by Django as a suite run's settings
    globals().update(_settings(os.environ[scratch.THEIRS_VAR]))
