"""A project's own session serializer: Django's JSON one, with DjangoJSONEncoder so that
datetimes, Decimals and UUIDs can be stored (they come back as strings)."""

import json

from django.contrib.sessions.serializers import JSONSerializer
from django.core.serializers.json import DjangoJSONEncoder


class DjangoJSONSerializer(JSONSerializer):
    def dumps(self, obj):
        return json.dumps(obj, separators=(",", ":"), cls=DjangoJSONEncoder).encode("latin-1")
