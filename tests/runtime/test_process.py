"""`open_runtime(load_models=True)` (what `concierge worker` opens): the models jobs use are loaded
before the queue takes a job, so a first job does not stall its worker for seconds."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.processes import ROOT, offline_env

# A fresh process: which of the lazily loaded models are in memory once the runtime is open.
OPEN_RUNTIME = """
import asyncio, sys

from concierge.runtime.process import open_runtime
from concierge.settings import Settings
from concierge.tools import minilm
from concierge.tools.llm.language import _identifier


async def main(load_models):
    async with open_runtime(Settings(), ingest_kb=False, workers=1, load_models=load_models) as runtime:
        print(minilm._load.cache_info().currsize, _identifier.cache_info().currsize, runtime.services.kb._embeddings is not None)


asyncio.run(main(sys.argv[1] == "load"))
"""


@pytest.mark.parametrize(("how", "loaded"), [("load", "1 1 True"), ("lazy", "0 0 False")])
def test_models_are_loaded_before_the_queue_starts_only_when_asked(tmp_path, how, loaded):
    done = subprocess.run([sys.executable, "-c", OPEN_RUNTIME, how], cwd=ROOT, env=offline_env(tmp_path / "data"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == loaded
