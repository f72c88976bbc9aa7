"""Whether this server can be reached from other machines, and what it must have before it may be."""

from __future__ import annotations

import ipaddress

from concierge.settings import Settings


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip("[]").lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything, so it counts as public
        return False


def public_address_problem(settings: Settings, host: str) -> str | None:
    """Why a server must not listen on `host` as configured, or None. On anything but loopback the
    thread API needs ADMIN_TOKEN and the generic webhooks an explicit WEBHOOK_SECRET (a secret
    generated in the data folder is unknown to every sender)."""
    if is_loopback(host):
        return None
    missing = [name for name, value in (("ADMIN_TOKEN", settings.admin_token), ("WEBHOOK_SECRET", settings.webhook_secret)) if not value]
    if not missing:
        return None
    return (f"refusing to listen on {host} (not loopback) without {' and '.join(missing)}: "
            f"set {', '.join(missing)}, or listen on 127.0.0.1")
