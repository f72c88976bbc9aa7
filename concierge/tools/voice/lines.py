"""Call lines: never more calls in progress than MAX_CONCURRENT_CALLS, across every process that
shares the store. A call holds a line from dialling until its report arrives (or the thread
ends, or STALE_AFTER passes without a report); threads that want a line wait in a first-come
list and take lines in that order.

Lines and places in the list are unique keys in the store, so two processes can never take the
same line, whatever they read before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from concierge.db.store import AppStore

LINE, QUEUE = "call_line:", "call_queue:"
LINE_FREE = "call_line_free"  # the timer that wakes a thread waiting for a line
# No call lasts this long: a line held longer lost its report (a webhook that never came) and is freed.
STALE_AFTER = timedelta(hours=2)


class CallLines:
    def __init__(self, store: AppStore, limit: int) -> None:
        self.store = store
        self.limit = limit

    async def _free_stale(self, lines: list[tuple[str, str]]) -> bool:
        """Free the lines whose call was dialled more than STALE_AFTER ago; True when any was."""
        freed = False
        oldest = (datetime.now(UTC) - STALE_AFTER).isoformat(timespec="milliseconds")
        for _, holder in lines:
            dialled = [e["created_at"] for e in await self.store.effects(holder) if e["key"].startswith(f"{holder}:call:")]
            if dialled and max(dialled) < oldest:
                freed |= bool(await self.store.release(LINE, holder))
        return freed

    async def take(self, thread_id: str, now: datetime) -> bool:
        """A line for the thread's call now, or False: it keeps (or takes) its place in the list."""
        lines = await self.store.claims(LINE)
        if any(t == thread_id for _, t in lines):
            return True
        waiting = [t for _, t in await self.store.claims(QUEUE)]
        if thread_id not in waiting:
            await self.store.claim(f"{QUEUE}{now.astimezone(UTC):%Y%m%dT%H%M%S.%f}:{thread_id}", thread_id)
            waiting = [t for _, t in await self.store.claims(QUEUE)]
        free = self.limit - sum(1 for key, _ in lines if int(key.removeprefix(LINE)) < self.limit)
        if waiting.index(thread_id) >= free and await self._free_stale(lines):
            return await self.take(thread_id, now)
        if waiting.index(thread_id) >= free:  # earlier callers first
            return False
        for line in range(self.limit):
            if await self.store.claim(f"{LINE}{line}", thread_id):
                await self.store.release(QUEUE, thread_id)
                return True
        return False

    async def release(self, thread_id: str) -> list[str]:
        """Free the thread's line and place; returns the waiting threads a free line now serves, first come first."""
        freed = await self.store.release(LINE, thread_id) + await self.store.release(QUEUE, thread_id)
        if not freed:
            return []
        busy = sum(1 for key, _ in await self.store.claims(LINE) if int(key.removeprefix(LINE)) < self.limit)
        return [t for _, t in await self.store.claims(QUEUE)][: max(self.limit - busy, 0)]


async def free_line(store: AppStore, limit: int, thread_id: str, reason: str) -> list[str]:
    """The thread's call is over: free its line and wake the threads next in the list."""
    woken = await CallLines(store, limit).release(thread_id)
    now = datetime.now(UTC)
    for waiter in woken:
        await store.schedule(waiter, LINE_FREE, {}, at=now, key=f"{waiter}:{LINE_FREE}:{thread_id}:{reason}")
    return woken


async def drop_wake_ups(store: AppStore, thread_id: str, kinds: tuple[str, ...], now: datetime) -> None:
    """The call goes out now: the thread's timers not yet due to wake it for a line or a window are
    no longer needed (left alone they would only find it waiting for something else). A due one is
    left pending: it may be the very event running this step, and a run killed before its
    checkpoint must find it pending again to carry on."""
    for event in await store.events(thread_id):
        if (event["source"] == "timer" and event["kind"] in kinds and event["status"] == "pending"
                and event["not_before"] and datetime.fromisoformat(event["not_before"]) > now):
            await store.finish_event("timer", event["event_id"], status="ignored", error="the call went out before it was due")
