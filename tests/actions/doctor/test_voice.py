"""The voice check against the Vapi and Bland fakes (the key; Vapi's phone number) and the booking
check against the booking system fake (a signed ping). No call is placed, nothing is booked."""

from __future__ import annotations

from concierge.actions.doctor import check_booking, check_voice
from tests.conftest import make_settings
from tests.fakes.bland import serve_fake_bland
from tests.fakes.booking import FakeBookingSystem
from tests.fakes.loopback import running
from tests.fakes.vapi import FakeVapi, serve_fake_vapi


async def one(check, settings):
    [result] = await check(settings)
    return result


async def test_vapi_finds_the_phone_number_with_the_right_key(tmp_path):
    with serve_fake_vapi(FakeVapi()) as fake:
        base = {"VOICE_PROVIDER": "vapi", "VAPI_BASE_URL": fake.url, "VAPI_WEBHOOK_SECRET": "s"}
        good = await one(check_voice, make_settings(tmp_path, **base, VAPI_API_KEY=fake.api_key, VAPI_PHONE_NUMBER_ID="pn_test"))
        assert good.ok and "VAPI_PHONE_NUMBER_ID found" in good.detail

        bad_key = await one(check_voice, make_settings(tmp_path, **base, VAPI_API_KEY="bogus", VAPI_PHONE_NUMBER_ID="pn_test"))
        assert not bad_key.ok and bad_key.detail == "VAPI_API_KEY: answered 401 Unauthorized" and "private API key" in bad_key.fix

        bad_number = await one(check_voice, make_settings(tmp_path, **base, VAPI_API_KEY=fake.api_key, VAPI_PHONE_NUMBER_ID="pn_gone"))
        assert not bad_number.ok and "VAPI_PHONE_NUMBER_ID: answered 404 Not Found" == bad_number.detail
    assert fake.calls == {}

    unset = await one(check_voice, make_settings(tmp_path, VOICE_PROVIDER="vapi"))
    assert not unset.ok and "VAPI_API_KEY and VAPI_PHONE_NUMBER_ID not set" in unset.detail


async def test_bland_accepts_the_right_key_only(tmp_path):
    with serve_fake_bland() as fake:
        base = {"VOICE_PROVIDER": "bland", "BLAND_BASE_URL": fake.url}
        good = await one(check_voice, make_settings(tmp_path, **base, BLAND_API_KEY=fake.api_key))
        bad = await one(check_voice, make_settings(tmp_path, **base, BLAND_API_KEY="sk-wrong"))
    assert good.ok and good.detail == "key accepted"
    assert not bad.ok and bad.detail == "BLAND_API_KEY: answered 401 Unauthorized" and "app.bland.ai" in bad.fix
    assert fake.calls == {}


async def test_the_booking_system_acknowledges_a_ping_signed_with_its_secret_only(tmp_path):
    with running(FakeBookingSystem("pms-secret")) as pms:
        base = {"BOOKING_WEBHOOK_URL": pms.url + "/bookings"}
        good = await one(check_booking, make_settings(tmp_path, **base, BOOKING_WEBHOOK_SECRET="pms-secret"))
        bad = await one(check_booking, make_settings(tmp_path, **base, BOOKING_WEBHOOK_SECRET="another-secret"))
        pms.down = 1
        down = await one(check_booking, make_settings(tmp_path, **base, BOOKING_WEBHOOK_SECRET="pms-secret"))
    assert good.ok and good.detail == "signed ping acknowledged"
    assert not bad.ok and "401 Unauthorized" in bad.detail and "BOOKING_WEBHOOK_SECRET" in bad.fix
    assert "signature does not match" not in bad.detail  # the booking system's own words are not echoed
    assert not down.ok and "500 Internal Server Error" in down.detail
    assert pms.pings == 1 and pms.bookings == {}

    unset = await one(check_booking, make_settings(tmp_path))
    assert unset.ok and unset.offline
