"""Voice provider configuration: clear errors at start, the webhook credential both ways, the briefing."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers

from concierge.server.verify import build_verifiers
from concierge.tools.signing import InboundRequest, WebhookAuthError
from concierge.tools.voice import CallRequest, build_voice_provider
from concierge.tools.voice.vapi import assistant_config
from tests.conftest import make_settings

VAPI = {"VOICE_PROVIDER": "vapi", "VAPI_API_KEY": "k", "VAPI_PHONE_NUMBER_ID": "pn", "VAPI_WEBHOOK_SECRET": "s",
        "PUBLIC_BASE_URL": "https://concierge.example.com/"}
REQUEST = CallRequest(idempotency_key="k1", thread_id="local:1", to="+447911123456", customer_name="Tom Reed",
                      system_prompt="Brief.", first_message="Hello!")


@pytest.mark.parametrize(("missing", "message"), [
    ("VAPI_API_KEY", "VAPI_API_KEY"), ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL"), ("VAPI_WEBHOOK_SECRET", "VAPI_WEBHOOK_SECRET"),
])
def test_vapi_without_its_settings_fails_at_start(tmp_path, missing, message):
    with pytest.raises(ValueError, match=message):
        build_voice_provider(make_settings(tmp_path, **{**VAPI, missing: None}))


def test_bland_without_its_signing_secret_fails_at_start(tmp_path):
    with pytest.raises(ValueError, match="BLAND_WEBHOOK_SECRET"):
        build_voice_provider(make_settings(tmp_path, VOICE_PROVIDER="bland", BLAND_API_KEY="k", PUBLIC_BASE_URL="https://x"))


def _request(headers: dict[str, str]) -> InboundRequest:
    return InboundRequest("POST", "https://x/api/v1/webhooks/voice/vapi", Headers(headers), b"{}")


def test_vapi_bearer_credential(tmp_path):
    verifier = build_verifiers(make_settings(tmp_path, **VAPI, VAPI_WEBHOOK_HEADER="Authorization"))["vapi"]
    verifier.verify(_request({"authorization": "Bearer s"}))
    for headers in ({"authorization": "Bearer x"}, {"x-vapi-secret": "s"}, {"authorization": "s"}):
        with pytest.raises(WebhookAuthError):
            verifier.verify(_request(headers))


def test_no_voice_verifiers_without_secrets(tmp_path):
    assert set(build_verifiers(make_settings(tmp_path))) == {"concierge"}


def test_the_assistant_transfers_only_when_a_person_is_configured(tmp_path):
    without = assistant_config(REQUEST, make_settings(tmp_path, **VAPI))
    assert [t["type"] for t in without["model"]["tools"]] == ["function", "function"]
    assert without["server"]["url"] == "https://concierge.example.com/api/v1/webhooks/voice/vapi"
    saved = assistant_config(REQUEST, make_settings(tmp_path, **VAPI, VAPI_CREDENTIAL_ID="cred_1", ESCALATION_PHONE="+442071234567"))
    assert saved["server"] == {"url": "https://concierge.example.com/api/v1/webhooks/voice/vapi", "timeoutSeconds": 10,
                               "credentialId": "cred_1"}  # the secret is not sent when Vapi holds it
    assert saved["model"]["tools"][-1]["destinations"][0]["number"] == "+442071234567"
