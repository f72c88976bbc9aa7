"""Runs the graph for one thread: start a ticket, resume a wait, read where a thread stands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, StateSnapshot

from concierge.graph.context import Context
from concierge.services import Services

Progress = Callable[[str, str, dict[str, Any]], Awaitable[None] | None]


class NotWaiting(Exception):
    """The thread is not waiting for what was sent."""


def waiting_for(snapshot: StateSnapshot | None) -> str | None:
    """What the thread waits for (email_reply, call_report, human), or None."""
    if snapshot is None or not snapshot.interrupts:
        return None
    return (snapshot.interrupts[0].value or {}).get("waiting_for")


def already_applied(snapshot: StateSnapshot | None, value: dict[str, Any]) -> bool:
    """Whether the thread's state already holds this email reply or call report."""
    values = snapshot.values if snapshot else {}
    if value.get("type") == "email_reply" and value.get("message_id"):
        return any(r.get("message_id") == value["message_id"] for r in values.get("replies") or [])
    if value.get("type") == "call_report":
        return (values.get("call_report") or {}).get("call_id") == value.get("call_id")
    return False


class ThreadRunner:
    def __init__(self, graph: CompiledStateGraph, services: Services, on_progress: Progress | None = None) -> None:
        self.graph = graph
        self.services = services
        self.on_progress = on_progress

    @staticmethod
    def config(thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}}

    async def snapshot(self, thread_id: str) -> StateSnapshot | None:
        snap = await self.graph.aget_state(self.config(thread_id))
        return snap if snap.values else None

    async def start(self, thread_id: str, ticket_id: str) -> bool:
        """Start the thread of a ticket; False when it already runs (a re-delivered assignment).

        A thread whose last run stopped between steps (a crash, an exhausted retry) and is not
        waiting continues from its last checkpoint.
        """
        snapshot = await self.snapshot(thread_id)
        if snapshot is None:
            await self._run(thread_id, {"thread_id": thread_id, "ticket": {"id": ticket_id}, "stage": "new"})
            return True
        if snapshot.next and not snapshot.interrupts:
            await self._run(thread_id, None)
            return True
        return False

    def check_resumable(self, snapshot: StateSnapshot | None, kind: str) -> None:
        waiting = waiting_for(snapshot)
        if waiting is None:
            raise NotWaiting("the thread is not waiting for anything")
        if kind != "human" and waiting != kind:
            raise NotWaiting(f"the thread waits for {waiting}, not {kind}")

    async def resume(self, thread_id: str, value: dict[str, Any]) -> None:
        snapshot = await self.snapshot(thread_id)
        if snapshot is not None and snapshot.next and not snapshot.interrupts:
            # The last run stopped between steps (a crash, an exhausted retry): finish it first.
            await self._run(thread_id, None)
            snapshot = await self.snapshot(thread_id)
            if already_applied(snapshot, value):  # that run had taken this very event before it stopped
                return
        # A resume that matches no pending interrupt would be silently ignored, so check first.
        self.check_resumable(snapshot, value["type"])
        await self._run(thread_id, Command(resume=value))

    async def _run(self, thread_id: str, payload: Any) -> None:
        context = Context(services=self.services)
        async for update in self.graph.astream(payload, self.config(thread_id), context=context, stream_mode="updates"):
            if self.on_progress is None:
                continue
            for node, change in update.items():
                if node == "supervisor":
                    continue
                result = self.on_progress(thread_id, node, change if isinstance(change, dict) else {"interrupt": change})
                if result is not None:
                    await result
