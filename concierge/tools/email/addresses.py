"""Per-thread reply addresses: how a customer's reply finds its thread even without threading headers."""

from __future__ import annotations


def reply_address(thread_id: str, domain: str) -> str:
    """Replies come back to a per-thread address, so even a reply that lost its headers finds its thread."""
    return f"reply+{thread_id.replace(':', '.')}@{domain}"


def thread_from_reply_address(address: str) -> str | None:
    local = address.split("@")[0]
    if not local.startswith("reply+"):
        return None
    helpdesk, _, ticket = local[len("reply+"):].partition(".")
    return f"{helpdesk}:{ticket}" if ticket else None
