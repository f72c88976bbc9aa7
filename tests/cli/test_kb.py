"""`concierge kb search`: a city the inventory lacks is said so, rows run best first, every words cell is filled."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from concierge.cli.kb import named_place
from concierge.cli.main import app
from concierge.settings import get_settings
from tests.conftest import OFFLINE, make_settings


@pytest.fixture
def filled(tmp_path, monkeypatch):
    from concierge.tools.knowledge import KnowledgeBase

    settings = make_settings(tmp_path / "data")
    kb = KnowledgeBase(settings)
    kb.ingest(settings.inventory_file)
    kb.close()
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def search(*args: str) -> str:
    result = CliRunner().invoke(app, ["kb", "search", *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_city_the_inventory_lacks_gets_no_rooms_from_other_cities(filled):
    out = search("a cheap guesthouse in the north of Cambridge, parking is a must")
    assert "No rooms in Cambridge." in out
    assert "│" not in out and "alternatives" not in out  # no table of rooms from other cities
    assert not re.search(r"Residenza|Son Brisa|Quinta|Casa Alfama", out)


def test_rows_are_best_first_and_every_words_cell_is_filled(filled):
    out = search("a family room in Lisbon with a pool", "--k", "4")
    scores = [float(s) for s in re.findall(r"^│\s*(\d\.\d{3})", out, re.M)]
    assert len(scores) >= 2 and scores == sorted(scores, reverse=True)
    cells = re.findall(r"words: ([^│;]*?)\s*│", out)
    assert cells and all(c.strip() for c in cells)
    assert "words: the query's words" in out


def test_named_place_skips_the_inventorys_own_cities_and_areas():
    assert named_place("a guesthouse in the north of Cambridge", ["Lisbon", "Old Town"]) == "Cambridge"
    assert named_place("a room in the Old Town", ["Edinburgh", "Old Town"]) is None
