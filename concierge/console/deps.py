"""What the console's routes share: the runtime, the console store, the logged-in operator, the
checked form, and rendering a page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from concierge.console.auth import ADMIN, LoginRequired, check_csrf, csrf_token, current_operator, require_operator
from concierge.console.store import ConsoleStore
from concierge.server.deps import RuntimeDep, get_runtime

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def get_console_store(request: Request) -> ConsoleStore:
    """One store per app, opened on first use (its key comes from the runtime's settings)."""
    state = request.app.state
    if getattr(state, "console_store", None) is None:
        state.console_store = ConsoleStore.for_settings(get_runtime(request).settings)
    return state.console_store


def live_operator(request: Request, operator: Annotated[str, Depends(require_operator)],
                  store: Annotated[ConsoleStore, Depends(get_console_store)]) -> str:
    """The logged-in operator, as long as their account (or the admin token) still exists."""
    settings = get_runtime(request).settings
    alive = settings.admin_token is not None if operator == ADMIN else operator in store.operators()
    if not alive:
        request.session.clear()
        raise LoginRequired()
    return operator


OperatorDep = Annotated[str, Depends(live_operator)]
FormDep = Annotated[dict[str, Any], Depends(check_csrf)]
StoreDep = Annotated[ConsoleStore, Depends(get_console_store)]
__all__ = ["FormDep", "OperatorDep", "RuntimeDep", "StoreDep", "page"]


def page(request: Request, template: str, status_code: int = 200, **context: Any):
    context |= {"operator": current_operator(request), "csrf_token": csrf_token(request)}
    return templates.TemplateResponse(request, template, context, status_code=status_code)
