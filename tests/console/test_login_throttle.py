"""Login throttling: per account and per client address with a doubling delay; a browser that has
logged in as the account before (its signed device cookie) is not held up by anyone else's failures."""

from __future__ import annotations

import pytest

from concierge.console.throttle import DEVICE_COOKIE, Attempt, Backoff, DeviceCookies, LoginThrottle, address_key
from concierge.server.app import create_app
from tests.console import OPERATOR, add_operator, csrf_of, log_in


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_delay_doubles_after_the_free_failures_up_to_the_cap_and_is_forgotten_later():
    clock = Clock()
    backoff = Backoff(free=5, base_s=1, cap_s=60, forget_s=3600, clock=clock)
    for _ in range(4):
        backoff.failed("sofia")
        assert backoff.retry_after("sofia") is None  # the first failures cost nothing: typos happen
    delays = []
    for _ in range(9):
        backoff.failed("sofia")
        delays.append(backoff.retry_after("sofia"))
        clock.now += delays[-1]  # the next try comes as soon as it may
        assert backoff.retry_after("sofia") is None
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    clock.now += 3601
    backoff.failed("sofia")
    assert backoff.retry_after("sofia") is None  # a day later it starts afresh


def test_a_known_device_is_counted_alone_and_others_on_the_account_and_the_address():
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    attacker = [Attempt("sofia", f"203.0.113.{i}", None) for i in range(50)]
    for attempt in attacker:
        throttle.failed(attempt)
    assert throttle.retry_after(Attempt("sofia", "198.51.100.1", None)) == 900  # the account, from a new client
    assert throttle.retry_after(Attempt("marco", "198.51.100.1", None)) is None  # another account
    assert throttle.retry_after(Attempt("sofia", "203.0.113.1", "her-laptop")) is None  # her own browser
    one_address = [Attempt(f"name-{i}", "192.0.2.9", None) for i in range(6)]
    for attempt in one_address:
        throttle.failed(attempt)
    assert throttle.retry_after(Attempt("marco", "192.0.2.9", None)) == 2  # the address, for any account


def test_ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"


def test_a_device_cookie_is_signed_and_names_the_accounts_it_logged_in_as():
    devices = DeviceCookies("k" * 64)
    cookie = devices.after_login(None, "sofia")
    assert devices.device_for(cookie, "sofia") and devices.device_for(cookie, "marco") is None
    both = devices.after_login(cookie, "marco")
    assert devices.device_for(both, "sofia") == devices.device_for(both, "marco") == devices.device_for(cookie, "sofia")
    assert devices.device_for(cookie[:-2] + "xx", "sofia") is None  # altered
    assert DeviceCookies("other" * 13).device_for(cookie, "sofia") is None  # another key


@pytest.fixture
async def app(runtime):
    """The app with a throttle on a clock the test moves (the delays can then be waited out at once)."""
    add_operator(runtime)
    app = create_app(runtime)
    app.state.clock = Clock()
    app.state.login_throttle = LoginThrottle(clock=app.state.clock)
    return app


def browser(app):
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", timeout=120)


async def test_the_right_password_from_a_known_browser_logs_in_after_an_attackers_50_failures(app):
    async with browser(app) as operator, browser(app) as attacker:
        assert (await log_in(operator)).status_code == 303  # she has logged in from this browser before
        assert DEVICE_COOKIE in operator.cookies
        await operator.post("/logout", data={"csrf_token": csrf_of((await operator.get("/")).text)})
        failures, waits = 0, []
        while failures < 50:
            r = await log_in(attacker, OPERATOR, f"guess {failures}")
            if r.status_code == 429:
                waits.append(int(r.headers["Retry-After"]))
                app.state.clock.now += waits[-1]  # the attacker waits each delay out
            else:
                assert r.status_code == 401
                failures += 1
        assert waits[:6] == [1, 2, 4, 8, 16, 32] and waits[-1] == 900  # the delay grows, to its cap
        assert (await log_in(attacker)).status_code == 429  # the right password from an unknown client waits too

        assert (await log_in(operator)).status_code == 303
        assert (await operator.get("/")).status_code == 200
    async with browser(app) as newcomer:  # a browser she never logged in from waits like the attacker
        r = await log_in(newcomer)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        assert (await newcomer.get("/")).status_code == 303


async def test_a_known_browser_that_guesses_is_slowed_down_itself(app):
    async with browser(app) as stolen:
        assert (await log_in(stolen)).status_code == 303
        for _ in range(5):
            assert (await log_in(stolen, OPERATOR, "wrong")).status_code == 401
        assert (await log_in(stolen)).status_code == 429
    async with browser(app) as other:  # other clients are not blocked by that device's failures
        assert (await log_in(other)).status_code == 303
