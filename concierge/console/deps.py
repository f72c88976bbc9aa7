"""What the console's routes share: the runtime, the console store, the logged-in operator, the
checked form, and rendering a page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from concierge.console.auth import LoginRequired, check_csrf, csrf_token, session_operator
from concierge.console.links import safe_link
from concierge.console.store import ConsoleStore
from concierge.server.deps import RuntimeDep, get_runtime

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["safe_link"] = safe_link  # every address from outside data goes through it


def get_console_store(request: Request) -> ConsoleStore:
    """One store per app, opened on first use (its key comes from the runtime's settings)."""
    state = request.app.state
    if getattr(state, "console_store", None) is None:
        state.console_store = ConsoleStore.for_settings(get_runtime(request).settings)
    return state.console_store


def current_operator(request: Request) -> str | None:
    """Who is logged in: the operator of the open session the cookie names (None when logged out)."""
    return session_operator(request, get_console_store(request), get_runtime(request).settings)


def live_operator(request: Request) -> str:
    """The logged-in operator; a request without an open session goes to the login page."""
    operator = current_operator(request)
    if operator is None:
        raise LoginRequired()
    return operator


OperatorDep = Annotated[str, Depends(live_operator)]
FormDep = Annotated[dict[str, Any], Depends(check_csrf)]
StoreDep = Annotated[ConsoleStore, Depends(get_console_store)]
__all__ = ["FormDep", "OperatorDep", "RuntimeDep", "StoreDep", "page"]


def page(request: Request, template: str, status_code: int = 200, **context: Any):
    context |= {"operator": current_operator(request), "csrf_token": csrf_token(request)}
    return templates.TemplateResponse(request, template, context, status_code=status_code)
