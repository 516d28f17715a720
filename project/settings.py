"""Settings of an ordinary small Django project, plus one session engine chosen by name.

``SESSION_MATRIX_ENGINE`` names a record in ``engines/`` (default ``db``); its ``[settings]``
are laid over the ones below. ``nox`` sets it per cell. By hand:

    SESSION_MATRIX_ENGINE=signed_cookies pytest matrix_tests

Run that way, the record's services are provisioned in this process, as ``nox`` does per
column: a Redis database of its own leased from ``REDIS_URL``, a private directory, and so
on; they are released when the process exits.
"""

from pathlib import Path

from session_matrix.core import overlay

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
    "rest_framework",
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
    # A second database, for the patterns that route the sessions app to one of its own
    # (DATABASE_ROUTERS, set per test). Only the tests that name it create its test database.
    "sessions": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "sessions.sqlite3",
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

# Django REST framework, as an ordinary API on session authentication is set up.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}


# The session engine configuration: the record named by SESSION_MATRIX_ENGINE (default db),
# laid over everything above, with its services' values (a Redis database, a directory...).
SESSION_MATRIX_CONFIGURATION = overlay.apply(globals()).name
