"""Booking record: the booking made on the call goes to the company's booking system
(BOOKING_WEBHOOK_URL), signed, with its idempotency key. Quick retries happen in the sender; a
record still not acknowledged is delivered again on a durable timer, with a growing delay, until
it is — never dropped — and the team is alerted once it keeps failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, effect_key, log
from concierge.graph.waits.wait_for_booking_retry import BOOKING_RETRY
from concierge.tools.alerts import Alert
from concierge.tools.booking import BookingNotAcknowledged, BookingRecord, BookingWebhook

FIRST_RETRY_S, MAX_RETRY_S = 30, 3600
ALERT_AFTER = 3  # failed deliveries before the team hears of it


def retry_delay(failures: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_S * 2 ** (failures - 1), MAX_RETRY_S))


async def booking_record(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    settings, store, thread_id = services.settings, services.store, state["thread_id"]
    booking = state.get("booking") or {}
    if not settings.booking_webhook_url:
        return {"stage": "closing", "log": log("booking_record", "no booking system configured (BOOKING_WEBHOOK_URL)")}
    record = BookingRecord.model_validate({k: v for k, v in booking.items() if k in BookingRecord.model_fields})
    webhook = BookingWebhook(settings.booking_webhook_url, settings.booking_signing_secret)
    try:
        # retry_safe: the receiver deduplicates on the record's idempotency key.
        ack, ran = await store.once(effect_key(state, "booking", "record"), thread_id,
                                    lambda _: webhook.deliver(record), retry_safe=True)
    except BookingNotAcknowledged as exc:
        failures = booking.get("failures", 0) + 1
        at = datetime.now(UTC) + retry_delay(failures)
        await store.schedule(thread_id, BOOKING_RETRY, {"at": at.isoformat()}, at=at,
                             key=effect_key(state, "booking", "retry", failures))
        if failures == ALERT_AFTER:
            await _alert(services, state, record, failures, str(exc))
        text = f"booking system did not acknowledge {record.reference} ({exc}); delivering again at {at:%H:%M:%S} UTC"
        return {"booking": {**booking, "failures": failures, "last_error": str(exc), "retry_at": at.isoformat()},
                "stage": "booking_retrying", "log": log("booking_record", text)}
    return {"booking": {**booking, "delivered": ack}, "stage": "closing",
            "log": log("booking_record", f"booking {record.reference} {'delivered to' if ran else 'already at'} the booking system")}


async def _alert(services, state: TicketState, record: BookingRecord, failures: int, error: str) -> None:
    key = effect_key(state, "booking", "alert")

    async def send(_: dict) -> bool:
        await services.alerts.send(Alert(
            kind="escalation", thread_id=state["thread_id"], idempotency_key=key,
            title=f"Booking {record.reference} not yet in the booking system",
            text=f"{failures} deliveries failed (last: {error}); Concierge keeps delivering it.",
            fields={"customer": record.customer["name"], "hotel": record.hotel_name},
        ))
        return True

    await services.store.once(key, state["thread_id"], send, retry_safe=getattr(services.alerts, "retry_safe", False))
