"""Fakes as context managers on loopback (served by `serving.serve_app`), scripted 429 storms,
and the helpdesk seed the fake helpdesks share."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response

from concierge.settings import PACKAGE_DATA
from concierge.tools.outbound import Policy
from tests.fakes.serving import serve_app

# The fakes listen on loopback: a part built by hand for one allows it, as ALLOW_PRIVATE_URLS does.
LOCAL = Policy(allow_private=True)


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve `app` on loopback in a thread; yields its base URL."""
    with serve_app(app, "fake") as url:
        yield url


@contextmanager
def running(fake):
    """A fake (anything with an `app`) served on loopback, its base URL in `fake.url`."""
    with serve(fake.app) as url:
        fake.url = url
        yield fake


@asynccontextmanager
async def opened(helpdesk) -> AsyncIterator:
    """A connector opened for a test and closed after it."""
    await helpdesk.open()
    try:
        yield helpdesk
    finally:
        await helpdesk.close()


class Listener:
    """Any host Concierge must not reach (an internal service, a metadata endpoint): it answers every
    request with `status` and `body` and keeps what arrived, so a test can tell that nothing did."""

    def __init__(self, status: int = 200, body: str = "", headers: dict[str, str] | None = None) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, path, headers)
        self.url = ""
        self.app = FastAPI()

        @self.app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        async def anything(path: str, request: Request):
            self.requests.append((request.method, "/" + path, dict(request.headers)))
            return Response(body, status, headers=headers, media_type="application/json" if body.startswith("{") else "text/plain")


class Faults:
    """Scripted trouble: the next `storm` requests get 429 with `Retry-After`."""

    def __init__(self) -> None:
        self.storm = 0
        self.retry_after = "0"
        self.throttled = 0

    def take(self) -> bool:
        if self.storm > 0:
            self.storm -= 1
            self.throttled += 1
            return True
        return False


# An older ticket for the support customer, so both flow customers have three tickets.
EXTRA = [{
    "id": "655", "customer_id": "c-102", "subject": "Late check-out in Lisbon?",
    "body": "Hi, could we check out at 13:00 on our last day at Casa Alfama? Tom", "status": "solved",
    "assignee": "Sofia (Support)", "priority": "low", "created_at": "2024-04-02T10:00:00Z",
}]


def demo_seed(path: Path = PACKAGE_DATA / "demo_tickets.json") -> tuple[dict[str, dict], dict[str, dict]]:
    """Customers by numeric id ("c-102" → "102") and tickets by id, from the demo seed."""
    seed = json.loads(path.read_text())
    customers = {c["id"].removeprefix("c-"): {**c, "id": c["id"].removeprefix("c-")} for c in seed["customers"]}
    tickets = {
        t["id"]: {**t, "customer_id": t["customer_id"].removeprefix("c-")} for t in [*seed["tickets"], *EXTRA]
    }
    return customers, tickets
