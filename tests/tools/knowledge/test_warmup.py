"""An empty knowledge base is filled by a child process while the server already answers;
searches wait for it instead of seeing a half-filled collection."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from concierge.tools.knowledge import KnowledgeBase
from concierge.tools.knowledge.constraints import Condition, Filter
from concierge.tools.knowledge.holder import holder_file
from concierge.tools.knowledge.warmup import ingest_in_background
from tests.conftest import make_settings
from tests.processes import ROOT, VENV_BIN, free_port, offline_env

pytestmark = pytest.mark.slow


async def test_an_empty_knowledge_base_is_filled_by_a_child_process(tmp_path):
    kb = KnowledgeBase(make_settings(tmp_path / "data"))
    try:
        task = asyncio.create_task(ingest_in_background(kb, kb.hold()))
        await asyncio.sleep(0.1)
        assert kb.held  # /readyz reports the knowledge base as not ready meanwhile
        count = await asyncio.to_thread(kb.count)  # waits until the child is done
        await task
        assert not kb.held and count > 30
        assert kb._embeddings is None  # this process embedded nothing: the model stayed out of it
        destinations = await kb.adestinations()
        assert "Lisbon" in destinations

    finally:
        kb.close()

    restarted = KnowledgeBase(make_settings(tmp_path / "data"))  # the next start: the collection is there
    try:
        await ingest_in_background(restarted, restarted.hold())
        assert not restarted.held and await asyncio.to_thread(restarted.count) == count
    finally:
        restarted.close()


def warmup_children(server: psutil.Process) -> list[psutil.Process]:
    return [p for p in server.children(recursive=True) if "concierge.tools.knowledge.warmup" in " ".join(p.cmdline())]


def test_the_warm_up_child_dies_with_a_server_killed_with_9(tmp_path):
    data_dir = tmp_path / "data"
    command = [str(VENV_BIN / "concierge"), "serve", "--host", "127.0.0.1", "--port", str(free_port())]
    server = subprocess.Popen(command, cwd=ROOT, env=offline_env(data_dir), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (children := warmup_children(psutil.Process(server.pid))):
            assert time.monotonic() < deadline and server.poll() is None, "no warm-up child was started"
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)  # the server alone, as `kill -9 <pid>` does: not its group
        server.wait(timeout=30)
        gone, alive = psutil.wait_procs(children, timeout=3)  # filling takes far longer
        assert not alive, "the warm-up child outlived its server and still holds the knowledge-base folder"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)

    kb = KnowledgeBase(make_settings(data_dir))  # the folder is free, and a half-done fill is finished
    try:
        assert kb.ensure_ingested() >= 0 and kb.count() > 30
    finally:
        kb.close()


PARENT_OF_A_CHILD_THAT_DIES_WITH_IT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import os, time; from concierge.tools.knowledge.holder import die_with_parent; "
                          f"die_with_parent({os.getpid()}); print('ready', flush=True); time.sleep(600)"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
assert child.stdout.readline().strip() == b"ready"
print(child.pid, flush=True)
time.sleep(600)
"""


def test_a_child_that_dies_with_its_parent_dies_on_its_kill_9():
    parent = subprocess.Popen([sys.executable, "-c", PARENT_OF_A_CHILD_THAT_DIES_WITH_IT], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        child = psutil.Process(int(parent.stdout.readline()))
        parent.kill()
        parent.wait(timeout=10)
        assert child.wait(timeout=3) is not None or not child.is_running()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)


HOLD_FOLDER = """
import sys, time
from pathlib import Path
import qdrant_edge
from concierge.tools.knowledge.holder import record_holder
folder = Path(sys.argv[1])
shard = qdrant_edge.EdgeShard.load(str(folder))
record_holder(folder, int(sys.argv[2]))
print("holding", flush=True)
time.sleep(600)
"""


def test_a_folder_held_by_an_orphaned_warm_up_child_is_taken_over(tmp_path):
    settings = make_settings(tmp_path / "data")
    kb = KnowledgeBase(settings)
    kb.ensure_ingested()
    count = kb.count()
    kb.close()
    folder = settings.qdrant_local_path / settings.qdrant_collection
    gone_parent = subprocess.Popen([sys.executable, "-c", "pass"])
    gone_parent.wait()  # a server that no longer runs
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FOLDER, str(folder), str(gone_parent.pid)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"holding"
        restarted = KnowledgeBase(make_settings(tmp_path / "data"))
        try:
            assert restarted.count() == count  # not "open in another process"
        finally:
            restarted.close()
        holder.wait(timeout=10)  # stopped (and reaped by the take-over)
        assert not psutil.pid_exists(holder.pid)
        assert not holder_file(folder).exists()
    finally:
        holder.kill()


def test_a_folder_held_by_a_live_process_is_not_taken(tmp_path):
    settings = make_settings(tmp_path / "data")
    kb = KnowledgeBase(settings)
    kb.ensure_ingested()
    kb.close()
    folder = settings.qdrant_local_path / settings.qdrant_collection
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FOLDER, str(folder), str(os.getpid())], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"holding"
        with pytest.raises(RuntimeError, match="open in another process"):
            KnowledgeBase(make_settings(tmp_path / "data")).count()
        assert holder.poll() is None  # its parent lives: it is nobody's to stop
    finally:
        holder.kill()


def test_a_fill_stopped_half_way_is_finished_at_the_next_start(tmp_path):
    settings = make_settings(tmp_path / "data")
    kb = KnowledgeBase(settings)
    try:
        kb.ensure_ingested()
        full = kb.count()
        source = Filter(must=(Condition("source", settings.inventory_file.name),))
        kb.store.delete([pid for pid, _ in kb.store.scroll(source, with_payload=False)][: full // 2])
        assert kb.count() < full
        assert kb.ensure_ingested() > 0 and kb.count() == full
        assert kb.ensure_ingested() == 0  # whole: nothing to do
    finally:
        kb.close()
