"""One sent email's HTML, for the thread page's sandboxed frame. It is served at its own address under
its own policy: the email keeps its inline styles while the console's pages allow none, and it runs
no script, loads nothing from elsewhere and may be framed only by the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import HTMLResponse

from concierge.console.auth import ConsoleError
from concierge.console.deps import OperatorDep, RuntimeDep
from concierge.console.routes.thread import ThreadIdPath
from concierge.console.views import rendered_emails

router = APIRouter()
EMAIL_FRAME_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                      "form-action 'none'; frame-ancestors 'self'; sandbox")


@router.get("/threads/{thread_id}/emails/{index}")
async def email_html(request: Request, thread_id: ThreadIdPath, index: Annotated[int, Path(ge=0, le=10_000)],
                     runtime: RuntimeDep, operator: OperatorDep) -> HTMLResponse:
    snapshot = await runtime.runner.snapshot(thread_id)
    records = (snapshot.values.get("emails") or []) if snapshot else []
    shown = rendered_emails(records[index:index + 1], runtime.settings.outbox_dir)
    if not shown or not shown[0].html:
        raise ConsoleError(status.HTTP_404_NOT_FOUND, f"{thread_id} has no HTML email number {index}")
    return HTMLResponse(shown[0].html, headers={"Content-Security-Policy": EMAIL_FRAME_POLICY,
                                                "X-Frame-Options": "SAMEORIGIN"})
