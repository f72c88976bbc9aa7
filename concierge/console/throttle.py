"""Login throttling that slows password guessing without locking the real operator out.

Failed logins are counted per account and per client address; past a few free failures each one
blocks that account (or address) for a delay that doubles, up to a cap. A browser that has logged
in as an account before carries a signed device cookie naming it (OWASP's "device cookies"): its
attempts at that account are counted against that device alone, so an attacker's failures from
anywhere else never block the operator on their own browser.

The counts live in the server process's memory and are forgotten a day after the last failure.
"""

from __future__ import annotations

import ipaddress
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

DEVICE_COOKIE = "concierge_device"
DEVICE_MAX_AGE_S = 365 * 86400
DEVICE_NAMES = 10  # accounts one browser is known for


@dataclass
class _Count:
    failures: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


class Backoff:
    """Failures per key: after `free` of them, each failure blocks the key for `base_s`, doubling
    with every further failure up to `cap_s`. A key with no failure for `forget_s` starts afresh;
    at most `max_keys` are kept (the least recently failed are dropped)."""

    def __init__(self, *, free: int = 5, base_s: float = 1.0, cap_s: float = 900.0, forget_s: float = 86400,
                 max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base_s, self.cap_s, self.forget_s, self.max_keys = free, base_s, cap_s, forget_s, max_keys
        self.clock = clock
        self._counts: OrderedDict[str, _Count] = OrderedDict()

    def _count(self, key: str) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and self.clock() - count.last_failure > self.forget_s:
            del self._counts[key]
            return None
        return count

    def retry_after(self, key: str) -> float | None:
        """Seconds until `key` may try again, or None when it may now."""
        count = self._count(key)
        wait = count.blocked_until - self.clock() if count else 0
        return wait if wait > 0 else None

    def failed(self, key: str) -> None:
        count = self._count(key) or _Count()
        now = self.clock()
        count.failures += 1
        count.last_failure = now
        if count.failures >= self.free:
            count.blocked_until = now + min(self.cap_s, self.base_s * 2 ** (count.failures - self.free))
        self._counts[key] = count
        self._counts.move_to_end(key)
        while len(self._counts) > self.max_keys:
            self._counts.popitem(last=False)

    def succeeded(self, key: str) -> None:
        self._counts.pop(key, None)


def address_key(host: str) -> str:
    """The client address as throttled: an IPv6 client by its /64, which one host usually holds whole."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class Attempt:
    account: str
    address: str
    device: str | None  # the device cookie's id, when that cookie names this account


class LoginThrottle:
    """A known device is throttled on its own count only; any other client on both the account's
    count (failures from unknown clients) and its address's."""

    def __init__(self, **backoff) -> None:
        self.accounts, self.addresses, self.devices = Backoff(**backoff), Backoff(**backoff), Backoff(**backoff)

    def _counts(self, attempt: Attempt) -> list[tuple[Backoff, str]]:
        if attempt.device is not None:
            return [(self.devices, attempt.device)]
        return [(self.accounts, attempt.account), (self.addresses, address_key(attempt.address))]

    def retry_after(self, attempt: Attempt) -> int | None:
        """Whole seconds until this attempt may be checked, or None when it may now."""
        waits = [w for backoff, key in self._counts(attempt) if (w := backoff.retry_after(key)) is not None]
        return math.ceil(max(waits)) if waits else None

    def failed(self, attempt: Attempt) -> None:
        for backoff, key in self._counts(attempt):
            backoff.failed(key)

    def succeeded(self, attempt: Attempt) -> None:
        # The account's count stays: a login from a new browser must not wipe an attacker's failures.
        if attempt.device is not None:
            self.devices.succeeded(attempt.device)
        else:
            self.addresses.succeeded(address_key(attempt.address))


class DeviceCookies:
    """The signed cookie a browser gets at a successful login: its id and the accounts it is known for."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="concierge-console-device")

    def read(self, cookie: str | None) -> tuple[str, list[str]] | None:
        if not cookie:
            return None
        try:
            value = self._serializer.loads(cookie, max_age=DEVICE_MAX_AGE_S)
        except BadSignature:  # forged, altered, signed under another key, or expired
            return None
        if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not isinstance(value.get("names"), list):
            return None
        return value["id"], [n for n in value["names"] if isinstance(n, str)]

    def device_for(self, cookie: str | None, account: str) -> str | None:
        """The device id when the cookie is valid and names `account`."""
        found = self.read(cookie)
        return found[0] if found and account in found[1] else None

    def after_login(self, cookie: str | None, account: str) -> str:
        """The cookie to set now: the same device, known for `account` too (the latest first)."""
        device, names = self.read(cookie) or (secrets.token_urlsafe(16), [])
        names = [account, *(n for n in names if n != account)][:DEVICE_NAMES]
        return self._serializer.dumps({"id": device, "names": names})
