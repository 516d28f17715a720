"""Views for the settings, CSRF, browser and custom-store patterns: each does one ordinary thing
with ``request.session`` (or with the CSRF token that may live in it)."""

from html import escape

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


def csrf(request):
    """The CSRF token for this visitor, as a single-page app fetches it before a POST."""
    return JsonResponse({"token": get_token(request)})


@require_POST
def session_clear(request):
    """``request.session.clear()``: meant to drop what the visitor stored, keeping the login."""
    request.session.clear()
    return JsonResponse({"cleared": True})


def cookie_check_start(request):
    """The documented browser check, first step: ``request.session.set_test_cookie()``."""
    request.session.set_test_cookie()
    return JsonResponse({"set": True})


def cookie_check_finish(request):
    """The documented browser check, second step: ``test_cookie_worked()``, then clean up."""
    worked = request.session.test_cookie_worked()
    if worked:
        request.session.delete_test_cookie()
    return JsonResponse({"worked": worked})


def logout_form(request):
    """A page with the site's logout button: a POST form to /logout/ with its CSRF token."""
    return HttpResponse(
        '<form method="post" action="/logout/">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
        '<button type="submit">Log out</button></form>'
    )


def form_post(request):
    """Another site's page that sends the visitor back with a POST (an identity provider or a
    payment page doing a form_post): an auto-submitting form to ``?action=``."""
    action = escape(request.GET["action"])
    return HttpResponse(
        f'<form method="post" action="{action}">'
        '<input type="hidden" name="state" value="paid"><button type="submit">Continue</button>'
        "</form>"
    )


@csrf_exempt
@require_POST
def return_from_other_site(request):
    """Where the other site posts the visitor back: who the session says they are, and the
    cart they had put together before leaving."""
    user = request.user
    return JsonResponse(
        {
            "authenticated": user.is_authenticated,
            "username": user.get_username() if user.is_authenticated else None,
            "cart": request.session.get("cart", []),
            "state": request.POST.get("state"),
        }
    )
