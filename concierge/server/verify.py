"""The webhook verifier registry: every inbound route names the verifier that must accept a request
before anything in it is read, recorded or acted on, and `build_verifiers` builds the ones this
configuration needs. A provider plugs in by implementing `WebhookVerifier`
(`concierge.tools.signing`) and registering it here under the name its routes use.
"""

from __future__ import annotations

from concierge.settings import Settings
from concierge.tools.signing import HmacSignature, WebhookVerifier


def concierge_signature(settings: Settings) -> HmacSignature:
    return HmacSignature(settings.webhook_secrets, tolerance_s=settings.webhook_tolerance_s)


def build_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    """Every webhook verifier this configuration needs, by the name routes refer to."""
    verifiers: dict[str, WebhookVerifier] = {"concierge": concierge_signature(settings)}
    verifiers.update(helpdesk_verifiers(settings))
    verifiers.update(voice_verifiers(settings))
    verifiers.update(email_verifiers(settings))
    if settings.slack_signing_secret:
        from concierge.tools.alerts.slack import SlackSignature

        verifiers["slack"] = SlackSignature(settings.slack_signing_secret.get_secret_value())
    return verifiers


def email_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    """The inbound-email providers' own webhook authentication, when configured."""
    verifiers: dict[str, WebhookVerifier] = {}
    if settings.sendgrid_inbound_basic_auth or settings.sendgrid_inbound_token:
        from concierge.tools.email.inbound.auth import SendGridInboundAuth

        basic, token = settings.sendgrid_inbound_basic_auth, settings.sendgrid_inbound_token
        verifiers["sendgrid"] = SendGridInboundAuth(basic_auth=basic.get_secret_value() if basic else None,
                                                    token=token.get_secret_value() if token else None)
    if settings.sendgrid_event_public_key:
        from concierge.tools.email.inbound.auth import SendGridEventSignature

        verifiers["sendgrid_events"] = SendGridEventSignature(settings.sendgrid_event_public_key,
                                                              tolerance_s=settings.webhook_tolerance_s)
    if settings.resend_webhook_secret:
        from concierge.tools.email.inbound.auth import SvixSignature

        verifiers["resend"] = SvixSignature(settings.resend_webhook_secret.get_secret_value())
    return verifiers


def helpdesk_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    """The configured helpdesk's own webhook signature, when its secret is set."""
    from concierge.tools.helpdesk import signatures

    tolerance = settings.webhook_tolerance_s
    if settings.helpdesk == "hubspot" and settings.hubspot_client_secret:
        return {"hubspot": signatures.HubSpotSignature(settings.hubspot_client_secret.get_secret_value(),
                                                       public_base_url=settings.public_base_url, tolerance_s=tolerance)}
    if settings.helpdesk == "zendesk" and settings.zendesk_webhook_secret:
        return {"zendesk": signatures.ZendeskSignature(settings.zendesk_webhook_secret.get_secret_value(), tolerance_s=tolerance)}
    if settings.helpdesk == "jira" and settings.jira_webhook_secret:
        return {"jira": signatures.JiraSignature(settings.jira_webhook_secret.get_secret_value())}
    if settings.helpdesk == "zoho" and settings.zoho_webhook_token:
        # Comma-separated: the current token first, the previous one after it while Zoho is switched over.
        tokens = [t.strip() for t in settings.zoho_webhook_token.get_secret_value().split(",") if t.strip()]
        return {"zoho": signatures.ZohoToken(tokens)}
    return {}


def voice_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    """The voice providers' own webhook authentication, when their secrets are set."""
    from concierge.tools.voice.signatures import BlandSignature, VapiCredential

    verifiers: dict[str, WebhookVerifier] = {}
    if settings.vapi_webhook_secret:
        verifiers["vapi"] = VapiCredential(settings.vapi_webhook_secret.get_secret_value(), settings.vapi_webhook_header)
    if settings.bland_webhook_secret:
        verifiers["bland"] = BlandSignature(settings.bland_webhook_secret.get_secret_value())
    return verifiers
