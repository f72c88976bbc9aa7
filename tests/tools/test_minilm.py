"""The packaged MiniLM: one copy per process, shared by the offline engine and the knowledge base,
safe to encode with from several threads at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pytest

from concierge.tools import minilm
from concierge.tools.llm.offline import learned
from tests.processes import ROOT, offline_env

# Run in a fresh process: every model built (on ONNX Runtime or sentence-transformers) is counted.
ONE_PROCESS = """
import sentence_transformers

from concierge.tools import minilm_onnx

loads = []

def counting(cls):
    build = cls.__init__

    def counted(self, *args, **kwargs):
        loads.append(cls.__name__)
        build(self, *args, **kwargs)

    cls.__init__ = counted

counting(sentence_transformers.SentenceTransformer)
counting(minilm_onnx.OnnxMiniLM)

from concierge.settings import Settings
from concierge.tools.knowledge import KnowledgeBase
from concierge.tools.llm.offline.triage import triage

decision = triage({"ticket": {"subject": "Room", "body": "A quiet room in Lisbon for three, please."}})
kb = KnowledgeBase(Settings())
kb.embeddings.embed_documents(["A quiet hotel in Lisbon"])
kb.embeddings.embed_query("a quiet room in Lisbon")
print(decision["path"], len(loads), loads)
"""


def test_a_process_that_triages_and_searches_loads_minilm_once(tmp_path):
    done = subprocess.run([sys.executable, "-c", ONE_PROCESS], cwd=ROOT, env=offline_env(tmp_path / "data"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    path, loads, _ = done.stdout.strip().splitlines()[-1].split(" ", 2)
    assert path == "booking" and loads == "1", done.stdout


@dataclass
class TokenizerUse:
    """Calls of the shared model's tokenizer: whether the shared lock was held, and the most threads inside at once."""

    locked: list[bool] = field(default_factory=list)
    inside: int = 0
    most_inside: int = 0
    counting: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def tokenizer_use(monkeypatch) -> TokenizerUse:
    """Each call of the shared tokenizer lasts 5 ms longer, so two threads inside it at once cannot go unseen."""
    model, use = minilm.model(), TokenizerUse()
    # The ONNX model tokenizes in its `tokenize`; sentence-transformers calls its tokenizer.
    shared, name = (model.tokenizer, "__call__") if minilm.uses_torch(model) else (model, "tokenize")
    call = getattr(type(shared), name)

    def watched(self, *args, **kwargs):
        if self is not shared:
            return call(self, *args, **kwargs)
        with use.counting:
            use.locked.append(minilm.LOCK.locked())
            use.inside += 1
            use.most_inside = max(use.most_inside, use.inside)
        try:
            time.sleep(0.005)
            return call(self, *args, **kwargs)
        finally:
            with use.counting:
                use.inside -= 1

    monkeypatch.setattr(type(shared), name, watched)
    return use


def test_the_offline_engine_and_the_knowledge_base_encode_with_the_same_model(embeddings, tokenizer_use):
    assert embeddings.inner.model is minilm.model() and embeddings.lock is minilm.LOCK
    learned.embed(["the offline engine reads this ticket (same model)"])
    embeddings.embed_documents(["the knowledge base embeds this room (same model)"])
    embeddings.embed_query("the knowledge base looks for this room (same model)")
    assert tokenizer_use.locked == [True, True, True]  # each went through the shared tokenizer, holding the lock


def test_concurrent_encoding_gives_the_sequential_vectors(embeddings, tokenizer_use):
    rooms = [f"Room {i}: a quiet double\nwith a view of the river and {'breakfast ' * (i % 7)}" for i in range(70)]
    queries = [f"a quiet room for {n} guests\nnear the sea" for n in range(1, 6)]
    tickets = [[f"Concurrent ticket {round}.{i}: we would like to book {i} nights in May" for i in range(6)]
               for round in range(8)]
    model = minilm.model()
    with minilm.LOCK:  # what `embed` computes for each ticket batch, one batch at a time
        expected_tickets = [model.encode(t, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
                            for t in tickets]
    expected_rooms = embeddings.embed_documents(rooms)
    expected_queries = [embeddings.embed_query(q) for q in queries]
    start = threading.Barrier(6)  # six threads, each beginning at once with the others

    def offline(rounds: range) -> bool:
        start.wait()
        return all(np.array_equal(learned.embed(tickets[r]), expected_tickets[r]) for r in rounds)

    def documents() -> bool:
        start.wait()
        return all(embeddings.embed_documents(rooms) == expected_rooms for _ in range(2))

    def query() -> bool:
        start.wait()
        return all(embeddings.embed_query(q) == v for _ in range(3) for q, v in zip(queries, expected_queries, strict=True))

    with ThreadPoolExecutor(6) as pool:
        results = [pool.submit(offline, range(0, 4)), pool.submit(offline, range(4, 8)),
                   pool.submit(documents), pool.submit(documents), pool.submit(query), pool.submit(query)]
        assert [r.result(timeout=300) for r in results] == [True] * 6
    assert tokenizer_use.most_inside == 1  # never two threads in the tokenizer at once
