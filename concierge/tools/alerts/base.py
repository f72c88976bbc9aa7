"""What a team alert is, and what every destination for one provides."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field


class Alert(BaseModel):
    kind: Literal["success", "escalation", "info"]
    thread_id: str
    title: str
    text: str
    fields: dict[str, str] = Field(default_factory=dict)
    idempotency_key: str
    # Decisions a person may take from the alert (Slack buttons), and which wait they answer (the escalation's number).
    decisions: list[str] = Field(default_factory=list)
    escalation: int | None = None


class AlertSink(Protocol):
    # True when sending the same alert again (same idempotency key) cannot deliver it twice.
    retry_safe: bool

    async def send(self, alert: Alert) -> None: ...


class AlertDeliveryError(RuntimeError):
    """A destination refused the alert or stayed unreachable through the retries."""


def ticket_of(alert: Alert) -> str:
    """The helpdesk's ticket id, from the thread id `<helpdesk>:<ticket id>`."""
    return alert.thread_id.split(":", 1)[-1]


def ticket_link(alert: Alert, template: str | None) -> str | None:
    return template.format(ticket_id=ticket_of(alert)) if template else None
