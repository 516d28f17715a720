"""The project's engine, remembering the visitor's device, shaped like django-user-sessions'
first SessionStore (its issue #1): the store needs the user agent and IP address to be
built, so the project's own middleware passes them (``SessionStore(user_agent, ip, key)``)."""

from . import project_session_store


class SessionStore(project_session_store()):
    def __init__(self, user_agent, ip, session_key=None):
        super().__init__(session_key)
        self.user_agent = user_agent
        self.ip = ip
