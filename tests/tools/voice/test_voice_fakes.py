"""The Vapi and Bland fakes refuse what the real APIs refuse: a misspelt property is a 400, at any depth,
and the bodies Concierge sends pass."""

from __future__ import annotations

import copy

import httpx
import pytest

from concierge.tools.voice import CallRequest
from concierge.tools.voice import bland as bland_module
from concierge.tools.voice import vapi as vapi_module
from concierge.tools.voice.bland import BlandError, BlandVoice, call_body
from concierge.tools.voice.vapi import VapiVoice, call_config
from tests.conftest import make_settings
from tests.fakes.bland import FakeBland, serve_fake_bland
from tests.fakes.vapi import FakeVapi, serve_fake_vapi

REQUEST = CallRequest(idempotency_key="k1", thread_id="local:1", to="+447911123456", customer_name="Tom Reed",
                      system_prompt="Brief.", first_message="Hello!")


@pytest.fixture(scope="module")
def vapi_fake():
    with serve_fake_vapi() as fake:
        yield fake


@pytest.fixture(scope="module")
def bland_fake():
    with serve_fake_bland() as fake:
        yield fake


def vapi_settings(tmp_path, fake: FakeVapi):
    return make_settings(tmp_path, VOICE_PROVIDER="vapi", VAPI_API_KEY=fake.api_key, VAPI_BASE_URL=fake.url,
                         VAPI_PHONE_NUMBER_ID="pn_test", VAPI_WEBHOOK_SECRET="s", PUBLIC_BASE_URL="https://concierge.example",
                         ESCALATION_PHONE="+442071234567")


def bland_settings(tmp_path, fake: FakeBland):
    return make_settings(tmp_path, VOICE_PROVIDER="bland", BLAND_API_KEY=fake.api_key, BLAND_BASE_URL=fake.url,
                         BLAND_WEBHOOK_SECRET=fake.signing_secret, PUBLIC_BASE_URL="https://concierge.example",
                         ESCALATION_PHONE="+442071234567")


def post_vapi(fake: FakeVapi, body) -> httpx.Response:
    return httpx.post(f"{fake.url}/call", json=body, headers={"authorization": f"Bearer {fake.api_key}"}, timeout=60)


def test_the_call_concierge_sends_vapi_is_accepted(tmp_path, vapi_fake):
    r = post_vapi(vapi_fake, call_config(REQUEST, vapi_settings(tmp_path, vapi_fake)))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(("misspell", "property_path"), [
    (lambda b: b.update(assistantOverides={"variableValues": {"name": "Tom"}}), "assistantOverides"),
    (lambda b: b["assistant"].update(voicemailMesage="Hi"), "assistant.voicemailMesage"),
    (lambda b: b["assistant"]["model"].update(temprature=0.2), "assistant.model.temprature"),
    (lambda b: b["assistant"]["model"]["tools"][2]["destinations"][0].update(numbr="+442071234567"),
     "assistant.model.tools.2.destinations.0.numbr"),
    (lambda b: b["customer"].update(phone="+447911123456"), "customer.phone"),
    (lambda b: b["assistant"].update(first_message="Hello!"), "assistant.first_message"),  # the SDK's name, not the wire's
])
def test_vapi_refuses_a_misspelt_property_with_400(tmp_path, vapi_fake, misspell, property_path):
    body = copy.deepcopy(call_config(REQUEST, vapi_settings(tmp_path, vapi_fake)))
    misspell(body)
    r = post_vapi(vapi_fake, body)
    assert r.status_code == 400
    assert f"property {property_path} should not exist" in r.json()["message"]
    assert r.json()["error"] == "Bad Request"


async def test_a_misspelt_assistant_property_fails_the_call_through_the_sdk(tmp_path, vapi_fake, monkeypatch):
    """The SDK's models keep unknown keys and send them on: the fake, like Vapi, answers 400."""
    from vapi.errors import BadRequestError

    real = vapi_module.assistant_config
    monkeypatch.setattr(vapi_module, "assistant_config", lambda r, s: {**real(r, s), "analysisPlann": {}})
    calls = len(vapi_fake.calls)
    with pytest.raises(BadRequestError):
        await VapiVoice(vapi_settings(tmp_path, vapi_fake)).place_call(REQUEST)
    assert len(vapi_fake.calls) == calls and "assistant.analysisPlann" in vapi_fake.rejected[-1]


def post_bland(fake: FakeBland, body) -> httpx.Response:
    return httpx.post(f"{fake.url}/v1/calls", json=body, headers={"authorization": fake.api_key})


def test_the_call_concierge_sends_bland_is_accepted(tmp_path, bland_fake):
    r = post_bland(bland_fake, call_body(REQUEST, bland_settings(tmp_path, bland_fake)))
    assert r.status_code == 200 and r.json()["status"] == "success", r.text


@pytest.mark.parametrize(("misspell", "where"), [
    (lambda b: b.update(sumary_prompt="Summarise."), "sumary_prompt"),
    (lambda b: b["voicemail"].update(mesage="Hi"), "voicemail.mesage"),
    (lambda b: b.update(voicemail_message="Hi"), "voicemail_message"),  # superseded by the voicemail object
])
def test_bland_refuses_a_property_its_reference_does_not_name(tmp_path, bland_fake, misspell, where):
    body = copy.deepcopy(call_body(REQUEST, bland_settings(tmp_path, bland_fake)))
    misspell(body)
    r = post_bland(bland_fake, body)
    assert r.status_code == 400 and r.json()["status"] == "error"
    assert any(e.startswith(f"{where}: Extra inputs are not permitted") for e in r.json()["errors"])


async def test_a_misspelt_bland_property_fails_the_call(tmp_path, bland_fake, monkeypatch):
    real = bland_module.call_body
    monkeypatch.setattr(bland_module, "call_body", lambda r, s: {**real(r, s), "transfer_phone": "+442071234567"})
    with pytest.raises(BlandError, match="400"):
        await BlandVoice(bland_settings(tmp_path, bland_fake)).place_call(REQUEST)
