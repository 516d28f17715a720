"""The project's engine plus an audit trail: every save is recorded, the way a project adds
metrics or a "last seen" stamp by overriding ``save()`` in its own ``SessionStore``."""

from . import project_session_store

#: The session keys saved through this engine, in order.
SAVED_KEYS = []


class SessionStore(project_session_store()):
    def save(self, must_create=False):
        super().save(must_create)
        SAVED_KEYS.append(self.session_key)
