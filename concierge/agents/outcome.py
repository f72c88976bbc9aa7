"""What closing and escalating share: a helpdesk note, the ticket's new state and a team alert,
each written once per thread step."""

from __future__ import annotations

from typing import Literal

from concierge.graph.state import TicketState, effect_key
from concierge.services import Services
from concierge.tools.alerts import Alert
from concierge.tools.helpdesk.base import Resolution


async def record_outcome(
    services: Services, state: TicketState, step: tuple[object, ...], *, note: str, resolution: Resolution,
    reason: str, alert_kind: Literal["success", "escalation", "info"], alert_title: str, alert_fields: dict[str, str],
    alert_decisions: list[str] | None = None,
) -> None:
    ticket, thread_id = state["ticket"], state["thread_id"]

    async def add_note(_: dict) -> str:
        return await services.helpdesk.add_note(ticket["id"], note, idempotency_key=effect_key(state, *step, "note"))

    async def set_resolution(_: dict) -> bool:
        await services.helpdesk.set_resolution(ticket["id"], resolution, reason)
        return True

    async def send_alert(_: dict) -> bool:
        await services.alerts.send(Alert(
            kind=alert_kind, thread_id=thread_id, idempotency_key=effect_key(state, *step, "alert"),
            title=alert_title, text=reason,
            fields={"customer": ticket["customer"]["name"], "path": state.get("path", ""), **alert_fields},
            decisions=alert_decisions or [], escalation=state.get("escalations", 0) + 1 if alert_decisions else None,
        ))
        return True

    effects = (
        ("note", add_note, getattr(services.helpdesk, "retry_safe", False)),
        ("status", set_resolution, True),  # setting a state twice leaves it the same
        ("alert", send_alert, getattr(services.alerts, "retry_safe", False)),
    )
    for part, effect, retry_safe in effects:
        await services.store.once(effect_key(state, *step, part), thread_id, effect, retry_safe=retry_safe)


async def note_once(services: Services, state: TicketState, key: str, body: str) -> None:
    """One helpdesk note on the thread's ticket under idempotency `key`."""
    async def add_note(_: dict) -> str:
        return await services.helpdesk.add_note(state["ticket"]["id"], body, idempotency_key=key)

    await services.store.once(key, state["thread_id"], add_note, retry_safe=getattr(services.helpdesk, "retry_safe", False))


async def alert_once(services: Services, state: TicketState, key: str, *, kind: Literal["success", "escalation", "info"],
                     title: str, text: str) -> None:
    """One team alert about the thread under idempotency `key`."""
    ticket = state["ticket"]

    async def send_alert(_: dict) -> bool:
        await services.alerts.send(Alert(kind=kind, thread_id=state["thread_id"], idempotency_key=key, title=title, text=text,
                                         fields={"customer": ticket["customer"]["name"], "path": state.get("path", "")}))
        return True

    await services.store.once(key, state["thread_id"], send_alert, retry_safe=getattr(services.alerts, "retry_safe", False))
