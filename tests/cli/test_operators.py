"""`concierge operators add|list|remove`: accounts the console logs in with."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from concierge.cli.main import app
from concierge.console.store import ConsoleStore
from concierge.settings import get_settings
from tests.conftest import OFFLINE


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no developer .env
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input, env={"COLUMNS": "200"})


def test_an_operator_is_added_with_a_prompted_password_listed_and_removed(data_dir):
    added = run("operators", "add", "sofia", input="a long password\na long password\n")
    assert added.exit_code == 0, added.output
    assert "a long password" not in added.output
    store = ConsoleStore.for_settings(get_settings())
    assert store.check_password("sofia", "a long password") and not store.check_password("sofia", "wrong password")
    assert run("operators", "list").output.split() == ["sofia"]
    assert run("operators", "remove", "sofia").exit_code == 0
    assert store.operators() == []
    assert run("operators", "remove", "sofia").exit_code == 1


def test_a_short_password_or_a_bad_name_is_refused(data_dir):
    short = run("operators", "add", "sofia", "--password", "short")
    assert short.exit_code == 2 and "at least 10" in short.output
    bad = run("operators", "add", "so fia", "--password", "a long password")
    assert bad.exit_code == 2 and "letters, digits" in bad.output
    assert run("operators", "add", "admin", "--password", "a long password").exit_code == 2  # the admin token's name
    assert ConsoleStore.for_settings(get_settings()).operators() == []


def test_serve_starts_with_the_settings_saved_in_the_console_and_the_environment_wins(data_dir, monkeypatch):
    started = {}
    monkeypatch.setattr("concierge.server.app.create_app", lambda settings, **_: started.setdefault("settings", settings))
    monkeypatch.setattr("uvicorn.run", lambda app, host, port, **_: started.update(host=host, port=port))
    store = ConsoleStore.for_settings(get_settings())
    store.save_setting("REVIEW_BEFORE_SEND", "offers", "sofia")
    store.save_setting("EMAIL_FROM", "Saved <saved@example.com>", "sofia")
    monkeypatch.setenv("EMAIL_FROM", "Env <env@example.com>")
    get_settings.cache_clear()

    assert run("serve", "--port", "8123").exit_code == 0
    settings = started["settings"]
    assert settings.review_before_send == "offers" and settings.email_from == "Env <env@example.com>"
    assert started["port"] == 8123
