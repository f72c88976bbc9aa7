"""Who holds the embedded knowledge-base folder. The engine locks its folder for one process; the
warm-up child that fills it records itself beside the folder and dies with its parent. An opener
that finds the folder locked by a warm-up child whose server is gone (killed with -9 before it could
stop it) stops that child and takes the folder over, instead of failing every search."""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import psutil

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_EVERY_S = 0.5


def holder_file(folder: Path) -> Path:
    return folder.with_name(f"{folder.name}.warmup.json")


def die_with_parent(parent_pid: int) -> None:
    """This process ends when `parent_pid` does: the kernel's parent-death signal on Linux, and a
    watch on the parent id everywhere (it also covers a parent gone before the signal was asked for)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_EVERY_S)
        os._exit(1)  # orphaned: the folder is released for the next server

    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def record_holder(folder: Path, parent_pid: int) -> None:
    me = psutil.Process()
    holder_file(folder).write_text(json.dumps({"pid": me.pid, "parent": parent_pid, "started": me.create_time()}))


def forget_holder(folder: Path) -> None:
    holder_file(folder).unlink(missing_ok=True)


def stale_holder(folder: Path) -> psutil.Process | None:
    """The recorded warm-up child, when it still runs but its parent is gone; None otherwise."""
    try:
        record = json.loads(holder_file(folder).read_text())
        process = psutil.Process(int(record["pid"]))
        if abs(process.create_time() - float(record["started"])) > 1:
            return None  # the id now names another process
        parent_alive = psutil.pid_exists(int(record["parent"])) and process.ppid() == int(record["parent"])
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return None
    return None if parent_alive else process


def take_over(folder: Path, timeout_s: float = 10) -> bool:
    """Stop a stale warm-up child holding `folder`; True when one was stopped."""
    process = stale_holder(folder)
    if process is None:
        return False
    logger.warning("the knowledge-base folder %s was held by an orphaned warm-up process (pid %s): stopping it",
                   folder, process.pid)
    with contextlib.suppress(psutil.Error):
        process.kill()
        process.wait(timeout_s)
    forget_holder(folder)
    return True
