"""Structured logs: JSON lines carrying the thread and event a job works on, personal data masked,
the standard library's loggers routed through the same pipeline."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from concierge.db.store import AppStore
from concierge.observability.logs import configure_logging, get_logger
from concierge.runtime.queue import JobQueue


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    configure_logging("json", "INFO", stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


class LoggingRunner:
    """Logs what a step would log about the customer, from inside a queued job."""

    async def resume(self, thread_id: str, value: dict) -> None:
        logging.getLogger("concierge.agents.parse_reply").info(
            "customer anna.berg@example.com replied with +44 7700 900123")
        get_logger("concierge.agents.voice").info("dialling", phone="+447700900123", to="anna.berg@example.com")


async def test_a_job_logs_its_thread_and_event_with_personal_data_masked(tmp_path, log_lines):
    store = AppStore(tmp_path / "app.sqlite")
    await store.open()
    queue = JobQueue(LoggingRunner(), store, workers=1)
    await queue.start()
    try:
        await queue.enqueue("email", "msg-7", "email_reply", "local:1001", {"type": "email_reply"})
        await queue.join()
    finally:
        await queue.stop()
        await store.close()

    lines = [line for line in log_lines() if line["logger"].startswith("concierge.agents")]
    assert len(lines) == 2
    for line in lines:
        assert line["thread_id"] == "local:1001" and line["event_id"] == "email:msg-7"
        text = json.dumps(line, ensure_ascii=False)
        assert "anna.berg@example.com" not in text and "900123" not in text and "7700900123" not in text
    assert lines[0]["event"] == "customer a***@example.com replied with +44•••23"
    assert lines[1]["phone"] == "+44•••23" and lines[1]["to"] == "a***@example.com"
    assert lines[0]["level"] == "info" and "timestamp" in lines[0]


def test_an_exception_logged_with_personal_data_is_masked_too(log_lines):
    try:
        raise ValueError("no booking for bob@example.org at 07700 900456")
    except ValueError:
        logging.getLogger("concierge.x").exception("failed")
    [line] = [line for line in log_lines() if line["logger"] == "concierge.x"]
    assert "ValueError" in line["exception"]
    assert "bob@example.org" not in line["exception"] and "900456" not in line["exception"]


def test_console_format_is_one_readable_line():
    stream = io.StringIO()
    configure_logging("console", "INFO", stream)
    logging.getLogger("concierge.y").warning("call +44 7700 900123 failed")
    [line] = stream.getvalue().splitlines()
    assert "call +44•••23 failed" in line and "warning" in line and "concierge.y" in line
