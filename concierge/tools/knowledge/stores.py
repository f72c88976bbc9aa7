"""Two backends behind one interface: the Qdrant engine in-process (qdrant-edge) and a Qdrant server
(qdrant-client). Both keep the same flat payload, the same payload indexes and take the same filters.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any, Protocol

from concierge.tools.knowledge.constraints import Condition, Filter

KEYWORD_FIELDS = ("kind", "source", "city", "area", "property_type", "price_range", "facilities", "hotel_id")
INTEGER_FIELDS = ("stars", "capacity")
FLOAT_FIELDS = ("price_per_night",)


class Store(Protocol):
    def ensure(self, size: int) -> None: ...
    def upsert(self, ids: list[str], vectors: list[list[float]], payloads: list[dict[str, Any]]) -> None: ...
    def delete(self, ids: list[str]) -> None: ...
    def flush(self) -> None: ...
    def payloads(self, ids: list[str]) -> dict[str, dict[str, Any]]: ...
    def query(self, vector: list[float], filter: Filter, limit: int) -> list[tuple[str, dict[str, Any], float]]: ...
    def scroll(self, filter: Filter, with_payload: bool = True) -> list[tuple[str, dict[str, Any]]]: ...
    def count(self) -> int: ...
    def close(self) -> None: ...


class EdgeStore:
    """The Qdrant engine in-process: payload indexes and filtered HNSW search without a server."""

    def __init__(self, path: Path) -> None:
        import qdrant_edge as q

        self.q, self.path, self.shard = q, Path(path), None
        if (self.path / "edge_config.json").exists():
            self.shard = self._load()

    def _load(self, attempts: int = 20):
        """Open the folder; one held by an orphaned warm-up child is taken over (the lock goes with it)."""
        from concierge.tools.knowledge.holder import take_over

        taken_over = False
        for _ in range(attempts):
            try:
                return self.q.EdgeShard.load(str(self.path))
            except Exception as exc:
                if "WouldBlock" not in str(exc):  # the engine locks its folder for one process
                    raise
            taken_over = taken_over or take_over(self.path)
            if not taken_over:
                break
            time.sleep(0.25)  # the stopped child's lock is released as it exits
        raise RuntimeError(
            f"the knowledge-base folder {self.path} is open in another process; give each process on this "
            "machine its own QDRANT_PATH, or use a Qdrant server (QDRANT_URL)"
        )

    def ensure(self, size: int) -> None:
        if self.shard is not None:
            return
        q = self.q
        self.path.mkdir(parents=True, exist_ok=True)
        self.shard = q.EdgeShard.create(str(self.path), q.EdgeConfig(vectors=q.EdgeVectorParams(size=size, distance=q.Distance.Cosine)))
        for fields, schema in ((KEYWORD_FIELDS, q.PayloadSchemaType.Keyword), (INTEGER_FIELDS, q.PayloadSchemaType.Integer),
                               (FLOAT_FIELDS, q.PayloadSchemaType.Float)):
            for name in fields:
                self.shard.update(q.UpdateOperation.create_field_index(name, schema))

    def _condition(self, c: Condition):
        q = self.q
        if c.value is not None:
            return q.FieldCondition(key=c.key, match=q.MatchValue(value=c.value))
        return q.FieldCondition(key=c.key, range=q.RangeFloat(gte=c.gte, lte=c.lte))

    def _filter(self, f: Filter):
        return self.q.Filter(must=[self._condition(c) for c in f.must] or None,
                             must_not=[self._condition(c) for c in f.must_not] or None)

    def upsert(self, ids: list[str], vectors: list[list[float]], payloads: list[dict[str, Any]]) -> None:
        points = [self.q.Point(id=i, vector=v, payload=p) for i, v, p in zip(ids, vectors, payloads, strict=True)]
        assert self.shard is not None  # ensure() comes first
        self.shard.update(self.q.UpdateOperation.upsert_points(points))

    def delete(self, ids: list[str]) -> None:
        if ids:
            assert self.shard is not None  # ensure() comes first
            # qdrant-edge types the ids as list[int | UUID | str], where a list[str] is as good.
            self.shard.update(self.q.UpdateOperation.delete_points(ids))  # type: ignore[arg-type]

    def flush(self) -> None:
        # One flush per ingest, not per batch: each one syncs the segments to disk.
        if self.shard is not None:
            self.shard.flush()

    def payloads(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        if self.shard is None or not ids:
            return {}
        return {str(r.id): r.payload for r in self.shard.retrieve(ids, with_payload=True, with_vector=False)}

    def query(self, vector: list[float], filter: Filter, limit: int) -> list[tuple[str, dict[str, Any], float]]:
        q = self.q
        if self.shard is None:
            return []
        hits = self.shard.query(q.QueryRequest(limit=limit, query=q.Query.Nearest(vector), filter=self._filter(filter), with_payload=True))
        return [(str(h.id), h.payload, h.score) for h in hits]

    def scroll(self, filter: Filter, with_payload: bool = True) -> list[tuple[str, dict[str, Any]]]:
        out, offset = [], None
        while self.shard is not None:
            records, offset = self.shard.scroll(self.q.ScrollRequest(limit=1000, offset=offset, filter=self._filter(filter),
                                                                     with_payload=with_payload))
            out += [(str(r.id), r.payload or {}) for r in records]
            if offset is None:
                break
        return out

    def count(self) -> int:
        return self.shard.count(self.q.CountRequest(exact=True)) if self.shard is not None else 0

    def close(self) -> None:
        if self.shard is not None:
            self.shard.close()
            self.shard = None


class ServerStore:
    """A Qdrant server through qdrant-client (also its local mode, which tests use in its place)."""

    def __init__(self, client: Any, collection: str) -> None:
        from qdrant_client import models

        self.client, self.collection, self.m = client, collection, models

    def ensure(self, size: int) -> None:
        m = self.m
        if self.client.collection_exists(self.collection):
            return
        self.client.create_collection(self.collection, vectors_config=m.VectorParams(size=size, distance=m.Distance.COSINE))
        with warnings.catch_warnings():  # qdrant-client's local mode, the test stand-in, warns that it ignores them
            warnings.simplefilter("ignore", UserWarning)
            for fields, schema in ((KEYWORD_FIELDS, m.PayloadSchemaType.KEYWORD), (INTEGER_FIELDS, m.PayloadSchemaType.INTEGER),
                                   (FLOAT_FIELDS, m.PayloadSchemaType.FLOAT)):
                for name in fields:
                    self.client.create_payload_index(self.collection, name, field_schema=schema)

    def _condition(self, c: Condition):
        m = self.m
        if c.value is not None:
            return m.FieldCondition(key=c.key, match=m.MatchValue(value=c.value))
        return m.FieldCondition(key=c.key, range=m.Range(gte=c.gte, lte=c.lte))

    def _filter(self, f: Filter):
        return self.m.Filter(must=[self._condition(c) for c in f.must], must_not=[self._condition(c) for c in f.must_not])

    def upsert(self, ids: list[str], vectors: list[list[float]], payloads: list[dict[str, Any]]) -> None:
        points = [self.m.PointStruct(id=i, vector=v, payload=p) for i, v, p in zip(ids, vectors, payloads, strict=True)]
        self.client.upsert(self.collection, points=points)

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.client.delete(self.collection, points_selector=self.m.PointIdsList(points=ids))

    def flush(self) -> None:
        """The server persists every write itself."""

    def payloads(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids or not self.client.collection_exists(self.collection):
            return {}
        return {str(r.id): r.payload for r in self.client.retrieve(self.collection, ids=ids, with_payload=True)}

    def query(self, vector: list[float], filter: Filter, limit: int) -> list[tuple[str, dict[str, Any], float]]:
        if not self.client.collection_exists(self.collection):
            return []
        hits = self.client.query_points(self.collection, query=vector, query_filter=self._filter(filter), limit=limit, with_payload=True).points
        return [(str(h.id), h.payload, h.score) for h in hits]

    def scroll(self, filter: Filter, with_payload: bool = True) -> list[tuple[str, dict[str, Any]]]:
        out, offset = [], None
        while True:
            records, offset = self.client.scroll(self.collection, scroll_filter=self._filter(filter), limit=1000, offset=offset,
                                                 with_payload=with_payload)
            out += [(str(r.id), r.payload or {}) for r in records]
            if offset is None:
                return out

    def count(self) -> int:
        return self.client.count(self.collection).count if self.client.collection_exists(self.collection) else 0

    def close(self) -> None:
        self.client.close()
