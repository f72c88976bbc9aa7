"""Structured logs with structlog: JSON lines (`LOG_FORMAT=json`) or readable console lines, every
record carrying the thread and event it belongs to, with email addresses and phone numbers masked
and secrets carried in a URL's query (Zoho Desk's webhook `?token=`) replaced by `[redacted]`.

Standard-library loggers (uvicorn, httpx, Concierge's own `logging.getLogger`) are routed through
the same processors, so every line looks the same and is masked the same. The queue binds
`thread_id` and `event_id` with `bound_contextvars` around each job; asyncio tasks copy the
context, so what a job logs (and what it starts) carries them.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

import structlog
from structlog.contextvars import bound_contextvars  # re-exported for the queue
from structlog.typing import EventDict, Processor

from concierge.privacy import mask_personal

# Ids are kept as they are (mask_personal keeps `*_id`); these fields are structlog's own.
_KEEP = frozenset({"timestamp", "level", "logger", "event_id", "thread_id"})
_QUIET = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "aiosqlite": logging.WARNING,
          "alembic": logging.WARNING}  # a migration check at every start is not news


# A secret in a query string (uvicorn's access line prints the full path with its query).
_URL_SECRET = re.compile(r"([?&](?:token|secret|key)=)[^&\s\"']+", re.IGNORECASE)


def redact_url_secrets(value: Any) -> Any:
    """`value` (JSON-like) with every `?token=`/`secret=`/`key=` query value replaced by `[redacted]`."""
    if isinstance(value, str):
        return _URL_SECRET.sub(r"\1[redacted]", value)
    if isinstance(value, list | tuple):
        return [redact_url_secrets(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_url_secrets(v) for k, v in value.items()}
    return value


def mask(logger: Any, method: str, event: EventDict) -> dict[str, Any]:
    """structlog processor: personal data in every value (the message, fields, the traceback) masked,
    secrets in URLs redacted."""
    event.pop("color_message", None)  # uvicorn's coloured copy of the message
    return redact_url_secrets(mask_personal(event, keep=_KEEP))


def _processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record is emitted (a process may swap it after start-up)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:  # StreamHandler sets it once; the current stderr always wins
        pass


def configure_logging(log_format: str = "console", level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route structlog and the standard library through one masked pipeline, written to `stream` (stderr)."""
    json_lines = log_format == "json"
    final: list[Processor] = [structlog.processors.format_exc_info, mask, structlog.processors.JSONRenderer()] if json_lines else \
        [structlog.processors.format_exc_info, mask, structlog.dev.ConsoleRenderer(colors=False)]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *_processors()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_concierge", False)]:
        root.removeHandler(old)
    handler._concierge = True  # type: ignore[attr-defined]  # replaced, not stacked, when configured again
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, logging.getLevelName(level)))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn's own handlers would bypass masking
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[*_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


__all__ = ["bound_contextvars", "configure_logging", "get_logger", "mask"]
