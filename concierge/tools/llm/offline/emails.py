"""Email templates of the offline engine: offer, support answer and the phone-number follow-up.

Every figure in an email comes from the offers or policies in the payload; nothing is invented.
"""

from __future__ import annotations

from typing import Any

# Which engine drafted an email is kept in the thread and in an X-Concierge-Drafted-By header, not told the customer.
SIGNATURE = "{company} Concierge"


def _first_name(name: str) -> str:
    return (name or "there").split()[0]


def _money(amount: float, currency: str) -> str:
    symbol = {"EUR": "€", "GBP": "£", "USD": "$"}.get(currency, f"{currency} ")
    return f"{symbol}{amount:,.0f}"


def _subject(ticket: dict[str, Any]) -> str:
    subject = ticket.get("subject") or "Your request"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def _offer_lines(offers: list[dict[str, Any]], nights: int | None) -> list[str]:
    lines = []
    for i, o in enumerate(offers, 1):
        price = _money(o["price_per_night"], o["currency"])
        total = f" ({_money(o['price_per_night'] * nights, o['currency'])} for {nights} nights)" if nights else ""
        perks = ", ".join((o.get("features") or [])[:2] + (o.get("amenities") or [])[:3])
        where = f"{o['city']}, {o['area']}" if o.get("area") else o["city"]
        rooms = o.get("rooms") or []
        head = (f"{i}. {o['hotel_name']} — {o['room_name']} ({where}, sleeps {o['capacity']}): "
                if not rooms else
                f"{i}. {o['hotel_name']} — {len(rooms)} rooms together for {o['capacity']} guests ({where}): "
                + "; ".join(f"{r['room_name']} (sleeps {r['capacity']}) {_money(r['price_per_night'], o['currency'])} per night"
                            for r in rooms) + "; in total ")
        lines.append(
            f"{head}{price} per night{total}.\n   {perks}."
            + (f"\n   Alternative: it does not meet {', '.join(o['breaks'])}." if o.get("breaks") else "")
        )
    return lines


def _letter(data: dict[str, Any], paragraphs: list[str], closing: str = "Warm regards,") -> dict[str, str]:
    """Greeting, paragraphs, sign-off: the frame every email shares."""
    body = [f"Dear {_first_name(data.get('customer_name', ''))},", "", *paragraphs, "", closing,
            SIGNATURE.format(company=data.get("company", ""))]
    return {"subject": _subject(data.get("ticket", {})), "body": "\n".join(body)}


def offer_email(data: dict[str, Any]) -> dict[str, str]:
    profile = data.get("profile") or {}
    offers = data.get("offers") or []
    party = profile.get("party_size")
    where = profile.get("destination") or "your trip"
    when = f" from {profile['check_in']} to {profile['check_out']}" if profile.get("check_in") else ""
    parts = [f"Thank you for getting in touch about {where}{when}" + (f" for {party} guests." if party else ".")]
    if profile.get("past_friction"):
        quiet = "quiet" in profile.get("preferences", []) and offers and all(o.get("quiet") for o in offers)
        parts += ["", "We have not forgotten the trouble on an earlier stay with us, so we have only picked places "
                      "where that should not happen again" + (" — every option below is a quiet one." if quiet else ".")]
    if offers and any(o.get("breaks") for o in offers):
        parts += ["", "We have looked carefully, and nothing we have meets everything you asked for. These are the "
                      "nearest alternatives; each one says what it does not meet:", "", *_offer_lines(offers, profile.get("nights"))]
    elif offers:
        parts += ["", "Here is what we can offer:", "", *_offer_lines(offers, profile.get("nights"))]
    else:
        parts += ["", "We are checking availability for you and have a few ideas to talk through."]
    parts += ["", "One of our travel advisors would love to confirm the details with you by phone and make the booking. "
                  "Could you reply with the best phone number to reach you (with the country code) and a good time to call?"]
    return _letter(data, parts)


def support_email(data: dict[str, Any]) -> dict[str, str]:
    parts = ["Thank you for your question. Here is what applies:", ""]
    for p in data.get("policies") or []:
        parts += [f"{p['title']}:", p["text"], ""]
    parts += ["If anything is still unclear, just reply to this email and we will help."]
    return _letter(data, parts, closing="Kind regards,")


def clarify_phone_email(data: dict[str, Any]) -> dict[str, str]:
    # No example number: a customer quoting this email must not hand us a number to dial.
    return _letter(data, [
        "Thank you for your reply! To call you and confirm the booking we need a phone number, and we could not "
        "find one in your message. Could you send the best number to reach you, starting with + and the country "
        "code (+44 for the UK, +351 for Portugal, and so on)?"
    ])


def which_phone_email(data: dict[str, Any]) -> dict[str, str]:
    numbers = data.get("phone_choices") or []
    if len(numbers) == 1:  # the only number was in their signature: a desk line, perhaps
        return _letter(data, [
            f"Thank you for your reply! The only number we found is the one in your signature, {numbers[0]}.",
            "Shall our travel advisor call you on it to confirm the booking? A short \"yes\" is enough; or send the "
            "number you would rather be called on, starting with + and the country code.",
        ])
    choices = "\n".join(f"- {c}" for c in numbers)
    return _letter(data, [
        "Thank you for your reply! You gave us more than one number:", "", choices, "",
        "Which one should our travel advisor call to confirm the booking?",
    ])


def confirm_by_email_email(data: dict[str, Any]) -> dict[str, str]:
    """For a customer who prefers email: the chosen offer in full, confirmed by a reply — no call, no number asked."""
    offer, profile = data.get("chosen_offer"), data.get("profile") or {}
    parts = ["Of course — we are happy to arrange everything by email, no phone call needed."]
    if offer:
        when = f" from {profile['check_in']} to {profile['check_out']}" if profile.get("check_in") else ""
        parts += ["", f"Here is the option we would book for you{when}:", "", *_offer_lines([offer], profile.get("nights"))]
    parts += ["", "To confirm the booking, simply reply \"yes\" to this email. If you would like a different option "
                  "or have any questions, just tell us in your reply and one of our travel advisors will take care of it."]
    return _letter(data, parts)


def call_followup_email(data: dict[str, Any]) -> dict[str, str]:
    """We could not reach the customer by phone: another time, or the booking by email."""
    offers, profile = data.get("offers") or [], data.get("profile") or {}
    tried = data.get("calls_tried") or 0
    parts = [f"We tried to call you{f' {tried} times' if tried > 1 else ''} to confirm your booking, but could not reach you."]
    if offers:
        parts += ["", "This is the option we would like to book for you:", "", *_offer_lines(offers[:1], profile.get("nights"))]
    parts += ["", "Just reply with a good time to call (and the best number, if it is a different one). If you would "
                  "rather arrange everything by email instead of a call, say so in your reply and we will confirm it in writing."]
    return _letter(data, parts)


_REMINDER_ASKS = {
    "which_phone": "Which of the numbers you gave should our travel advisor call?",
    "confirm_by_email": "If you would like us to book the option we sent, simply reply \"yes\" to this email.",
}


def reminder_email(data: dict[str, Any]) -> dict[str, str]:
    """One gentle nudge about the email that got no answer: the same question, nothing new."""
    earlier = data.get("reminder_of") or {}
    when = f" on {earlier['sent_at']}" if earlier.get("sent_at") else ""
    ask = _REMINDER_ASKS.get(earlier.get("kind", ""), "If you are still interested, just reply with the best phone number "
                                                   "to reach you (with the country code) and a good time to call.")
    return _letter(data, [
        f"We wrote to you{when} about your request and wanted to make sure our email reached you.", "", ask, "",
        "And if your plans have changed, just let us know.",
    ])


def human_reply_email(data: dict[str, Any]) -> dict[str, str]:
    """A draft for a person to edit and send: it acknowledges and promises a person, and commits to nothing else."""
    friction = " We are sorry this has caused you trouble." if data.get("reasons") else ""
    return _letter(data, [
        f"Thank you for your message, and for your patience.{friction}",
        "",
        "I have read everything you wrote and I am now handling your request personally. "
        "I will come back to you shortly with an answer.",
    ], closing="Kind regards,")


KINDS = {"offer": offer_email, "human_reply": human_reply_email, "support_answer": support_email,
         "clarify_phone": clarify_phone_email, "which_phone": which_phone_email, "confirm_by_email": confirm_by_email_email,
         "reminder": reminder_email, "call_followup": call_followup_email}


def draft_email(data: dict[str, Any]) -> dict[str, str]:
    return KINDS[data.get("kind", "offer")](data)
