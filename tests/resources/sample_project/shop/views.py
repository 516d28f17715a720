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
