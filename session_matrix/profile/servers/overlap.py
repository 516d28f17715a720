"""Controlled overlap for the lost-update guarantee, behind gunicorn only: the project's URLs
plus ``/overlap/<key>/``, a write that waits, after loading the session and before answering
(and so before the session is saved), until the other request of its pair has loaded the
session too. Both requests of a pair are then in flight before either answers, whatever the
scheduler does; the pairs meet through files in ``SESSION_MATRIX_OVERLAP_DIR`` (both workers
of a server see it). A pair that does not meet within ``WAIT`` seconds is answered 503: not
overlapped, so not counted.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from session_matrix.profile.measures import OVERLAP_DIR_VAR as DIR_VAR

__all__ = ["DIR_VAR", "WAIT", "overlapped_write", "urlpatterns"]

WAIT = 20.0  # seconds a request waits for the other of its pair


def _met(directory: Path, pair: str, seconds: float) -> bool:
    """Both requests of ``pair`` have arrived (each left a file), within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(list(directory.glob(f"{pair}.*"))) >= 2:
            return True
        time.sleep(0.001)
    return False


def overlapped_write(request: HttpRequest, key: str) -> HttpResponse:
    """POST ``value`` and ``pair``: store ``value`` under ``key``, then wait for the pair."""
    if request.method != "POST":
        return HttpResponse(status=405)
    pair = "".join(ch for ch in str(request.POST.get("pair", "")) if ch.isalnum())
    if not pair:
        return HttpResponse("no pair", status=400)
    request.session.get(key)  # the session is loaded now, as the request found it
    request.session[key] = request.POST["value"]
    directory = Path(os.environ.get(DIR_VAR) or "/nonexistent")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{pair}.{key}").touch()
    if not _met(directory, pair, WAIT):
        return HttpResponse("the other request of the pair never came", status=503)
    return JsonResponse({"key": key, "present": True, "value": request.session[key]})


urlpatterns = [
    path("overlap/<str:key>/", overlapped_write),
    path("", include("project.urls")),
]
