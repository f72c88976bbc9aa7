"""The knowledge base: rooms and policies in Qdrant, filtered by hard constraints, ranked by wishes."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from concierge.observability.gc import keep_for_good
from concierge.schemas import Offer, PolicyPassage
from concierge.settings import Settings
from concierge.tools.knowledge.combinations import cheapest_combination, combination_payload
from concierge.tools.knowledge.constraints import Condition, Filter, StayRequest
from concierge.tools.knowledge.documents import content_hash, load_documents, point_id
from concierge.tools.knowledge.embeddings import build_embeddings
from concierge.tools.knowledge.rerank import Reranker, build_reranker, tokens
from concierge.tools.knowledge.stores import EdgeStore, ServerStore, Store

ROOMS = Condition("kind", value="room")
POLICIES = Condition("kind", value="policy")
BATCH = 256


@dataclass
class RoomSearch:
    """Offers that fit every hard constraint; when there are none, `nothing_fits` and the nearest
    alternatives, each saying which constraints it breaks."""

    offers: list[Offer] = field(default_factory=list)
    alternatives: list[Offer] = field(default_factory=list)

    @property
    def nothing_fits(self) -> bool:
        return not self.offers


def build_store(settings: Settings) -> Store:
    if settings.qdrant_url:
        from qdrant_client import QdrantClient

        from concierge.tools.outbound import Policy, check_url_now

        try:
            check_url_now(settings.qdrant_url, Policy.own(settings))  # the API key goes nowhere the policy refuses
        except OSError:
            pass  # the name does not resolve (yet): the client fails to connect as it would have
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return ServerStore(QdrantClient(url=settings.qdrant_url, api_key=key), settings.qdrant_collection)
    return EdgeStore(settings.qdrant_local_path / settings.qdrant_collection)


def lacks_inventory(store: Store, settings: Settings) -> bool:
    """The collection is empty, or holds part of the configured inventory file (a fill stopped
    half-way). A collection filled from other files is left as it is."""
    if store.count() == 0:
        return True
    path = Path(settings.inventory_file)
    written = len(store.scroll(Filter(must=(Condition("source", path.name),)), with_payload=False))
    return 0 < written < len(load_documents(path))


class KnowledgeBase:
    def __init__(self, settings: Settings, *, embeddings: Embeddings | None = None, reranker: Reranker | None = None,
                 store: Store | None = None) -> None:
        self.settings = settings
        self._embeddings = embeddings
        self._reranker = reranker
        self._store = store
        self._destinations: list[str] | None = None
        self._gate: threading.Event | None = None
        self._opening = threading.Lock()

    def hold(self) -> threading.Event:
        """Hold every use of the store until the returned event is set (ingestion runs elsewhere)."""
        self._gate = threading.Event()
        return self._gate

    @property
    def held(self) -> bool:
        return self._gate is not None and not self._gate.is_set()

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            if self._gate is not None:
                self._gate.wait()
            with self._opening:  # searches in several threads at once must not open the folder twice
                if self._store is None:
                    self._store = build_store(self.settings)
        return self._store

    @property
    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            with self._opening:  # one model load, however many searches start at once
                if self._embeddings is None:
                    self._embeddings = build_embeddings(self.settings)
                    keep_for_good()  # the model lives as long as the process
        return self._embeddings

    @property
    def reranker(self) -> Reranker:
        if self._reranker is None:
            self._reranker = build_reranker(self.settings)
        return self._reranker

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    @lru_cache(maxsize=2048)  # noqa: B019 - one cache per knowledge base is the point
    def _query_vector(self, text: str) -> tuple[float, ...]:
        # Room queries are built from templates, so the same text recurs and is embedded once.
        return tuple(self.embeddings.embed_query(text))

    # --- ingest ---------------------------------------------------------------------------------
    def ingest(self, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
        """Upsert every document of a file. Ids come from the source, so re-ingesting updates in place;
        unchanged documents are not embedded or written again, and documents the file (known by its
        name) no longer holds are deleted."""
        docs = load_documents(path)
        ids = [point_id(d.metadata["doc_id"]) for d in docs]
        store = self.store
        store.ensure(len(self._query_vector("probe")))
        old = store.payloads(ids)
        todo = [(pid, d, h) for pid, d in zip(ids, docs, strict=True)
                if (h := content_hash(d)) != (old.get(pid) or {}).get("content_hash")]
        done = len(docs) - len(todo)
        if progress:
            progress(done, len(docs))
        vectors: dict[str, list[float]] = {}  # rooms of one hotel share its text, so embed it once
        for start in range(0, len(todo), BATCH):
            batch = todo[start:start + BATCH]
            texts = [d.metadata["embed_text"] for _, d, _ in batch]
            new = sorted({t for t in texts if t not in vectors})
            vectors.update(zip(new, self.embeddings.embed_documents(new), strict=True))
            store.upsert([pid for pid, _, _ in batch], [vectors[t] for t in texts],
                         [{**d.metadata, "page_content": d.page_content, "content_hash": h} for _, d, h in batch])
            done += len(batch)
            if progress:
                progress(done, len(docs))
        kept = set(ids)
        stale = [pid for pid, _ in store.scroll(Filter(must=(Condition("source", path.name),)), with_payload=False) if pid not in kept]
        if stale:
            store.delete(stale)
        store.flush()
        self._destinations = None
        return len(docs)

    def count(self) -> int:
        return self.store.count()

    def ensure_ingested(self) -> int:
        """Ingest the configured inventory file when the collection is empty or holds part of it (a
        fill that was stopped half-way: what was written already is not embedded again)."""
        return self.ingest(self.settings.inventory_file) if lacks_inventory(self.store, self.settings) else 0

    def destinations(self) -> list[str]:
        if self._destinations is None:
            self._destinations = sorted({p["city"] for _, p in self.store.scroll(Filter(must=(ROOMS,)))})
        return self._destinations

    # --- search ---------------------------------------------------------------------------------
    def _candidates(self, query: str, filter: Filter, limit: int) -> list[tuple[Document, float]]:
        hits = self.store.query(list(self._query_vector(query)), filter, limit)
        docs = [(Document(page_content=p["page_content"], metadata=p), s) for _, p, s in hits]
        return self.reranker.rerank(query, docs)

    def find_rooms(self, query: str, request: StayRequest, k: int = 3) -> RoomSearch:
        """Rooms that keep every hard constraint, best first, one per hotel; when fewer than `k` hotels
        have a room that seats the party, hotels that seat it in several rooms follow (see `Offer`).
        If none, the nearest alternatives in the same city that sleep the party, labelled with what
        they break."""
        hard = request.filter()
        ranked = self._candidates(query, Filter(must=(ROOMS, *hard.must), must_not=hard.must_not), max(k * 8, 40))
        fitting = [(d, s) for d, s in ranked if not request.violations(d.metadata)]  # belt and braces
        offers = self._offers(request, fitting, k)
        if len(offers) < k and request.min_capacity:
            offers += self._combinations(query, request, k - len(offers), {o.hotel_id for o in offers})
        if offers:
            return RoomSearch(offers=offers)
        near = StayRequest(city=request.city, min_capacity=request.min_capacity).filter()
        ranked = self._candidates(query, Filter(must=(ROOMS, *near.must)), max(k * 8, 40))
        ranked.sort(key=lambda ds: (len(request.violations(ds[0].metadata)), -round(ds[1], 6), ds[0].metadata["doc_id"]))
        return RoomSearch(alternatives=self._offers(request, ranked, k, alternatives=True))

    def _offers(self, request: StayRequest, ranked: list[tuple[Document, float]], k: int, alternatives: bool = False) -> list[Offer]:
        def score(ds: tuple[Document, float]) -> float:
            meta, s = ds[0].metadata, ds[1]
            s += 0.05 * len(request.preference_hits(meta))
            if request.min_capacity:  # a room much bigger than the party is a worse fit, and a dearer one
                s -= 0.03 * (meta["capacity"] - request.min_capacity)
            return s

        if not alternatives:
            # rooms of one hotel share a vector: the room id breaks ties the same way on every backend
            ranked = sorted(ranked, key=lambda ds: (-round(score(ds), 6), ds[0].metadata["doc_id"]))
        offers, seen = [], set()
        for doc, _ in ranked:
            meta = doc.metadata
            if meta["hotel_id"] in seen:  # one room per hotel: a real choice, not three of the same
                continue
            seen.add(meta["hotel_id"])
            offers.append(self._offer(request, meta, score((doc, _))))
            if len(offers) == k:
                break
        return offers

    def _combinations(self, query: str, request: StayRequest, k: int, taken: set[str]) -> list[Offer]:
        """Up to `k` hotels (not in `taken`) that seat the party only in several rooms: each hotel's
        fewest rooms at the lowest total, checked against every hard constraint as one booking (its
        seats and its total a night); fewest rooms first, then the best match."""
        per_room = StayRequest(**{**request.__dict__, "min_capacity": None, "max_price": None}).filter()
        ranked = self._candidates(query, Filter(must=(ROOMS, *per_room.must), must_not=per_room.must_not), max(k * 8, 40))
        hotels: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        for doc, s in ranked:
            if doc.metadata["hotel_id"] not in taken:
                best, rooms = hotels.setdefault(doc.metadata["hotel_id"], (s, []))
                hotels[doc.metadata["hotel_id"]] = (max(best, s), [*rooms, doc.metadata])
        found = []
        for score, rooms in hotels.values():
            chosen = cheapest_combination(rooms, request.min_capacity or 1)
            if chosen is None:
                continue
            meta = combination_payload(chosen)
            if not request.violations(meta):
                found.append(self._offer(request, meta, score + 0.05 * len(request.preference_hits(meta))))
        found.sort(key=lambda o: (len(o.rooms), -round(o.score, 6), o.price_per_night, o.room_id))
        return found[:k]

    @staticmethod
    def _offer(request: StayRequest, meta: dict[str, Any], score: float) -> Offer:
        matches = [label for label, c, must in request.hard_conditions() if c.holds(meta) == must]
        matches += [f"preferred {p}" for p in request.preference_hits(meta)]
        return Offer(**{k: v for k, v in meta.items() if k in Offer.model_fields}, score=round(score, 4),
                     source_ids=meta.get("doc_ids") or [meta["doc_id"]], matches=matches, breaks=request.violations(meta))

    def combination(self, room_id: str) -> Offer | None:
        """The several-room offer a joined id names ("a+a+b"), priced from the knowledge base; None when a
        room is unknown or the rooms are not of one hotel."""
        ids = [part.strip() for part in room_id.split("+") if part.strip()]
        found = self.store.payloads([point_id(i) for i in dict.fromkeys(ids)])
        by_id = {p.get("room_id"): p for p in found.values() if p.get("kind") == "room"}
        if len(ids) < 2 or any(i not in by_id for i in ids) or len({by_id[i]["hotel_id"] for i in ids}) != 1:
            return None
        return self._offer(StayRequest(), combination_payload([by_id[i] for i in ids]), 0.0)

    def search_rooms(self, query: str, *, city: str | None = None, min_capacity: int | None = None,
                     max_price: float | None = None, currency: str | None = None, preferences: Sequence[str] = (),
                     required: Sequence[str] = (), excluded: Sequence[str] = (), k: int = 3) -> list[Offer]:
        """Offers that fit every hard constraint (no alternatives)."""
        request = StayRequest(city=city, min_capacity=min_capacity, max_price=max_price, currency=currency,
                              required=list(required), excluded=list(excluded), preferred=[f"facility:{p}" for p in preferences])
        return self.find_rooms(query, request, k).offers

    def search_policies(self, query: str, *, k: int = 2, min_similarity: float = 0.35, relative: float = 0.6) -> list[PolicyPassage]:
        """Passages that answer `query`: cosine at least `min_similarity` (else the KB has no answer), and
        within `relative` of the best passage's score."""
        hits = self.store.query(list(self._query_vector(query)), Filter(must=(POLICIES,)), max(k * 5, 20))
        ranked = self.reranker.rerank(query, [(Document(page_content=p["page_content"], metadata=p), s) for _, p, s in hits if s >= min_similarity])
        top = ranked[0][1] if ranked else 0.0
        return [PolicyPassage(id=d.metadata["doc_id"], title=d.metadata["title"], text=d.metadata["text"], score=round(s, 4))
                for d, s in ranked[:k] if s >= relative * top]

    @staticmethod
    def why(query: str, text: str) -> list[str]:
        """The query words a hit contains: the lexical half of why it matched."""
        words = set(tokens(text))
        return sorted({t for t in tokens(query) if t in words and len(t) > 2})

    # async facades: embedding and search are CPU-bound, keep them off the event loop
    async def afind_rooms(self, query: str, request: StayRequest, k: int = 3) -> RoomSearch:
        return await asyncio.to_thread(self.find_rooms, query, request, k)

    async def asearch_rooms(self, query: str, **kwargs: Any) -> list[Offer]:
        return await asyncio.to_thread(self.search_rooms, query, **kwargs)

    async def asearch_policies(self, query: str, **kwargs: Any) -> list[PolicyPassage]:
        return await asyncio.to_thread(self.search_policies, query, **kwargs)

    async def adestinations(self) -> list[str]:
        return await asyncio.to_thread(self.destinations)
