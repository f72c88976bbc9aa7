"""Checks of every configured outside part: settings complete, credentials accepted, statuses found,
alert destinations reachable — each with the fix when it fails. `concierge doctor` prints them."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from concierge.settings import Settings


@dataclass
class Check:
    part: str
    ok: bool
    detail: str
    fix: str = ""


HELPDESK_FIX = {
    401: "the token was refused: create a new one and put it in the helpdesk's token setting",
    403: "the token lacks a scope: grant the scopes listed in the README for this helpdesk",
}


async def check_helpdesk(settings: Settings) -> Check:
    from concierge.tools.crm import HelpdeskError, HelpdeskUnavailable, build_helpdesk

    part = f"helpdesk ({settings.helpdesk})"
    try:
        helpdesk = build_helpdesk(settings)
    except ValueError as exc:
        return Check(part, False, str(exc), "set the missing settings (see .env.example)")
    try:
        await helpdesk.open()
        tickets = await helpdesk.list_assigned_tickets()
        if hasattr(helpdesk, "pipeline"):
            await helpdesk.pipeline()  # every mapped HubSpot stage exists
    except HelpdeskError as exc:
        fix = HELPDESK_FIX.get(exc.status or 0, "fix the setting the message names (stage, status, URL)")
        return Check(part, False, str(exc), fix)
    except (HelpdeskUnavailable, httpx.HTTPError) as exc:
        return Check(part, False, f"unreachable: {exc}", "check the base URL / subdomain / data centre and the network")
    finally:
        await helpdesk.close()
    return Check(part, True, f"credentials accepted; {len(tickets)} open ticket(s) assigned to the AI")


async def check_alerts(settings: Settings) -> list[Check]:
    try:
        wanted = settings.alert_destinations
    except ValueError as exc:
        return [Check("alerts", False, str(exc), "ALERTS=console,slack,discord (any of them)")]
    checks = [Check("alerts (local record)", True, str(settings.alerts_file))]
    async with httpx.AsyncClient(timeout=10) as client:
        if "slack" in wanted:
            checks.append(await _check_slack(settings, client))
        if "discord" in wanted:
            if not settings.discord_webhook_url:
                checks.append(Check("alerts (discord)", False, "DISCORD_WEBHOOK_URL is not set", "create a channel webhook and set it"))
            else:
                try:
                    # GET on a webhook URL returns the webhook without posting anything.
                    r = await client.get(settings.discord_webhook_url.get_secret_value())
                    ok = r.status_code == 200
                    checks.append(Check("alerts (discord)", ok, f"webhook answered {r.status_code}",
                                        "" if ok else "the webhook was deleted or the URL is wrong: create a new one"))
                except httpx.HTTPError as exc:
                    checks.append(Check("alerts (discord)", False, f"unreachable: {exc}", "check the URL and the network"))
    return checks


async def _check_slack(settings: Settings, client: httpx.AsyncClient) -> Check:
    try:
        if settings.slack_bot_token:
            r = await client.post(settings.slack_api_url.rstrip("/") + "/auth.test",
                                  headers={"Authorization": f"Bearer {settings.slack_bot_token.get_secret_value()}"})
            body = r.json()
            return Check("alerts (slack)", bool(body.get("ok")), f"auth.test: {body.get('error') or body.get('team', 'ok')}",
                         "" if body.get("ok") else "create a bot token with chat:write and invite the bot to SLACK_CHANNEL")
        if settings.slack_webhook_url:
            # An empty message is refused with 400 "no_text" by a live webhook; a dead one says 404/410.
            r = await client.post(settings.slack_webhook_url.get_secret_value(), json={})
            ok = r.status_code == 400 and "no_text" in r.text
            return Check("alerts (slack)", ok, f"webhook answered {r.status_code} {r.text[:60]}",
                         "" if ok else "the webhook was revoked or its channel archived: create a new incoming webhook")
    except httpx.HTTPError as exc:
        return Check("alerts (slack)", False, f"unreachable: {exc}", "check the URL and the network")
    return Check("alerts (slack)", False, "neither SLACK_WEBHOOK_URL nor SLACK_BOT_TOKEN is set",
                 "set an incoming webhook URL, or a bot token and SLACK_CHANNEL")


async def run_checks(settings: Settings) -> list[Check]:
    return [await check_helpdesk(settings), *await check_alerts(settings)]
