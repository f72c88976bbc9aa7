"""Filling an empty knowledge base without holding up the server: the inventory is embedded and
written by a child process (torch, transformers and the embedding model load there, and their
memory goes when it exits), while the server already answers. Searches wait until it is done.

    python -m concierge.tools.knowledge.warmup   # ingest INVENTORY_FILE if the collection lacks it
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading

from concierge.settings import Settings, get_settings
from concierge.tools.knowledge.base import KnowledgeBase, build_store, lacks_inventory
from concierge.tools.knowledge.holder import die_with_parent, forget_holder, record_holder

logger = logging.getLogger(__name__)

# The settings that say which knowledge base and inventory the child works on.
_KB_SETTINGS = ("data_dir", "qdrant_url", "qdrant_api_key", "qdrant_path", "qdrant_collection", "inventory_file",
                "embedding_model", "embedding_threads")


PARENT_ENV = "CONCIERGE_WARMUP_PARENT"  # the server's pid: the child dies with it


def _child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ) | {PARENT_ENV: str(os.getpid())}
    for name in _KB_SETTINGS:
        field = Settings.model_fields[name]
        assert field.alias is not None  # every setting is read from its own variable
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[field.alias] = "" if value is None else str(value)
    return env


def _needs_filling(settings: Settings) -> bool:
    store = build_store(settings)
    try:
        return lacks_inventory(store, settings)
    finally:
        store.close()


async def ingest_in_background(kb: KnowledgeBase, gate: threading.Event) -> None:
    """Fill the knowledge base if it is empty, in a child process; `gate` (from `kb.hold()`, taken by
    the caller before anything can search: the embedded store's folder admits one opener) is set then."""
    try:
        if not await asyncio.to_thread(_needs_filling, kb.settings):
            return
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "concierge.tools.knowledge.warmup", env=_child_env(kb.settings),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await process.communicate()
        except asyncio.CancelledError:
            process.kill()
            raise
        if process.returncode == 0:
            logger.info("knowledge base ingested from %s", kb.settings.inventory_file)
            return
        logger.error("ingesting the knowledge base in a child process failed (exit %s): %s; ingesting here instead",
                     process.returncode, err.decode(errors="replace")[-2000:])
        gate.set()
        await asyncio.to_thread(kb.ensure_ingested)
    except Exception:  # the server still serves; /readyz reports the knowledge base
        logger.exception("could not fill the knowledge base")
    finally:
        gate.set()


def main() -> None:
    settings = get_settings()
    folder = None if settings.qdrant_url else settings.qdrant_local_path / settings.qdrant_collection
    if parent := os.environ.get(PARENT_ENV):
        die_with_parent(int(parent))
        if folder is not None:
            folder.parent.mkdir(parents=True, exist_ok=True)
            record_holder(folder, int(parent))
    kb = KnowledgeBase(settings)
    try:
        kb.ensure_ingested()
    finally:
        kb.close()
        if folder is not None:
            forget_holder(folder)


if __name__ == "__main__":
    main()
