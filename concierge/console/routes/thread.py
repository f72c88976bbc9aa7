"""One thread: everything about the customer and what happened, and the decisions its wait offers."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from concierge.actions.decisions import apply_decision
from concierge.actions.errors import ActionError
from concierge.console.auth import ConsoleError
from concierge.console.deps import FormDep, OperatorDep, RuntimeDep, page
from concierge.console.views import decisions, helpdesk_view, rendered_emails, ticket_link
from concierge.runtime.runner import current_wait
from concierge.schemas import THREAD_ID_PATTERN, ThreadId
from concierge.server.deps import status_of
from concierge.server.schemas import ResumeRequest

router = APIRouter()
ThreadIdPath = Annotated[str, Path(pattern=THREAD_ID_PATTERN, max_length=200)]
APPLY_WAIT_S = 60
EMAIL_ACTIONS = {"edit", "reply"}  # the decisions that send the email the operator wrote


async def _snapshot(runtime, thread_id: str):
    snapshot = await runtime.runner.snapshot(thread_id)
    if snapshot is None:
        raise ConsoleError(status.HTTP_404_NOT_FOUND, f"unknown thread {thread_id!r}")
    return snapshot


@router.get("/threads/{thread_id}")
async def thread_page(request: Request, thread_id: ThreadIdPath, runtime: RuntimeDep, operator: OperatorDep):
    snapshot = await _snapshot(runtime, thread_id)
    values, wait = snapshot.values, current_wait(snapshot)
    ticket = values.get("ticket") or {}
    wait_value = (wait.value or {}) if wait else {}
    return page(
        request, "thread.html", thread_id=thread_id, v=values, ticket=ticket, wait=wait, wait_value=wait_value,
        decisions=decisions(wait_value), emails=rendered_emails(values.get("emails") or [], runtime.settings.outbox_dir),
        helpdesk=await helpdesk_view(runtime, ticket.get("id") or ThreadId.parse(thread_id).ticket_id),
        ticket_url=ticket_link(runtime, ticket.get("id", "")), events=await runtime.services.store.events(thread_id),
        flash=request.session.pop("flash", None),
        idempotency_key=secrets.token_urlsafe(16),  # the form sent twice (a double click, a resubmit) decides once
    )


def decision_from_form(form: dict, draft: dict, operator: str) -> dict:
    """The decision the form asks for, checked as the API checks it. The email text goes with the
    decisions that send it; text typed for any other decision is refused rather than dropped."""
    decision = {"action": form.get("action", ""), "note": str(form.get("note", "")).strip(), "by": operator}
    # Browsers send a textarea's line breaks as CRLF: compare the text, not the line endings.
    body = str(form.get("email_body", "")).replace("\r\n", "\n").strip()
    subject = str(form.get("email_subject", "")).strip()
    changed = body != (draft.get("body") or "").replace("\r\n", "\n").strip() or (draft and subject != (draft.get("subject") or "").strip())
    if body and (changed or decision["action"] in EMAIL_ACTIONS):
        if decision["action"] not in EMAIL_ACTIONS:
            what = ("you changed the draft: choose “edit” to send your version" if draft
                    else f"“{decision['action']}” sends no email: clear the email text, or choose a decision that sends it")
            raise ConsoleError(status.HTTP_422_UNPROCESSABLE_CONTENT, what)
        decision["email"] = {"subject": subject or draft.get("subject", ""), "body": body}
    if decision["action"] == "reply":  # then wait for the customer's answer (the default) or close the ticket
        decision["then"] = str(form.get("then") or "wait")
    try:
        return ResumeRequest.model_validate(decision).model_dump(exclude_none=True)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'decision'}: {e['msg']}" for e in exc.errors())
        raise ConsoleError(status.HTTP_422_UNPROCESSABLE_CONTENT, reasons) from exc


@router.post("/threads/{thread_id}/decide")
async def decide(request: Request, thread_id: ThreadIdPath, runtime: RuntimeDep, operator: OperatorDep, form: FormDep):
    """Apply the operator's decision to the wait they saw, as that operator."""
    snapshot = await _snapshot(runtime, thread_id)
    wait = current_wait(snapshot)
    checked = decision_from_form(form, ((wait.value or {}).get("draft") or {}) if wait else {}, operator)
    try:
        applied = await apply_decision(runtime, thread_id, checked, snapshot=snapshot, answers=str(form.get("answers", "")) or None,
                                       idempotency_key=str(form.get("idempotency_key", ""))[:64] or None, wait_s=APPLY_WAIT_S)
    except ActionError as exc:
        raise ConsoleError(status_of(exc), str(exc)) from exc
    if applied:
        request.session["flash"] = f"{checked['action']} by {operator}: applied."
    else:
        request.session["flash"] = f"{checked['action']}: recorded; it is being applied — reload in a moment."
    return RedirectResponse(f"/threads/{thread_id}", status_code=status.HTTP_303_SEE_OTHER)
