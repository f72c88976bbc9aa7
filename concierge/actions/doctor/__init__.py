"""Checks of every configured part, each with a real, read-only call and the fix when it fails:
the helpdesk, email, voice, alerts, the LLM, the knowledge base and the booking system. Embedded
defaults report "ok (offline)". `concierge doctor` runs them all; the console's Test connection runs
one group's (`GROUPS`). Every request goes through the outbound-URL policy (tools/outbound.py),
and no answer from outside is echoed beyond its status and a short error code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from concierge.actions.doctor.alerts import check_alerts
from concierge.actions.doctor.base import Check
from concierge.actions.doctor.email import check_email
from concierge.actions.doctor.helpdesk import check_helpdesk
from concierge.actions.doctor.models import check_knowledge, check_llm
from concierge.actions.doctor.voice import check_booking, check_voice
from concierge.settings import Settings

# The console's groups (its Settings sections), each with its checks.
GROUPS: dict[str, Callable[[Settings], Awaitable[list[Check]]]] = {
    "helpdesk": check_helpdesk, "email": check_email, "voice": check_voice, "alerts": check_alerts,
    "llm": check_llm, "knowledge": check_knowledge,
}


async def run_checks(settings: Settings) -> list[Check]:
    checks = [check for group in GROUPS.values() for check in await group(settings)]
    return checks + await check_booking(settings)


__all__ = ["GROUPS", "Check", "check_alerts", "check_booking", "check_email", "check_helpdesk", "check_knowledge", "check_llm",
           "check_voice", "run_checks"]
