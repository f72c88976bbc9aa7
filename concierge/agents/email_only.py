"""Customers who will not take a call: recognising the refusal, the offer they chose, and a clear
confirmation of the booking by email. Plain rules, so the same reply always reads the same way."""

from __future__ import annotations

import re
from typing import Any

from concierge.agents.call_refusal import declines_call

__all__ = ["chosen_offer", "confirms_booking", "declines_call"]

_YES = re.compile(r"\b(?:yes|yep|yeah|sure|please (?:go ahead and )?book|book (?:it|that|the|us|this)|go ahead|i confirm|"
                  r"we confirm|confirmed|that'?s (?:perfect|great|fine)|sounds (?:good|great|perfect)|let'?s do it|"
                  r"we'?ll take|i'?ll take|perfect|"
                  r"oui|d'accord|parfait|je confirme|nous confirmons|r[ée]servez|"  # French
                  r"ja|gerne|einverstanden|passt|ich best[äa]tige|wir best[äa]tigen|bitte buchen|buchen Sie|"  # German
                  r"s[ií]|vale|de acuerdo|perfecto|confirmo|confirmamos|res[ée]rv(?:ela|elo|enla|enlo)|reserven? (?:la|el)|"  # Spanish
                  r"va bene|perfetto|confermo|confermiamo|prenot(?:i|ate)|"  # Italian
                  r"sim|combinado|perfeito|pode reservar|"  # Portuguese
                  r"akkoord|prima|ik bevestig|wij bevestigen|boek (?:maar|het))(?!\w)", re.I)
# A question, a negation, a hedge or a change in any of those languages leaves the booking to a person.
_HESITANT = re.compile(r"\?|\b(?:no|not|don'?t|do not|maybe|perhaps|unsure|wait|hold off|but|instead|cancel|change|"
                       r"think about|later|cheaper|other|different|"
                       r"non|pas|ne|mais|peut-[êe]tre|attendez|annuler|changer|autre|"
                       r"nicht|kein\w*|aber|vielleicht|warten|stornieren|ändern|andere\w*|"
                       r"pero|quiz[áa]s?|tal vez|esperar?|cancelar|cambiar|otr[oa]|"
                       r"ma|forse|aspett\w+|annullare|cambiare|altr[oa]|"
                       r"n[ãa]o|mas|talvez|mudar|outr[oa]|"
                       r"niet|geen|maar|misschien|wachten|annuleren|wijzigen|ander\w*)(?!\w)", re.I)
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "option 1": 0, "option 2": 1,
             "option 3": 2, "number 1": 0, "number 2": 1, "number 3": 2}


def confirms_booking(text: str) -> bool:
    """A clear yes to the booking: an agreeing phrase and nothing that hedges, asks or changes it."""
    text = text or ""
    return bool(_YES.search(text)) and not _HESITANT.search(_YES.sub(" ", text))  # "boek maar" is a yes, not a "but"


def chosen_offer(text: str, offers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The offer the customer named (by hotel or room name, or by its position), else the first one."""
    lowered = (text or "").lower()
    for offer in offers:
        if offer["hotel_name"].lower() in lowered or offer["room_name"].lower() in lowered:
            return offer
    for word, index in _ORDINALS.items():
        if re.search(rf"\b{re.escape(word)}\b", lowered) and index < len(offers):
            return offers[index]
    return offers[0] if offers else None
