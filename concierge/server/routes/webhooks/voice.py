"""Voice providers' webhooks: `POST /voice/vapi` (every Vapi server message) and `POST /voice/bland`
(Bland's post-call report). Authenticated by the provider's own scheme before anything is read.

Vapi's `tool-calls` and `transfer-destination-request` are answered in the response, while the
customer waits on the line; an end-of-call report is queued for the thread like `/call_completed`.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from concierge.actions.call_reports import queue_call_report
from concierge.actions.results import Accepted
from concierge.runtime.process import AppRuntime
from concierge.server.deps import RuntimeDep, authenticate, get_verifiers, json_body, parse_json
from concierge.server.routes.webhooks.voice_messages import MESSAGE_MODELS, ToolResult, ToolResults, VapiEnvelope, VapiServerMessage, VapiToolCalls
from concierge.tools.voice.live_tools import answer_tool_call
from concierge.tools.voice.reports import BlandCallDetails, NotACallReport, from_bland, from_vapi
from concierge.tools.voice.vapi import HANDOVER_LINE

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/voice")


async def _authenticated(request: Request, runtime: AppRuntime, provider: str) -> bytes:
    if provider not in get_verifiers(request):  # no secret configured: nothing could be verified
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{provider} webhooks are not configured on this server")
    return await authenticate(request, runtime, provider)


def _validate(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc


async def _tool_results(runtime: AppRuntime, message: VapiToolCalls) -> ToolResults:
    settings = runtime.settings
    results = []
    for call in message.toolCallList:
        started = time.perf_counter()
        try:
            answer = await answer_tool_call(runtime.services.kb, call.function.name, call.function.arguments,
                                            max_discount_pct=settings.max_discount_pct)
            results.append(ToolResult(toolCallId=call.id, name=call.function.name, result=answer))
        except Exception as exc:  # the assistant hears the failure and carries on; the call must not hang
            logger.warning("tool %s failed: %s", call.function.name, exc)
            results.append(ToolResult(toolCallId=call.id, name=call.function.name, error=f"{type(exc).__name__}: {exc}"))
        logger.debug("tool %s answered in %.0f ms", call.function.name, (time.perf_counter() - started) * 1000)
    return ToolResults(results=results)


def _transfer_destination(runtime: AppRuntime) -> dict[str, Any]:
    number = runtime.settings.escalation_phone
    if not number:
        return {"error": "no ESCALATION_PHONE is configured"}
    return {"destination": {"type": "number", "number": number, "message": HANDOVER_LINE},
            "message": {"type": "request-start", "message": "Transferring you now."}}


@router.post("/vapi", response_model=None, openapi_extra=json_body(VapiServerMessage),
             responses={200: {"model": ToolResults, "description": "tool results, a transfer destination, or an acknowledgement"},
                        202: {"model": Accepted, "description": "an end-of-call report, queued"}})
async def vapi_message(request: Request, runtime: RuntimeDep) -> Any:
    raw = await _authenticated(request, runtime, "vapi")
    kind = parse_json(VapiEnvelope, raw).message.type
    model = MESSAGE_MODELS.get(kind)
    if model is None:
        return JSONResponse({"ignored": kind})
    body = json.loads(raw)
    message = _validate(model, body["message"])
    if kind == "tool-calls":
        return await _tool_results(runtime, message)
    if kind == "transfer-destination-request":
        return JSONResponse(_transfer_destination(runtime))
    if kind == "status-update":
        logger.info("vapi call %s: %s %s", message.call.id if message.call else "?", message.status, message.endedReason or "")
        return JSONResponse({"ok": True})
    try:
        report = from_vapi(body)
    except NotACallReport as exc:
        raise HTTPException(422, str(exc)) from exc
    accepted = await queue_call_report(runtime, report)
    return JSONResponse(accepted.model_dump(), status_code=status.HTTP_202_ACCEPTED)


@router.post("/bland", status_code=status.HTTP_202_ACCEPTED, openapi_extra=json_body(BlandCallDetails))
async def bland_report(request: Request, runtime: RuntimeDep) -> Accepted:
    raw = await _authenticated(request, runtime, "bland")
    parse_json(BlandCallDetails, raw)
    return await queue_call_report(runtime, from_bland(json.loads(raw)))
