"""Replies as mail clients write them (`concierge eval replies FILE…`): the customer's own words, the
number Concierge would dial, and whether the reply declines a call.

Each row goes the way a real reply goes: a raw message (`format: mime`) through the MIME route's
parser, a body (`format: text`) as the JSON route's `InboundEmail`; then what `parse_reply` reads:
`reply_words` (the own words), `find_phones` on them in the row's region (one distinct number is
dialled, several ask which one) and `declines_call`. A number taken where the row expects none (or
another) is a false positive, counted by where it came from: `quote` or `signature` when it is the
row's decoy there, else `other`. Visible text is compared line by line, without blank lines and
runs of spaces (clients add and drop both).
"""

from __future__ import annotations

from difflib import SequenceMatcher
from pathlib import Path

from concierge.agents.email_only import declines_call
from concierge.eval.common import by_split, ratio, read_rows
from concierge.schemas import InboundEmail
from concierge.tools.email.inbound.mime import parse_mime
from concierge.tools.email.inbound.reply_text import reply_words
from concierge.tools.phone import find_phones, phone_region

FALLBACK_REGION = "GB"  # DEFAULT_PHONE_REGION's default: rows without a region are read as a deployment reads them


def inbound_text(row: dict) -> str:
    """The `text` an inbound route hands on for this row."""
    if row.get("format") == "mime":
        return parse_mime(row["raw"].encode(row.get("raw_encoding") or "utf-8")).text
    return InboundEmail.model_validate({"from": row.get("from_address") or "customer@example.com", "text": row["raw"]}).text


def _lines(text: str) -> str:
    """Text compared line by line, without the spacing and blank lines mail clients add or drop."""
    lines = (" ".join(line.split()) for line in (text or "").splitlines())
    return "\n".join(line for line in lines if line)


def read_row(row: dict) -> dict:
    """What Concierge reads in one row: its own words, the number it would dial (or None), a decline."""
    words = reply_words(inbound_text(row))
    phones = find_phones(words, phone_region(row.get("default_region"), fallback=FALLBACK_REGION))
    distinct = {p.e164 for p in phones}
    return {"visible": words, "phone": phones[0].e164 if len(distinct) == 1 else None,
            "several": len(distinct) > 1, "declines": declines_call(words)}


def score(rows: list[dict]) -> dict:
    n = correct = exact = 0
    similarity = 0.0
    false_positives = {"quote": 0, "signature": 0, "other": 0}
    declines = {"n": 0, "correct": 0, "missed": 0, "false": 0}
    errors = []
    for row in rows:
        got = read_row(row)
        expected = row.get("expected_phone_e164")
        n += 1
        correct += got["phone"] == expected
        if got["phone"] is not None and got["phone"] != expected:
            source = row.get("decoy_in") if got["phone"] in (row.get("decoy_e164") or []) else "other"
            false_positives[source if source in false_positives else "other"] += 1
        visible, wanted = _lines(got["visible"]), _lines(row.get("expected_visible") or "")
        exact += visible == wanted
        similarity += SequenceMatcher(None, visible, wanted, autojunk=False).ratio()
        wants_decline = row.get("expected_declines_call")
        declined_wrong = wants_decline is not None and got["declines"] != bool(wants_decline)
        if wants_decline is not None:
            declines["n"] += 1
            declines["correct"] += not declined_wrong
            declines["missed"] += bool(wants_decline) and not got["declines"]
            declines["false"] += got["declines"] and not wants_decline
        if got["phone"] != expected or visible != wanted or declined_wrong:
            errors.append({"id": row.get("id"), "expected_phone": expected, "phone": got["phone"],
                           **({"expected_visible": wanted, "visible": visible} if visible != wanted else {}),
                           **({"declines": got["declines"]} if declined_wrong else {})})
    return {
        "n": n, "phone_exact_accuracy": ratio(correct, n),
        "false_positives": {"total": sum(false_positives.values()), **false_positives},
        "visible_exact": ratio(exact, n), "visible_exact_count": exact, "visible_mean_similarity": ratio(similarity, n),
        "declines": {**declines, "accuracy": ratio(declines["correct"], declines["n"])},
        "errors": errors[:30],
    }


def measure(files: list[Path]) -> dict:
    """`score` of all rows and per split."""
    rows = list(read_rows(*files))
    return {"all": score(rows), **{split: score(group) for split, group in by_split(rows).items()}}
