"""What every check shares: its result, the guarded HTTP client, and how an answer is reported.

An answer from outside is never echoed: a check reports the HTTP status with its standard phrase
and, at most, a short error code the provider sent (`invalid_auth`), so a URL pointed at some
internal service cannot be used to read that service's pages through the doctor or the console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx

from concierge.settings import Settings
from concierge.tools.outbound import SELF_HOSTED, Unresolved, UnsafeURL, check_destination, guarded_client, policy_for

TIMEOUT_S = 10
# An error code as providers write them (`invalid_auth`, `restricted_api_key`): snake_case words, short.
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+){1,6}")


@dataclass
class Check:
    part: str
    ok: bool
    detail: str
    fix: str = ""
    offline: bool = False  # an embedded default: nothing to reach


def offline(part: str, detail: str) -> Check:
    return Check(part, True, detail, offline=True)


def status_of(response: httpx.Response) -> str:
    """`401 Unauthorized`: the status and its standard phrase (not the server's own reason text)."""
    try:
        return f"{response.status_code} {HTTPStatus(response.status_code).phrase}"
    except ValueError:
        return str(response.status_code)


def short_code(value: Any) -> str:
    """`value` when it is a short error code such as `invalid_auth`, else ""."""
    return value if isinstance(value, str) and len(value) <= 40 and _CODE.fullmatch(value) else ""


def code_in(response: httpx.Response, *keys: str) -> str:
    """The provider's short error code under the first of `keys` its JSON body has, else ""."""
    try:
        body = response.json()
    except ValueError:
        return short_code(response.text.strip())  # Slack's webhooks answer a bare code
    if not isinstance(body, dict):
        return ""
    return next((code for key in keys if (code := short_code(body.get(key)))), "")


def answer(response: httpx.Response, *keys: str) -> str:
    """`answered 403 Forbidden (invalid_api_key)`."""
    code = code_in(response, *keys)
    return f"answered {status_of(response)}" + (f" ({code})" if code else "")


def failure(exc: BaseException) -> str:
    """An exception as its kind and the OS's reason, never its message (which may quote an answer)."""
    cause = next((e for e in (exc, exc.__cause__, exc.__context__) if isinstance(e, OSError) and e.strerror), None)
    return type(exc).__name__ + (f" ({cause.strerror})" if cause is not None else "")


URL_FIX = "use the provider's https URL (ALLOW_PRIVATE_URLS=true only for tests and local fakes)"
OWN_URL_FIX = "point it at the server itself (loopback and private networks are fine; link-local and metadata addresses never)"


async def refused(part: str, settings: Settings, *destinations: str) -> Check | None:
    """A failed check when a destination is one the outbound policy refuses (see tools/outbound.py)."""
    for name in destinations:
        try:
            await check_destination(name, settings)
        except Unresolved as exc:
            return Check(part, False, f"{name} unreachable: {exc}", f"check {name} and the network (DNS)")
        except UnsafeURL as exc:
            return Check(part, False, f"{name} refused: {exc}", OWN_URL_FIX if name in SELF_HOSTED else URL_FIX)
    return None


def client(settings: Settings, destination: str, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client whose every request is checked against `destination`'s policy."""
    return guarded_client(policy_for(destination, settings), timeout=TIMEOUT_S, **kwargs)


def unreachable(part: str, setting: str, exc: BaseException) -> Check:
    return Check(part, False, f"{setting} unreachable: {failure(exc)}", f"check {setting} and the network")


async def fetch(part: str, settings: Settings, destination: str, method: str, url: str, *, unsafe_fix: str,
                client_options: dict[str, Any] | None = None, **request: Any) -> httpx.Response | Check:
    """One request to `destination`: its response, or the failed check when the policy refuses the
    destination (before or, on a redirect, during the request) or it cannot be reached."""
    if (bad := await refused(part, settings, destination)) is not None:
        return bad
    try:
        async with client(settings, destination, **(client_options or {})) as http:
            return await http.request(method, url, **request)
    except UnsafeURL as exc:
        return Check(part, False, f"{destination} refused: {exc}", unsafe_fix)
    except httpx.HTTPError as exc:
        return unreachable(part, destination, exc)
