"""Console tests: helpers to log in through the forms as a browser does."""

from __future__ import annotations

import re

import httpx

from concierge.console.store import ConsoleStore
from concierge.runtime.process import AppRuntime
from concierge.server.app import create_app

OPERATOR, PASSWORD = "sofia", "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def console_client(runtime: AppRuntime) -> httpx.AsyncClient:
    """A cookie-keeping in-process client of the app, as a browser on loopback."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://127.0.0.1", timeout=120)


def add_operator(runtime: AppRuntime, name: str = OPERATOR, password: str = PASSWORD) -> None:
    ConsoleStore.for_settings(runtime.settings).add_operator(name, password)


async def log_in(client: httpx.AsyncClient, name: str = OPERATOR, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"csrf_token": csrf_of(page.text), "name": name, "password": password, "next": "/"})


async def post_form(client: httpx.AsyncClient, page_url: str, action: str, data: dict) -> httpx.Response:
    """Submit a form of `page_url` with the page's CSRF token, as the browser would."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    return await client.post(action, data={"csrf_token": csrf_of(page.text), **data})
