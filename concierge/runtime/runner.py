"""Runs the graph for one thread: start a ticket, resume a wait, carry on a run that stopped, and
hand a thread whose step failed to a person. Also reads where a thread stands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Interrupt, StateSnapshot

from concierge.graph.builder import TicketInput, ticket_input
from concierge.graph.context import Context
from concierge.graph.state import TicketState
from concierge.graph.supervisor import HANDOVER_STEPS, handed_over, reopened
from concierge.graph.waits.updates import CUSTOMER_EMAIL
from concierge.graph.waits.wait_for_reply import EMAIL_BOUNCED, REPLY_OVERDUE
from concierge.services import Services

Progress = Callable[[str, str, dict[str, Any]], Awaitable[None] | None]

# Events that only matter while the thread still waits for them.
_LAPSING = {REPLY_OVERDUE, EMAIL_BOUNCED}


class NotWaiting(Exception):
    """The thread is not waiting for what was sent."""


class StaleEvent(Exception):
    """The event belongs to an earlier step of the thread (e.g. the report of an older call): it is
    kept on the thread's event list and changes nothing."""


def current_wait(snapshot: StateSnapshot | None) -> Interrupt | None:
    return snapshot.interrupts[0] if snapshot is not None and snapshot.interrupts else None


def waiting_for(snapshot: StateSnapshot | None) -> str | None:
    """What the thread waits for (email_reply, call_report, human), or None."""
    wait = current_wait(snapshot)
    return None if wait is None else (wait.value or {}).get("waiting_for")


def is_unfinished(snapshot: StateSnapshot | None) -> bool:
    """A run that stopped between steps (a crash, a failed step): neither waiting nor done.

    `snapshot.next` is not enough: after a crash a task whose writes were saved is left out of it,
    so the stage the state records decides.
    """
    return snapshot is not None and not snapshot.interrupts and snapshot.values.get("stage", "new") != "done"


def is_done(snapshot: StateSnapshot | None) -> bool:
    return snapshot is not None and not snapshot.interrupts and snapshot.values.get("stage") == "done"


def already_applied(snapshot: StateSnapshot | None, value: dict[str, Any]) -> bool:
    """Whether the thread's state already took this event (a run that stopped after taking it)."""
    values = snapshot.values if snapshot else {}
    return bool(value.get("event_id")) and value["event_id"] in (values.get("resumed_by") or [])


class ThreadRunner:
    def __init__(self, graph: CompiledStateGraph[TicketState, Context, TicketInput, TicketState], services: Services,
                 on_progress: Progress | None = None) -> None:
        self.graph = graph
        self.services = services
        self.on_progress = on_progress

    @staticmethod
    def config(thread_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": thread_id}}

    async def snapshot(self, thread_id: str) -> StateSnapshot | None:
        snap = await self.graph.aget_state(self.config(thread_id))
        return snap if snap.values else None

    async def start(self, thread_id: str, ticket: dict[str, Any] | None = None) -> bool:
        """Start the thread of a ticket (as read when it was assigned, when it was); False when it
        already runs (a re-delivered assignment). A thread whose last run stopped between steps
        continues from its last checkpoint."""
        snapshot = await self.snapshot(thread_id)
        if snapshot is None:
            await self._run(thread_id, ticket_input(thread_id), assigned_ticket=ticket)
            return True
        return await self.carry_on(thread_id, snapshot)

    async def carry_on(self, thread_id: str, snapshot: StateSnapshot | None = None) -> bool:
        """Finish a run that stopped between steps; False when the thread waits or is done."""
        snapshot = snapshot or await self.snapshot(thread_id)
        if not is_unfinished(snapshot):
            return False
        await self._run(thread_id, None)
        return True

    def check_resumable(self, snapshot: StateSnapshot | None, value: dict[str, Any]) -> None:
        """Raise when `value` does not answer the thread's wait. A person's decision was checked
        against the wait it answers when it was queued (`concierge.actions.decisions`); here only
        that this wait still stands."""
        wait = current_wait(snapshot)
        kind = value["type"]
        # A timer or a late delivery report the thread no longer waits for is kept and changes nothing
        # (a reminder whose email was answered, a bounce on a thread already with a person).
        lapses = kind in _LAPSING or str(value.get("event_id", "")).startswith("timer:")
        if wait is None:
            if lapses:
                raise StaleEvent(f"{kind}: the thread is not waiting any more")
            raise NotWaiting("the thread is not waiting for anything")
        info = wait.value or {}
        if kind == "human":
            if value.get("answers") and value["answers"] != wait.id:
                raise NotWaiting("the wait this decision answered has ended")
            return
        if kind not in info.get("accepts", [info.get("waiting_for")]):
            error = StaleEvent if lapses else NotWaiting
            raise error(f"the thread waits for {info.get('waiting_for')}, not {kind}")
        if kind == "call_report" and info.get("call_id") and value.get("call_id") != info["call_id"]:
            raise StaleEvent(f"report of call {value.get('call_id')}; the thread waits for call {info['call_id']}")
        if kind == REPLY_OVERDUE and value.get("message_id") != info.get("message_id"):
            raise StaleEvent(f"reminder timer of email {value.get('message_id')}; the thread waits on {info.get('message_id')}")

    async def resume(self, thread_id: str, value: dict[str, Any]) -> None:
        snapshot = await self.snapshot(thread_id)
        if await self.carry_on(thread_id, snapshot):
            snapshot = await self.snapshot(thread_id)
        if already_applied(snapshot, value):  # the run that stopped had taken this very event
            return
        if value["type"] == CUSTOMER_EMAIL and is_done(snapshot):
            # The customer wrote again after the ticket ended: the same thread takes it up (reopen).
            await self._run(thread_id, reopened(value))
            return
        # A resume that matches no pending interrupt would be silently ignored, so check first.
        self.check_resumable(snapshot, value)
        if value["type"] == "human" and value.get("action") == "retry":
            await self.services.store.release_in_doubt(thread_id)  # the operator checked and asks to try again
        await self._run(thread_id, Command(resume=value))

    async def hand_to_person(self, thread_id: str, error: str) -> bool:
        """Send a thread whose step failed to a person, with the error as the reason; False when the
        failing step is itself the hand-over (the caller alerts the team directly)."""
        snapshot = await self.snapshot(thread_id)
        if snapshot is None or not is_unfinished(snapshot):
            return False
        failed = [t.name for t in snapshot.tasks if t.error] or [t.name for t in snapshot.tasks]
        step = failed[0] if failed else None
        if step is None or step in HANDOVER_STEPS:
            return False
        await self.graph.aupdate_state(self.config(thread_id), handed_over(step, error), as_node=step)
        await self._run(thread_id, None)
        return True

    async def _run(self, thread_id: str, payload: Any, *, assigned_ticket: dict[str, Any] | None = None) -> None:
        # Marked running until the run ends, so start-up finds interrupted runs without reading every checkpoint.
        await self.services.store.set_thread_status(thread_id, "running")
        await self._stream(thread_id, payload, Context(services=self.services, assigned_ticket=assigned_ticket))
        await self.record_status(thread_id)

    async def record_status(self, thread_id: str, snapshot: StateSnapshot | None = None) -> None:
        """Mirror where the thread stands into the store's thread list."""
        snapshot = snapshot or await self.snapshot(thread_id)
        if snapshot is None:
            return
        values = snapshot.values
        status = "waiting" if snapshot.interrupts else "done" if values.get("stage") == "done" else "running"
        customer = ((values.get("ticket") or {}).get("customer") or {}).get("email")
        await self.services.store.set_thread_status(
            thread_id, status, stage=values.get("stage"), waiting_for=waiting_for(snapshot),
            outcome=(values.get("outcome") or {}).get("status"), customer_email=customer,
        )

    async def _stream(self, thread_id: str, payload: Any, context: Context) -> None:
        # durability="sync": each step's checkpoint is written before the next step starts, so a
        # crash loses at most the step that was running (whose side effects the ledger guards).
        async for update in self.graph.astream(payload, self.config(thread_id), context=context,
                                               stream_mode="updates", durability="sync"):
            if self.on_progress is None:
                continue
            for node, change in update.items():
                result = self.on_progress(thread_id, node, change if isinstance(change, dict) else {"interrupt": change})
                if result is not None:
                    await result
