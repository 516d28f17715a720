"""Authentication backends for the patterns with several ``AUTHENTICATION_BACKENDS``."""

from django.contrib.auth.backends import BaseBackend


class ObjectPermissionBackend(BaseBackend):
    """Per-object permissions next to ModelBackend (the role django-guardian or django-rules
    play), written as Django's docs show a backend: a ``BaseBackend`` subclass. It never
    authenticates anyone; it only answers permission checks."""

    def has_perm(self, user_obj, perm, obj=None):
        return obj is not None and getattr(obj, "owner_id", None) == user_obj.pk
