"""A helpdesk seed file with many tickets assigned to the AI: copies of the demo's open AI tickets,
each from its own customer (so no customer's history grows with the count)."""

from __future__ import annotations

import json
from pathlib import Path

from concierge.settings import PACKAGE_DATA

FIRST_ID = 100_000


def write_seed(path: Path, count: int, *, kinds: tuple[str, ...] = ("1001", "1002", "1004", "1005", "1006", "1007")) -> list[str]:
    """Write `count` AI tickets to `path` (cycling through the demo tickets `kinds`); their ids."""
    demo = json.loads((PACKAGE_DATA / "demo_tickets.json").read_text())
    templates = [t for t in demo["tickets"] if t["id"] in kinds]
    customers = {c["id"]: c for c in demo["customers"]}
    tickets, people = [], []
    for i in range(count):
        template = templates[i % len(templates)]
        person = customers[template["customer_id"]]
        local, domain = person["email"].split("@")
        people.append({"id": f"cb-{i}", "name": person["name"], "email": f"{local}+{i}@{domain}", "language": "en"})
        tickets.append({**template, "id": str(FIRST_ID + i), "customer_id": f"cb-{i}"})
    path.write_text(json.dumps({"customers": people, "tickets": tickets}))
    return [t["id"] for t in tickets]
