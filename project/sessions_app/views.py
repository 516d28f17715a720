"""The views the patterns talk to: each does one ordinary thing with ``request.session``."""

import datetime
import decimal
import uuid

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.http import require_POST


def _json(data, status=200):
    return JsonResponse(data, status=status, encoder=DjangoJSONEncoder)


def _describe(session, key):
    present = key in session
    value = session.get(key)
    return {"key": key, "present": present, "value": value, "type": type(value).__name__}


def counter(request):
    """The seed's view: read ``foo``, increment it, return the old value."""
    value = request.session["foo"]
    request.session["foo"] += 1
    return HttpResponse(value)


def session_value(request, key):
    """GET: what the session holds under ``key``. POST: store ``value`` (a string) there."""
    if request.method == "POST":
        request.session[key] = request.POST["value"]
    return _json(_describe(request.session, key))


def whoami(request):
    """Who the session says we are, and which session key this request used."""
    user = request.user
    return _json(
        {
            "authenticated": user.is_authenticated,
            "username": user.get_username() if user.is_authenticated else None,
            "session_key": request.session.session_key,
            "keys": sorted(request.session.keys()),
        }
    )


@require_POST
def login_view(request):
    """Log in with ``username`` and ``password``; 403 when they do not match."""
    user = authenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    if user is None:
        return HttpResponseForbidden("bad credentials")
    login(request, user)
    return _json({"username": user.get_username(), "session_key": request.session.session_key})


@require_POST
def logout_view(request):
    """Log out: Django flushes the session."""
    logout(request)
    return _json({"logged_out": True})


@require_POST
def change_password(request):
    """Change the logged-in user's password, keeping *this* session logged in."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden("log in first")
    request.user.set_password(request.POST["new_password"])
    request.user.save()
    update_session_auth_hash(request, request.user)
    return _json({"changed": True})


@require_POST
def flush(request):
    """``request.session.flush()``: new key, no data."""
    request.session.flush()
    return _json({"flushed": True})


def cart_add(request, item):
    """The classic nested mutation: append to a list already in the session."""
    request.session.setdefault("cart", []).append(item)
    return _json({"cart": request.session["cart"]})


def cart(request):
    """The cart as stored."""
    return _json({"cart": request.session.get("cart", [])})


RICH_VALUES = {
    "datetime": lambda: datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    "date": lambda: datetime.date(2026, 1, 2),
    "decimal": lambda: decimal.Decimal("9.99"),
    "uuid": lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "set": lambda: {"a", "b"},
    "tuple": lambda: (1, 2),
    "bytes": lambda: b"raw",
}


def rich_set(request, kind):
    """Store a value of a type JSON does not have (``datetime``, ``Decimal``, ``set``…)."""
    request.session[kind] = RICH_VALUES[kind]()
    return _json({"stored": kind})


def int_key_set(request):
    """Store a value under an integer key."""
    request.session[1] = "one"
    return _json({"stored": 1})


def int_key_get(request):
    """Read the value back under the integer key."""
    return _json({"present": 1 in request.session, "value": request.session.get(1)})


def add_message(request):
    """``messages.info()`` then show how many messages are queued."""
    messages.info(request, "Saved!")
    return _json({"queued": len(messages.get_messages(request))})


def set_expiry(request, seconds):
    """``request.session.set_expiry(seconds)`` and mark the session as alive."""
    request.session["alive"] = True
    request.session.set_expiry(int(seconds))
    return _json({"expiry_age": request.session.get_expiry_age()})


async def async_session_sync_access(request, key):
    """An async view using the ordinary, synchronous session API."""
    return _json(_describe(request.session, key))


async def async_session_aget(request, key):
    """An async view using the async session API (``aget``, Django 5.1+)."""
    value = await request.session.aget(key)
    return _json({"key": key, "value": value})


async def async_session_aset(request, key):
    """An async view storing ``value`` with ``aset`` (Django 5.1+)."""
    await request.session.aset(key, request.GET["value"])
    return _json({"key": key})
