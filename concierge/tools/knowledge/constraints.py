"""Hard constraints and preferences on a stay, and the one check every offer passes.

A constraint is written `attribute:value` (`area:north`, `type:guesthouse`, `stars:4`, `min_stars:4`,
`price_range:cheap`, `facility:parking`) so an LLM and the offline rules produce the same thing.
Required and excluded constraints become Qdrant filters; preferred ones only rank. Whatever the
store returns is checked again with `violations`, so an offer never breaks a hard constraint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Facility tags of the payload; the same patterns read inventory amenity strings and customer text.
FACILITIES: dict[str, str] = {
    "quiet": r"\bquiet\b|\bpeaceful\b|\bcalm\b|\bsoundproof\w*\b",
    "pool": r"\bpool\b|\bswim\w*\b",
    "breakfast": r"\bbreakfast\b",
    "parking": r"\bparking\b|\bcar park\b|\bpark the car\b|\bgarage\b",
    "internet": r"\binternet\b|\bwi-?fi\b|\bwireless\b",
    "sea view": r"\bsea views?\b|\bocean views?\b|\bview of the sea\b",
    "pet friendly": r"\bpets?\b|\bpet[- ]friendly\b|\bdogs?\b|\bcats?\b",
    "wheelchair accessible": r"\bwheelchair\b|\baccessib\w+\b|\bstep-free\b",
    "spa": r"\bspa\b",
    "air conditioning": r"\bair[- ]?con\w*\b|\ba/?c\b",
    "kids club": r"\bkids'? club\b",
    "family rooms": r"\bfamily rooms?\b",
    "gym": r"\bgym\b|\bfitness\b",
}
# Attributes a constraint can name, and the payload key each is checked against.
ATTRIBUTES = {"city": "city", "area": "area", "type": "property_type", "stars": "stars", "min_stars": "stars",
              "price_range": "price_range", "facility": "facilities"}


def facilities_in(text: str) -> list[str]:
    return [name for name, pattern in FACILITIES.items() if re.search(pattern, text, re.I)]


@dataclass(frozen=True)
class Condition:
    """One payload test, independent of the store: `key` equals `value` (or contains it, for lists),
    or lies within [gte, lte]."""

    key: str
    value: str | int | None = None
    gte: float | None = None
    lte: float | None = None

    def holds(self, payload: dict[str, Any]) -> bool:
        actual = payload.get(self.key)
        if self.value is not None:
            return self.value in actual if isinstance(actual, list) else actual == self.value
        if actual is None:
            return False
        return (self.gte is None or actual >= self.gte) and (self.lte is None or actual <= self.lte)


@dataclass(frozen=True)
class Filter:
    must: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()

    def holds(self, payload: dict[str, Any]) -> bool:
        return all(c.holds(payload) for c in self.must) and not any(c.holds(payload) for c in self.must_not)


def _condition(constraint: str) -> Condition | None:
    attribute, _, value = constraint.partition(":")
    key = ATTRIBUTES.get(attribute.strip().lower())
    if not key or not value.strip():
        return None
    value = value.strip().lower() if key != "city" else value.strip()
    if key == "stars":
        return Condition(key, gte=float(value)) if attribute == "min_stars" else Condition(key, value=int(value))
    return Condition(key, value=value)


@dataclass
class StayRequest:
    """Everything a room search needs, from the profile: hard parts filter, preferred parts rank."""

    city: str | None = None
    min_capacity: int | None = None
    max_price: float | None = None
    currency: str | None = None
    required: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    preferred: list[str] = field(default_factory=list)

    @classmethod
    def from_profile(cls, profile: dict[str, Any]) -> StayRequest:
        constraints = profile.get("constraints") or {}
        hard = set(constraints.get("required") or []) | set(constraints.get("excluded") or [])
        wishes = list(constraints.get("preferred") or []) + [f"facility:{p}" for p in profile.get("preferences") or []]
        return cls(
            city=profile.get("destination"), min_capacity=profile.get("party_size"),
            max_price=profile.get("budget_per_night"), currency=profile.get("currency"),
            required=list(constraints.get("required") or []), excluded=list(constraints.get("excluded") or []),
            preferred=[w for w in dict.fromkeys(wishes) if w not in hard],
        )

    def hard_conditions(self) -> list[tuple[str, Condition, bool]]:
        """(what the customer asked, the condition, whether it must hold) for every hard constraint."""
        out: list[tuple[str, Condition, bool]] = []
        if self.city:
            out.append((f"in {self.city}", Condition("city", value=self.city), True))
        if self.min_capacity:
            out.append((f"sleeps {self.min_capacity}", Condition("capacity", gte=self.min_capacity), True))
        if self.max_price:
            out.append((f"at most {self.max_price:g} {self.currency or ''} a night".replace("  ", " "),
                        Condition("price_per_night", lte=self.max_price), True))
        for constraint, must in [(c, True) for c in self.required] + [(c, False) for c in self.excluded]:
            condition = _condition(constraint)
            if condition:
                out.append((constraint if must else f"no {constraint}", condition, must))
        return out

    def filter(self, *, keep: tuple[str, ...] = ()) -> Filter:
        """The store filter of the hard constraints; with `keep`, only the ones on those payload keys."""
        conditions = [(c, must) for _, c, must in self.hard_conditions() if not keep or c.key in keep]
        return Filter(must=tuple(c for c, must in conditions if must), must_not=tuple(c for c, must in conditions if not must))

    def violations(self, payload: dict[str, Any]) -> list[str]:
        """The hard constraints a room breaks, in the customer's terms (empty: it fits)."""
        return [label for label, c, must in self.hard_conditions() if c.holds(payload) != must]

    def preference_hits(self, payload: dict[str, Any]) -> list[str]:
        hits = []
        for constraint in self.preferred:
            condition = _condition(constraint)
            if condition and condition.holds(payload):
                hits.append(constraint.partition(":")[2])
        return hits
