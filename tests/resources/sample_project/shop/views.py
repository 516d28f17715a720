from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST


def home(request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return HttpResponse(f"Hello, visit {request.session['visits']}")


def cart(request):
    return JsonResponse({"items": request.session.get("cart", [])})


@require_POST
def add_to_cart(request):
    request.session["cart"] = [*request.session.get("cart", []), request.POST["item"]]
    return JsonResponse({"items": request.session["cart"]})


def checkout(request):
    items = request.session["cart"]  # the cart page always comes first
    return JsonResponse({"items": items, "total": len(items)})


@login_required
def account(request):
    return HttpResponse(f"Account of {request.user.username}")


# Export jobs, filed under the session they belong to (as django-axes files a login).
JOBS = {}


def start_export(request):
    request.session.save()  # a key to file the job under
    JOBS[request.session.session_key] = "queued"
    request.session["exporting"] = True
    return JsonResponse({"started": True})


def export_status(request):
    return JsonResponse({"status": JOBS[request.session.session_key]})


def export_page(request):
    # The page shows no status, rather than an error, for a job it cannot find.
    return JsonResponse({"status": JOBS.get(request.session.session_key)})
