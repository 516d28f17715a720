"""The project's own session engines (``SESSION_ENGINE = "project.sessions_app.stores.<name>"``).

Each one extends the engine the project is configured with: the ``SessionStore`` of
``settings.SESSION_ENGINE`` as it is when the module is first imported. Import the module
before a test points ``SESSION_ENGINE`` at it (the patterns import it at the top).
"""

from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def project_session_store():
    """The ``SessionStore`` class of the engine the project is configured with."""
    if settings.SESSION_ENGINE.startswith(__name__):
        raise ImproperlyConfigured(
            f"import {__name__} modules before SESSION_ENGINE points at one of them"
        )
    return import_module(settings.SESSION_ENGINE).SessionStore
