"""Security headers on every response of `concierge serve`: the console's pages run no inline script
or style and cannot be framed; pages that show customer data are never cached. A response that sets
one of these headers itself keeps its own (the email frame's policy)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Only the console's own files run; no inline script or style; no other site may frame a page,
# rebase its links or receive its forms.
CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # a thread's address (its ticket id) never reaches another site
}
NO_STORE = {"Cache-Control": "no-store"}
# The console's stylesheet and script hold no customer data: they may be cached.
CACHEABLE_PREFIXES = ("/static/",)


class SecurityHeaders:
    """Pure ASGI middleware (no buffering of the body), so streamed responses pass unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = HEADERS if scope["path"].startswith(CACHEABLE_PREFIXES) else HEADERS | NO_STORE

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
