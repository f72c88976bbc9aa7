"""The alert destinations: the local record, Slack (a bot token's `auth.test` and its scopes, or an
incoming webhook that is still live) and Discord (the webhook exists). Nothing is posted to a channel."""

from __future__ import annotations

from concierge.actions.doctor.base import Check, answer, code_in, fetch, offline
from concierge.settings import Settings

# chat.postMessage and chat.update both need chat:write (https://api.slack.com/scopes/chat:write).
SLACK_SCOPES = ("chat:write",)


async def check_alerts(settings: Settings) -> list[Check]:
    try:
        wanted = settings.alert_destinations
    except ValueError as exc:
        return [Check("alerts", False, str(exc), "ALERTS=console,slack,discord (any of them)")]
    checks = [offline("alerts (local record)", f"offline: {settings.alerts_file}")]
    if "slack" in wanted:
        checks.append(await check_slack(settings))
    if "discord" in wanted:
        checks.append(await check_discord(settings))
    return checks


async def check_slack(settings: Settings) -> Check:
    part = "alerts (slack)"
    if settings.slack_bot_token:
        return await _slack_bot(settings, part)
    if not settings.slack_webhook_url:
        return Check(part, False, "neither SLACK_WEBHOOK_URL nor SLACK_BOT_TOKEN is set",
                     "set an incoming webhook URL, or a bot token and SLACK_CHANNEL")
    # An empty message is refused with 400 "no_text" by a live webhook; a dead one says 404/410.
    r = await fetch(part, settings, "SLACK_WEBHOOK_URL", "POST", settings.slack_webhook_url.get_secret_value(), json={},
                    unsafe_fix="use the webhook URL Slack gave")
    if isinstance(r, Check):
        return r
    if r.status_code == 400 and code_in(r) == "no_text":
        return Check(part, True, "incoming webhook is live")
    return Check(part, False, f"webhook {answer(r)}", "the webhook was revoked or its channel archived: create a new incoming webhook")


async def _slack_bot(settings: Settings, part: str) -> Check:
    if not settings.slack_channel:
        return Check(part, False, "SLACK_BOT_TOKEN is set but SLACK_CHANNEL is not", "set SLACK_CHANNEL to the channel's id (C0…)")
    assert settings.slack_bot_token is not None  # check_slack comes here only with a bot token
    token = settings.slack_bot_token.get_secret_value()
    r = await fetch(part, settings, "SLACK_API_URL", "POST", settings.slack_api_url.rstrip("/") + "/auth.test",
                    headers={"Authorization": f"Bearer {token}"}, unsafe_fix="use https://slack.com/api/")
    if isinstance(r, Check):
        return r
    try:
        body = r.json()
    except ValueError:
        body = {}
    if r.status_code != 200 or not isinstance(body, dict) or body.get("ok") is not True:
        return Check(part, False, f"auth.test {answer(r, 'error')}",
                     "the token was refused: copy the Bot User OAuth Token (xoxb-…) of the installed app into SLACK_BOT_TOKEN")
    granted = {s.strip() for s in r.headers.get("x-oauth-scopes", "").split(",") if s.strip()}
    missing = [s for s in SLACK_SCOPES if s not in granted]
    if missing:
        return Check(part, False, f"the token lacks the scope {', '.join(missing)}",
                     "add the scope under OAuth & Permissions, reinstall the app, and invite the bot to SLACK_CHANNEL")
    return Check(part, True, f"bot token accepted; scopes include {', '.join(SLACK_SCOPES)}")


async def check_discord(settings: Settings) -> Check:
    part = "alerts (discord)"
    if not settings.discord_webhook_url:
        return Check(part, False, "DISCORD_WEBHOOK_URL is not set", "create a channel webhook and set it")
    # GET on a webhook URL returns the webhook without posting anything.
    r = await fetch(part, settings, "DISCORD_WEBHOOK_URL", "GET", settings.discord_webhook_url.get_secret_value(),
                    unsafe_fix="use the webhook URL Discord gave")
    if isinstance(r, Check):
        return r
    if r.status_code == 200:
        return Check(part, True, "webhook exists")
    return Check(part, False, f"webhook {answer(r)}", "the webhook was deleted or the URL is wrong: create a new one")
