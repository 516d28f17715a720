"""Views for the serialization, isolation and expiry patterns: reading state back, and
views that leave the session alone or follow the documented fixes."""

import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse

from .views import RICH_VALUES

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def _json(data):
    return JsonResponse(data, encoder=DjangoJSONEncoder)


def rich_read(request, kind):
    """What ``rich/<kind>/`` stored, as this request reads it: its type, and whether it is
    still equal to the value that was stored."""
    value = request.session.get(kind)
    expected = RICH_VALUES[kind]()
    return _json(
        {
            "present": kind in request.session,
            "type": type(value).__name__,
            "expected_type": type(expected).__name__,
            "equal": value == expected,
        }
    )


def untouched(request):
    """A view that never looks at ``request.session``."""
    return HttpResponse("untouched")


def cart_add_marked(request, item):
    """The documented fix for nested mutation: append, then ``session.modified = True``."""
    request.session.setdefault("cart", []).append(item)
    request.session.modified = True
    return _json({"cart": request.session["cart"]})


def when_set(request):
    """Store a datetime the JSON-safe way: as an ISO 8601 string."""
    request.session["when"] = WHEN.isoformat()
    return _json({"stored": "when"})


def when_read(request):
    """Parse the ISO 8601 string back into a datetime."""
    when = datetime.datetime.fromisoformat(request.session["when"])
    return _json({"type": type(when).__name__, "equal": when == WHEN})
