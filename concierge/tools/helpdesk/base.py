"""What Concierge needs from a helpdesk."""

from __future__ import annotations

from typing import Literal, Protocol

from concierge.schemas import Ticket

Resolution = Literal["resolved", "escalated", "closed", "handed_off"]


class TicketNotFound(LookupError):
    pass


class Helpdesk(Protocol):
    name: str
    # True when add_note with the same idempotency key cannot write the note twice.
    retry_safe: bool

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def list_assigned_tickets(self) -> list[Ticket]:
        """Open tickets assigned to the AI."""

    async def get_ticket(self, ticket_id: str) -> Ticket: ...

    async def customer_history(self, ticket: Ticket) -> list[Ticket]:
        """The requester's other tickets, oldest first."""

    async def mark_processing(self, ticket_id: str) -> None:
        """Show in the helpdesk that the AI is working on the ticket (the "AI processing" status)."""

    def unassigned_reason(self, ticket: Ticket) -> str | None:
        """None when the helpdesk has the ticket assigned to the AI (and still open), else why not."""

    async def add_note(self, ticket_id: str, body: str, *, idempotency_key: str | None = None) -> str:
        """An internal note on the ticket; returns the note id (the existing one when the key was used before)."""

    async def set_resolution(self, ticket_id: str, resolution: Resolution, reason: str) -> None:
        """Move the ticket to the state that matches `resolution`."""
