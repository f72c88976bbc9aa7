"""The helpdesk: settings complete, the destination allowed, the credentials accepted, the AI's
tickets listed and (HubSpot) every mapped stage found."""

from __future__ import annotations

import httpx

from concierge.actions.doctor.base import Check, failure, offline, refused
from concierge.settings import Settings
from concierge.tools.outbound import UnsafeURL

HELPDESK_FIX = {
    401: "the token was refused: create a new one and put it in the helpdesk's token setting",
    403: "the token lacks a scope: grant the scopes docs/helpdesks.md lists for this helpdesk",
    404: "the base URL (subdomain, data centre) leads nowhere: check it",
}
DESTINATIONS = {"hubspot": ("HUBSPOT_BASE_URL",), "zendesk": ("ZENDESK_BASE_URL",), "jira": ("JIRA_BASE_URL",),
                "zoho": ("ZOHO_ACCOUNTS_URL", "ZOHO_BASE_URL")}


def _status(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


async def check_helpdesk(settings: Settings) -> list[Check]:
    from concierge.tools.helpdesk import HelpdeskError, HelpdeskUnavailable, build_helpdesk

    part = f"helpdesk ({settings.helpdesk})"
    try:
        helpdesk = build_helpdesk(settings)
    except ValueError as exc:
        return [Check(part, False, str(exc), "set the missing settings (see .env.example)")]
    if settings.helpdesk == "local":
        tickets = await _assigned(helpdesk)
        return [offline(part, f"offline: the local helpdesk, {len(tickets)} open ticket(s) assigned to the AI")]
    if (bad := await refused(part, settings, *DESTINATIONS[settings.helpdesk])) is not None:
        return [bad]
    try:
        tickets = await _assigned(helpdesk)
    except HelpdeskError as exc:
        if exc.status is None:  # our own finding (a stage or status the mapping names is missing)
            return [Check(part, False, str(exc)[:300], "fix the setting the message names (stage, status, group)")]
        # The provider's own words are not shown: the status says enough, and the URL could be anything's.
        fix = HELPDESK_FIX.get(exc.status, f"check the {settings.helpdesk} settings")
        if settings.helpdesk == "zoho" and exc.status in (200, 400):  # Zoho Accounts refused the refresh token
            fix = "check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and that ZOHO_DOMAIN is the client's data centre"
        return [Check(part, False, f"answered {_status(exc.status)}", fix)]
    except HelpdeskUnavailable as exc:
        detail = f"answered {_status(exc.status)} after retries" if exc.status else "unreachable after retries"
        return [Check(part, False, detail, "check the base URL / subdomain / data centre and the network")]
    except (httpx.HTTPError, OSError) as exc:
        return [Check(part, False, f"unreachable: {failure(exc)}", "check the base URL / subdomain / data centre and the network")]
    except UnsafeURL as exc:  # a redirect, or a name that now resolves elsewhere
        return [Check(part, False, f"refused: {exc}", "use the helpdesk's https URL")]
    return [Check(part, True, f"credentials accepted; {len(tickets)} open ticket(s) assigned to the AI")]


async def _assigned(helpdesk) -> list:
    await helpdesk.open()
    try:
        tickets = await helpdesk.list_assigned_tickets()
        if hasattr(helpdesk, "pipeline"):
            await helpdesk.pipeline()  # every mapped HubSpot stage exists
        return tickets
    finally:
        await helpdesk.close()
