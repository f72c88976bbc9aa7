"""Who may use the console: the admin token or an operator account, whose session is a record in
the console store named by a signed cookie (so logging out, a new password or a removed account
ends it at once); and the CSRF token every form carries."""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from typing import Any

from fastapi import HTTPException, Request, status

from concierge.console.store import OPERATOR_NAME, ConsoleStore
from concierge.keys import keyed_digest
from concierge.settings import Settings

ADMIN = "admin"  # the operator name of whoever logs in with ADMIN_TOKEN
SESSION_MAX_AGE_S = 12 * 3600
CSRF_FIELD = "csrf_token"
SESSION_ID = "sid"  # the cookie's key for the id of the session's record in the store
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


def credential_stamp(settings: Settings, operator: str) -> str:
    """What ties a session to the credential it was opened with: the admin token's digest, so a new
    ADMIN_TOKEN ends the admin's sessions (an operator's new password ends theirs in the store)."""
    if operator == ADMIN and settings.admin_token:
        return keyed_digest(settings.signing_key, "admin-token", settings.admin_token.get_secret_value())
    return ""


def login(request: Request, store: ConsoleStore, settings: Settings, operator: str) -> None:
    request.session.clear()  # a fresh session id (and CSRF token) at every login: no fixation
    session_id = store.open_session(operator, SESSION_MAX_AGE_S, credential_stamp(settings, operator))
    request.session.update({SESSION_ID: session_id, CSRF_FIELD: secrets.token_urlsafe(32)})
    request.state.console_operator = operator


def logout(request: Request, store: ConsoleStore) -> None:
    """End the session in the store, so a copy of its cookie opens nothing either."""
    if isinstance(session_id := request.session.get(SESSION_ID), str):
        store.end_session(session_id)
    request.session.clear()
    request.state.console_operator = None


def session_operator(request: Request, store: ConsoleStore, settings: Settings) -> str | None:
    """The operator whose open session the request's cookie names, looked up in the store on every
    request (once per request); None when it was ended, has expired, or its credential changed."""
    if hasattr(request.state, "console_operator"):
        return request.state.console_operator
    operator = None
    if isinstance(session_id := request.session.get(SESSION_ID), str):
        found = store.session(session_id)
        if found is not None:
            name, stamp = found
            admin_gone = name == ADMIN and (settings.admin_token is None or stamp != credential_stamp(settings, ADMIN))
            if admin_gone:
                store.end_session(session_id)
            else:
                operator = name
        if operator is None:
            request.session.clear()  # a dead session's cookie is dropped
    request.state.console_operator = operator
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
