"""A bounded schemathesis run against `concierge serve`: bodies generated from /openapi.json (the
webhook requests signed, so they reach parsing) must never get a 5xx."""

from __future__ import annotations

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error

from concierge.server.app import create_app
from concierge.tools.signing import HmacSignature
from tests import postgres
from tests.processes import VENV_BIN, free_port, offline_env, running_server

pytestmark = pytest.mark.slow

SECRET = "fuzz-webhook-secret"
schema = schemathesis.openapi.from_dict(create_app().openapi())


class SignWebhooks(requests.auth.AuthBase):
    def __init__(self) -> None:
        self.signature = HmacSignature([SECRET])

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if "/api/v1/webhooks/" in request.url:
            body = request.body or b""
            request.headers[HmacSignature.HEADER] = self.signature.sign(body.encode() if isinstance(body, str) else body)
        return request


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    """`concierge serve` on the embedded runtime, then on PostgreSQL (its own fresh database, jobs run in the web process)."""
    port = free_port()
    base = tmp_path_factory.mktemp("fuzz")
    command = [str(VENV_BIN / "concierge"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = offline_env(base / "data", WEBHOOK_SECRET=SECRET, ALERTS_CONSOLE="false")
    database = None
    if request.param == "postgres":
        database = postgres.create_database(request.getfixturevalue("pg_template"))
        env |= {"DATABASE_URL": postgres.database_url(database), "AUTO_MIGRATE": "false"}
        command += ["--workers", "2"]
    try:
        # Ready, not only alive: /readyz answers 503 (by design) while the knowledge base is still filled.
        with running_server(command, base=base, port=port, ready_path="/readyz", env=env) as running:
            yield running
    finally:
        if database:
            postgres.drop_database(database)


@pytest.fixture(scope="module")
def session():
    with requests.Session() as s:
        s.auth = SignWebhooks()
        yield s


@schema.parametrize()
@hypothesis.settings(max_examples=40, deadline=None, derandomize=True,
                     suppress_health_check=list(hypothesis.HealthCheck))
def test_no_request_built_from_the_schema_gets_a_server_error(case, server, session):
    try:
        response = case.call(base_url=server.url, session=session, timeout=30)
    except (UnicodeEncodeError, requests.exceptions.InvalidHeader):
        hypothesis.reject()  # a header value no HTTP client can send: nothing reaches the server
    case.validate_response(response, checks=[not_a_server_error])
