"""What a profile may say before offers are searched and emails written from it, whatever model read
the ticket: a destination among the knowledge base's cities (or none), a party, children, nights and
budget in range, and dates that parse, in order, not before the ticket and agreeing with the nights.
A value that fails is dropped (a missing value is asked about or left open; a wrong one would search
the wrong city or book the wrong dates), and the reason kept on the thread."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from concierge.schemas import CustomerProfile

MAX_PARTY, MAX_NIGHTS, MAX_BUDGET = 30, 90, 100_000
MAX_DAYS_AHEAD = 3 * 365  # a stay booked further out than this is a misreading


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def guard_profile(profile: CustomerProfile, destinations: Sequence[str], written: str | None) -> tuple[CustomerProfile, list[str]]:
    """The profile with what fails the checks dropped, and a note per dropped value."""
    notes: list[str] = []
    fix: dict = {}
    if profile.destination and destinations:
        known = {d.lower(): d for d in destinations}
        if profile.destination.lower() in known:
            fix["destination"] = known[profile.destination.lower()]
        else:
            notes.append(f"destination {profile.destination!r} is none of the knowledge base's cities: left open")
            fix["destination"] = None
    for field, low, high in (("party_size", 1, MAX_PARTY), ("nights", 1, MAX_NIGHTS)):
        value = getattr(profile, field)
        if value is not None and not low <= value <= high:
            notes.append(f"{field} {value} is out of range ({low}–{high}): left open")
            fix[field] = None
    party = fix.get("party_size", profile.party_size)
    if profile.children is not None and not 0 <= profile.children <= (party or MAX_PARTY):
        notes.append(f"children {profile.children} does not fit the party: left open")
        fix["children"] = None
    if profile.budget_per_night is not None and not 0 < profile.budget_per_night <= MAX_BUDGET:
        notes.append(f"budget {profile.budget_per_night} per night is out of range: left open")
        fix["budget_per_night"] = None

    check_in, check_out = _day(profile.check_in), _day(profile.check_out)
    ticket_day = _day(written)
    why = None
    if (profile.check_in and not check_in) or (profile.check_out and not check_out):
        why = f"dates {profile.check_in!r} – {profile.check_out!r} do not parse"
    elif check_in and check_out and check_out <= check_in:
        why = f"check-out {check_out} is not after check-in {check_in}"
    elif check_in and ticket_day and not ticket_day - timedelta(days=1) <= check_in <= ticket_day + timedelta(days=MAX_DAYS_AHEAD):
        why = f"check-in {check_in} is before the ticket ({ticket_day}) or years after it"
    elif check_in and check_out and fix.get("nights", profile.nights) not in (None, (check_out - check_in).days):
        fix["nights"] = (check_out - check_in).days  # the dates are the customer's; nights follow them
        notes.append(f"nights {profile.nights} disagree with the dates: {fix['nights']}, from the dates")
    if why:
        notes.append(f"{why}: dates left open")
        fix |= {"check_in": None, "check_out": None}
    return (profile.model_copy(update=fix) if fix else profile), notes
