"""`concierge operators add|list|remove`: accounts the console logs in with."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from concierge.cli import app
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
    assert ConsoleStore.for_settings(get_settings()).operators() == []
