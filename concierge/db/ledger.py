"""The effects ledger: every send, dial, helpdesk write and alert is recorded under an idempotency key
before it runs (its intent) and after (its result), so a retried or replayed step finds its effect
done and skips it, and an effect whose outcome is unknown is not repeated blindly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select, update

from concierge.db.engine import Database, now_stamp
from concierge.db.tables import effects

T = TypeVar("T")


class EffectInDoubt(RuntimeError):
    """A side effect was started but its outcome was never recorded (the process stopped, or the
    provider timed out), and repeating it could do it twice: a person must check."""

    def __init__(self, key: str, intent: dict[str, Any]) -> None:
        super().__init__(f"the outcome of {key} is unknown (it was started but never confirmed); check before repeating it")
        self.key = key
        self.intent = intent


class OutcomeUnknown(Exception):
    """Raised by an effect that failed in a way that may have done it anyway (a provider 5xx while
    creating a call): the ledger keeps the attempt in doubt instead of allowing a blind repeat."""


def _ambiguous(exc: BaseException) -> bool:
    """A timeout, or an effect that says so, may have happened on the provider's side after all;
    any other error did not."""
    return isinstance(exc, (TimeoutError, OutcomeUnknown)) or type(exc).__name__ in {"TimeoutException", "ReadTimeout", "WriteTimeout", "APITimeoutError"}


class EffectsLedger(Database):
    """Intent first, then the effect, then its result."""

    async def _effect_row(self, key: str) -> dict[str, Any] | None:
        rows = await self._rows(select(effects.c.status, effects.c.intent, effects.c.result).where(effects.c.key == key))
        return rows[0] if rows else None

    async def effect_result(self, key: str) -> Any | None:
        row = await self._effect_row(key)
        return None if row is None or row["status"] != "done" else json.loads(row["result"])

    async def _set_effect(self, key: str, status: str, *, result: Any = None, error: str | None = None,
                          fenced: bool = False) -> None:
        await self._write(update(effects).where(effects.c.key == key).values(
            status=status, result=json.dumps(result), error=error, updated_at=now_stamp(),
        ), fenced=fenced)

    async def once(self, key: str, thread_id: str, effect: Callable[[dict[str, Any]], Awaitable[T]], *,
                   intent: dict[str, Any] | None = None, retry_safe: bool = False) -> tuple[T, bool]:
        """Run `effect(intent)` unless `key` is done; returns (result, ran_now).

        The intent (e.g. the Message-ID an email will carry) is recorded before the effect runs, so
        a repeated attempt reuses it. An attempt that started but never finished (a crash, a
        timeout) is repeated only when `retry_safe` (the provider deduplicates by key, or the
        effect is idempotent); otherwise `EffectInDoubt` asks a person instead of guessing. Jobs
        for one thread never run concurrently (in any process), so check-then-record cannot race
        within a thread; an attempt taken over by another worker is refused when it records the
        intent (`Superseded`), while an effect it already made still records its result.
        """
        row = await self._effect_row(key)
        if row is not None and row["status"] == "done":
            return json.loads(row["result"]), False
        if row is None:
            intent = intent or {}
            now = now_stamp()
            await self._write(effects.insert().values(
                key=key, thread_id=thread_id, status="pending", intent=json.dumps(intent), result="null",
                created_at=now, updated_at=now,
            ), fenced=True)
        else:
            intent = json.loads(row["intent"])
            if row["status"] == "pending" and not retry_safe:
                raise EffectInDoubt(key, intent)
            await self._set_effect(key, "pending", fenced=True)
        try:
            result = await effect(intent)
        except BaseException as exc:
            if not _ambiguous(exc) and not isinstance(exc, asyncio.CancelledError):
                await self._set_effect(key, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        await self._set_effect(key, "done", result=result)
        return result, True

    async def release_in_doubt(self, thread_id: str) -> int:
        """A person checked the thread's unconfirmed effects and asks for them to be done again."""
        return await self._write(update(effects).where(effects.c.thread_id == thread_id, effects.c.status == "pending").values(
            status="failed", error="released by an operator", updated_at=now_stamp(),
        ))

    async def effects(self, thread_id: str | None = None) -> list[dict[str, Any]]:
        query = select(effects.c.key, effects.c.thread_id, effects.c.status, effects.c.result, effects.c.created_at)
        if thread_id:
            query = query.where(effects.c.thread_id == thread_id)
        return [{**r, "result": json.loads(r["result"])} for r in await self._rows(query.order_by(effects.c.created_at, effects.c.key))]
