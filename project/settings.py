"""Settings of an ordinary small Django project, plus one session engine chosen by name.

``SESSION_MATRIX_ENGINE`` names a record in ``engines/`` (default ``db``); its ``[settings]``
are laid over the ones below. ``nox`` sets it per cell. By hand:

    SESSION_MATRIX_ENGINE=signed_cookies pytest matrix_tests

Run that way, ``cache`` and ``cached_db`` use ``REDIS_URL`` as given (default
``redis://127.0.0.1:6379/0``) and a pattern calling ``cache.clear()`` flushes that whole
database; ``nox`` instead leases a private Redis database per cell.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from session_matrix.engines import load

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "django-session-matrix-insecure-test-key"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "project.sessions_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    },
}

# A process-local cache unless the engine record brings its own (cache, cached_db: Redis).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The fast hasher Django's testing docs recommend; login is exercised on every engine.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
LOGIN_URL = "/login/"


def _file_dir() -> str:
    """The file engine's directory: given by the harness, or private to this process."""
    given = os.environ.get("SESSION_MATRIX_FILE_DIR")
    if given:
        return given
    made = tempfile.mkdtemp(prefix="session-matrix-files-")
    atexit.register(shutil.rmtree, made, ignore_errors=True)
    os.environ["SESSION_MATRIX_FILE_DIR"] = made  # processes this one starts share it
    return made


ENGINE_NAME = os.environ.get("SESSION_MATRIX_ENGINE", "db")
_ENGINE = load(ENGINE_NAME)
globals().update(
    _ENGINE.django_settings(
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        file_dir=_file_dir() if _ENGINE.uses("file_dir") else "",
    )
)
