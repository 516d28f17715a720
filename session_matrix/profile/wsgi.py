"""The project as gunicorn serves it in a profile run: ``session_matrix.profile.wsgi:application``.

The same settings as the in-process worker (the record named by ``SESSION_MATRIX_ENGINE``,
the services in ``SESSION_MATRIX_PROVIDED``), on the database that worker created.
"""

from __future__ import annotations

from typing import Any

from session_matrix.profile import djangoproc

djangoproc.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402 - after Django's setup

application: Any = WSGIHandler()
