"""A django-ninja API with a login endpoint on Django's session login, as its tutorials
write one."""

from django.contrib.auth import authenticate, login
from ninja import NinjaAPI, Router, Schema

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


api = NinjaAPI(urls_namespace="ninja")
api.add_router("/", router)
