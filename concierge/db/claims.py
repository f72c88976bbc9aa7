"""Keys that belong to a thread: correlations (a Message-ID or a call id leads back to its thread)
and claims on shared resources (call lines, a waiting list), taken atomically across processes
sharing the store: a claim is a correlation whose unique key an insert takes or fails to take."""

from __future__ import annotations

from sqlalchemy import delete, select

from concierge.db.engine import Database
from concierge.db.tables import correlations


class Claims(Database):
    async def link(self, key: str, thread_id: str) -> None:
        insert = self._insert(correlations).values(key=key, thread_id=thread_id)
        await self._write(insert.on_conflict_do_update(index_elements=[correlations.c.key], set_={"thread_id": thread_id}))

    async def thread_for(self, *keys: str) -> str | None:
        if not keys:
            return None
        found = {r["key"]: r["thread_id"] for r in await self._rows(select(correlations).where(correlations.c.key.in_(keys)))}
        return next((found[k] for k in keys if k in found), None)

    async def claim(self, key: str, thread_id: str) -> bool:
        """Take `key` for the thread; False when any thread already holds it."""
        return await self._insert_new(correlations, key=key, thread_id=thread_id)

    async def claims(self, prefix: str) -> list[tuple[str, str]]:
        """Every (key, thread_id) whose key starts with `prefix`, in key order."""
        rows = await self._rows(select(correlations).where(correlations.c.key.startswith(prefix, autoescape=True))
                                .order_by(correlations.c.key))
        return [(r["key"], r["thread_id"]) for r in rows]

    async def release(self, prefix: str, thread_id: str) -> int:
        """Drop the thread's claims whose key starts with `prefix`."""
        return await self._write(delete(correlations).where(correlations.c.key.startswith(prefix, autoescape=True),
                                                            correlations.c.thread_id == thread_id))
