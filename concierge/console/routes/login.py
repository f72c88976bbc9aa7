"""Log in with an operator account or the admin token; log out."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse

from concierge.console.auth import ADMIN, authenticate, login, logout, on_loopback, secure_cookies
from concierge.console.deps import FormDep, RuntimeDep, StoreDep, page
from concierge.console.throttle import DEVICE_COOKIE, DEVICE_MAX_AGE_S, Attempt, DeviceCookies, LoginThrottle
from concierge.keys import keyed_digest

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


def _devices(settings) -> DeviceCookies:
    return DeviceCookies(keyed_digest(settings.signing_key, "console-device", length=64))


@router.post("/login")
async def login_submit(request: Request, runtime: RuntimeDep, store: StoreDep, form: FormDep):
    name = str(form.get("name", "")).strip()
    account = (name or ADMIN)[:64]  # the empty name is the admin token's
    devices, device_cookie = _devices(runtime.settings), request.cookies.get(DEVICE_COOKIE)
    # request.client is the socket's peer, or the X-Forwarded-For address only from a proxy named
    # in FORWARDED_ALLOW_IPS (uvicorn's proxy headers, set up by `concierge serve`).
    attempt = Attempt(account=account, address=request.client.host if request.client else "?",
                      device=devices.device_for(device_cookie, account))
    throttle, target = _throttle(request), _safe_next(str(form.get("next", "/")))
    if (wait := throttle.retry_after(attempt)) is not None:
        response = page(request, "login.html", status_code=status.HTTP_429_TOO_MANY_REQUESTS, next=target, setup_hint=False,
                        nobody_can_log_in=False, error=f"Too many failed logins: try again in {wait} s.")
        response.headers["Retry-After"] = str(wait)
        return response
    # Argon2 is slow on purpose: verified off the event loop so other requests go on meanwhile.
    operator = await asyncio.to_thread(authenticate, runtime.settings, store, name, str(form.get("password", "")))
    if operator is None:
        throttle.failed(attempt)
        return page(request, "login.html", status_code=status.HTTP_401_UNAUTHORIZED, next=target, setup_hint=False,
                    nobody_can_log_in=False, error="Wrong name or password.")
    throttle.succeeded(attempt)
    login(request, store, runtime.settings, operator)
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    # This browser is now known for the account: its next logins are not held up by others' failures.
    response.set_cookie(DEVICE_COOKIE, devices.after_login(device_cookie, account), max_age=DEVICE_MAX_AGE_S,
                        path="/login", httponly=True, samesite="strict", secure=secure_cookies(runtime.settings))
    return response


@router.post("/logout")
async def logout_submit(request: Request, store: StoreDep, form: FormDep):
    logout(request, store)
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
