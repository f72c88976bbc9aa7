"""Per-thread reply addresses: how a customer's reply finds its thread even without threading headers.

The address carries a keyed token (`reply+<helpdesk>.<ticket>.<token>@domain`), so nobody can
write to a thread's address without having received it from us.
"""

from __future__ import annotations

import hmac

from concierge.keys import keyed_digest
from concierge.schemas import ThreadId

PREFIX = "reply+"


def _token(thread_id: str, key: str) -> str:
    return keyed_digest(key, "reply-address", thread_id, length=16)


def reply_address(thread_id: str, domain: str, key: str) -> str:
    helpdesk, ticket = ThreadId.parse(thread_id)
    return f"{PREFIX}{helpdesk}.{ticket}.{_token(thread_id, key)}@{domain}"


def thread_from_reply_address(address: str, key: str) -> str | None:
    """The thread a reply address belongs to, or None when it is not ours or its token does not verify."""
    local = address.rpartition("@")[0] or address
    if not local.lower().startswith(PREFIX):
        return None
    body, _, token = local[len(PREFIX):].rpartition(".")
    helpdesk, _, ticket = body.partition(".")
    if not (helpdesk and ticket and token):
        return None
    thread_id = str(ThreadId(helpdesk, ticket))
    return thread_id if hmac.compare_digest(token.lower(), _token(thread_id, key)) else None
