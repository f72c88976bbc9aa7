"""Customers who will not take a call: recognising the refusal, the offer they chose, and a clear
confirmation of the booking by email. Plain rules, so the same reply always reads the same way."""

from __future__ import annotations

import re
from typing import Any

_EMAIL = r"e-?mail"
_WHEN = r"(?:before|after|until|till|at|on|in|between|during|tomorrow|today|tonight|this|next|early|late|over the)"
_DECLINES = [
    rf"\b{_EMAIL} only\b", rf"\bonly (?:by|via|over|through) {_EMAIL}\b", rf"\b(?:by|via|over) {_EMAIL} instead\b",
    rf"\b{_EMAIL} me (?:the details|the offer|everything|instead)\b", rf"\bprefer (?:to (?:keep|do|continue) (?:this|it|things|everything) )?(?:by|via|over|on)? ?{_EMAIL}\b",
    rf"\b(?:don'?t|do not|please don'?t|no need to|never) (?:call|phone|ring) me\b(?!\s+{_WHEN}\b)",
    r"\b(?:rather|prefer) not (?:to )?(?:share|give|provide|hand out)\b.{0,25}\b(?:number|phone)\b",
    r"\b(?:don'?t|do not) (?:want to |wish to )?(?:share|give|provide) (?:out )?my (?:phone |mobile |cell )?number\b",
    r"\bno (?:phone )?calls?(?: please)?\b(?!\s+{_WHEN}\b)".replace("{_WHEN}", _WHEN),
    r"\b(?:won'?t|will not|can'?t|cannot|don'?t) (?:take|do|answer|like) (?:a |any |phone )?(?:phone )?calls?\b",
    r"\b(?:not|never) (?:comfortable|happy) (?:on|with|taking|speaking on) the phone\b",
]
_DECLINES_RE = re.compile("|".join(f"(?:{p})" for p in _DECLINES), re.I)

_YES = re.compile(r"\b(?:yes|yep|yeah|sure|please (?:go ahead and )?book|book (?:it|that|the|us|this)|go ahead|i confirm|"
                  r"we confirm|confirmed|that'?s (?:perfect|great|fine)|sounds (?:good|great|perfect)|let'?s do it|"
                  r"we'?ll take|i'?ll take|perfect)\b", re.I)
_HESITANT = re.compile(r"\?|\b(?:no|not|don'?t|do not|maybe|perhaps|unsure|wait|hold off|but|instead|cancel|change|"
                       r"think about|later|cheaper|other|different)\b", re.I)
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "option 1": 0, "option 2": 1,
             "option 3": 2, "number 1": 0, "number 2": 1, "number 3": 2}


def declines_call(text: str) -> bool:
    """The customer asks to continue by email, or will not take a call or give a number."""
    return bool(_DECLINES_RE.search(text or ""))


def confirms_booking(text: str) -> bool:
    """A clear yes to the booking: an agreeing phrase and nothing that hedges, asks or changes it."""
    return bool(_YES.search(text or "")) and not _HESITANT.search(text or "")


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
