"""Inbound emails that did not become a customer reply on a thread (no thread matched, several did,
or a machine wrote them): kept, one JSON line each, for a person to look at. Never dropped."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class SetAsideEmails:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def add(self, event_id: str, reason: str, email: dict[str, Any], thread_id: str | None = None) -> bool:
        """Keep the email; False when this event was kept before (a provider's retry)."""
        async with self._lock:
            if any(r["event_id"] == event_id for r in await asyncio.to_thread(self.read)):
                return False
            record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "event_id": event_id, "reason": reason,
                      "thread_id": thread_id, "email": email}
            await asyncio.to_thread(self._append, json.dumps(record, ensure_ascii=False))
            return True

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
