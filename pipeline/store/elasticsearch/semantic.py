"""Elasticsearch request bodies for passage vectors: the index mapping, documents, kNN search.

Pure builders: they return the JSON the REST API takes and never talk to a cluster, so the
Elasticsearch backend (pipeline/store/elasticsearch/store.py) sends them with its own client, e.g.
`es.indices.create(index=name, body=passages_index_body())` and
`es.search(index=name, body=knn_body(vector, k=10))`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pipeline.errors import ConfigError
from pipeline.records import MENTION_TYPES
from pipeline.semantic.passages import Passage

DIMS = 384
VECTOR_FIELD = "vector"
# HNSW over int8-quantised vectors: a quarter of float32's memory, and near-exact recall for
# 384 dimensions. (From 9.1 the default for 384 and more is bbq_hnsw, one bit per number,
# which loses more of a small model's signal.)
INDEX_OPTIONS = "int8_hnsw"
# Elasticsearch refuses num_candidates above this.
MAX_CANDIDATES = 10_000
SOURCE_FIELDS = ("document_id", "source", "title", "page", "start", "end", "text")


def passages_index_name(prefix: str = "moneytrail") -> str:
    """Return the name of the passages index that sits beside the backend's other indices."""
    return f"{prefix}-passages"


def passages_index_body(dims: int = DIMS, index_options: str = INDEX_OPTIONS) -> dict[str, Any]:
    """Return settings and mappings for an index of passages with a cosine dense_vector."""
    if dims < 1 or dims > 4096:
        raise ConfigError(f"a dense_vector has 1 to 4096 dimensions, not {dims}")
    return {
        "settings": {"index": {"number_of_shards": 1}},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "document_id": {"type": "keyword"},
                "source": {"type": "keyword"},
                "title": {"type": "text"},
                "page": {"type": "integer"},
                "start": {"type": "integer"},
                "end": {"type": "integer"},
                "text": {"type": "text"},
                # Types of the mentions inside the passage, so kNN can filter on them.
                "mention_types": {"type": "keyword"},
                "model": {"type": "keyword"},
                VECTOR_FIELD: {
                    "type": "dense_vector",
                    "dims": dims,
                    "index": True,
                    "similarity": "cosine",
                    "index_options": {"type": index_options},
                },
            },
        },
    }


def passage_document(
    passage: Passage,
    vector: Sequence[float],
    source: str,
    title: str | None,
    mention_types: Iterable[str] = (),
    model: str = "",
) -> dict[str, Any]:
    """Return the indexed form of one passage with its vector."""
    return {
        "document_id": passage.document_id,
        "source": source,
        "title": title,
        "page": passage.page,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "mention_types": sorted(set(mention_types)),
        "model": model,
        VECTOR_FIELD: [float(x) for x in vector],
    }


def bulk_actions(
    index: str, documents: Iterable[tuple[Passage, dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    """Yield actions for elasticsearch.helpers.bulk, keyed by passage id (re-runs overwrite)."""
    for passage, body in documents:
        yield {"_op_type": "index", "_index": index, "_id": passage.id, "_source": body}


def knn_body(
    vector: Sequence[float],
    k: int = 10,
    num_candidates: int | None = None,
    mention_type: str | None = None,
    document_ids: Sequence[str] | None = None,
    dims: int = DIMS,
) -> dict[str, Any]:
    """Return a search body for the k passages nearest the query vector, optionally filtered.

    `num_candidates` (per shard) defaults to max(100, 10 k): more candidates, better recall of
    the approximate HNSW search. Filters apply during the search, so k hits still come back.
    """
    if len(vector) != dims:
        raise ConfigError(f"the query vector has {len(vector)} numbers; the index holds {dims}")
    if k < 1:
        raise ConfigError(f"k must be at least 1, not {k}")
    candidates = max(100, 10 * k) if num_candidates is None else num_candidates
    candidates = min(candidates, MAX_CANDIDATES)
    if candidates < k:
        raise ConfigError(f"num_candidates ({candidates}) must be at least k ({k})")
    knn: dict[str, Any] = {
        "field": VECTOR_FIELD,
        "query_vector": [float(x) for x in vector],
        "k": k,
        "num_candidates": candidates,
    }
    filters: list[dict[str, Any]] = []
    if mention_type is not None:
        if mention_type not in MENTION_TYPES:
            raise ConfigError(f"type {mention_type!r} is not one of {', '.join(MENTION_TYPES)}")
        filters.append({"term": {"mention_types": mention_type}})
    if document_ids:
        filters.append({"terms": {"document_id": list(document_ids)}})
    if filters:
        knn["filter"] = filters[0] if len(filters) == 1 else {"bool": {"filter": filters}}
    return {"knn": knn, "size": k, "_source": list(SOURCE_FIELDS)}


def hits_from_response(response: dict[str, Any]) -> list[dict[str, Any]]:
    """Turn a kNN search response into semantic hits in the `search --json` shape.

    Like the embedded store, one hit per page: the page's best passage (hits arrive best first).
    """
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for hit in response.get("hits", {}).get("hits", []):
        src = hit["_source"]
        if (src["document_id"], src["page"]) in seen:
            continue
        seen.add((src["document_id"], src["page"]))
        out.append(
            {
                "document": {
                    "id": src["document_id"],
                    "source": src["source"],
                    "title": src.get("title"),
                },
                "page": src["page"],
                "snippet": " ".join(str(src["text"]).split()),
                # Elasticsearch reports cosine as (1 + cos) / 2; give back the cosine itself.
                "score": round(2.0 * float(hit["_score"]) - 1.0, 4),
                "matched": "semantic",
                "retrievers": ["semantic"],
                "start": src["start"],
                "end": src["end"],
            }
        )
    return out
