"""An ordinary pytest-django test module, as a user would drop it into matrix_tests/."""

import pytest
from django.http import HttpResponse
from django.urls import reverse


@pytest.mark.django_db
def test_client_and_user_model(client, django_user_model):
    user = django_user_model.objects.create_user("bob", password="pw")
    client.force_login(user)
    assert client.get("/whoami/").json()["username"] == "bob"


@pytest.mark.django_db(transaction=True)
async def test_async_client(async_client):
    response = await async_client.get("/whoami/")
    assert response.status_code == 200


def test_request_factory(rf):
    request = rf.get("/anything/")
    assert request.path == "/anything/"


def test_settings_fixture(settings):
    settings.SESSION_COOKIE_NAME = "other"
    from django.conf import settings as live

    assert live.SESSION_COOKIE_NAME == "other"


@pytest.mark.urls("dropin_urls")
def test_own_urls_module(client):
    assert reverse("hello") == "/hello/"
    assert client.get("/hello/").content == b"hello"


def hello(request):
    return HttpResponse("hello")
