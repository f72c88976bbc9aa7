"""Start-up refuses what cannot run safely or at all, with one line naming the setting: exit code
2, no traceback, nothing served."""

from __future__ import annotations

import subprocess

import pytest

from tests.processes import VENV_BIN, free_port, offline_env

pytestmark = pytest.mark.slow


def run(args: list[str], tmp_path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "concierge"), *args], env=offline_env(tmp_path / "data", **env),
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_serve_refuses_a_public_address_without_admin_token_and_webhook_secret(tmp_path):
    line = one_line(run(["serve", "--host", "0.0.0.0", "--port", str(free_port())], tmp_path))
    assert line == ("refusing to listen on 0.0.0.0 (not loopback) without ADMIN_TOKEN and WEBHOOK_SECRET: "
                    "set ADMIN_TOKEN, WEBHOOK_SECRET, or listen on 127.0.0.1")
    assert not (tmp_path / "data" / "concierge.sqlite").exists()  # nothing opened


def test_serve_names_the_one_missing_secret(tmp_path):
    line = one_line(run(["serve", "--host", "0.0.0.0", "--port", str(free_port())], tmp_path, ADMIN_TOKEN="t0ken"))
    assert "without WEBHOOK_SECRET" in line and "ADMIN_TOKEN" not in line.split(":")[0]


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["demo"], ["threads"]])
def test_an_invalid_option_stops_every_command_with_its_allowed_values(tmp_path, command):
    line = one_line(run(command, tmp_path, EMAIL_BACKEND="bogus"))
    assert line == "invalid setting EMAIL_BACKEND='bogus': Input should be 'outbox', 'smtp', 'resend' or 'sendgrid'"


def test_a_part_that_cannot_be_built_as_configured_stops_serve(tmp_path):
    line = one_line(run(["serve", "--port", "0"], tmp_path, EMAIL_BACKEND="resend"))
    assert line == "invalid setting: EMAIL_BACKEND=resend needs RESEND_API_KEY (re_...)"
    line = one_line(run(["demo"], tmp_path, ALERTS="console,pager"))
    assert line == "invalid setting: ALERTS has unknown destination(s) pager; use console, slack, discord"


def test_a_bad_duration_names_the_setting(tmp_path):
    line = one_line(run(["serve", "--port", "0"], tmp_path, STUCK_AFTER="soon"))
    assert line.startswith("invalid setting STUCK_AFTER='soon'") and "24h" in line
