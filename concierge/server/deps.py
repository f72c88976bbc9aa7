"""Dependencies shared by the routes: the runtime, the admin token, authenticated, size-capped
webhook bodies parsed into their typed models, and the HTTP status of what a use case refused."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from concierge.actions.errors import ActionError, Conflict, NotFound, ProviderFailed
from concierge.runtime.process import AppRuntime
from concierge.server.exposure import is_loopback
from concierge.tools.signing import InboundRequest, WebhookAuthError, WebhookVerifier

M = TypeVar("M", bound=BaseModel)


# What a use case refused, as HTTP says it: the app answers these with {"detail": reason}.
ACTION_STATUS: dict[type[ActionError], int] = {
    NotFound: status.HTTP_404_NOT_FOUND, Conflict: status.HTTP_409_CONFLICT, ProviderFailed: status.HTTP_502_BAD_GATEWAY,
}


def status_of(exc: ActionError) -> int:
    return next((code for kind, code in ACTION_STATUS.items() if isinstance(exc, kind)), status.HTTP_422_UNPROCESSABLE_CONTENT)


def get_runtime(request: Request) -> AppRuntime:
    return request.app.state.runtime


RuntimeDep = Annotated[AppRuntime, Depends(get_runtime)]


def get_verifiers(request: Request) -> dict[str, WebhookVerifier]:
    """The webhook verifiers this configuration has (`verify.build_verifiers`), by the name routes use."""
    return request.app.state.verifiers


VerifiersDep = Annotated[dict[str, WebhookVerifier], Depends(get_verifiers)]


def listens_publicly(request: Request, runtime: AppRuntime) -> bool:
    """Whether this server can be reached from other machines: it is configured for (or a request
    arrived on) an address that is not loopback."""
    server = request.scope.get("server") or ("", None)
    arrived_on = str(server[0] or "")
    try:
        ipaddress.ip_address(arrived_on.strip("[]"))
    except ValueError:  # no socket (an in-process client): only the configured address counts
        arrived_on = ""
    return not is_loopback(runtime.settings.host) or (bool(arrived_on) and not is_loopback(arrived_on))


def require_admin(request: Request, runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> None:
    """The thread API needs `Authorization: Bearer <ADMIN_TOKEN>` whenever ADMIN_TOKEN is set, and
    is closed altogether on a server reachable from other machines without one."""
    token = runtime.settings.admin_token
    if token is None:
        if listens_publicly(request, runtime):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "ADMIN_TOKEN is not set: the thread API is closed on an address "
                                "other machines can reach", headers={"WWW-Authenticate": "Bearer"})
        return
    expected = f"Bearer {token.get_secret_value()}"
    if authorization is None or not hmac.compare_digest(authorization.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong admin token", headers={"WWW-Authenticate": "Bearer"})


AdminDep = Depends(require_admin)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it grows past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body larger than {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # later readers (request.form(), request.json()) reuse it, as Starlette's body() does
    return body


async def authenticate(request: Request, runtime: AppRuntime, verifier: str, *, limit: int | None = None) -> bytes:
    """The body of a request the named verifier accepts; 401 (before anything is read or recorded) otherwise."""
    body = await read_body(request, limit or runtime.settings.max_body_bytes)
    try:
        get_verifiers(request)[verifier].verify(InboundRequest(request.method, str(request.url), request.headers, body))
    except WebhookAuthError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"webhook authentication failed: {exc}") from exc
    return body


def authenticate_before_body(request: Request, verifier: str) -> None:
    """401 unless the named verifier accepts the request from its URL and headers alone (a sender
    that does not sign its body, whose body is then streamed rather than read whole)."""
    try:
        get_verifiers(request)[verifier].verify(InboundRequest(request.method, str(request.url), request.headers, b""))
    except WebhookAuthError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"webhook authentication failed: {exc}") from exc


def signed_body(verifier: str) -> Any:
    """Dependency: the authenticated raw body of a webhook signed with `verifier`'s scheme."""

    async def dependency(request: Request, runtime: RuntimeDep) -> bytes:
        return await authenticate(request, runtime, verifier)

    return Depends(dependency)


def parse_json(model: type[M], body: bytes) -> M:
    """`body` as `model`; 422 with the reasons otherwise (bad JSON, lone surrogates, wrong types)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def json_body(model: type[BaseModel], media_type: str = "application/json") -> dict[str, Any]:
    """`openapi_extra` documenting a body a route reads itself (after verifying its signature)."""
    schema = model.model_json_schema()
    inlined = _inline(schema, schema.get("$defs", {}))
    return {"requestBody": {"required": True, "content": {media_type: {"schema": inlined}}}}
