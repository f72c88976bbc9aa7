"""Inbound email parsing: the customer's own words out of text or HTML, machine mail recognised,
each provider's shape read into the same InboundEmail, bad header values refused."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from concierge.tools.email.inbound.headers import is_auto_reply
from concierge.tools.email.inbound.mime import parse_mime
from concierge.tools.email.inbound.reply_text import html_to_text, own_words, plain_text
from concierge.tools.email.inbound.sendgrid import parse_sendgrid_form


@pytest.mark.parametrize("text, expected", [
    ("Call me on +44 7700 900123.\n\nOn Mon, 1 Jan 2026, Wayfarer wrote:\n> call +351 21 000 0000", "Call me on +44 7700 900123."),
    ("Yes please!\n-- \nMaria Costa\n+351 21 999 9999", "Yes please!"),
    ("Oui, appelez-moi.\n\nLe lun. 1 janv. 2026, Wayfarer a écrit :\n> texte", "Oui, appelez-moi."),
    ("Fine.\n\n-----Original Message-----\nFrom: stays@x", "Fine."),
    ("Sure\n\nSent from my iPhone", "Sure"),
    ("line one\n> quoted\nline two", "line one\nline two"),
])
def test_own_words_drop_quotes_and_signatures(text, expected):
    assert own_words(text) == expected


def test_html_reply_becomes_text_with_the_quoted_part_marked():
    markup = ("<html><head><style>p{color:red}</style></head><body><div>Call me on <b>+44 7700 900123</b>&nbsp;please</div>"
              "<div class='gmail_quote'><div>On Mon, Wayfarer wrote:</div><blockquote>offer +351 21 000 0000<br>x</blockquote></div>"
              "</body></html>")
    assert html_to_text(markup) == "Call me on +44 7700 900123 please\n> On Mon, Wayfarer wrote:\n>\n> offer +351 21 000 0000\n> x"
    assert own_words(plain_text("", markup)) == "Call me on +44 7700 900123 please"
    assert plain_text("the text part", markup) == "the text part"


@pytest.mark.parametrize("headers, sender, subject", [
    ({"Auto-Submitted": "auto-replied"}, "maria@example.com", "Re: offer"),
    ({"X-Autoreply": "yes"}, "maria@example.com", "Re: offer"),
    ({"Precedence": "bulk"}, "maria@example.com", "Re: offer"),
    ({"Precedence": "auto_reply"}, "maria@example.com", "Re: offer"),
    ({}, "MAILER-DAEMON@mx.example.com", "Undelivered Mail Returned to Sender"),
    ({"Content-Type": "multipart/report; report-type=delivery-status"}, "postmaster@example.com", "Delivery Status Notification"),
    ({}, "maria@example.com", "Out of Office: Re: your stay"),
    ({}, "maria@example.com", "Automatic reply: Re: your stay"),
])
def test_machine_mail_is_recognised(headers, sender, subject):
    assert is_auto_reply(headers, sender, subject)


@pytest.mark.parametrize("headers, subject", [({"Auto-Submitted": "no"}, "Re: offer"), ({}, "Re: out of office hours question")])
def test_a_person_writing_is_not_machine_mail(headers, subject):
    assert not is_auto_reply(headers, "maria@example.com", subject)


def mime(**headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Maria <maria@example.com>"
    msg["To"] = "reply+local.1001.abc@concierge.example.com"
    msg["Subject"] = "Re: Lisbon"
    msg["Message-ID"] = "<r1@mail.example.com>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Call me on +351 912 345 678")
    msg.add_alternative("<p>Call me on +351 912 345 678</p>", subtype="html")
    return msg


def test_mime_message_is_read_whole():
    email = parse_mime(bytes(mime(In_Reply_To="<o1@c.example.com>", References="<root@c> <o1@c.example.com>", Cc="x@example.com")))
    assert email.from_ == "maria@example.com" and email.to == ["reply+local.1001.abc@concierge.example.com", "x@example.com"]
    assert email.message_id == "<r1@mail.example.com>" and email.in_reply_to == "<o1@c.example.com>"
    assert email.references == ["<root@c>", "<o1@c.example.com>"]
    assert email.text.strip() == "Call me on +351 912 345 678" and email.auto_reply is False
    assert parse_mime(bytes(mime(Auto_Submitted="auto-replied"))).auto_reply is True


def test_mime_html_only_message_gives_text():
    msg = EmailMessage()
    msg["From"] = "maria@example.com"
    msg.set_content("<p>Hello <i>there</i></p>", subtype="html")
    assert parse_mime(bytes(msg)).text == "Hello there"


@pytest.mark.parametrize("raw", [b"not an email at all", "From: m@example.com\nMessage-ID: <a\u2028b@x>\n\nhi".encode()])
def test_bad_mime_is_refused(raw):
    with pytest.raises(ValueError):
        parse_mime(raw)


def test_sendgrid_form_reads_threading_headers_from_the_header_block():
    form = {"headers": "Message-ID: <r2@mail.example.com>\nIn-Reply-To: <o1@c.example.com>\nReferences: <o1@c.example.com>\nAuto-Submitted: no\n",
            "from": "Maria <maria@example.com>", "to": "Stays <reply+local.1001.abc@concierge.example.com>", "cc": "",
            "subject": "Re: Lisbon", "text": "", "html": "<p>+351 912 345 678</p>"}
    email = parse_sendgrid_form(form)
    assert email.message_id == "<r2@mail.example.com>" and email.in_reply_to == "<o1@c.example.com>"
    assert email.to == ["reply+local.1001.abc@concierge.example.com"] and email.text == "+351 912 345 678"
    assert parse_sendgrid_form({**form, "headers": form["headers"] + "X-Autoreply: yes\n"}).auto_reply is True
    with pytest.raises(ValueError):
        parse_sendgrid_form({"text": "no sender"})
