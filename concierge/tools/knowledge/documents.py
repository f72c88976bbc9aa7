"""Inventory files to documents: one per room (typed payload) and one per policy passage.

JSON holds hotels with their rooms and policies; CSV holds one room per row; Markdown and HTML hold
policy prose, chunked under its headings. Every document id is derived from its source, so
re-ingesting a file updates the same points instead of adding new ones.
"""

from __future__ import annotations

import csv
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from concierge.tools.knowledge.constraints import facilities_in

_NAMESPACE = uuid.UUID("6f0a6c55-3f1e-4d8e-9a51-6e1c0f5d2a10")
FORMATS = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
CHUNK_CHARS = 800


def point_id(doc_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, doc_id))


def content_hash(doc: Document) -> str:
    return hashlib.sha1(json.dumps([doc.page_content, doc.metadata], sort_keys=True, default=str).encode()).hexdigest()


def hotel_text(h: dict[str, Any]) -> str:
    """What the hotel is like: the text all its rooms share, embedded once per hotel."""
    kind = h.get("type") or "hotel"
    stars = f"{h['stars']}-star " if h.get("stars") not in (None, "") else ""
    return (
        f"{h['name']}, a {stars}{kind} in {h.get('area') or ''}, {h['city']}. "
        f"Amenities: {', '.join(h.get('amenities', []))}. "
        f"{'Quiet location.' if h.get('quiet') else ''} {h.get('description', '')}"
    ).strip()


def room_documents(h: dict[str, Any], source: str) -> list[Document]:
    facilities = sorted(set(facilities_in(" ".join(h.get("amenities", [])))) | ({"quiet"} if h.get("quiet") else set()))
    shared = hotel_text(h)
    docs = []
    for r in h["rooms"]:
        features = r.get("features", [])
        meta = {
            "kind": "room", "doc_id": r["id"], "source": source, "hotel_id": h["id"], "hotel_name": h["name"],
            "room_id": r["id"], "room_name": r["name"], "city": h["city"], "area": (h.get("area") or "").lower(),
            "property_type": (h.get("type") or "hotel").lower(), "stars": int(h.get("stars") or 0),
            "price_range": (h.get("price_range") or "").lower(), "capacity": int(r["capacity"]),
            "price_per_night": float(r["price_per_night"]), "currency": r["currency"],
            "amenities": h.get("amenities", []), "features": features,
            # quiet is the hotel's own claim; a soundproofed room in a lively street is not a quiet hotel
            "facilities": sorted(set(facilities) | (set(facilities_in(" ".join(features))) - {"quiet"})),
            "quiet": bool(h.get("quiet", False)), "refundable": r.get("refundable", True), "embed_text": shared,
            # how many rooms of this type the hotel has, when the inventory says: several-room offers take no more
            **({"count": int(r["count"])} if r.get("count") not in (None, "") else {}),
        }
        text = (f"{shared} Room: {r['name']}, sleeps {r['capacity']} ({r.get('beds', '')}), "
                f"{r['price_per_night']} {r['currency']} per night. {', '.join(features)}.")
        docs.append(Document(page_content=text, metadata=meta))
    return docs


def policy_document(doc_id: str, title: str, text: str, source: str) -> Document:
    meta = {"kind": "policy", "doc_id": doc_id, "source": source, "title": title, "text": text}
    return Document(page_content=f"{title}. {text}", metadata={**meta, "embed_text": f"{title}. {text}"})


def from_json(path: Path) -> list[Document]:
    data = json.loads(path.read_text(encoding="utf-8"))
    docs = [d for h in data.get("hotels", []) for d in room_documents(h, path.name)]
    docs += [policy_document(p["id"], p["title"], p["text"], path.name) for p in data.get("policies", [])]
    return docs


def from_csv(path: Path) -> list[Document]:
    """One room per row: hotel_id, hotel_name, city, area, type, stars, price_range, amenities and
    features (';'-separated), quiet, room_id, room_name, capacity, beds, price_per_night, currency, and
    optionally count (rooms of that type)."""
    hotels: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            split = lambda key, row=row: [v.strip() for v in (row.get(key) or "").split(";") if v.strip()]  # noqa: E731
            hotel = hotels.setdefault(row["hotel_id"], {
                "id": row["hotel_id"], "name": row["hotel_name"], "city": row["city"], "area": row.get("area", ""),
                "type": row.get("type") or "hotel", "stars": row.get("stars") or 0, "price_range": row.get("price_range", ""),
                "amenities": split("amenities"), "quiet": (row.get("quiet") or "").lower() in ("1", "true", "yes"),
                "description": row.get("description", ""), "rooms": [],
            })
            hotel["rooms"].append({"id": row["room_id"], "name": row["room_name"], "capacity": row["capacity"],
                                   "beds": row.get("beds", ""), "price_per_night": row["price_per_night"],
                                   "currency": row["currency"], "features": split("features"), "count": row.get("count")})
    return [d for h in hotels.values() for d in room_documents(h, path.name)]


def from_prose(path: Path, markdown: str) -> list[Document]:
    """Policy prose, split under its headings and then into passages of about CHUNK_CHARS characters."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    sections = MarkdownHeaderTextSplitter([("#", "h1"), ("##", "h2"), ("###", "h3")]).split_text(markdown)
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=0)
    docs = []
    for s_index, section in enumerate(sections):
        title = section.metadata.get("h3") or section.metadata.get("h2") or section.metadata.get("h1") or path.stem
        for c_index, chunk in enumerate(splitter.split_text(section.page_content)):
            docs.append(policy_document(f"{path.stem}#{s_index}.{c_index}", title, chunk.strip(), path.name))
    return docs


def load_documents(path: Path) -> list[Document]:
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind == "json":
        return from_json(path)
    if kind == "csv":
        return from_csv(path)
    if kind == "markdown":
        return from_prose(path, path.read_text(encoding="utf-8"))
    if kind == "html":
        from markdownify import markdownify

        return from_prose(path, markdownify(path.read_text(encoding="utf-8"), heading_style="ATX"))
    raise ValueError(f"{path.name}: unsupported format (use {', '.join(sorted(FORMATS))})")


# The loader the demo inventory always used.
load_inventory = load_documents
