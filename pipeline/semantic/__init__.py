"""Semantic and hybrid search: passage embeddings, their vectors, and rank fusion.

Importing this package is cheap: torch and transformers load only when a model is needed, so
the base install works without the `semantic` extra.
"""

from __future__ import annotations

from typing import Any

from pipeline.semantic.embedder import MISSING_EXTRA

__all__ = ["MISSING_EXTRA", "embed_store", "hybrid_search", "semantic_search"]


def __getattr__(name: str) -> Any:
    # The search module loads numpy and the vector index; commands that never search by
    # meaning must not wait for them (bench/startup.py).
    if name in ("embed_store", "hybrid_search", "semantic_search"):
        from pipeline.semantic import search

        return getattr(search, name)
    raise AttributeError(name)
