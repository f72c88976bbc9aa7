"""Helpdesks behind one small interface; `build_helpdesk` picks the configured one."""

from __future__ import annotations

from concierge.settings import Settings
from concierge.tools.crm.base import Helpdesk, TicketNotFound


def build_helpdesk(settings: Settings) -> Helpdesk:
    if settings.helpdesk == "local":
        from concierge.tools.crm.local import LocalHelpdesk

        return LocalHelpdesk(settings.helpdesk_db_path, seed_file=settings.helpdesk_seed_file, ai_assignee=settings.ai_assignee)
    raise ValueError(f"unknown HELPDESK {settings.helpdesk!r}")


__all__ = ["Helpdesk", "TicketNotFound", "build_helpdesk"]
