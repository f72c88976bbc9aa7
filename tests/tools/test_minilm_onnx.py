"""The packaged MiniLM through ONNX Runtime gives the vectors of sentence-transformers, without torch."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from concierge.tools import minilm, minilm_onnx

TEXTS = [
    "Do you have a double room free from 12 to 15 March?",
    "hi",
    "",
    "¿Tienen habitaciones con vista al mar? Somos dos adultos y un niño de 5 años.",
    "Nous arrivons tard, vers 23h30 — la réception est-elle ouverte ?",
    "Refund!!! I was charged twice for booking #A-1042, €389.00 each time. 😡",
    "pet-friendly rooms w/ balcony; parking? EV charger?",
    "word " * 400,  # past max_seq_length: truncated alike
    "Zimmer mit Frühstück für 3 Nächte, bitte.\nDanke!",
    "東京からの家族旅行で、4名で泊まれる部屋はありますか？",
]


@pytest.fixture(scope="module")
def onnx_model():
    exported = minilm_onnx.exported_model()
    assert exported is not None, f"no ONNX export in {minilm_onnx.onnx_dir()}: `python -m concierge.tools.minilm_onnx` (make install runs it)"
    return minilm_onnx.OnnxMiniLM(exported)


def test_onnx_vectors_match_sentence_transformers(onnx_model):
    reference = minilm._load_torch().encode(TEXTS, batch_size=4, normalize_embeddings=True, show_progress_bar=False)
    vectors = onnx_model.encode(TEXTS, batch_size=4)
    assert vectors.shape == reference.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    cosine_distance = 1.0 - np.sum(vectors * reference, axis=1)
    assert cosine_distance.max() < 1e-5, cosine_distance
    single = onnx_model.encode(TEXTS[0])
    assert single.shape == (384,) and 1.0 - float(single @ reference[0]) < 1e-5


def test_onnx_encodes_nothing_to_an_empty_matrix(onnx_model):
    assert onnx_model.encode([]).shape == (0, 384)


def test_knowledge_embeddings_and_heads_load_no_torch(tmp_path):
    script = textwrap.dedent("""
        import sys
        from concierge.settings import Settings
        from concierge.tools.knowledge.embeddings import build_embeddings
        from concierge.tools.llm.offline.learned import embed
        vectors = build_embeddings(Settings(_env_file=None)).embed_documents(["a sea-view room", "late check-in"])
        assert len(vectors) == 2 and len(vectors[0]) == 384
        assert embed(["a sea-view room"]).shape == (1, 384)
        print(sorted(m for m in ("torch", "transformers", "sentence_transformers", "scipy") if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "CONCIERGE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_a_bad_backend_name_is_refused(monkeypatch):
    monkeypatch.setenv(minilm.BACKEND_ENV, "cuda")
    minilm._load.cache_clear()
    try:
        with pytest.raises(ValueError, match="onnx or torch"):
            minilm.model()
    finally:
        minilm._load.cache_clear()
