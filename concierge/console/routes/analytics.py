"""Analytics: the funnel, escalation reasons, response and resolution times, cost per ticket."""

from __future__ import annotations

from fastapi import APIRouter, Request

from concierge.console.analytics import FUNNEL, analyse
from concierge.console.charts import bar_chart
from concierge.console.deps import OperatorDep, RuntimeDep, page

router = APIRouter()


@router.get("/analytics")
async def analytics(request: Request, runtime: RuntimeDep, operator: OperatorDep):
    states = []
    for thread_id in await runtime.services.store.thread_ids():
        snapshot = await runtime.runner.snapshot(thread_id)
        if snapshot is not None:
            states.append(snapshot.values)
    result = analyse(states)
    funnel = bar_chart([(step, result.funnel[step]) for step in FUNNEL], title="Funnel")
    reasons = bar_chart(result.escalations.most_common(), title="Escalation reasons")
    timing = [("first email (median)", result.middle(result.minutes_to_first_email)),
              ("resolution (median)", result.middle(result.minutes_to_resolution))]
    known = [(label, value) for label, value in timing if value is not None]
    if known and max(v for _, v in known) < 1:  # a fast run (the demo) reads better in seconds
        times = bar_chart([(label, round(v * 60, 1)) for label, v in known], unit=" s", title="Seconds")
    else:
        times = bar_chart(known, unit=" min", title="Minutes")
    cost = round(sum(result.costs) / len(result.costs), 4) if result.costs else None
    return page(request, "analytics.html", result=result, funnel=funnel, reasons=reasons, times=times, timing=timing,
                cost=cost)
