"""The voice provider (Vapi: the key and the phone number it dials from; Bland: the key) and the
booking system (a signed ping it answers 2xx). No call is placed and nothing is booked."""

from __future__ import annotations

import json
from urllib.parse import quote

from concierge.actions.doctor.base import Check, answer, fetch, offline
from concierge.settings import Settings
from concierge.tools.signing import HmacSignature

# What a booking system receives to say it is there: signed like a booking record, and nothing to book.
PING = {"type": "ping"}
PING_EVENT = "ping"


async def check_voice(settings: Settings) -> list[Check]:
    match settings.voice_provider:
        case "simulator":
            return [offline("voice (simulator)", f"offline: calls are simulated, reports under {settings.calls_dir}")]
        case "vapi":
            return [await check_vapi(settings)]
        case "bland":
            return [await check_bland(settings)]
    return [Check("voice", False, f"unknown VOICE_PROVIDER {settings.voice_provider!r}", "VOICE_PROVIDER=simulator, vapi or bland")]


async def check_vapi(settings: Settings) -> Check:
    part = "voice (vapi)"
    missing = [n for n, v in (("VAPI_API_KEY", settings.vapi_api_key), ("VAPI_PHONE_NUMBER_ID", settings.vapi_phone_number_id)) if not v]
    if missing:
        return Check(part, False, f"{' and '.join(missing)} not set", "copy the private API key and the phone number's id from dashboard.vapi.ai")
    assert settings.vapi_api_key and settings.vapi_phone_number_id  # `missing` is empty
    headers = {"Authorization": f"Bearer {settings.vapi_api_key.get_secret_value()}"}
    r = await fetch(part, settings, "VAPI_BASE_URL", "GET", f"/phone-number/{quote(settings.vapi_phone_number_id, safe='')}",
                    client_options={"base_url": settings.vapi_base_url.rstrip("/"), "headers": headers},
                    unsafe_fix="use https://api.vapi.ai")
    if isinstance(r, Check):
        return r
    if r.status_code == 200:
        return Check(part, True, "key accepted; VAPI_PHONE_NUMBER_ID found")
    if r.status_code in (401, 403):
        return Check(part, False, f"VAPI_API_KEY: {answer(r, 'error')}", "use the private API key (not the public one) from dashboard.vapi.ai")
    if r.status_code in (400, 404):
        return Check(part, False, f"VAPI_PHONE_NUMBER_ID: {answer(r, 'error')}", "copy the id of a phone number of this account (Phone Numbers)")
    return Check(part, False, answer(r, "error"), "try again later; check status.vapi.ai")


async def check_bland(settings: Settings) -> Check:
    part = "voice (bland)"
    if not settings.bland_api_key:
        return Check(part, False, "BLAND_API_KEY is not set", "copy the API key from app.bland.ai")
    headers = {"authorization": settings.bland_api_key.get_secret_value()}  # the raw key, no "Bearer"
    r = await fetch(part, settings, "BLAND_BASE_URL", "GET", "/v1/me",  # account details: read-only
                    client_options={"base_url": settings.bland_base_url.rstrip("/"), "headers": headers},
                    unsafe_fix="use https://api.bland.ai")
    if isinstance(r, Check):
        return r
    if r.status_code == 200:
        return Check(part, True, "key accepted")
    if r.status_code in (401, 403):
        return Check(part, False, f"BLAND_API_KEY: {answer(r)}", "copy a current API key from app.bland.ai")
    return Check(part, False, answer(r), "try again later")


def ping_request(settings: Settings) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(PING).encode()
    signature = HmacSignature([settings.booking_signing_secret]).sign(body)
    return body, {"Content-Type": "application/json", "X-Concierge-Event": PING_EVENT, HmacSignature.HEADER: signature}


async def check_booking(settings: Settings) -> list[Check]:
    part = "booking system"
    if not settings.booking_webhook_url:
        return [offline(part, "offline: BOOKING_WEBHOOK_URL is not set, bookings are kept on their threads")]
    body, headers = ping_request(settings)
    r = await fetch(part, settings, "BOOKING_WEBHOOK_URL", "POST", settings.booking_webhook_url, content=body, headers=headers,
                    unsafe_fix="point it at the booking system itself")
    if isinstance(r, Check):
        return [r]
    if r.is_success:
        return [Check(part, True, "signed ping acknowledged")]
    if r.status_code in (401, 403):
        return [Check(part, False, f"signed ping {answer(r)}",
                      "the booking system checks another secret: give it BOOKING_WEBHOOK_SECRET (or WEBHOOK_SECRET when unset)")]
    return [Check(part, False, f"signed ping {answer(r)}",
                  'check BOOKING_WEBHOOK_URL; the booking system must answer 2xx to {"type": "ping"} (docs/voice.md)')]
