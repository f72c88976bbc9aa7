"""A mail provider's word, after the send, on the Message-ID one of our emails was delivered with.

Resend (through SES) and SendGrid can give an email a Message-ID other than the one we set; the
customer's reply quotes the one they received in In-Reply-To/References. It is linked to the
email's thread beside ours, so `inbound_email.match_thread` finds the thread by it (after the keyed
reply address, which stays the first match)."""

from __future__ import annotations

import logging

from concierge.actions.results import EmailsDeliveredAs
from concierge.runtime.process import AppRuntime
from concierge.tools.email.inbound.delivery_events import DeliveredAs

logger = logging.getLogger(__name__)


async def link_delivered_ids(runtime: AppRuntime, provider: str, sightings: list[DeliveredAs]) -> EmailsDeliveredAs:
    """Link each reported Message-ID to the thread of the email the provider's id names. An event
    about an email no thread sent (another application on the same account) changes nothing."""
    store = runtime.services.store
    threads: list[str] = []
    for seen in sightings:
        if not seen.message_id:
            continue
        # `email:<provider id>` is how send_email linked provider ids before they had their own keys.
        thread_id = await store.thread_for(*(f"{provider}:{i}" for i in seen.provider_ids), *(f"email:{i}" for i in seen.provider_ids))
        if thread_id is None:
            logger.info("%s reported %s for an email no thread sent", provider, seen.message_id)
            continue
        await store.link(f"email:{seen.message_id}", thread_id)
        threads.append(thread_id)
    return EmailsDeliveredAs(linked=len(threads), thread_ids=sorted(set(threads)))
