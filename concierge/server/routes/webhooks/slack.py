"""Slack interactivity: a person clicks a decision button on an escalation alert.

The request is verified with the Slack signing secret before anything is read. A click on the
alert's link button ("Open ticket") is only acknowledged. The decision is
queued like one from the thread API, as that Slack user; Slack wants an answer within three
seconds, so the route answers at once and edits the message (who decided what) once the decision
has run. A click on an alert whose wait has ended changes nothing and tells the clicker why.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError

from concierge.actions.decisions import SOURCE, queue_decision
from concierge.actions.errors import Conflict
from concierge.runtime.process import AppRuntime
from concierge.schemas import THREAD_ID_PATTERN
from concierge.server.deps import RuntimeDep, VerifiersDep, authenticate
from concierge.tools.alerts.slack import BUTTONS, respond

logger = logging.getLogger(__name__)
router = APIRouter()
DECIDED_WAIT_S = 120


class ButtonValue(BaseModel):
    """What an alert's button carries: the thread, the decision, and the escalation (wait) it answers."""

    thread_id: str = Field(pattern=THREAD_ID_PATTERN, max_length=200)
    action: str
    escalation: int | None = None


def _interaction(raw: bytes) -> dict[str, Any]:
    try:
        [payload] = parse_qs(raw.decode(), strict_parsing=True)["payload"]
        interaction = json.loads(payload)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise HTTPException(422, "body is not a Slack interaction (form field `payload` holding JSON)") from exc
    if not isinstance(interaction, dict):
        raise HTTPException(422, "the Slack interaction is not an object")
    return interaction


def _who(user: dict[str, Any]) -> str:
    return str(user.get("username") or user.get("name") or user.get("id") or "slack user")


@router.post("/slack/actions")
async def slack_actions(request: Request, runtime: RuntimeDep, verifiers: VerifiersDep, background: BackgroundTasks) -> Response:
    if "slack" not in verifiers:  # no signing secret configured: nothing could be verified
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Slack actions are not configured on this server (SLACK_SIGNING_SECRET)")
    interaction = _interaction(await authenticate(request, runtime, "slack"))
    if interaction.get("type") != "block_actions":
        return JSONResponse({"ignored": interaction.get("type")})
    try:
        clicked = interaction["actions"][0]
        if isinstance(clicked, dict) and "value" not in clicked and clicked.get("url"):
            # A link button ("Open ticket") still posts its click; without a 200 Slack shows a warning.
            return Response(status_code=status.HTTP_200_OK)
        value = ButtonValue.model_validate_json(clicked["value"])
        user = interaction["user"]
    except (KeyError, IndexError, TypeError, ValidationError) as exc:
        raise HTTPException(422, f"not a Concierge decision button: {exc}") from exc
    if value.action not in BUTTONS:
        raise HTTPException(422, f"unknown decision {value.action!r}")
    by = _who(user)
    response_url = interaction.get("response_url")
    snapshot = await runtime.runner.snapshot(value.thread_id)
    if snapshot is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown thread {value.thread_id!r}")

    try:
        if value.escalation is not None and snapshot.values.get("escalations") != value.escalation:
            raise Conflict("this alert is about an earlier escalation; the thread has moved on")
        event_id = await queue_decision(runtime, value.thread_id, snapshot,
                                        {"action": value.action, "note": "decided in Slack", "by": by},
                                        event_id=f"slack:{clicked.get('action_ts') or interaction.get('trigger_id')}")
    except Conflict as exc:
        if response_url:  # only the person who clicked sees why nothing happened
            background.add_task(_tell, response_url, f"Not applied: {exc}")
        return Response(status_code=status.HTTP_200_OK)

    container = interaction.get("container") or {}
    message = interaction.get("message") or {}
    background.add_task(_show_decision, runtime, event_id, value, by, user.get("id"), {
        "channel": container.get("channel_id") or (interaction.get("channel") or {}).get("id"),
        "ts": container.get("message_ts") or message.get("ts"), "blocks": message.get("blocks") or [],
        "response_url": response_url})
    return Response(status_code=status.HTTP_200_OK)


async def _tell(response_url: str, text: str) -> None:
    try:
        await respond(response_url, {"response_type": "ephemeral", "replace_original": False, "text": text})
    except Exception as exc:  # the decision's fate does not depend on telling Slack
        logger.warning("could not answer the Slack interaction: %s", exc)


async def _show_decision(runtime: AppRuntime, event_id: str, value: ButtonValue, by: str, user_id: str | None,
                         where: dict[str, Any]) -> None:
    """Once the decision has run, edit the alert: who decided what, and whether it applied."""
    event = await runtime.queue.wait_for(SOURCE, event_id, DECIDED_WAIT_S)
    who = f"<@{user_id}>" if user_id else by
    label = BUTTONS[value.action]
    if event is None:
        line = f":hourglass: {who} chose *{label}*; it is recorded and will apply shortly."
    elif event["status"] == "failed":
        line = f":warning: {who} chose *{label}*, but it was not applied: {event['error']}"
    else:
        line = f":white_check_mark: {who} chose *{label}*."
    slack = getattr(runtime.services.alerts, "remote", {}).get("slack")
    try:
        if slack is not None and where["channel"] and where["ts"]:
            await slack.show_decision(channel=where["channel"], ts=where["ts"], blocks=where["blocks"], line=line,
                                      response_url=where["response_url"])
        elif where["response_url"]:
            await respond(where["response_url"], {"replace_original": False, "text": line})
    except Exception as exc:
        logger.warning("could not show the decision on the Slack message: %s", exc)
