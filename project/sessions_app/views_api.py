"""A Django REST framework view on session authentication, for the ``drf`` patterns."""

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class NoteView(APIView):
    """Who the session says is asking, and a note the API keeps in ``request.session``."""

    authentication_classes = (SessionAuthentication,)
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response(self._state(request))

    def post(self, request):
        request.session["note"] = request.data["note"]
        return Response(self._state(request))

    @staticmethod
    def _state(request):
        user = request.user
        return {
            "authenticated": user.is_authenticated,
            "username": user.get_username() if user.is_authenticated else None,
            "note": request.session.get("note"),
        }
