"""`concierge --help` and each command's help load no settings model, HTTP client or event loop
(what makes a command's help slow); the commands import them when they run. The time it takes is
measured by `bench/cli_latency.py`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# (pydantic itself is typer's: it parses a command's parameters.)
HEAVY = ["concierge.settings", "pydantic_settings", "httpx", "asyncio", "langgraph", "langchain_core", "sqlalchemy", "numpy", "torch"]
PROBE = """
import json, sys
from concierge.cli.main import app
try:
    app(sys.argv[1:], prog_name="concierge")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["threads", "--help"], ["show", "--help"], ["kb", "--help"], ["eval", "--help"]])
def test_help_loads_nothing_heavy(args):
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True, timeout=60)
    assert "Usage" in done.stdout, done.stdout + done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
