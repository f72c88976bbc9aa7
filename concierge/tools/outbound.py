"""Where a request that carries a secret may go.

A provider URL (the `*_URL` / `*_BASE_URL` setting of an outside provider) must be `https` and its
host must resolve only to public addresses: never loopback, private, link-local (cloud metadata
lives there), shared, reserved, multicast or unspecified ones. The parts a company runs itself
(`SELF_HOSTED`: an LLM server, Qdrant, the booking system, the SMTP relay) may be `http` and on
loopback or a private network, never on link-local, metadata, reserved, multicast or unspecified
addresses. `ALLOW_PRIVATE_URLS` lifts both rules, for tests and local fakes.

Every address a host name resolves to is checked (the stdlib `ipaddress` module), at the moment a
URL is saved in the console and again before each request (`GuardedTransport`), so a name that
later resolves elsewhere is caught too. `SECRETS` says which destination each secret is sent to, so
the console can keep a secret from going to a host other than the one it was saved for.
"""

from __future__ import annotations

import asyncio
import importlib
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from concierge.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Instance metadata services that sit outside the link-local range (AWS over IPv6, Alibaba Cloud).
METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """A destination the policy refuses; the message says which host and why, never the full URL
    (a webhook URL is itself a secret)."""


class Unresolved(UnsafeURL):
    """A host name that does not resolve where it had to be judged in full (a URL being saved):
    where it leads cannot be told."""


@dataclass(frozen=True)
class Policy:
    self_hosted: bool = False  # a part the company runs: http and private networks allowed
    allow_private: bool = False  # ALLOW_PRIVATE_URLS: anything goes (tests, local fakes)

    @classmethod
    def provider(cls, settings: Settings) -> Policy:
        return cls(allow_private=settings.allow_private_urls)

    @classmethod
    def own(cls, settings: Settings) -> Policy:
        return cls(self_hosted=True, allow_private=settings.allow_private_urls)


# --- addresses ---------------------------------------------------------------------------------------
def _embedded_v4(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), which is where it really goes."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip.sixtofour:
            return ip.sixtofour
        if ip.teredo:
            return ip.teredo[1]
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def address_problem(address: str, policy: Policy) -> str | None:
    """Why `policy` refuses this address, or None."""
    if policy.allow_private:
        return None
    ip = _embedded_v4(ipaddress.ip_address(address.split("%")[0]))  # a scope id (fe80::1%eth0) is no part of the address
    if ip in METADATA:
        return "a cloud metadata address"
    for refused, kind in ((ip.is_unspecified, "an unspecified"), (ip.is_link_local, "a link-local (cloud metadata)"),
                          (ip.is_multicast, "a multicast")):
        if refused:
            return f"{kind} address"
    if ip.is_loopback:  # before "reserved": ::1 lies in the reserved ::/8
        return None if policy.self_hosted else "a loopback address"
    if ip.is_reserved:
        return "a reserved address"
    if policy.self_hosted:
        return None
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "not a public address"
    return None


def lookup(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (tests replace this to resolve names offline)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})  # an IP sockaddr's address


# --- URLs --------------------------------------------------------------------------------------------
def _target(url: str, policy: Policy) -> tuple[str, int]:
    """(host, port) of `url` once its scheme is allowed. httpx and urllib must read the same host: a
    URL they split differently is refused rather than checked as one and sent as the other."""
    try:
        parsed, split = httpx.URL(url), urlsplit(url)
        port_of_split = split.port
    except (httpx.InvalidURL, ValueError) as exc:
        raise UnsafeURL(f"not a valid URL ({exc})") from None
    scheme = parsed.scheme.lower()
    allowed = ("http", "https") if policy.self_hosted or policy.allow_private else ("https",)
    if scheme not in allowed:
        raise UnsafeURL(f"the scheme must be {' or '.join(allowed)}, not {scheme or 'missing'!r}")
    host, default = parsed.host, 443 if scheme == "https" else 80
    if not host:
        raise UnsafeURL("the URL has no host")
    try:
        other = (split.hostname or "").encode("idna").decode()
    except UnicodeError:
        other = ""
    if host != other.lower() or (parsed.port or default) != (port_of_split or default):
        raise UnsafeURL("the URL's host is ambiguous (it reads differently to different parsers)")
    return host, parsed.port or default


def _judge(host: str, addresses: list[str], policy: Policy) -> None:
    if not addresses:
        raise UnsafeURL(f"{host} does not resolve")
    for address in addresses:
        if (problem := address_problem(address, policy)) is not None:
            shown = host if host == address else f"{host} ({address})"
            raise UnsafeURL(f"{shown} is {problem}")


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
        return True
    except ValueError:
        return False


def check_url_syntax(url: str, policy: Policy) -> None:
    """What can be judged without DNS: the scheme, and the host when it is an IP address."""
    host, _ = _target(url, policy)
    if _literal(host):
        _judge(host, [host], policy)


def check_url_now(url: str, policy: Policy) -> None:
    """`url` checked in full, resolving its host here (blocking)."""
    host, port = _target(url, policy)
    check_host_now(host, port, policy)


def check_host_now(host: str, port: int, policy: Policy) -> None:
    """Raises UnsafeURL when refused, OSError when the name does not resolve (a network failure)."""
    if policy.allow_private:
        return
    _judge(host, [host] if _literal(host) else lookup(host, port), policy)


async def check_url(url: str, policy: Policy) -> None:
    """`url` checked in full; the lookup runs in a thread."""
    host, port = _target(url, policy)
    await check_host(host, port, policy)


async def check_host(host: str, port: int, policy: Policy) -> None:
    """Raises UnsafeURL when refused, OSError when the name does not resolve (a network failure)."""
    if policy.allow_private:
        return
    _judge(host, [host] if _literal(host) else await asyncio.to_thread(lookup, host, port), policy)


# --- httpx ---------------------------------------------------------------------------------------------
class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks every request's destination (redirects included) before
    anything, headers and secrets included, leaves the process. `http` is the library the client is
    built on: httpx, or an SDK's own (openai's httpx2), which has the same transport interface."""

    def __init__(self, policy: Policy, inner: httpx.AsyncBaseTransport | None = None, *, http: ModuleType = httpx) -> None:
        self.policy, self.http = policy, http
        self.inner = inner or http.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            await check_url(str(request.url), self.policy)
        except OSError as exc:  # the name does not resolve: a network failure like any other
            raise self.http.ConnectError(f"{request.url.host} does not resolve ({exc})", request=request) from exc
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class SyncGuardedTransport(httpx.BaseTransport):
    """`GuardedTransport` for the synchronous clients some SDKs also keep."""

    def __init__(self, policy: Policy, inner: httpx.BaseTransport | None = None, *, http: ModuleType = httpx) -> None:
        self.policy, self.http = policy, http
        self.inner = inner or http.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            check_url_now(str(request.url), self.policy)
        except OSError as exc:
            raise self.http.ConnectError(f"{request.url.host} does not resolve ({exc})", request=request) from exc
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def guarded_client(policy: Policy, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=GuardedTransport(policy), **kwargs)


def guarded_sdk_clients(sync_class: type, async_class: type, policy: Policy) -> dict[str, object]:
    """An SDK's default sync and async clients (`http_client`, `http_async_client`) with guarded
    transports of the HTTP library the SDK is built on."""
    http = importlib.import_module(async_class.__mro__[1].__module__.partition(".")[0])
    return {"http_client": sync_class(transport=SyncGuardedTransport(policy, http=http)),
            "http_async_client": async_class(transport=GuardedTransport(policy, http=http))}


# --- which setting names which destination, and which secret goes where --------------------------------
def _zendesk(s: Settings) -> str | None:
    return s.zendesk_base_url or (f"https://{s.zendesk_subdomain}.zendesk.com/api/v2" if s.zendesk_subdomain else None)


# Each destination by the setting that names it, with the URL it gives (derived where a setting
# builds it, e.g. ZENDESK_SUBDOMAIN).
DESTINATIONS: dict[str, Callable[[Settings], str | None]] = {
    "HUBSPOT_BASE_URL": lambda s: s.hubspot_base_url,
    "ZENDESK_BASE_URL": _zendesk,
    "JIRA_BASE_URL": lambda s: s.jira_base_url,
    "ZOHO_BASE_URL": lambda s: s.zoho_base_url or f"https://desk.zoho.{s.zoho_domain}/api/v1",
    "ZOHO_ACCOUNTS_URL": lambda s: s.zoho_accounts_url or f"https://accounts.zoho.{s.zoho_domain}",
    "RESEND_BASE_URL": lambda s: s.resend_base_url,
    "SENDGRID_BASE_URL": lambda s: s.sendgrid_base_url,
    "VAPI_BASE_URL": lambda s: s.vapi_base_url,
    "BLAND_BASE_URL": lambda s: s.bland_base_url,
    "GROQ_BASE_URL": lambda s: s.groq_base_url or "https://api.groq.com",
    "SLACK_API_URL": lambda s: s.slack_api_url,
    "SLACK_WEBHOOK_URL": lambda s: s.slack_webhook_url.get_secret_value() if s.slack_webhook_url else None,
    "DISCORD_WEBHOOK_URL": lambda s: s.discord_webhook_url.get_secret_value() if s.discord_webhook_url else None,
    "LLM_BASE_URL": lambda s: s.llm_base_url,
    "QDRANT_URL": lambda s: s.qdrant_url,
    "BOOKING_WEBHOOK_URL": lambda s: s.booking_webhook_url,
    "SMTP_HOST": lambda s: f"smtp://{s.smtp_host}:{s.smtp_port}" if s.smtp_host else None,
}
# The settings a destination is built from, where there is more than its own.
NAMED_BY: dict[str, tuple[str, ...]] = {
    "ZENDESK_BASE_URL": ("ZENDESK_BASE_URL", "ZENDESK_SUBDOMAIN"),
    "ZOHO_BASE_URL": ("ZOHO_BASE_URL", "ZOHO_DOMAIN"),
    "ZOHO_ACCOUNTS_URL": ("ZOHO_ACCOUNTS_URL", "ZOHO_DOMAIN"),
    "SMTP_HOST": ("SMTP_HOST", "SMTP_PORT"),
}
SELF_HOSTED = frozenset({"LLM_BASE_URL", "QDRANT_URL", "BOOKING_WEBHOOK_URL", "SMTP_HOST"})
# The settings whose value is itself a secret URL: shown by host only.
SECRET_URLS = frozenset({"SLACK_WEBHOOK_URL", "DISCORD_WEBHOOK_URL"})
# Each secret and the destinations it is sent to (a webhook URL carries its own secret).
SECRETS: dict[str, tuple[str, ...]] = {
    "HUBSPOT_TOKEN": ("HUBSPOT_BASE_URL",),
    "ZENDESK_API_TOKEN": ("ZENDESK_BASE_URL",),
    "JIRA_API_TOKEN": ("JIRA_BASE_URL",),
    "ZOHO_CLIENT_SECRET": ("ZOHO_ACCOUNTS_URL",),
    "ZOHO_REFRESH_TOKEN": ("ZOHO_ACCOUNTS_URL", "ZOHO_BASE_URL"),  # its access tokens go to the desk
    "RESEND_API_KEY": ("RESEND_BASE_URL",),
    "SENDGRID_API_KEY": ("SENDGRID_BASE_URL",),
    "VAPI_API_KEY": ("VAPI_BASE_URL",),
    "VAPI_WEBHOOK_SECRET": ("VAPI_BASE_URL",),  # sent to Vapi in each call's server headers
    "BLAND_API_KEY": ("BLAND_BASE_URL",),
    "SLACK_BOT_TOKEN": ("SLACK_API_URL",),
    "GROQ_API_KEY": ("GROQ_BASE_URL",),
    "LLM_API_KEY": ("LLM_BASE_URL",),
    "QDRANT_API_KEY": ("QDRANT_URL",),
    "SMTP_PASSWORD": ("SMTP_HOST",),
}


def named_by(destination: str) -> tuple[str, ...]:
    return NAMED_BY.get(destination, (destination,))


def policy_for(destination: str, settings: Settings) -> Policy:
    return Policy.own(settings) if destination in SELF_HOSTED else Policy.provider(settings)


def origin(url: str | None) -> str:
    """scheme://host:port of `url` (lower case, the default port written out), "" when unset."""
    if not url:
        return ""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    scheme = parsed.scheme.lower()
    port = parsed.port or {"https": 443, "http": 80}.get(scheme, 0)
    return f"{scheme}://{parsed.host}:{port}"


def destination_of(secret: str, settings: Settings) -> str:
    """Where `secret` would be sent under `settings`: the origins of its destinations."""
    return " ".join(origin(DESTINATIONS[d](settings)) for d in SECRETS[secret])


async def check_destination(name: str, settings: Settings) -> None:
    """The destination `name` (a key of DESTINATIONS) under `settings`, checked in full as when it is
    saved: a name that does not resolve is refused too, since where it leads cannot be told."""
    url = DESTINATIONS[name](settings)
    if not url:
        return
    policy = policy_for(name, settings)
    try:
        if name == "SMTP_HOST" and settings.smtp_host:  # its URL is None without one
            await check_host(settings.smtp_host, settings.smtp_port, policy)
        else:
            await check_url(url, policy)
    except OSError as exc:
        host = settings.smtp_host if name == "SMTP_HOST" else httpx.URL(url).host
        raise Unresolved(f"{host} does not resolve ({exc.strerror or exc})") from None
