"""`concierge demo`: every seeded ticket reaches its outcome, and a second run repeats nothing."""

from __future__ import annotations

import io

from rich.console import Console

from concierge.cli.demo import run_demo
from tests.conftest import make_settings

EXPECTED = {  # ticket: (path, emails sent, call result, outcome, waiting for)
    "local:1001": ("booking", 2, "booked", "resolved", None),  # offer, booking confirmation
    "local:1002": ("support", 1, "—", "resolved", None),
    "local:1003": ("escalate", 0, "—", "escalated", "human"),
    "local:1004": ("booking", 3, "no answer → booked", "resolved", None),  # no answer, then booked on the second call
    "local:1005": ("booking", 1, "transferred", "escalated", "human"),  # asked for a person on the call
    "local:1006": ("booking", 3, "—", "resolved", None),  # declined a call: booked by email, confirmed
    "local:1007": ("support", 1, "—", "resolved", None),
}


def files(folder, pattern):
    return sorted(p.name for p in folder.glob(pattern)) if folder.exists() else []


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


async def test_demo_runs_every_ticket_to_its_outcome_and_is_idempotent(tmp_path, embeddings, monkeypatch):
    # run_demo opens its own runtime; hand it the session's embeddings model instead of loading another.
    monkeypatch.setattr("concierge.tools.knowledge.build_embeddings", lambda settings: embeddings)
    settings = make_settings(tmp_path / "demo")
    out = io.StringIO()

    rows = await run_demo(settings, Console(file=out, width=200))

    table = {r["thread_id"]: (r["path"], r["emails"], r["call"], r["outcome"], r["waiting_for"]) for r in rows}
    assert table == EXPECTED
    by_id = {r["thread_id"]: r for r in rows}
    assert "real person" in by_id["local:1003"]["reason"]
    assert all(r["reason"] == "" for r in rows if r["outcome"] != "escalated")

    emails = files(settings.outbox_dir, "*.eml")
    calls = files(settings.calls_dir, "*.json")
    alert_lines = lines(settings.alerts_file)
    assert len(emails) == sum(v[1] for v in EXPECTED.values()) == 11
    assert len(calls) == 4  # 1001, 1004 twice, 1005
    assert len(alert_lines) == 7  # one per ticket: 5 successes, 2 escalations
    text = out.getvalue()
    assert "Concierge demo — outcome per ticket" in text
    assert "concierge resume local:1003 --action handoff" in text
    assert "This run sent 11 email(s), 4 call(s), 7 alert(s)." in text

    second = io.StringIO()
    again = await run_demo(settings, Console(file=second, width=200))

    assert again == rows
    assert "Nothing new sent: 11 email(s), 4 call(s), 7 alert(s) from the earlier run stand" in second.getvalue()
    assert files(settings.outbox_dir, "*.eml") == emails
    assert files(settings.calls_dir, "*.json") == calls
    assert lines(settings.alerts_file) == alert_lines


def test_the_demo_runs_against_a_hosted_helpdesk_by_configuration_alone(tmp_path, monkeypatch, embeddings):
    """`concierge demo --helpdesk zendesk` with only that helpdesk's settings: the account's AI
    tickets (here the loopback Zendesk fake, seeded like the demo) go through the whole flow."""
    from typer.testing import CliRunner

    from concierge.cli.main import app
    from concierge.settings import get_settings
    from tests.conftest import OFFLINE
    from tests.fakes.loopback import running
    from tests.fakes.zendesk import AI_GROUP, EMAIL, HUMAN_GROUP, TOKEN, FakeZendesk

    monkeypatch.setattr("concierge.tools.knowledge.build_embeddings", lambda settings: embeddings)
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env
    with running(FakeZendesk()) as fake:
        env = {"CONCIERGE_DATA_DIR": str(tmp_path / "data"), "ALERTS_CONSOLE": "false", "ZENDESK_BASE_URL": f"{fake.url}/api/v2",
               "ZENDESK_EMAIL": EMAIL, "ZENDESK_API_TOKEN": TOKEN, "ZENDESK_AI_GROUP_ID": str(AI_GROUP),
               "ZENDESK_HUMAN_GROUP_ID": str(HUMAN_GROUP), "ALLOW_PRIVATE_URLS": "true", "COLUMNS": "200"}
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, ["demo", "--helpdesk", "zendesk"], env=env)
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert "zendesk:1001" in result.output and "zendesk:1003" in result.output
        assert fake.tickets[1002]["status"] == "solved"  # the support answer resolved it in the helpdesk
        assert fake.tickets[1003]["group_id"] == HUMAN_GROUP  # the angry customer went to people
        assert fake.private_notes(1003) and "real person" in fake.private_notes(1003)[0]
