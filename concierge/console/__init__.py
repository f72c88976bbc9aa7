"""The operator console: server-rendered pages at `/` of `concierge serve` (inbox, thread, settings,
analytics), behind a login, with HTMX served from this package (no CDN)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from concierge.console.auth import SESSION_MAX_AGE_S, ConsoleError, LoginRequired, secure_cookies, session_secret
from concierge.console.deps import page
from concierge.console.headers import SecurityHeaders
from concierge.console.routes import analytics, emails, inbox, login, thread
from concierge.console.routes import settings as settings_page
from concierge.settings import Settings

STATIC = Path(__file__).parent / "static"


async def _to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


async def _error_page(request: Request, exc: ConsoleError):
    return page(request, "error.html", status_code=exc.status_code, message=exc.detail,
                back=_same_site(request, request.headers.get("referer")))


def _same_site(request: Request, url: str | None) -> str:
    base = str(request.base_url)
    return url if url and url.startswith(base) else "/"


def install_console(app: FastAPI, settings: Settings) -> None:
    # The session is a cookie signed with a key derived from SECRET_KEY: HttpOnly, SameSite=Lax,
    # Secure when served over HTTPS; it expires after SESSION_MAX_AGE_S.
    app.add_middleware(SessionMiddleware, secret_key=session_secret(settings), session_cookie="concierge_console",
                       max_age=SESSION_MAX_AGE_S, same_site="lax", https_only=secure_cookies(settings))
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]  # Starlette types a handler as taking any Exception
    app.add_exception_handler(ConsoleError, _error_page)  # type: ignore[arg-type]  # Starlette types a handler as taking any Exception
    for module in (login, inbox, thread, emails, settings_page, analytics):
        app.include_router(module.router, include_in_schema=False)
