"""A model of the project's own that keeps a session key, as visit counters and SSO tickets do."""

from django.db import models


class Visit(models.Model):
    """One visit, keyed by the visitor's session (django-hitcount's ``Hit.session``)."""

    session_key = models.CharField(max_length=40, db_index=True)
    path = models.CharField(max_length=200)
