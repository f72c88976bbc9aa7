"""Fetching a received email from Resend: the API key goes only where the outbound-URL policy allows."""

from __future__ import annotations

import pytest

from concierge.tools.email.errors import PermanentEmailFailure
from concierge.tools.email.inbound.resend import fetch_received_email
from concierge.tools.outbound import Policy
from tests.fakes.resend import FakeResend, serve_fake_resend


async def test_the_received_email_is_fetched_where_the_policy_allows():
    with serve_fake_resend(FakeResend(received={"in-1": {"from": "a@b.example", "text": "hi"}})) as fake:
        fetched = await fetch_received_email(fake.url, fake.api_key, "in-1", policy=Policy(allow_private=True))
    assert fetched["text"] == "hi" and fake.fetches == 1


async def test_a_private_address_gets_no_request_and_no_key():
    with serve_fake_resend(FakeResend(received={"in-1": {"from": "a@b.example", "text": "hi"}})) as fake:
        with pytest.raises(PermanentEmailFailure, match="RESEND_BASE_URL refused"):
            await fetch_received_email(fake.url, fake.api_key, "in-1", policy=Policy())  # loopback: refused
    assert fake.fetches == 0
