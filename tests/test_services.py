"""Runs that bring no services (LangGraph Studio) keep to their own data folder unless told otherwise."""

from __future__ import annotations

import pytest

from concierge.services import studio_settings
from concierge.settings import get_settings

UNDER_LANGGRAPH_DEV = {"LANGSMITH_LANGGRAPH_API_VARIANT": "local_dev"}


@pytest.fixture(autouse=True)
def fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_studio_runs_use_their_own_data_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONCIERGE_DATA_DIR", raising=False)
    settings = studio_settings(UNDER_LANGGRAPH_DEV)
    # Relative to the working folder, resolved once: nothing asks for the working folder later, on the event loop.
    assert settings.data_dir == tmp_path / ".concierge" / "studio"
    # The demo's ledger, outbox and helpdesk are elsewhere.
    assert settings.app_db_path.parent == settings.outbox_dir.parent == tmp_path / ".concierge" / "studio"


def test_outside_langgraph_dev_the_data_folder_is_the_usual_one(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONCIERGE_DATA_DIR", raising=False)
    assert studio_settings({}).data_dir == tmp_path / ".concierge"


def test_a_configured_data_folder_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(tmp_path / "mine"))
    assert studio_settings(UNDER_LANGGRAPH_DEV).data_dir == tmp_path / "mine"
