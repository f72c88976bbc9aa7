"""`concierge eval replies FILE…` on a small file in the shape of the shared email replies: each row through
the MIME parser or the JSON route's InboundEmail, then the own words, the number and the decline."""

from __future__ import annotations

import json
from email.message import EmailMessage

from typer.testing import CliRunner

from concierge.cli.main import app

QUOTE = "\n\nOn Tue, 3 Mar 2026 at 09:12, Wayfarer Stays <stays@example.com> wrote:\n> Call our desk on +44 20 7946 0000\n"


def mime_row() -> dict:
    msg = EmailMessage()
    msg["From"] = "Ana <ana@example.com>"
    msg["Subject"] = "Re: Lisbon"
    msg.set_content('<div>Ring me on 07911 123456</div><blockquote type="cite">Call our desk on +44 20 7946 0000</blockquote>',
                    subtype="html")
    return {"id": "m1", "format": "mime", "raw": bytes(msg).decode(), "raw_encoding": "utf-8", "default_region": "GB",
            "expected_visible": "Ring me on 07911 123456", "expected_phone_e164": "+447911123456", "split": "dev"}


ROWS = [
    mime_row(),
    {"id": "t1", "format": "text", "raw": "Thanks, that looks lovely." + QUOTE, "from_address": "bo@example.com",
     "expected_visible": "Thanks, that looks lovely.", "expected_phone_e164": None, "decoy_e164": ["+442079460000"],
     "decoy_in": "quote", "split": "dev"},
    {"id": "t2", "format": "text", "raw": "Yes please.\n\n-- \nBo Lind\nMob: +46 70 123 45 67", "from_address": "bo@example.com",
     "expected_visible": "Yes please.", "expected_phone_e164": None, "decoy_e164": ["+46701234567"], "decoy_in": "signature",
     "split": "holdout"},
    {"id": "t3", "format": "text", "raw": "Email only please, no calls." + QUOTE, "from_address": "cy@example.com",
     "expected_visible": "Email only please, no calls.", "expected_phone_e164": None, "expected_declines_call": True,
     "split": "holdout"},
]


def test_replies_prints_phone_visible_text_and_declines_overall_and_per_split(tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "replies", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"all", "dev", "holdout"}
    everything = report["all"]
    assert everything["n"] == 4 and everything["phone_exact_accuracy"] == 1.0
    assert everything["false_positives"] == {"total": 0, "quote": 0, "signature": 0, "other": 0}
    assert everything["visible_exact"] == 1.0 and everything["visible_mean_similarity"] == 1.0
    assert everything["declines"]["n"] == 1 and everything["declines"]["accuracy"] == 1.0
    assert report["dev"]["n"] == 2 and report["holdout"]["n"] == 2


def test_a_number_taken_from_the_quote_or_the_signature_is_counted_by_where_it_came_from(tmp_path, monkeypatch):
    """Measured with a reader that keeps everything (no quote or signature removed): both decoys are taken."""
    from concierge.eval import replies

    monkeypatch.setattr(replies, "reply_words", lambda text: text)
    report = replies.score([ROWS[1], ROWS[2]])
    assert report["false_positives"] == {"total": 2, "quote": 1, "signature": 1, "other": 0}
    assert report["phone_exact_accuracy"] == 0.0 and report["visible_exact"] == 0.0
    assert [e["id"] for e in report["errors"]] == ["t1", "t2"]
