"""The embedded helpdesk: tickets, customers and notes in a SQLite file, seeded with demo tickets."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from concierge.schemas import Customer, Ticket
from concierge.tools.helpdesk.base import Resolution, TicketNotFound

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id), subject TEXT NOT NULL,
    body TEXT NOT NULL, status TEXT NOT NULL, assignee TEXT, priority TEXT NOT NULL DEFAULT 'normal',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id TEXT NOT NULL REFERENCES tickets(id),
    body TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets (customer_id, created_at);
"""
# Added after the first release: notes written under an idempotency key are written once.
NOTE_KEYS = "ALTER TABLE notes ADD COLUMN idempotency_key TEXT; CREATE UNIQUE INDEX notes_key ON notes (idempotency_key);"

# How each Concierge resolution shows up in the helpdesk.
STATUS_FOR = {
    "resolved": ("solved", None),
    "closed": ("closed", None),
    "escalated": ("escalated", "Human Queue"),
    "handed_off": ("open", "Human Queue"),
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class LocalHelpdesk:
    name = "local"
    retry_safe = True

    def __init__(self, path: Path, *, seed_file: Path | None = None, ai_assignee: str = "AI Processing") -> None:
        self.path = path
        self.seed_file = seed_file
        self.ai_assignee = ai_assignee
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        self._db.row_factory = aiosqlite.Row
        # Several processes (a web process and workers) may share the demo helpdesk file.
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._db.executescript(SCHEMA)
        async with self._db.execute("SELECT 1 FROM pragma_table_info('notes') WHERE name = 'idempotency_key'") as cur:
            if await cur.fetchone() is None:
                await self._db.executescript(NOTE_KEYS)
        await self._db.commit()
        if self.seed_file:
            await self.seed(self.seed_file)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("helpdesk is not open")
        return self._db

    async def seed(self, seed_file: Path) -> int:
        """Load the seed file once; an already seeded helpdesk is left as it is."""
        async with self.db.execute("SELECT COUNT(*) FROM tickets") as cur:
            count = await cur.fetchone()
            assert count is not None  # COUNT(*) always returns a row
            if count[0]:
                return 0
        seed = json.loads(Path(seed_file).read_text())
        await self.db.executemany(
            "INSERT INTO customers (id, name, email) VALUES (?, ?, ?)",
            [(c["id"], c["name"], c["email"]) for c in seed["customers"]],
        )
        await self.db.executemany(
            "INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (t["id"], t["customer_id"], t["subject"], t["body"], t["status"], t.get("assignee"),
                 t.get("priority", "normal"), t["created_at"], t["created_at"])
                for t in seed["tickets"]
            ],
        )
        await self.db.commit()
        return len(seed["tickets"])

    async def create_ticket(self, *, customer: Customer, subject: str, body: str, ticket_id: str,
                            assignee: str | None = None) -> Ticket:
        await self.db.execute("INSERT OR IGNORE INTO customers VALUES (?, ?, ?)", (customer.id, customer.name, customer.email))
        await self.db.execute(
            "INSERT INTO tickets VALUES (?, ?, ?, ?, 'open', ?, 'normal', ?, ?)",
            (ticket_id, customer.id, subject, body, assignee or self.ai_assignee, _now(), _now()),
        )
        await self.db.commit()
        return await self.get_ticket(ticket_id)

    def _ticket(self, row: aiosqlite.Row) -> Ticket:
        return Ticket(
            id=row["id"], helpdesk=self.name, subject=row["subject"], body=row["body"],
            customer=Customer(id=row["customer_id"], name=row["name"], email=row["email"]),
            status=row["status"], assignee=row["assignee"], priority=row["priority"], created_at=row["created_at"],
        )

    _SELECT = "SELECT t.*, c.name, c.email FROM tickets t JOIN customers c ON c.id = t.customer_id"

    async def list_assigned_tickets(self) -> list[Ticket]:
        async with self.db.execute(
            f"{self._SELECT} WHERE t.status IN ('new', 'open') AND t.assignee = ? ORDER BY t.id", (self.ai_assignee,)
        ) as cur:
            return [self._ticket(r) for r in await cur.fetchall()]

    async def get_ticket(self, ticket_id: str) -> Ticket:
        async with self.db.execute(f"{self._SELECT} WHERE t.id = ?", (ticket_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise TicketNotFound(f"ticket {ticket_id} does not exist in the local helpdesk")
        return self._ticket(row)

    async def customer_history(self, ticket: Ticket) -> list[Ticket]:
        async with self.db.execute(
            f"{self._SELECT} WHERE t.customer_id = ? AND t.id != ? ORDER BY t.created_at", (ticket.customer.id, ticket.id)
        ) as cur:
            return [self._ticket(r) for r in await cur.fetchall()]

    async def mark_processing(self, ticket_id: str) -> None:
        """An open ticket needs nothing (the AI assignee says who works on it); a solved or closed one
        that the customer wrote to again is open again, with the AI."""
        await self.db.execute("UPDATE tickets SET status = 'open', assignee = ?, updated_at = ? "
                              "WHERE id = ? AND status IN ('solved', 'closed')", (self.ai_assignee, _now(), ticket_id))
        await self.db.commit()

    def unassigned_reason(self, ticket: Ticket) -> str | None:
        if ticket.status not in ("new", "open"):
            return f"ticket {ticket.id} is {ticket.status}, not open"
        if ticket.assignee != self.ai_assignee:
            return f"ticket {ticket.id} is assigned to {ticket.assignee or 'nobody'}, not {self.ai_assignee}"
        return None

    async def add_note(self, ticket_id: str, body: str, *, idempotency_key: str | None = None) -> str:
        await self.get_ticket(ticket_id)
        await self.db.execute(
            "INSERT OR IGNORE INTO notes (ticket_id, body, created_at, idempotency_key) VALUES (?, ?, ?, ?)",
            (ticket_id, body, _now(), idempotency_key),
        )
        await self.db.commit()
        async with self.db.execute(
            "SELECT id FROM notes WHERE idempotency_key = ? OR (? IS NULL AND id = last_insert_rowid())",
            (idempotency_key, idempotency_key),
        ) as cur:
            row = await cur.fetchone()
            assert row is not None  # just inserted, or already there under its idempotency key
            return str(row["id"])

    async def notes(self, ticket_id: str) -> list[str]:
        async with self.db.execute("SELECT body FROM notes WHERE ticket_id = ? ORDER BY id", (ticket_id,)) as cur:
            return [r["body"] for r in await cur.fetchall()]

    async def set_resolution(self, ticket_id: str, resolution: Resolution, reason: str) -> None:
        await self.get_ticket(ticket_id)
        status, assignee = STATUS_FOR[resolution]
        if assignee:
            await self.db.execute(
                "UPDATE tickets SET status = ?, assignee = ?, updated_at = ? WHERE id = ?", (status, assignee, _now(), ticket_id)
            )
        else:
            await self.db.execute("UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", (status, _now(), ticket_id))
        await self.db.commit()
