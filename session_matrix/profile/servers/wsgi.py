"""The project as gunicorn serves it in a profile run:
``session_matrix.profile.servers.wsgi:application``.

The same settings as the in-process worker (the record named by ``SESSION_MATRIX_ENGINE``,
the services in ``SESSION_MATRIX_PROVIDED``), on the database that worker created; the URLs
are the project's plus the profile's overlapped write (``overlap``).
"""

from __future__ import annotations

from typing import Any

from session_matrix.profile.servers import djangoproc

djangoproc.setup()

from django.conf import settings  # noqa: E402 - after Django's setup
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

settings.ROOT_URLCONF = "session_matrix.profile.servers.overlap"
application: Any = WSGIHandler()
