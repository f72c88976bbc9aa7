"""The README and the docs pages name what exists: every repository path they quote is there, every
module they run with `python -m` imports, and every relative link reaches a page and a heading."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
QUOTED_PATH = re.compile(r"`((?:concierge|tests|bench|docs)/[\w./-]*[\w/])")
MODULE_RUN = re.compile(r"python -m ((?:concierge|bench)\.[\w.]+)")
LINK = re.compile(r"\]\(((?!https?:|mailto:)[^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # a `# comment` in a block is no heading
    return {anchor(m) for m in re.findall(r"^#+ (.+)$", text, re.M)}


def test_the_readme_stays_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_quoted_path_exists(page):
    missing = [p for p in QUOTED_PATH.findall(page.read_text(encoding="utf-8")) if not (ROOT / p).exists()]
    assert missing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_module_run_exists(page):
    missing = [m for m in MODULE_RUN.findall(page.read_text(encoding="utf-8")) if importlib.util.find_spec(m) is None]
    assert missing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_reaches_its_page_and_heading(page):
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (fragment and linked.suffix == ".md" and fragment not in anchors(linked)):
            broken.append(target)
    assert broken == []


def test_the_checks_catch_a_stale_page(tmp_path):
    (tmp_path / "page.md").write_text("# Title\n")
    assert anchors(tmp_path / "page.md") == {"title"}
    assert QUOTED_PATH.findall("see `concierge/gone.py` and `tests/flows/`") == ["concierge/gone.py", "tests/flows/"]
    assert MODULE_RUN.findall("python -m concierge.tools.llm.offline.train") == ["concierge.tools.llm.offline.train"]
    assert importlib.util.find_spec("concierge.tools.llm.offline.train") is None
