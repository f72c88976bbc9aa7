"""A Qdrant server fake for what Concierge reads of a server: `GET /collections/{name}` answers the
collection's `CollectionInfo`, built with qdrant-client's own models (`qdrant_client.http.models`),
in Qdrant's envelope `{"result", "status": "ok", "time"}`; an unknown collection is 404 with
`{"status": {"error": "Not found: Collection `…` doesn't exist!"}}`. With `api_key` set, a request
without that key in the `api-key` header (or `Authorization: Bearer`) is 401 [U: Qdrant's exact body]."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from qdrant_client.http import models as m

API_KEY = "qdrant-test-key"


def collection_info(size: int, points: int = 0) -> dict:
    info = m.CollectionInfo(
        status=m.CollectionStatus.GREEN, optimizer_status=m.OptimizersStatusOneOf.OK, segments_count=1,
        points_count=points, indexed_vectors_count=0, payload_schema={},
        config=m.CollectionConfig(
            params=m.CollectionParams(vectors=m.VectorParams(size=size, distance=m.Distance.COSINE), shard_number=1),
            hnsw_config=m.HnswConfig(m=16, ef_construct=100, full_scan_threshold=10000),
            optimizer_config=m.OptimizersConfig(default_segment_number=0, flush_interval_sec=5),
            wal_config=m.WalConfig(wal_capacity_mb=32, wal_segments_ahead=0),
        ),
    )
    return info.model_dump(mode="json", exclude_none=True)


class FakeQdrant:
    def __init__(self, api_key: str | None = API_KEY) -> None:
        self.api_key = api_key
        self.collections: dict[str, dict] = {}  # name -> CollectionInfo (as JSON)
        self.requests = 0
        self.url = ""
        self.app = self._app()

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/collections/{name}")
        async def get_collection(name: str, request: Request):
            self.requests += 1
            given = request.headers.get("api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")
            if self.api_key is not None and given != self.api_key:
                return PlainTextResponse("Must provide an API key or an Authorization bearer token", 401)
            if name not in self.collections:
                return JSONResponse({"status": {"error": f"Not found: Collection `{name}` doesn't exist!"}, "time": 0.0001}, 404)
            return {"result": self.collections[name], "status": "ok", "time": 0.0001}

        return app
