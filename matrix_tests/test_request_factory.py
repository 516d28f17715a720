"""Unit-testing a view with RequestFactory, where no middleware runs."""

import pytest
from django.contrib.sessions.middleware import SessionMiddleware

from project.sessions_app.views import counter

pytestmark = [pytest.mark.request_factory, pytest.mark.django_db]


def test_session_middleware_by_hand(rf):
    """request = rf.get(url); SessionMiddleware(get_response).process_request(request)

    Expect: the view can use request.session like in a real request.
    """
    request = rf.get("/counter/")
    SessionMiddleware(lambda request: None).process_request(request)
    request.session["foo"] = 2
    response = counter(request)
    assert response.content == b"2"
    assert request.session["foo"] == 3
