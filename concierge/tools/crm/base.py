"""What Concierge needs from a helpdesk."""

from __future__ import annotations

from typing import Literal, Protocol

from concierge.schemas import Ticket

Resolution = Literal["resolved", "escalated", "closed", "handed_off"]


class TicketNotFound(LookupError):
    pass


class Helpdesk(Protocol):
    name: str
    # True only when `add_note` finds the note an earlier attempt with the same key wrote, so repeating
    # it after a crash cannot write a second one.
    retry_safe: bool

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def list_assigned_tickets(self) -> list[Ticket]:
        """Open tickets assigned to the AI."""

    async def get_ticket(self, ticket_id: str) -> Ticket: ...

    async def customer_history(self, ticket: Ticket) -> list[Ticket]:
        """The requester's other tickets, oldest first."""

    def unassigned_reason(self, ticket: Ticket) -> str | None:
        """None when the helpdesk has the ticket assigned to the AI (and still open), else why not."""

    async def add_note(self, ticket_id: str, body: str, idempotency_key: str | None = None) -> str:
        """An internal note on the ticket; returns the note id. With a key, a note already written
        under that key is found and its id returned instead of writing another."""

    async def set_resolution(self, ticket_id: str, resolution: Resolution, reason: str) -> None:
        """Move the ticket to the state that matches `resolution`."""
