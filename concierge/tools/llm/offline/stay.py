"""Offline rules for what a stay must, must not and would ideally have (see schemas.StayConstraints).

Each sentence is read on its own: a negation just before a thing excludes it ("without parking"),
insistence makes it required ("parking is a must", "a guesthouse with wifi"), a softener makes it
a preference ("ideally with breakfast"); a plain mention of an amenity is a preference.
"""

from __future__ import annotations

import re

from concierge.tools.knowledge.constraints import FACILITIES

NUMBERS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_STAR_NUM = r"(\d|zero|one|two|three|four|five)"
HARD = re.compile(r"\b(must|need|needs|needed|essential|has to|have to|required|requirement|insist\w*|non-negotiable|"
                  r"mandatory|important|only|should|include|includes|including|(?:that|which) (?:has|have|offers?))\b|\bwith\b",
                  re.I)
SOFT = re.compile(r"\b(ideally|if possible|would be nice|nice to have|bonus|prefer\w*|would love|maybe|perhaps|optional)\b", re.I)
# Asking whether the place has something, or saying one would like it, is wanting it.
ASKED = re.compile(r"\b(do|does|did|is|are) (they|it|either|any|those|there|one)\b.*\b(have|has|include|offer|with)\b"
                   r"|\b(i'?d|i would|we'?d|we would) like\b|\bdefinitely\b|\breally want\b", re.I)
NEGATION = re.compile(r"\b(without|no|not|nothing|don't want|do not want|mustn't|must not have|doesn't have|lacking|free of)"
                      r"\s+(?:(?!and\b|but\b)\w+\s+){0,3}$", re.I)
INDIFFERENT = re.compile(r"\b(no need for|(?:don'?t|do not|doesn'?t|does not|shouldn'?t|won'?t|wouldn'?t) need(?: to (?:have|include|offer))?|"
                         r"don't care about|not bothered about)\s+(?:\w+\s+){0,2}$", re.I)

AREAS = {
    "centre": r"\b(city|town) cent(re|er)\b|\bin the cent(re|er)\b|\bcentral\b|\bdowntown\b|\bcent(re|er) of (the )?(city|town)\b",
    **{d: rf"\bin the {d}(ern)?\b|\b{d} of (the )?(city|town|centre|center)\b|\b{d}(ern)? (side|part|end)\b" for d in ("north", "south", "east", "west")},
}
PRICE_RANGES = {
    "cheap": r"\bcheap(est|er)?\b|\binexpensive\b|\blow[- ]cost\b|\bbudget (hotel|guest ?house|place|option|accommodation|room|stay)s?\b",
    "moderate": r"\bmoderate(ly)?( priced)?\b|\bmid[- ]?(range|priced)\b|\breasonably priced\b",
    "expensive": r"\bexpensive\b|\bluxur(y|ious)\b|\bupmarket\b|\bupscale\b|\bhigh[- ]end\b|\bposh\b",
}
GUESTHOUSE = r"\bguest ?houses?\b|\bb ?& ?b\b|\bbed and breakfast\b"
HOTEL_ONLY = (r"\b(be an?|proper|real|actual|only) hotels?\b|\bhotels? only\b|^\W*an? hotel,? please\W*$"
              r"|\bhotel,? (not|rather than) an? (b ?& ?b|guest ?house)")
UNRATED = r"\bunrated\b|\b(no|without an?|not have an?) (official )?star rating\b|\bnot star[- ]rated\b|\b(zero|0)[- ]stars?\b"


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[.!?;\n]+|,\s*but\b|\bthough\b", text) if s.strip()]


def _negated(sentence: str, start: int) -> bool:
    before = sentence[:start]
    return bool(NEGATION.search(before)) and not INDIFFERENT.search(before)


# A slot the customer says they do not mind about ("price doesn't matter", "any area", "hotel or guesthouse").
# "Any" clears a slot only when it names it ("any area", "any price"): "any moderately priced guesthouses
# in that part of town" keeps both the price and the area.
DONT_CARE = r"(doesn'?t (really )?matter|don'?t (really )?(care|mind)|no preference|not (really )?bothered|either)"
CLEARS = {
    "price_range": re.compile(rf"\bprice\w*\b.*{DONT_CARE}|{DONT_CARE}.*\bprice\w*\b|\bany (price|budget)\b", re.I),
    "area": re.compile(rf"\b(area|location|part of town|side of town)\b.*{DONT_CARE}|{DONT_CARE}.*\b(area|location|part of town)\b"
                       r"|\banywhere\b|\bany (area|location|part of (the )?(town|city)|side of (the )?(town|city))\b", re.I),
    "type": re.compile(r"\bhotels? or (a )?guest ?houses?\b|\bguest ?houses? or (a )?hotels?\b", re.I),
    "stars": re.compile(rf"\bstars?\b.*{DONT_CARE}|{DONT_CARE}.*\bstar rating\b|\bany (number of )?stars?\b|\bany star rating\b", re.I),
}
SLOT_OF = {"min_stars": "stars"}


def _slot(constraint: str) -> str:
    attribute = constraint.partition(":")[0]
    return SLOT_OF.get(attribute, attribute)


def stay_constraints(text: str) -> dict[str, list[str]]:
    """What the customer finally asked for: a later value of a slot (area, price range, type, stars)
    replaces an earlier one, and a slot they say they do not mind about is dropped."""
    required: list[str] = []
    excluded: list[str] = []
    preferred: list[str] = []

    def add(constraint: str, sentence: str, start: int, default: list[str]) -> None:
        if INDIFFERENT.search(sentence[:start]):
            return
        target = excluded if _negated(sentence, start) else preferred if SOFT.search(sentence) else default
        slot = _slot(constraint)
        if slot != "facility" and target is not excluded:
            # The latest value wins; a requirement restated more politely stays a requirement.
            was_required = constraint in required
            for bucket in (required, preferred):
                bucket[:] = [c for c in bucket if _slot(c) != slot]
            if was_required:
                target = required
        if constraint not in target:
            target.append(constraint)

    for sentence in _sentences(text):
        for slot, clears in CLEARS.items():
            if clears.search(sentence):
                for bucket in (required, preferred, excluded):
                    bucket[:] = [c for c in bucket if _slot(c) != slot]
        for area, pattern in AREAS.items():
            for m in re.finditer(pattern, sentence, re.I):
                add(f"area:{area}", sentence, m.start(), required)
        for price, pattern in PRICE_RANGES.items():
            for m in re.finditer(pattern, sentence, re.I):
                add(f"price_range:{price}", sentence, m.start(), required)
        for m in re.finditer(GUESTHOUSE, sentence, re.I):
            if not CLEARS["type"].search(sentence):
                add("type:guesthouse", sentence, m.start(), required)
        for m in re.finditer(HOTEL_ONLY, sentence, re.I):
            add("type:hotel", sentence, m.start(), required)
        if re.search(UNRATED, sentence, re.I):
            required.append("stars:0")
        else:
            for m in re.finditer(_STAR_NUM + r"[- ]?stars?\b|\b(?:rated|rating of) " + _STAR_NUM + r"\b", sentence, re.I):
                raw = (m.group(1) or m.group(2)).lower()
                stars = NUMBERS.get(raw, raw)
                at_least = re.search(r"\b(at least|minimum( of)?|or (more|better|above)|\+)", sentence[max(0, m.start() - 12):m.end() + 12], re.I)
                add(f"{'min_stars' if at_least else 'stars'}:{stars}", sentence, m.start(), required)
        for name, pattern in FACILITIES.items():
            for m in re.finditer(pattern, sentence, re.I):
                hard = (HARD.search(sentence) or ASKED.search(sentence)) and not SOFT.search(sentence)
                add(f"facility:{name}", sentence, m.start(), required if hard else preferred)
    # What is required or excluded is no longer a mere preference.
    preferred = [p for p in preferred if p not in required and p not in excluded]
    required = [r for r in required if r not in excluded]
    return {"required": required, "excluded": excluded, "preferred": preferred}
