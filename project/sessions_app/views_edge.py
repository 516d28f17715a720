"""Views for the third wave's patterns: each does one ordinary thing a project does with the
session, the login or the session key."""

from django.contrib import auth
from django.contrib.auth import authenticate, login
from django.http import HttpResponseServerError, JsonResponse
from django.views.decorators.http import require_POST

from .models import Visit


@require_POST
def relogin(request):
    """Log the current user in again (after a sensitive change) with ``login(request, None)``,
    the fallback to ``request.user`` that older code relies on."""
    login(request, None)
    return JsonResponse({"session_key": request.session.session_key})


async def arelogin(request):
    """The async twin: ``await alogin(request, None)`` (alogin() is Django 5.0+)."""
    await auth.alogin(request, None)
    return JsonResponse({"relogged": True})


async def async_whoami(request):
    """Who is asking, from an async view: ``await request.auser()`` (Django 5.0+)."""
    user = await request.auser()
    return JsonResponse({"username": user.get_username() if user.is_authenticated else None})


async def sync_login_in_async_view(request):
    """An async view that logs in with the synchronous ``authenticate()`` and ``login()``."""
    user = authenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    login(request, user)
    return JsonResponse({"username": user.get_username()})


@require_POST
def failing_checkout(request):
    """Store the order in the session, then answer 500 (a payment provider failed)."""
    request.session["order"] = request.POST["order"]
    return HttpResponseServerError("payment provider unavailable")


def record_visit(request):
    """Count a visit under the visitor's session key, validated as a ModelForm would."""
    if not request.session.session_key:
        request.session.save()
    visit = Visit(session_key=request.session.session_key, path=request.path)
    visit.full_clean()
    visit.save()
    return JsonResponse({"visits": Visit.objects.filter(session_key=visit.session_key).count()})
