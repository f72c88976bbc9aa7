"""A session is a record in the console store: logging out, a new password, a removed account or a
new admin token end it, and a copy of its cookie taken before opens nothing after."""

from __future__ import annotations

import sqlite3
import time

import httpx
from pydantic import SecretStr

from concierge.console.auth import SESSION_MAX_AGE_S
from concierge.console.store import ConsoleStore
from tests.console import OPERATOR, PASSWORD, add_operator, console_client, log_in, post_form

COOKIE = "concierge_console"


async def _logged_in(browser: httpx.AsyncClient) -> str:
    """Log in and return the session cookie as it stands (what someone could copy)."""
    assert (await log_in(browser)).status_code == 303
    assert (await browser.get("/")).status_code == 200
    return browser.cookies[COOKIE]


async def _opens_the_inbox(runtime, cookie: str) -> bool:
    async with console_client(runtime) as other:
        other.cookies.set(COOKIE, cookie)
        r = await other.get("/")
        assert r.status_code in (200, 303), r.status_code
        if r.status_code == 303:
            assert r.headers["location"].startswith("/login")
        return r.status_code == 200


async def test_a_cookie_copied_before_logout_opens_nothing_after(runtime):
    add_operator(runtime)
    async with console_client(runtime) as browser:
        copied = await _logged_in(browser)
        assert await _opens_the_inbox(runtime, copied)
        assert (await post_form(browser, "/", "/logout", {})).status_code == 303
        assert (await browser.get("/")).status_code == 303
    assert not await _opens_the_inbox(runtime, copied)
    assert not await _opens_the_inbox(runtime, copied)  # not on a second try either


async def test_a_new_password_ends_every_session_of_that_operator_only(runtime):
    add_operator(runtime)
    add_operator(runtime, "marco", PASSWORD)
    async with console_client(runtime) as first, console_client(runtime) as second, console_client(runtime) as marco:
        one, two = await _logged_in(first), await _logged_in(second)
        assert (await log_in(marco, "marco")).status_code == 303
        kept = marco.cookies[COOKIE]
        ConsoleStore.for_settings(runtime.settings).add_operator(OPERATOR, "a brand new password")  # `operators add` again
        assert (await first.get("/")).status_code == 303 and (await second.get("/")).status_code == 303
        assert not await _opens_the_inbox(runtime, one) and not await _opens_the_inbox(runtime, two)
        assert await _opens_the_inbox(runtime, kept)
        assert (await log_in(first, OPERATOR, "a brand new password")).status_code == 303
        assert (await first.get("/")).status_code == 200


async def test_removing_an_operator_ends_their_sessions_and_adding_them_back_does_not_revive_them(runtime):
    add_operator(runtime)
    async with console_client(runtime) as browser:
        copied = await _logged_in(browser)
    store = ConsoleStore.for_settings(runtime.settings)
    assert store.remove_operator(OPERATOR)
    assert not await _opens_the_inbox(runtime, copied)
    store.add_operator(OPERATOR, PASSWORD)  # the same name and password again: a new account
    assert not await _opens_the_inbox(runtime, copied)


async def test_a_new_admin_token_ends_the_admin_sessions(settings, kb):
    from concierge.runtime.process import open_runtime

    async with open_runtime(settings.model_copy(update={"admin_token": SecretStr("first-admin-token")}), kb=kb, workers=1) as runtime:
        async with console_client(runtime) as browser:
            assert (await log_in(browser, "", "first-admin-token")).status_code == 303
            copied = browser.cookies[COOKIE]
        assert await _opens_the_inbox(runtime, copied)
    # Started again with another ADMIN_TOKEN (same data folder, same cookie key).
    async with open_runtime(settings.model_copy(update={"admin_token": SecretStr("second-admin-token")}), kb=kb, workers=1) as runtime:
        assert not await _opens_the_inbox(runtime, copied)


def test_the_store_keeps_no_usable_session_id_and_forgets_expired_sessions(settings, monkeypatch):
    store = ConsoleStore.for_settings(settings)
    session_id = store.open_session(OPERATOR, SESSION_MAX_AGE_S)
    assert store.session(session_id) == (OPERATOR, "")
    rows = sqlite3.connect(store.path).execute("SELECT id_hash FROM sessions").fetchall()
    assert rows and all(session_id not in row[0] for row in rows)

    later = time.time() + SESSION_MAX_AGE_S + 1
    monkeypatch.setattr("concierge.console.store.time.time", lambda: later)
    assert store.session(session_id) is None  # expired
    store.open_session("marco", SESSION_MAX_AGE_S)  # opening one clears the expired ones
    assert sqlite3.connect(store.path).execute("SELECT operator FROM sessions").fetchall() == [("marco",)]
