"""Who may use the console: the admin token or an operator account, kept in a signed session
cookie; and the CSRF token every form carries."""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import time
from collections import defaultdict, deque
from typing import Any

from fastapi import HTTPException, Request, status

from concierge.console.store import OPERATOR_NAME, ConsoleStore
from concierge.keys import keyed_digest
from concierge.settings import Settings

ADMIN = "admin"  # the operator name of whoever logs in with ADMIN_TOKEN
SESSION_MAX_AGE_S = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """Raised by pages that need an operator; answered with a redirect to the login page."""


class ConsoleError(HTTPException):
    """A refused console request, answered with an error page (the API keeps its JSON errors)."""


def session_secret(settings: Settings) -> str:
    """The session cookie's signing key, derived from SECRET_KEY (or the data folder's generated one)."""
    return keyed_digest(settings.signing_key, "console-session", length=64)


def secure_cookies(settings: Settings) -> bool:
    """Cookies marked Secure whenever the console is reached over HTTPS."""
    return (settings.public_base_url or "").startswith("https://")


def authenticate(settings: Settings, store: ConsoleStore, name: str, password: str) -> str | None:
    """The operator name for these credentials, or None: an operator's own password, or the admin token."""
    if settings.admin_token and (not name or name == ADMIN):
        token = settings.admin_token.get_secret_value()
        return ADMIN if hmac.compare_digest(password.encode(), token.encode()) else None
    if not re.fullmatch(OPERATOR_NAME, name or ""):
        return None
    return name if store.check_password(name, password) else None


def login(request: Request, operator: str) -> None:
    request.session.clear()  # a fresh session (and CSRF token) at every login: no fixation
    request.session.update({"operator": operator, CSRF_FIELD: secrets.token_urlsafe(32)})


def current_operator(request: Request) -> str | None:
    return request.session.get("operator")


def require_operator(request: Request) -> str:
    operator = current_operator(request)
    if operator is None:
        raise LoginRequired()
    return operator


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created for a visitor who is not logged in yet, for the login form)."""
    token = request.session.get(CSRF_FIELD)
    if token is None:
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> dict[str, Any]:
    """The submitted form, once its CSRF token (field or header) matches the session's; 403 otherwise."""
    form = await request.form()
    sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD) or ""
    expected = request.session.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ConsoleError(status.HTTP_403_FORBIDDEN, "the form's CSRF token is missing or wrong: reload the page and try again")
    return {k: v for k, v in form.items() if k != CSRF_FIELD}


def on_loopback(settings: Settings) -> bool:
    try:
        return ipaddress.ip_address(settings.host).is_loopback
    except ValueError:
        return settings.host == "localhost"


class LoginThrottle:
    """At most `limit` failed logins per client address within `window_s`: password guessing is
    slowed to a crawl (the Argon2 hash already makes each guess cost tens of milliseconds)."""

    def __init__(self, limit: int = 5, window_s: float = 300) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, client: str) -> deque[float]:
        failures, cutoff = self._failures[client], time.monotonic() - self.window_s
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None when it may now."""
        failures = self._recent(client)
        if len(failures) < self.limit:
            return None
        return int(failures[0] + self.window_s - time.monotonic()) + 1

    def failed(self, client: str) -> None:
        self._recent(client).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)
