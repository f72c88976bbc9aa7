"""Dependencies shared by the routes."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from concierge.server.runtime import AppRuntime


def get_runtime(request: Request) -> AppRuntime:
    return request.app.state.runtime


RuntimeDep = Annotated[AppRuntime, Depends(get_runtime)]


def require_admin(runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> None:
    """The thread API needs `Authorization: Bearer <ADMIN_TOKEN>` whenever ADMIN_TOKEN is set."""
    token = runtime.settings.admin_token
    if token is None:
        return
    expected = f"Bearer {token.get_secret_value()}"
    if authorization is None or not hmac.compare_digest(authorization.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong admin token", headers={"WWW-Authenticate": "Bearer"})


AdminDep = Depends(require_admin)
