"""The inbox: threads waiting for a person first, then for the customer, then done."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Query, Request

from concierge.console.deps import OperatorDep, RuntimeDep, page
from concierge.console.views import InboxFilter, all_rows

router = APIRouter()


@router.get("/")
async def inbox(request: Request, runtime: RuntimeDep, operator: OperatorDep,
                filters: Annotated[InboxFilter, Query()]):
    rows = await all_rows(runtime)
    options = {
        "stage": sorted({r.stage for r in rows if r.stage}),
        "outcome": sorted({r.outcome for r in rows if r.outcome}),
        "helpdesk": sorted({r.helpdesk for r in rows}),
    }
    shown = [r for r in rows if filters.keeps(r)]
    groups = [(name, list(items)) for name, items in groupby(shown, key=lambda r: r.group)]
    return page(request, "inbox.html", groups=groups, filters=filters, options=options, total=len(rows), shown=len(shown))
