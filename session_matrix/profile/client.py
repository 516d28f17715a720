"""A browser's part of a session, without the browser: a cookie jar and the CSRF token.

One ``Client`` talks to the project either in process (``wsgi_transport``: Django's WSGI
handler, no network in between) or over HTTP (``http_transport``: a real server on
127.0.0.1). It keeps the cookies each response sets, as a browser would (a cookie deleted by
the server leaves the jar), and sends a CSRF token with every POST: in the cookie mode
(Django's default) the jar's CSRF cookie, which the client mints itself the first time, as
Django accepts any well-formed secret in the cookie; with ``CSRF_USE_SESSIONS`` the token
from the project's ``/csrf/`` view, fetched again after a login or logout rotated it.
"""

from __future__ import annotations

import http.client
import io
import json
import secrets
import string
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

__all__ = [
    "Client",
    "Reply",
    "Site",
    "Transport",
    "http_transport",
    "parse_set_cookie",
    "wsgi_transport",
]

# method, path, headers, body -> status, [(header, value)], body
Transport = Callable[[str, str, dict[str, str], bytes], tuple[int, list[tuple[str, str]], bytes]]


@dataclass(frozen=True)
class Site:
    """What a client must know about the project's settings (the worker reports them)."""

    session_cookie: str = "sessionid"
    csrf_cookie: str = "csrftoken"
    csrf_header: str = "X-CSRFToken"
    csrf_use_sessions: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Site:
        return cls(**data)

    def session_cookie_bytes(self, value: str) -> int:
        """The session cookie holding ``value``, as a browser stores it: name=value."""
        return len(self.session_cookie) + 1 + len(value)


@dataclass
class Reply:
    """One response, as the client saw it."""

    status: int
    body: bytes
    set_cookie_bytes: int  # the session cookie's Set-Cookie value, in bytes (0: none)
    cookie_bytes: int  # the session cookie the request carried, name=value, in bytes
    elapsed_ns: int = 0


def parse_set_cookie(value: str) -> tuple[str, str, bool]:
    """``name=value; attrs`` -> (name, value, deleted): a cookie the server deletes has
    ``Max-Age=0`` or an expiry in 1970."""
    first, _, attributes = value.partition(";")
    name, _, cookie = first.strip().partition("=")
    lowered = attributes.lower()
    deleted = "max-age=0" in lowered.replace(" ", "") or "01 jan 1970" in lowered
    return name.strip(), cookie.strip().strip('"'), deleted


def _secret() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


@dataclass
class Client:
    """A cookie jar and a CSRF token in front of a transport."""

    transport: Transport
    site: Site
    jar: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def copy(self) -> Client:
        """Another client holding a copy of this one's cookies (a stolen cookie)."""
        return Client(self.transport, self.site, dict(self.jar), self.token)

    @property
    def session_cookie(self) -> str:
        return self.jar.get(self.site.session_cookie, "")

    def _csrf(self) -> str:
        if self.site.csrf_use_sessions:
            if not self.token:
                reply = self.request("GET", "/csrf/")
                if reply.status == 200:
                    self.token = str(json.loads(reply.body)["token"])
            return self.token
        if self.site.csrf_cookie not in self.jar:
            self.jar[self.site.csrf_cookie] = _secret()
        return self.jar[self.site.csrf_cookie]

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> Reply:
        """One request with the jar's cookies; the jar takes the response's cookies."""
        headers = {"User-Agent": "session-matrix profile"}
        body = b""
        if method == "POST":
            headers[self.site.csrf_header] = self._csrf()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = "&".join(f"{k}={quote(v, safe='')}" for k, v in (data or {}).items()).encode()
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        sent = self.jar.get(self.site.session_cookie)
        cookie_bytes = self.site.session_cookie_bytes(sent) if sent else 0
        started = time.perf_counter_ns()
        status, response_headers, content = self.transport(method, path, headers, body)
        elapsed = time.perf_counter_ns() - started
        set_cookie_bytes = 0
        for name, value in response_headers:
            if name.lower() != "set-cookie":
                continue
            cookie, cookie_value, deleted = parse_set_cookie(value)
            if cookie == self.site.session_cookie:
                set_cookie_bytes = len(value.encode())
                if deleted:
                    # A flushed session: with CSRF_USE_SESSIONS the token went with it.
                    self.token = ""
            if deleted:
                self.jar.pop(cookie, None)
            else:
                self.jar[cookie] = cookie_value
            if cookie == self.site.csrf_cookie:
                self.token = ""
        if self.site.csrf_use_sessions and path in ("/login/", "/logout/"):
            self.token = ""  # login and logout rotate the token
        return Reply(status, content, set_cookie_bytes, cookie_bytes, elapsed)


def http_transport(port: int, timeout: float = 10.0) -> Transport:
    """Requests to a server on 127.0.0.1:``port``, one connection each (as sync workers
    close them)."""

    def send(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            content = response.read()
            return response.status, list(response.getheaders()), content
        finally:
            connection.close()

    return send


def wsgi_transport() -> Transport:
    """Requests through Django's WSGI handler, in this process: the full middleware stack,
    no network. The body is read and ``close()`` called, as a server does (that sends
    ``request_finished``: connections are closed or kept as a server would see)."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def send(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            else:
                environ[f"HTTP_{key}"] = value
        started: list[Any] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> Any:
            started[:] = [int(status.split()[0]), response_headers]
            return lambda data: None

        result = handler(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started[0], started[1], content

    return send


def __dir__() -> list[str]:
    return __all__
