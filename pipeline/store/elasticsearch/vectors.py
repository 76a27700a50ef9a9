"""Passage vectors in Elasticsearch: the same role as VectorIndex, on a dense_vector index.

The passages index sits beside the backend's other indices, as a versioned index behind the
alias `{prefix}-passages`, with the mapping from `pipeline.store.elasticsearch.semantic`. Each
passage is indexed under its passage id, so a re-run overwrites instead of duplicating. A
document with no passage (an empty page set) still gets a marker record without a vector, so it
counts as embedded; kNN search skips records that have no vector.

Not verified against a live cluster on the machines this project is built on (none can run
there); tests/semantic/test_es_vectors.py checks the requests against a recording client, and
runs the same flow against a real cluster when MONEYTRAIL_ES_URL is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.errors import ConfigError, StoreError
from pipeline.semantic.passages import Passage
from pipeline.store.elasticsearch.semantic import (
    MAX_CANDIDATES,
    SOURCE_FIELDS,
    VECTOR_FIELD,
    knn_body,
    passage_document,
    passages_index_body,
    passages_index_name,
)
from pipeline.store.sqlite.vectors import StoredPassage

MAPPING_VERSION = 1
_PAGE = 1000


def _model_tag(name: str, fingerprint: str, dims: int) -> str:
    return f"{name}|{fingerprint}|{dims}"


class ElasticPassages:
    """Passage vectors of one Elasticsearch store (any object with `client`, `prefix`, `url`)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.client = store.client
        self.url = store.url
        self.alias = passages_index_name(store.prefix)
        self.index = f"{self.alias}-v{MAPPING_VERSION}"
        self.dir = f"{self.url} index {self.alias}"  # shown in reports, like VectorIndex.dir
        self._errors = store._errors
        self._known: dict[str, bool] = {}  # document id -> still in the store (one search)
        self._ensure()

    # --- setup ------------------------------------------------------------------------
    def _ensure(self) -> None:
        with self._errors(f"check the index {self.alias}"):
            exists = bool(self.client.indices.exists_alias(name=self.alias))
        if exists:
            return
        body = passages_index_body()
        with self._errors(f"create the index {self.alias}"):
            try:
                self.client.indices.create(
                    index=self.index,
                    aliases={self.alias: {"is_write_index": True}},
                    settings=body["settings"],
                    mappings=body["mappings"],
                )
            except Exception as exc:  # another process creating it at the same moment is fine
                if "resource_already_exists" not in str(exc):
                    raise

    # --- model ------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """Return the model name, fingerprint and dims of the stored vectors (or {})."""
        with self._errors("read the passages' model"):
            response = self.client.search(
                index=self.alias,
                size=1,
                query={"exists": {"field": "model"}},
                source_includes=["model"],
            )
        hits = response["hits"]["hits"]
        if not hits or not hits[0]["_source"].get("model"):
            return {}
        name, fingerprint, dims = hits[0]["_source"]["model"].split("|")
        return {"model": name, "fingerprint": fingerprint, "dims": dims}

    def check_model(self, name: str, fingerprint: str, dims: int) -> None:
        """Refuse to mix vectors of two models in one index."""
        self._model = _model_tag(name, fingerprint, dims)
        meta = self.meta()
        if meta and meta["fingerprint"] != fingerprint:
            raise ConfigError(
                f"the passages in {self.alias} were made with the model {meta['model']!r}, not "
                f"{name!r}; use that model, or run 'moneytrail embed --rebuild' to re-embed"
            )

    # --- writes -----------------------------------------------------------------------
    def embedded(self) -> set[str]:
        """Return the ids of documents already embedded (a composite aggregation, paged)."""
        done: set[str] = set()
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": _PAGE,
                "sources": [{"document": {"terms": {"field": "document_id"}}}],
            }
            if after is not None:
                composite["after"] = after
            with self._errors("list the embedded documents"):
                response = self.client.search(
                    index=self.alias, size=0, aggs={"documents": {"composite": composite}}
                )
            agg = response["aggregations"]["documents"]
            done.update(str(b["key"]["document"]) for b in agg["buckets"])
            after = agg.get("after_key")
            if not agg["buckets"] or after is None:
                return done

    def add(
        self,
        documents: Sequence[tuple[str, str, str | None]],
        passages: Sequence[Passage],
        vectors: np.ndarray,
    ) -> None:
        """Index passages with their vectors, and a marker for each document without any."""
        from elasticsearch import helpers

        if len(passages) != len(vectors):
            raise ValueError(f"{len(passages)} passages but {len(vectors)} vectors")
        model = getattr(self, "_model", "")
        by_id = {d: (source, title) for d, source, title in documents}
        # The types of the mentions inside each passage, so kNN can filter on them.
        spans = {d: [(m.type, m.start, m.end) for m in self.store.iter_mentions(d)] for d in by_id}
        actions: list[dict[str, Any]] = []
        for passage, vector in zip(passages, vectors, strict=True):
            source, title = by_id[passage.document_id]
            types = {
                t for t, s, e in spans[passage.document_id] if s < passage.end and passage.start < e
            }
            body = passage_document(passage, vector.tolist(), source, title, types, model)
            actions.append(
                {"_op_type": "index", "_index": self.alias, "_id": passage.id, "_source": body}
            )
        with_passages = {p.document_id for p in passages}
        for document_id, source, title in documents:
            if document_id not in with_passages:
                actions.append(
                    {
                        "_op_type": "index",
                        "_index": self.alias,
                        "_id": f"empty:{document_id}",
                        "_source": {
                            "document_id": document_id,
                            "source": source,
                            "title": title,
                            "model": model,
                        },
                    }
                )
        with self._errors("index passage vectors"):
            _, errors = helpers.bulk(
                self.client, actions, raise_on_error=False, max_retries=3, refresh="wait_for"
            )
        # With raise_on_error=False, bulk returns the list of refused items, not a count.
        if isinstance(errors, list) and errors:
            raise StoreError(
                f"{len(errors)} passages were refused by {self.alias} (first: {errors[0]!r:.300})"
            )

    def drop(self) -> None:
        """Delete the passages index and its alias (tests and benchmarks).

        ElasticStore.drop() deletes the store's own indices only, not this one.
        """
        with self._errors(f"delete the index {self.alias}"):
            found = self.client.options(ignore_status=404).indices.get_alias(name=self.alias).body
            indices = sorted(k for k, v in found.items() if isinstance(v, dict) and "aliases" in v)
            if indices:
                self.client.indices.delete(index=indices)

    def clear(self) -> None:
        """Delete every passage and vector, to re-embed from scratch."""
        with self._errors(f"empty {self.alias}"):
            self.client.delete_by_query(
                index=self.alias, query={"match_all": {}}, refresh=True, conflicts="proceed"
            )

    def __len__(self) -> int:
        with self._errors("count the passages"):
            return int(
                self.client.count(index=self.alias, query={"exists": {"field": VECTOR_FIELD}})[
                    "count"
                ]
            )

    # --- reads ------------------------------------------------------------------------
    def nearest(
        self, vector: Sequence[float], depth: int, type_: str | None
    ) -> list[tuple[StoredPassage, float]]:
        """Return the best passage of each of the `depth` best pages, cosine scores, best first.

        Elasticsearch scores cosine kNN as (1 + cos) / 2; this gives back the cosine. It returns
        passages, several per page, so it asks for more until `depth` pages are covered.
        """
        k = max(depth * 4, 50)
        while True:
            body = knn_body(vector, k=min(k, MAX_CANDIDATES), mention_type=type_)
            with self._errors("search the passage vectors"):
                response = self.client.search(
                    index=self.alias,
                    knn=body["knn"],
                    size=body["size"],
                    source_includes=list(SOURCE_FIELDS),
                )
            hits = response["hits"]["hits"]
            pages: dict[tuple[str, int], tuple[StoredPassage, float]] = {}
            for row, hit in enumerate(hits):
                src = hit["_source"]
                if not self._stored(src["document_id"]):
                    continue  # removed from the store since it was embedded, as VectorIndex skips
                passage = StoredPassage(
                    row,
                    src["document_id"],
                    src["source"],
                    src.get("title"),
                    src["page"],
                    src["start"],
                    src["end"],
                    src["text"],
                )
                score = 2.0 * float(hit["_score"]) - 1.0
                pages.setdefault((passage.document_id, passage.page), (passage, score))
            if len(pages) >= depth or len(hits) < k or k >= MAX_CANDIDATES:
                return list(pages.values())[:depth]
            k *= 4

    def _stored(self, document_id: str) -> bool:
        known = self._known.get(document_id)
        if known is None:
            known = self._known[document_id] = bool(self.store.has_document(document_id))
        return known

    def close(self) -> None:
        """Nothing to close: the store owns the client."""
