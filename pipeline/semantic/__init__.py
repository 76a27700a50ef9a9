"""Semantic and hybrid search: passage embeddings, their vectors, and rank fusion.

Importing this package is cheap: torch and transformers load only when a model is needed, so
the base install works without the `semantic` extra.
"""

from __future__ import annotations

from pipeline.semantic.embedder import MISSING_EXTRA
from pipeline.semantic.search import embed_store, hybrid_search, semantic_search

__all__ = ["MISSING_EXTRA", "embed_store", "hybrid_search", "semantic_search"]
