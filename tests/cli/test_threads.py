"""The `concierge` command: threads, show and resume, against a data folder with real threads."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from typer.testing import CliRunner

from concierge.cli.main import app
from concierge.db.store import AppStore
from concierge.runtime.process import open_runtime
from concierge.server.app import create_app
from concierge.server.verify import concierge_signature
from concierge.settings import get_settings
from concierge.tools.signing import SignedWebhooks
from tests.conftest import OFFLINE


@pytest.fixture
def data_dir(tmp_path, kb, monkeypatch):
    """A data folder where ticket 1003 (angry, asks for a person) waits for a human and 1002 is resolved."""
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data")

    async def prepare() -> None:
        async with open_runtime(settings, kb=kb) as runtime:
            transport = httpx.ASGITransport(app=create_app(runtime))
            signed = SignedWebhooks(concierge_signature(settings))
            async with httpx.AsyncClient(transport=transport, base_url="http://t", auth=signed) as client:
                for ticket_id in ("1002", "1003"):
                    (await client.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": ticket_id})).raise_for_status()
                await runtime.queue.join()

    asyncio.run(prepare())
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(settings.data_dir))
    monkeypatch.chdir(tmp_path)  # no developer .env
    get_settings.cache_clear()
    yield settings.data_dir
    get_settings.cache_clear()


def run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_threads_lists_stage_and_what_each_waits_for(data_dir):
    result = run("threads")
    assert result.exit_code == 0, result.output
    line_1002 = next(line for line in result.output.splitlines() if "local:1002" in line)
    line_1003 = next(line for line in result.output.splitlines() if "local:1003" in line)
    assert "done" in line_1002 and "resolved" in line_1002
    assert "awaiting_human" in line_1003 and "human" in line_1003 and "escalated" in line_1003


def test_show_prints_the_escalation_reasons_and_the_timeline(data_dir):
    result = run("show", "local:1003")
    assert result.exit_code == 0, result.output
    assert "real person" in result.output  # the customer's own words are the reason
    assert "timeline" in result.output and "escalation" in result.output
    # What the LLM cost: the demo runs offline, so no LLM call and one reading by the offline engine.
    assert "0 LLM call(s)" in result.output and "by the offline engine" in result.output
    assert '"llm_usage"' in result.output


def test_resume_as_printed_by_the_demo_hands_the_ticket_over_once(data_dir):
    result = run("resume", "local:1003", "--action", "handoff", "--note", "I'll call the customer myself")
    assert result.exit_code == 0, result.output
    assert "outcome=handed_off" in result.output

    again = run("resume", "local:1003", "--action", "handoff")
    assert again.exit_code == 1
    assert "409" in again.output and "not waiting" in again.output


def test_resume_with_a_reply_sends_it_and_closes(data_dir):
    result = run("resume", "local:1003", "--action", "reply", "--body", "Dear Mr Hale, the second charge is refunded.",
                 "--then", "close", "--by", "sofia")
    assert result.exit_code == 0, result.output
    assert "outcome=resolved" in result.output
    sent = [p.read_text() for p in (data_dir / "outbox").glob("*.eml")]
    assert sum("the second charge is refunded" in text and "richard.hale@example.org" in text for text in sent) == 1
    # A complaint escalated before anything was sent: nothing to approve.
    assert run("resume", "local:1003", "--action", "approve").exit_code == 1


def test_unknown_thread_and_bad_action_fail_with_the_reason(data_dir):
    unknown = run("show", "local:9999")
    assert unknown.exit_code == 1 and "404" in unknown.output
    bad = run("resume", "local:1003", "--action", "refund")
    assert bad.exit_code == 1 and "422" in bad.output and "action" in bad.output
    assert "awaiting_human" in run("threads").output  # nothing changed


def pending_and_outbox(data_dir) -> tuple[list[str], int]:
    async def read() -> list[str]:
        store = AppStore(data_dir / "concierge.sqlite")
        await store.open()
        try:
            return [e["event_id"] for e in await store.pending_events()]
        finally:
            await store.close()

    return asyncio.run(read()), len(list((data_dir / "outbox").glob("*.eml")))


def test_read_only_commands_process_no_pending_event(data_dir):
    async def record() -> None:  # a ticket assigned while no server runs: it waits for `concierge serve`
        store = AppStore(data_dir / "concierge.sqlite")
        await store.open()
        try:
            await store.register_thread("local:1001", "local", "1001")
            await store.record_event("local", "assigned:local:1001", "ticket_assigned", "local:1001", {"ticket_id": "1001"})
        finally:
            await store.close()

    asyncio.run(record())
    before = pending_and_outbox(data_dir)
    assert before[0] == ["assigned:local:1001"]
    for command in (("threads",), ("show", "local:1003")):
        assert run(*command).exit_code == 0
    assert pending_and_outbox(data_dir) == before
    # A decision applies only itself: the pending assignment is still left for the server.
    assert run("resume", "local:1003", "--action", "close").exit_code == 0
    assert pending_and_outbox(data_dir) == before


def test_kb_ingest_twice_then_search_shows_why_and_what_breaks(tmp_path, monkeypatch):
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        from concierge.settings import PACKAGE_DATA

        runner = CliRunner()
        first = runner.invoke(app, ["kb", "ingest", str(PACKAGE_DATA / "inventory.json")])
        again = runner.invoke(app, ["kb", "ingest", str(PACKAGE_DATA / "inventory.json")])
        assert first.exit_code == again.exit_code == 0, first.output
        assert "collection now holds 45 documents" in first.output and "collection now holds 45 documents" in again.output

        nothing = runner.invoke(app, ["kb", "search", "a room in Lisbon for 3 with a pool, up to 100 euros"])
        assert nothing.exit_code == 0, nothing.output
        assert "hard constraints: in Lisbon; sleeps 3; at most 100 EUR a night; facility:pool" in nothing.output
        assert "Nothing fits every hard constraint" in nothing.output and "Tejo Lumen" in nothing.output
    finally:
        get_settings.cache_clear()
