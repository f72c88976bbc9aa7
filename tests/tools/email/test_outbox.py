from __future__ import annotations

import email
import email.policy

from concierge.tools.email import OutboundEmail, build_email_sender, new_message_id
from concierge.tools.email.outbox import OutboxSender
from tests.conftest import make_settings

SENDER = "Wayfarer Stays <stays@concierge.example.com>"


def read(folder):
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]


def make(**overrides) -> OutboundEmail:
    return OutboundEmail(**{
        "to": "maria.costa@example.com", "to_name": "Maria Costa", "subject": "Re: Lisbon in April",
        "body": "Dear Maria,\n\nCould you send your phone number?\n\nWayfarer Stays Concierge",
        "reply_to": "reply+local.1001@concierge.example.com", "idempotency_key": "local:1001:email:1",
        "message_id": "<a1b2c3@concierge.example.com>", **overrides,
    })


async def test_the_eml_carries_every_header(tmp_path):
    sender = OutboxSender(tmp_path / "outbox", sender=SENDER)
    message_id = await sender.send(make(in_reply_to="<r1@customer.example.com>",
                                        references=["<o1@concierge.example.com>", "<r1@customer.example.com>"]))

    [msg] = read(tmp_path / "outbox")
    assert msg["From"] == SENDER
    assert msg["To"] == "Maria Costa <maria.costa@example.com>"
    assert msg["Subject"] == "Re: Lisbon in April"
    assert msg["Message-ID"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@concierge.example.com>")
    assert msg["Reply-To"] == "reply+local.1001@concierge.example.com"
    assert msg["In-Reply-To"] == "<r1@customer.example.com>"
    assert str(msg["References"]).split() == ["<o1@concierge.example.com>", "<r1@customer.example.com>"]
    assert msg["Date"] is not None
    assert msg.get_body(("plain",)).get_content() == make().body + "\n"


async def test_a_first_email_has_no_threading_headers(tmp_path):
    sender = OutboxSender(tmp_path, sender=SENDER)
    await sender.send(make(to_name=""))
    [msg] = read(tmp_path)
    assert msg["To"] == "maria.costa@example.com"
    assert msg["In-Reply-To"] is None and msg["References"] is None


async def test_sending_the_same_message_id_again_rewrites_one_file(tmp_path):
    sender = OutboxSender(tmp_path, sender=SENDER)
    first = await sender.send(make())
    again = await sender.send(make(body="A re-sent body"))
    other = await sender.send(make(idempotency_key="local:1001:email:2", message_id=new_message_id(SENDER)))

    assert first == again == make().message_id
    assert other != first and other.endswith("@concierge.example.com>")
    assert len(list(tmp_path.glob("*.eml"))) == 2  # the re-send replaced its own file
    assert not list(tmp_path.glob("*.tmp"))


async def test_non_ascii_text_survives(tmp_path):
    sender = OutboxSender(tmp_path, sender=SENDER)
    await sender.send(make(subject="Re: Hôtel Lilas — Montmartre", body="Merci beaucoup, à bientôt — €175"))
    [msg] = read(tmp_path)
    assert msg["Subject"] == "Re: Hôtel Lilas — Montmartre"
    assert "à bientôt — €175" in msg.get_body(("plain",)).get_content()


def test_build_email_sender_uses_the_outbox_of_settings(tmp_path):
    settings = make_settings(tmp_path)
    sender = build_email_sender(settings)
    assert isinstance(sender, OutboxSender)
    assert sender.folder == settings.outbox_dir
    assert sender.domain == "concierge.example.com"
