"""Helpdesks behind one small interface; `build_helpdesk` picks the configured one."""

from __future__ import annotations

from concierge.settings import Settings
from concierge.tools.helpdesk.base import Helpdesk, TicketNotFound
from concierge.tools.helpdesk.http import HelpdeskError, HelpdeskUnavailable


def build_helpdesk(settings: Settings) -> Helpdesk:
    if settings.helpdesk == "local":
        from concierge.tools.helpdesk.local import LocalHelpdesk

        return LocalHelpdesk(settings.helpdesk_db_path, seed_file=settings.helpdesk_seed_file, ai_assignee=settings.ai_assignee)
    if settings.helpdesk == "zendesk":
        from concierge.tools.helpdesk.zendesk import ZendeskHelpdesk

        return ZendeskHelpdesk(settings)
    if settings.helpdesk == "hubspot":
        from concierge.tools.helpdesk.hubspot import HubSpotHelpdesk

        return HubSpotHelpdesk(settings)
    if settings.helpdesk == "jira":
        from concierge.tools.helpdesk.jira import JiraHelpdesk

        return JiraHelpdesk(settings)
    if settings.helpdesk == "zoho":
        from concierge.tools.helpdesk.zoho import ZohoHelpdesk

        return ZohoHelpdesk(settings)
    raise ValueError(f"unknown HELPDESK {settings.helpdesk!r}")


__all__ = ["Helpdesk", "HelpdeskError", "HelpdeskUnavailable", "TicketNotFound", "build_helpdesk"]
