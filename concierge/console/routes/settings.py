"""Settings: each integration's values (the environment's read-only), saved encrypted, and a
connection test running `concierge doctor`'s checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import RedirectResponse

from concierge.console.auth import ConsoleError
from concierge.console.deps import FormDep, OperatorDep, RuntimeDep, StoreDep, page, templates
from concierge.console.integrations import INTEGRATIONS, InvalidSetting, save, test_connection, views

router = APIRouter()
Group = Annotated[str, Path(pattern=r"^[a-z]{1,20}$")]


def _known(group: str) -> str:
    if group not in INTEGRATIONS:
        raise ConsoleError(status.HTTP_404_NOT_FOUND, f"unknown integration {group!r}")
    return group


@router.get("/settings")
async def settings_page(request: Request, runtime: RuntimeDep, store: StoreDep, operator: OperatorDep):
    groups = [(key, title, views(key, runtime.settings, store)) for key, (title, _) in INTEGRATIONS.items()]
    return page(request, "settings.html", groups=groups, flash=request.session.pop("flash", None))


@router.post("/settings/{group}")
async def save_settings(request: Request, group: Group, runtime: RuntimeDep, store: StoreDep, operator: OperatorDep, form: FormDep):
    _known(group)
    try:
        changed, held = await save(group, form, runtime.settings, store, operator)
    except InvalidSetting as exc:
        raise ConsoleError(status.HTTP_422_UNPROCESSABLE_CONTENT, f"nothing saved: {exc}") from exc
    title = INTEGRATIONS[group][0]
    flash = (f"{title}: saved {', '.join(changed)}. Saved settings take effect when Concierge next starts."
             if changed else f"{title}: nothing changed.")
    request.session["flash"] = " ".join([flash, *(f"{w.explain()}: {w.fix()}." for w in held)])
    return RedirectResponse(f"/settings#{group}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/settings/{group}/test")
async def test_settings(request: Request, group: Group, runtime: RuntimeDep, store: StoreDep, operator: OperatorDep, form: FormDep):
    checks = await test_connection(_known(group), runtime.settings, store)
    return templates.TemplateResponse(request, "_checks.html", {"checks": checks, "group": group})
