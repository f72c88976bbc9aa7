"""The console needs a login; every form needs its CSRF token; passwords are stored hashed."""

from __future__ import annotations

import sqlite3

from tests.console import OPERATOR, PASSWORD, add_operator, console_client, csrf_of, log_in, post_form
from tests.server import assign


async def test_every_page_needs_a_login(runtime):
    async with console_client(runtime) as browser:
        for path in ("/", "/threads/local:1003", "/settings", "/analytics"):
            r = await browser.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
        r = await browser.post("/threads/local:1003/decide", data={"action": "handoff"})
        assert r.status_code in (303, 403)  # no session: refused before anything is read


async def test_an_operator_logs_in_and_a_wrong_password_does_not(runtime):
    add_operator(runtime)
    async with console_client(runtime) as browser:
        wrong = await log_in(browser, OPERATOR, "not the password")
        assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
        assert (await browser.get("/")).status_code == 303

        right = await log_in(browser)
        assert right.status_code == 303 and right.headers["location"] == "/"
        inbox = await browser.get("/")
        assert inbox.status_code == 200 and OPERATOR in inbox.text
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie

    raw = sqlite3.connect(runtime.settings.console_db_path).execute("SELECT password_hash FROM operators").fetchone()[0]
    assert raw.startswith("$argon2id$") and PASSWORD not in raw


async def test_the_admin_token_logs_in_as_admin(settings, kb, tmp_path):
    from concierge.runtime.process import open_runtime

    async with open_runtime(settings.model_copy(update={"admin_token": __import__("pydantic").SecretStr("s3cret-token")}),
                            kb=kb, workers=1) as runtime:
        async with console_client(runtime) as browser:
            assert (await log_in(browser, "", "wrong")).status_code == 401
            assert (await log_in(browser, "", "s3cret-token")).status_code == 303
            assert ">admin<" in (await browser.get("/")).text


async def test_the_login_page_says_how_to_create_an_operator_when_nobody_can_log_in(runtime):
    async with console_client(runtime) as browser:
        page = await browser.get("/login")
    assert "concierge operators add" in page.text


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(runtime, client):
    add_operator(runtime)
    await assign(client, runtime, "1003")
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = await browser.get("/threads/local:1003")
        assert "handoff" in page.text
        for token in (None, "forged-token"):
            data = {"action": "handoff", "note": "taking it", **({"csrf_token": token} if token else {})}
            r = await browser.post("/threads/local:1003/decide", data=data)
            assert r.status_code == 403 and "CSRF" in r.text
        # A login form from another site (no token of this session) is refused too.
        other = console_client(runtime)
        async with other:
            r = await other.post("/login", data={"name": OPERATOR, "password": PASSWORD})
            assert r.status_code == 403
        settings_save = await browser.post("/settings/alerts", data={"ALERTS": "console,slack"})
        assert settings_save.status_code == 403
    detail = (await client.get("/api/v1/threads/local:1003")).json()
    assert detail["waiting_for"] == "human" and detail["human_decision"] is None


async def test_a_removed_operator_is_logged_out(runtime):
    from concierge.console.store import ConsoleStore

    add_operator(runtime)
    async with console_client(runtime) as browser:
        await log_in(browser)
        assert (await browser.get("/")).status_code == 200
        ConsoleStore.for_settings(runtime.settings).remove_operator(OPERATOR)
        assert (await browser.get("/")).status_code == 303


async def test_logging_out_ends_the_session(runtime):
    add_operator(runtime)
    async with console_client(runtime) as browser:
        await log_in(browser)
        r = await post_form(browser, "/", "/logout", {})
        assert r.status_code == 303
        assert (await browser.get("/")).status_code == 303
        assert csrf_of((await browser.get("/login")).text)


async def test_repeated_wrong_passwords_are_throttled_even_for_the_right_one(runtime):
    add_operator(runtime)
    async with console_client(runtime) as browser:
        for _ in range(5):
            assert (await log_in(browser, OPERATOR, "guess")).status_code == 401
        throttled = await log_in(browser)
        assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
        assert (await browser.get("/")).status_code == 303  # not logged in


async def test_login_follows_only_a_link_on_this_site(runtime):
    add_operator(runtime)
    async with console_client(runtime) as browser:
        page = await browser.get("/login")
        for target, expected in (("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/threads/local:1003", "/threads/local:1003")):
            browser.cookies.clear()
            page = await browser.get("/login")
            r = await browser.post("/login", data={"csrf_token": csrf_of(page.text), "name": OPERATOR, "password": PASSWORD,
                                                   "next": target})
            assert r.status_code == 303 and r.headers["location"] == expected
