"""The embedded alert sink: one JSON line per alert in `alerts.jsonl` (the record), and the console."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from concierge.tools.alerts.base import Alert


class LocalAlerts:
    retry_safe = True  # an alert whose key is already in the file is not written again

    def __init__(self, path: Path, *, console: Console | None = None) -> None:
        self.path = path
        self.console = console
        self._sent: set[str | None] | None = None  # a record written without a key reads as None

    async def send(self, alert: Alert) -> None:
        if self._sent is None:
            self._sent = {a.get("idempotency_key") for a in await asyncio.to_thread(self.read)}
        if alert.idempotency_key in self._sent:
            return
        self._sent.add(alert.idempotency_key)
        record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **alert.model_dump()}
        await asyncio.to_thread(self._append, json.dumps(record, ensure_ascii=False))
        if self.console is not None:
            style = {"success": "green", "escalation": "bold red", "info": "cyan"}[alert.kind]
            self.console.print(f"[{style}]ALERT[/] {alert.title} — {alert.text}")

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        records = []
        for line in self.path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:  # a line cut short by a crash while it was written
                continue
        return records
