"""X-Forwarded-For is believed only from the proxies FORWARDED_ALLOW_IPS names: through a real
uvicorn server on loopback, an attacker rotating that header is still throttled by its address."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from pydantic import ValidationError

from concierge.cli.main import proxy_options
from concierge.console.store import ConsoleStore
from concierge.server.app import create_app
from tests.conftest import make_settings
from tests.console import OPERATOR, PASSWORD, add_operator, csrf_of
from tests.processes import VENV_BIN, free_port, offline_env, running_server


def test_no_proxy_is_trusted_unless_named(tmp_path):
    assert proxy_options(make_settings(tmp_path)) == {"proxy_headers": False}
    named = make_settings(tmp_path, FORWARDED_ALLOW_IPS=" 10.0.0.5, 10.1.0.0/16 ,::1")
    assert proxy_options(named) == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,10.1.0.0/16,::1"}
    with pytest.raises(ValidationError, match="FORWARDED_ALLOW_IPS: 'proxy.internal' is not an address"):
        make_settings(tmp_path, FORWARDED_ALLOW_IPS="proxy.internal")


def _log_in(client: httpx.Client, name: str, password: str, forwarded_for: str) -> int:
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": csrf_of(page.text), "name": name, "password": password, "next": "/"},
                       headers={"X-Forwarded-For": forwarded_for}).status_code


@pytest.mark.slow
def test_rotating_x_forwarded_for_through_concierge_serve_is_throttled(tmp_path):
    settings = make_settings(tmp_path / "data")
    ConsoleStore.for_settings(settings).add_operator(OPERATOR, PASSWORD)
    port = free_port()
    command = [str(VENV_BIN / "concierge"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running_server(command, base=tmp_path, port=port, ready_path="/healthz",
                        env=offline_env(tmp_path / "data", ALERTS_CONSOLE="false")) as server:
        with httpx.Client(base_url=server.url, timeout=30) as attacker:
            answers = [_log_in(attacker, OPERATOR, f"guess {i}", f"203.0.113.{i}") for i in range(30)]
            # Other accounts from "other" addresses: the address counted is still the socket's.
            other = [_log_in(attacker, f"nobody{i}", "guess", f"198.51.100.{i}") for i in range(3)]
    assert answers[:5] == [401] * 5 and answers.count(429) >= 20, answers
    assert other == [429] * 3


async def test_a_trusted_proxy_s_x_forwarded_for_is_the_client_address(runtime):
    """Behind a proxy named in FORWARDED_ALLOW_IPS, each forwarded client is counted on its own."""
    import uvicorn

    add_operator(runtime)
    trusted = make_settings(runtime.settings.data_dir, FORWARDED_ALLOW_IPS="127.0.0.1")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), log_level="warning", **proxy_options(trusted)))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"

        def attempts():
            with httpx.Client(base_url=url, timeout=30) as client:
                guesses = [_log_in(client, f"nobody{i}", "guess", "203.0.113.7") for i in range(6)]
                return guesses, _log_in(client, "somebody", "guess", "198.51.100.9")

        guesses, elsewhere = await asyncio.to_thread(attempts)
    finally:
        server.should_exit = True
        await serving
        sock.close()
    assert guesses == [401] * 5 + [429]  # that forwarded client's address is throttled…
    assert elsewhere == 401  # …and another forwarded client is not
