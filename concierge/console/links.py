"""Links to addresses that come from outside (a call's recording from the voice provider, a ticket in
the helpdesk): a link only when the address is `https://` (`http://` too under CONSOLE_HTTP_LINKS);
anything else — `javascript:`, `data:`, a relative or scheme-less address — is shown as text, so a
webhook cannot plant a script behind a click."""

from __future__ import annotations

from urllib.parse import urlsplit

from jinja2 import pass_context
from markupsafe import Markup


def link_target(url: object, *, allow_http: bool = False) -> str | None:
    """`url` when it may be a link: an absolute https (or allowed http) address with a host; else None."""
    # Browsers drop tabs and newlines inside a URL and trim spaces and control characters around it
    # ("java\tscript:" runs as "javascript:"): an address holding any of them is never a link.
    if not isinstance(url, str) or any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 host or port
        return None
    allowed = ("https", "http") if allow_http else ("https",)
    return url if parts.scheme in allowed and host else None


@pass_context
def safe_link(context, url: object, text: str | None = None) -> Markup:
    """The template global for every outside address: `<a>` to it when `link_target` allows it,
    else the address as text. Opened in a new tab that gets no handle on the console."""
    request = context.get("request")
    runtime = getattr(request.app.state, "runtime", None) if request is not None else None
    allow_http = bool(runtime and runtime.settings.console_http_links)
    target = link_target(url, allow_http=allow_http)
    if target is None:
        shown = f"{text}: {url}" if text else str(url)
        return Markup('<span class="not-a-link" title="not an https address: shown as text">{}</span>').format(shown)
    return Markup('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>').format(target, text or target)
