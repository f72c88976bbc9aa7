"""Knowledge-base benchmark: ingest of N generated rooms and filtered room search, end to end.

Run: .venv/bin/python bench/kb_search.py [--rooms 10000] [--queries 60]
Ingest includes embedding (the packaged all-MiniLM-L6-v2) and writing with payload indexes. Each
search includes embedding the query text, the filtered vector search, the offline hybrid rerank and
building the offers; "new text" queries are embedded afresh, "repeated text" ones hit the cache.
"new text via sentence-transformers" embeds the same queries (one trailing space apart) through
`SentenceTransformer.encode` instead of the direct path, interleaved with it: the same vectors, the
overhead it saves.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from langchain_core.embeddings import Embeddings  # noqa: E402

from concierge.settings import Settings  # noqa: E402
from concierge.tools.knowledge import KnowledgeBase, StayRequest  # noqa: E402

CITIES = ["Lisbon", "Porto", "Madrid", "Seville", "Barcelona", "Valencia", "Rome", "Florence", "Venice", "Milan",
          "Paris", "Lyon", "Nice", "Amsterdam", "Berlin", "Munich", "Vienna", "Prague", "Edinburgh", "London"]
AREAS = ["centre", "north", "south", "east", "west"]
AMENITIES = ["free wifi", "parking", "pool", "pet friendly", "wheelchair accessible", "spa", "gym", "breakfast included",
             "air conditioning", "sea view", "kids club", "rooftop terrace"]
MOODS = ["a calm courtyard", "a lively street full of bars", "a leafy park", "the old town walls", "the river promenade",
         "the main station", "a quiet residential lane", "the beach", "the cathedral square", "the market hall"]
STYLES = ["restored townhouse", "modern glass tower", "family-run guesthouse", "converted warehouse", "art deco palace",
          "small design hotel", "farmhouse", "seaside villa"]
ROOMS = [("Single", 1), ("Double", 2), ("Triple", 3), ("Family", 4)]


def generate(n_rooms: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    hotels = []
    for i in range(n_rooms // len(ROOMS)):
        base = rng.randint(50, 300)
        hotels.append({
            "id": f"bench-{i}", "name": f"Hotel {i}", "city": rng.choice(CITIES), "area": rng.choice(AREAS),
            "type": rng.choice(["hotel", "guesthouse"]), "stars": rng.randint(0, 5),
            "price_range": "cheap" if base < 110 else "moderate" if base < 200 else "expensive",
            "amenities": rng.sample(AMENITIES, rng.randint(2, 6)), "quiet": rng.random() < 0.5,
            "description": f"A {rng.choice(STYLES)} by {rng.choice(MOODS)}, {rng.randint(2, 30)} minutes from {rng.choice(MOODS)}.",
            "rooms": [{"id": f"bench-{i}-{name.lower()}", "name": name, "capacity": cap, "beds": f"{cap} beds",
                       "price_per_night": base + 40 * cap + rng.randint(0, 30), "currency": "EUR"} for name, cap in ROOMS],
        })
    return {"hotels": hotels}


def queries(n: int, seed: int = 11) -> list[tuple[str, StayRequest]]:
    rng = random.Random(seed)
    wishes = ["quiet", "pool", "parking", "breakfast", "spa", "sea view", "near the beach", "near the old town"]
    out = []
    for i in range(n):
        city, party, wish = rng.choice(CITIES), rng.randint(1, 4), rng.choice(wishes)
        request = StayRequest(city=city, min_capacity=party, max_price=float(rng.choice([150, 200, 250, 300, 400])),
                              required=rng.sample(["facility:parking", "facility:internet", "facility:pool", "area:centre",
                                                   "type:guesthouse", "min_stars:3"], rng.randint(1, 2)),
                              excluded=["facility:pet friendly"] if rng.random() < 0.3 else [],
                              preferred=[f"facility:{wish}"])
        out.append((f"Hotel room in {city} for {party} guests with {wish} (request {i})", request))
    return out


class TimedEmbeddings(Embeddings):
    """Where ingest time goes: the embedding model, or the engine."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner, self.documents_s = inner, 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        start = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.documents_s += time.perf_counter() - start

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.json"
        path.write_text(json.dumps(generate(args.rooms)))
        kb = KnowledgeBase(Settings(_env_file=None, CONCIERGE_DATA_DIR=Path(tmp) / "data"))
        kb.embeddings.embed_query("warm up")  # model loading is not ingest
        kb._embeddings = timed = TimedEmbeddings(kb.embeddings)
        start = time.perf_counter()
        kb.ingest(path)
        ingest_s = time.perf_counter() - start
        start = time.perf_counter()
        kb.ingest(path)
        reingest_s = time.perf_counter() - start
        batch = queries(args.queries)
        timings: dict[str, list[float]] = {"new text": [], "repeated text": [], "new text via sentence-transformers": []}
        fast = timed.inner
        paths = {"new text": fast, "new text via sentence-transformers": getattr(fast, "inner", fast)}
        found = 0
        for i, (text, request) in enumerate(batch):  # both query paths interleaved, so they share the machine's load
            for label in sorted(paths, reverse=bool(i % 2)):
                timed.inner = paths[label]
                start = time.perf_counter()
                search = kb.find_rooms(text if label == "new text" else f"{text} ", request, k=3)
                timings[label].append((time.perf_counter() - start) * 1000)
                found += bool(search.offers) and label == "new text"
        timed.inner = fast
        for text, request in batch:
            start = time.perf_counter()
            kb.find_rooms(text, request, k=3)
            timings["repeated text"].append((time.perf_counter() - start) * 1000)
        kb.close()
    print(json.dumps({
        "rooms": args.rooms, "ingest_s": round(ingest_s, 1), "ingest_embedding_s": round(timed.documents_s, 1),
        "reingest_unchanged_s": round(reingest_s, 1), "load_average_1m": round(os.getloadavg()[0], 2),
        "queries": args.queries, "queries_with_offers": found,
        **{f"search_ms_{label.replace(' ', '_')}": {"p50": round(statistics.median(t), 1), "p95": round(percentile(t, 95), 1)}
           for label, t in timings.items()},
    }, indent=2))


if __name__ == "__main__":
    main()
