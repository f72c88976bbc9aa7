"""The package's import graph: no module imports another that (directly or not) imports it back, and
imports point one way, from the entry points down to the foundation (README, Layout).

Every import counts: at the top of a module, inside a function (a lazy import is still a
dependency) and under TYPE_CHECKING. Implicit imports of parent packages do not: a package's
`build_*` factory imports its provider modules, which import the package's `base.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "concierge"

# High to low: a module may import from its own layer or any lower one. A module belongs to the
# layer of the longest prefix that names it.
LAYERS: list[tuple[str, ...]] = [
    ("concierge.server", "concierge.console", "concierge.cli"),  # entry points: HTTP, web console, command line
    ("concierge.actions", "concierge.eval"),  # use cases, and the measures on the shared data
    ("concierge.runtime",),  # queues, processing, the runner
    ("concierge.graph",),  # builder, supervisor, the LLM meter
    ("concierge.agents",),  # the working nodes
    ("concierge.graph.waits",),  # the interrupt nodes and what a person may decide
    ("concierge.graph.state", "concierge.graph.context"),  # what every node reads
    ("concierge.services",),  # the composition root
    ("concierge.tools",),  # the outside world
    ("concierge.db", "concierge.settings"),
    ("concierge", "concierge.schemas", "concierge.keys", "concierge.privacy", "concierge.observability"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The concierge modules `name` imports: `from a.b import c` names the module a.b.c when there is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def layer_of(module: str) -> int:
    best, layer = -1, len(LAYERS)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, layer = len(prefix), index
    return layer


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer():
    assert [m for m in modules() if layer_of(m) == len(LAYERS)] == []


def test_no_module_imports_one_that_imports_it_back():
    assert cycles(import_graph()) == []


def test_imports_point_down_the_layers():
    upward = sorted(f"{source} -> {target}" for source, targets in import_graph().items() for target in targets
                    if layer_of(target) < layer_of(source))
    assert upward == []


def test_the_checks_catch_what_they_name():
    """A cycle and an upward import, made up, are found."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("concierge.tools.helpdesk.zoho") > layer_of("concierge.runtime.queue")
    assert layer_of("concierge.graph.waits.human_review") > layer_of("concierge.agents.escalation") > layer_of("concierge.graph.builder")


@pytest.mark.parametrize("source", ["from concierge.db.store import AppStore\n", "from ..db import store\n", "import concierge.db.store\n"])
def test_every_way_of_importing_is_read(tmp_path, source):
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert imports("concierge.tools.probe", path, {"concierge.db", "concierge.db.store"}) == {"concierge.db.store"}
