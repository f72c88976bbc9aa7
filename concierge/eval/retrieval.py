"""Retrieval (`concierge eval retrieval`): does Concierge offer exactly the hotels that fit what the customer asked?

Each query row holds structured constraints (MultiWOZ hotel attributes) and the exact set of hotels
that meet them. The hotel database beside the queries file goes into a fresh knowledge base. A row
that carries the customer's own words (`text`) goes through the profile and the retriever as
written, and each profile slot is scored too; a row of bare constraints is written out by the
templates below in every STYLE, a separate measure of the rules on wordings of the same hand. A query that expects no hotel is right only when Concierge says nothing fits.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from concierge.eval.common import by_split, ratio, read_rows

HOTEL_DB = "hotel_kb_multiwoz.json"
CITY = "Cambridge"
ROOM_CAPACITY = {"single": 1, "double": 2, "family": 4}

# How a customer says each constraint, one wording per style. Style 0 packs everything into one
# request sentence, style 1 lists requirements one per sentence, style 2 is casual. Wordings are
# generic (any hotel, any value); negatives always get a sentence of their own, as people write them.
NOUN = {"hotel": ["proper hotel", "a hotel. It has to be a hotel", "a hotel (hotels only, please)"],
        "guesthouse": ["guesthouse", "a B&B", "a guest house"],
        None: ["place to stay", "somewhere to stay", "accommodation"]}
PRICE = {"cheap": ["cheap", "inexpensive", "low-cost"], "moderate": ["moderately priced", "mid-range", "reasonably priced"],
         "expensive": ["expensive", "luxury", "upmarket"]}
WORDS = {0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
AREA = {"centre": ["in the city centre", "central", "in the centre of town"]}
FACILITY_WORD = {"parking": ["free parking", "Parking", "somewhere to park the car"], "internet": ["wifi", "Internet access", "wifi for work"]}


def _area(area: str, style: int) -> str:
    return AREA[area][style] if area in AREA else [f"in the {area}", f"{area} of the city", f"on the {area} side"][style]


def _stars(stars: int, style: int) -> str:
    if stars == 0:
        return ["unrated", "It must have no star rating.", "Unrated is fine, with no star rating."][style]
    return [f"{stars}-star", f"It has to be rated {stars} stars.", f"{WORDS[stars].capitalize()}-star, please."][style]


def phrase(constraints: dict[str, Any], style: int) -> str:
    """The constraints in the customer's words, in one of the three styles."""
    c = {k: str(v).lower() if k != "max_double_room_price" else v for k, v in constraints.items()}
    noun = NOUN[c.get("type")][style]
    price = PRICE[c["pricerange"]][style] if "pricerange" in c else ""
    stars = _stars(int(c["stars"]), style) if "stars" in c else ""
    area = _area(c["area"], style) if "area" in c else ""
    wanted = [f for f in ("parking", "internet") if c.get(f) == "yes"]
    unwanted = [f for f in ("parking", "internet") if c.get(f) == "no"]
    sentences: list[str] = []
    if style == 0:
        words = " ".join(w for w in (price, stars, noun) if w)
        head = ("an " if words[0] in "aeiou" else "a ") + words
        with_ = f" with {' and '.join(FACILITY_WORD[f][0] for f in wanted)}" if wanted else ""
        sentences.append(f"Hi, I'm looking for {head} {area} in {CITY}{with_}".replace("  ", " "))
        sentences += [f"No {f}, please" for f in unwanted]
    elif style == 1:
        sentences.append(f"We are visiting {CITY} and need {noun}")
        if price:
            sentences.append(f"It should be {price}")
        if stars:
            sentences.append(stars.rstrip("."))
        if area:
            sentences.append(f"Location: {area}")
        sentences += [f"{FACILITY_WORD[f][1]} is a must" for f in wanted]
        sentences += [f"It must not have {f}" for f in unwanted]
    else:
        sentences.append(f"Can you find us {noun} in {CITY} {area}?".replace(" ?", "?"))
        if price:
            sentences.append(f"Something {price} would suit us")
        if stars:
            sentences.append(stars.rstrip("."))
        sentences += [f"We need {FACILITY_WORD[f][2]}" for f in wanted]
        sentences += [f"We don't want a place with {f}" for f in unwanted]
    if "max_double_room_price" in c:
        price_cap = c["max_double_room_price"]
        sentences.append([f"It's for two people, at most £{price_cap} a night",
                          f"We need a double room for no more than {price_cap} pounds a night",
                          f"Our budget is £{price_cap} per night for a double room"][style])
    return " ".join(s if s.endswith(("?", ".")) else s + "." for s in sentences)


STYLES = 3
# The date a free-text ticket is written on: its weekdays ("starting Friday") are read from here.
TICKET_DATE = "2026-11-23T09:00:00Z"
SLOTS = ("area", "pricerange", "stars", "type", "parking", "internet")


def read_slots(profile: dict[str, Any]) -> dict[str, str]:
    """The slots the profile holds as hard constraints, in the rows' terms (a wish counts as not asked)."""
    c = profile.get("constraints") or {}
    out: dict[str, str] = {}
    for constraint in c.get("required") or []:
        attribute, _, value = constraint.partition(":")
        if attribute in ("area", "type"):
            out[attribute] = value
        elif attribute == "price_range":
            out["pricerange"] = value
        elif attribute in ("stars", "min_stars"):
            out["stars"] = value
        elif attribute == "facility" and value in ("parking", "internet"):
            out[value] = "yes"
    for constraint in c.get("excluded") or []:
        attribute, _, value = constraint.partition(":")
        if attribute == "facility" and value in ("parking", "internet"):
            out[value] = "no"
        elif constraint in ("type:guesthouse", "type:hotel"):
            out.setdefault("type", "hotel" if value == "guesthouse" else "guesthouse")
    return out


def slot_hits(row: dict[str, Any], profile: dict[str, Any]) -> dict[str, bool]:
    """Each slot of the row right or wrong: search slots as hard constraints, the booking's party, nights and
    arrival weekday (from the check-in date) where the row has a booking."""
    from datetime import date

    got = read_slots(profile)
    want = {k: str(v).lower() for k, v in row["constraints"].items()}
    hits = {slot: got.get(slot) == want.get(slot) for slot in SLOTS}
    booking = row.get("booking") or {}
    if booking:
        hits["party"] = profile.get("party_size") == booking.get("people")
        hits["nights"] = profile.get("nights") == booking.get("nights")
        check_in = profile.get("check_in")
        day = date.fromisoformat(check_in).strftime("%A").lower() if check_in else None
        hits["arrival_day"] = day == str(booking.get("day", "")).lower()
    return hits


def inventory_from_multiwoz(hotels: list[dict[str, Any]]) -> dict[str, Any]:
    """The MultiWOZ hotel database as a Concierge inventory: one room per priced room type."""
    out = []
    for h in hotels:
        amenities = [a for a, key in (("free parking", "parking"), ("free wifi", "internet")) if h.get(key) == "yes"]
        rooms = [{"id": f"mwz-{h['id']}-{kind}", "name": f"{kind.capitalize()} room", "capacity": ROOM_CAPACITY[kind],
                  "price_per_night": float(price), "currency": "GBP"} for kind, price in sorted(h.get("price", {}).items())]
        out.append({"id": f"mwz-{h['id']}", "name": h["name"], "city": CITY, "area": h["area"], "type": h["type"],
                    "stars": int(h["stars"]), "price_range": h["pricerange"], "amenities": amenities,
                    "description": f"{h['address']}, {h['postcode']}", "rooms": rooms})
    return {"hotels": out}


def scores(predicted: set[str], expected: set[str]) -> tuple[float, float, float]:
    if not expected:
        right = float(not predicted)  # right only when Concierge says nothing fits
        return right, right, right
    hits = len(predicted & expected)
    precision, recall = (hits / len(predicted) if predicted else 0.0), hits / len(expected)
    return precision, recall, (2 * precision * recall / (precision + recall) if hits else 0.0)


async def evaluate(files: list[Path]) -> dict[str, Any]:
    from concierge.agents.retriever import find_offers
    from concierge.agents.triage import read_ticket
    from concierge.settings import get_settings
    from concierge.tools.knowledge import KnowledgeBase
    from concierge.tools.llm import build_chat_model

    settings = get_settings()
    llm = build_chat_model(settings)
    rows = list(read_rows(*files))
    with tempfile.TemporaryDirectory() as tmp:
        inventory = inventory_from_multiwoz(json.loads((Path(files[0]).parent / HOTEL_DB).read_text()))
        path = Path(tmp) / "multiwoz_hotels.json"
        path.write_text(json.dumps(inventory))
        # A fresh embedded collection, whatever the configured store: the measure must not touch real data.
        kb = KnowledgeBase(settings.model_copy(update={"qdrant_url": None, "data_dir": Path(tmp)}))
        kb.ingest(path)
        k = len(inventory["hotels"])
        names = {h["name"].lower(): h["name"] for h in inventory["hotels"]}
        report: dict[str, Any] = {}
        for split, split_rows in by_split(rows).items():
            totals, exact, misses = [0.0, 0.0, 0.0], 0, []
            slot_right: dict[str, list[bool]] = {}
            free_text = all("text" in r for r in split_rows)
            for row in split_rows:
                for style in range(1 if free_text else STYLES):
                    text = row["text"] if free_text else phrase(row["constraints"], style)
                    ticket = {"subject": f"A room in {CITY}", "body": text, "customer": {"name": "Alex Doe"},
                              "created_at": TICKET_DATE}
                    profile = (await read_ticket(llm, settings.company_name, ticket, [], kb.destinations())).profile
                    if free_text:
                        for slot, hit in slot_hits(row, profile.model_dump()).items():
                            slot_right.setdefault(slot, []).append(hit)
                    search = await find_offers(kb, profile.model_dump(), k)
                    predicted = {names[o.hotel_name.lower()] for o in search.offers}
                    p, r, f = scores(predicted, set(row["expected_hotels"]))
                    totals = [totals[0] + p, totals[1] + r, totals[2] + f]
                    exact += predicted == set(row["expected_hotels"])
                    if split == "dev" and predicted != set(row["expected_hotels"]):
                        misses.append({"id": row["id"], "text": text, "missing": sorted(set(row["expected_hotels"]) - predicted),
                                       "extra": sorted(predicted - set(row["expected_hotels"]))})
            n = len(split_rows) * (1 if free_text else STYLES)
            report[split] = {"wording": "customer's own text" if free_text else f"template phrasings ({STYLES} styles)",
                             "queries": len(split_rows), "phrasings": n, "precision": ratio(totals[0], n),
                             "recall": ratio(totals[1], n), "f1": ratio(totals[2], n), "exact_set": ratio(exact, n)}
            if slot_right:
                report[split]["slot_accuracy"] = {s: ratio(sum(v), len(v)) for s, v in slot_right.items()}
            if misses:  # only dev rows are shown: holdout stays a measure, never a guide
                report[split]["misses"] = misses
        kb.close()
    return {"engine": settings.llm_engine, **report}
