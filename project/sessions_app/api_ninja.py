"""A django-ninja API with a login endpoint on Django's session login, as its tutorials
write one."""

from django.contrib.auth import authenticate, login
from ninja import NinjaAPI, Router, Schema
from ninja.security import django_auth

router = Router()


class Credentials(Schema):
    username: str
    password: str


@router.post("/login")
def api_login(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        return 403, {"detail": "bad credentials"}
    login(request, user)
    return {"username": user.get_username()}


@router.get("/me", auth=django_auth)
def api_me(request):
    """Who the session says is asking (django-ninja's session authentication)."""
    return {"username": request.auth.get_username()}


api = NinjaAPI(urls_namespace="ninja")
api.add_router("/", router)
