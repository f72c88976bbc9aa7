"""Log in with an operator account or the admin token; log out."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse

from concierge.console.auth import authenticate, login, on_loopback
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


@router.post("/login")
async def login_submit(request: Request, runtime: RuntimeDep, store: StoreDep, form: FormDep):
    operator = authenticate(runtime.settings, store, str(form.get("name", "")).strip(), str(form.get("password", "")))
    target = _safe_next(str(form.get("next", "/")))
    if operator is None:
        return page(request, "login.html", status_code=status.HTTP_401_UNAUTHORIZED, next=target, setup_hint=False,
                    nobody_can_log_in=False, error="Wrong name or password.")
    login(request, operator)
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/logout")
async def logout(request: Request, form: FormDep):
    request.session.clear()
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
