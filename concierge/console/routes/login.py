"""Log in with an operator account or the admin token; log out."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse

from concierge.console.auth import LoginThrottle, authenticate, login, on_loopback
from concierge.console.deps import FormDep, RuntimeDep, StoreDep, page

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect to another host is never followed."""
    return target if target and target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/login")
async def login_page(request: Request, runtime: RuntimeDep, store: StoreDep, next: str = "/"):
    nobody = runtime.settings.admin_token is None and not store.operators()
    return page(request, "login.html", next=_safe_next(next), setup_hint=nobody and on_loopback(runtime.settings),
                nobody_can_log_in=nobody, error=None)


def _throttle(request: Request) -> LoginThrottle:
    state = request.app.state
    if getattr(state, "login_throttle", None) is None:
        state.login_throttle = LoginThrottle()
    return state.login_throttle


@router.post("/login")
async def login_submit(request: Request, runtime: RuntimeDep, store: StoreDep, form: FormDep):
    throttle, client = _throttle(request), request.client.host if request.client else "?"
    target = _safe_next(str(form.get("next", "/")))
    if (wait := throttle.retry_after(client)) is not None:
        response = page(request, "login.html", status_code=status.HTTP_429_TOO_MANY_REQUESTS, next=target, setup_hint=False,
                        nobody_can_log_in=False, error=f"Too many failed logins: try again in {wait} s.")
        response.headers["Retry-After"] = str(wait)
        return response
    # Argon2 is slow on purpose: verified off the event loop so other requests go on meanwhile.
    operator = await asyncio.to_thread(authenticate, runtime.settings, store, str(form.get("name", "")).strip(),
                                       str(form.get("password", "")))
    if operator is None:
        throttle.failed(client)
        return page(request, "login.html", status_code=status.HTTP_401_UNAUTHORIZED, next=target, setup_hint=False,
                    nobody_can_log_in=False, error="Wrong name or password.")
    throttle.succeeded(client)
    login(request, operator)
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/logout")
async def logout(request: Request, form: FormDep):
    request.session.clear()
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
