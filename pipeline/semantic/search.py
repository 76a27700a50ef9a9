"""Semantic and hybrid search over an embedded store, in the `search --json` shape."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pipeline.records import Document, Mention
from pipeline.semantic.embedder import Embedder, load_embedder, require_extra, runtime_of
from pipeline.semantic.hybrid import loosened_query, reciprocal_rank_fusion
from pipeline.semantic.passages import Passage, passages
from pipeline.store import SqliteStore, Store, open_store
from pipeline.store.base import Hit
from pipeline.store.sqlite.vectors import StoredPassage, VectorIndex, top_rows

# Called after each batch is written, with the documents and passages embedded so far.
EmbedProgress = Callable[[int, int], None]
# Passages embedded and written together; a crash loses at most one batch of work.
CHUNK_PASSAGES = 512


@dataclass
class EmbedReport:
    """What one embedding run saw, embedded and skipped."""

    documents: int = 0
    passages: int = 0
    skipped: int = 0
    seconds: float = 0.0
    device: str = "cpu"
    precision: str = "fp32"
    model: str = ""
    vectors: str = ""

    @property
    def rate(self) -> float:
        """Return passages embedded per second."""
        return self.passages / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "documents": self.documents,
            "passages": self.passages,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 2),
            "passages_per_second": round(self.rate, 1),
            "device": self.device,
            "precision": self.precision,
            "model": self.model,
            "vectors": self.vectors,
        }


@contextmanager
def _opened(location: str) -> Iterator[tuple[Store, Any]]:
    """Open the store and its passage vectors: beside the SQLite file, or in Elasticsearch."""
    store = open_store(location)
    try:
        if isinstance(store, SqliteStore):
            index: Any = VectorIndex(store.path)
        else:
            from pipeline.store.elasticsearch.vectors import ElasticPassages

            index = ElasticPassages(store)
    except BaseException:
        store.close()
        raise
    try:
        yield store, index
    finally:
        index.close()
        store.close()


def embed_documents(
    store: Store,
    index: VectorIndex,
    embedder: Embedder,
    progress: EmbedProgress | None = None,
) -> EmbedReport:
    """Embed the passages of every stored document that the index does not hold yet."""
    started = time.perf_counter()
    index.check_model(embedder.info.name, embedder.info.fingerprint, embedder.dims)
    report = EmbedReport(
        device=embedder.device,
        precision=embedder.precision,
        model=embedder.info.name,
        vectors=str(index.dir),
    )
    done = index.embedded()
    batch_docs: list[Document] = []
    batch: list[Passage] = []

    def flush() -> None:
        vectors = embedder.embed([p.flat for p in batch])
        index.add([(d.id, d.source, d.title) for d in batch_docs], batch, vectors)
        report.documents += len(batch_docs)
        report.passages += len(batch)
        batch_docs.clear()
        batch.clear()
        if progress is not None:
            progress(report.documents, report.passages)

    for document in store.iter_documents():
        if document.id in done:
            report.skipped += 1
            continue
        batch_docs.append(document)
        batch.extend(passages(document))
        if len(batch) >= CHUNK_PASSAGES:
            flush()
    if batch_docs:
        flush()
    report.seconds = time.perf_counter() - started
    return report


def embed_store(
    store_location: str,
    model: str | None = None,
    device: str = "auto",
    batch_size: int = 32,
    rebuild: bool = False,
    progress: EmbedProgress | None = None,
    precision: str = "auto",
) -> EmbedReport:
    """Embed the stored documents that have no vectors yet (all of them with `rebuild`)."""
    require_extra()
    with _opened(store_location) as (store, index):
        embedder = load_embedder(model, device, batch_size, precision)
        if rebuild:
            index.clear()
        return embed_documents(store, index, embedder, progress)


def pending_documents(store_location: str) -> int:
    """Return how many stored documents have no vectors yet (a cheap count, for progress)."""
    with _opened(store_location) as (store, index):
        return max(int(store.stats()["documents"]) - len(index.embedded()), 0)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _semantic_pages(
    store: Store, index: VectorIndex, embedder: Embedder, query: str, depth: int, type_: str | None
) -> list[tuple[StoredPassage, float]]:
    """Return the best passage of each of the `depth` best pages, best first."""
    if not query.strip() or len(index) == 0:
        return []
    if not isinstance(index, VectorIndex):  # Elasticsearch: kNN in the cluster
        return index.nearest(embedder.embed([query])[0].tolist(), depth, type_)
    scores = index.scores(embedder.embed([query])[0])
    mentions: dict[str, list[tuple[int, int]]] = {}
    wanted = max(depth * 4, 50)
    while True:
        rows = top_rows(scores, wanted)
        stored = index.passages(rows)
        pages: dict[tuple[str, int], tuple[StoredPassage, float]] = {}
        for row in rows:
            passage = stored.get(int(row))
            if passage is None or not store.has_document(passage.document_id):
                continue
            if type_ is not None:
                if passage.document_id not in mentions:
                    mentions[passage.document_id] = _spans_of(
                        store.iter_mentions(passage.document_id), type_
                    )
                if not _overlaps(mentions[passage.document_id], passage.start, passage.end):
                    continue
            pages.setdefault((passage.document_id, passage.page), (passage, float(scores[row])))
        if len(pages) >= depth or wanted >= len(scores):
            return list(pages.values())[:depth]
        wanted *= 4


def _spans_of(mentions: Iterator[Mention], type_: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in mentions if m.type == type_]


def _semantic_json(passage: StoredPassage, score: float) -> dict[str, Any]:
    return {
        "document": {"id": passage.document_id, "source": passage.source, "title": passage.title},
        "page": passage.page,
        "snippet": " ".join(passage.text.split()),
        "score": round(score, 4),
        "matched": "semantic",
        "retrievers": ["semantic"],
        "start": passage.start,
        "end": passage.end,
    }


def _prepare(
    store: Store,
    index: VectorIndex,
    model: str | None,
    device: str,
    embed_missing: bool,
    progress: EmbedProgress | None,
) -> Embedder:
    stored = index.meta().get("fingerprint", "")
    # Query and passages must come from one runtime: the stored vectors decide.
    runtime = runtime_of(stored) if stored and model is None and device != "cuda" else None
    embedder = load_embedder(model, device, runtime=runtime)
    if embed_missing:
        embed_documents(store, index, embedder, progress)
    elif index.meta():
        index.check_model(embedder.info.name, embedder.info.fingerprint, embedder.dims)
    return embedder


def semantic_search(
    store_location: str,
    query: str,
    limit: int = 10,
    type_: str | None = None,
    model: str | None = None,
    device: str = "auto",
    embed_missing: bool = True,
    progress: EmbedProgress | None = None,
) -> dict[str, Any]:
    """Find the pages whose passages mean what the query says, one hit per page, best first.

    Stored documents that have no vectors yet are embedded first (unless `embed_missing` is
    False), so a search right after an ingest covers everything. With `type_`, only passages
    that contain a mention of that type count.
    """
    require_extra()
    with _opened(store_location) as (store, index):
        embedder = _prepare(store, index, model, device, embed_missing, progress)
        found = _semantic_pages(store, index, embedder, query, limit, type_)
    return {"query": query, "type": type_, "hits": [_semantic_json(p, s) for p, s in found]}


def hybrid_search(
    store_location: str,
    query: str,
    limit: int = 10,
    type_: str | None = None,
    model: str | None = None,
    device: str = "auto",
    embed_missing: bool = True,
    progress: EmbedProgress | None = None,
) -> dict[str, Any]:
    """Fuse full-text and semantic results by reciprocal rank (k=60), one hit per page.

    The full-text list is `Store.search` on the query as typed, followed by the pages that
    match any of its content words (see `loosened_query`); each hit says which retrievers
    found it.
    """
    require_extra()
    depth = max(limit * 3, 30)
    with _opened(store_location) as (store, index):
        embedder = _prepare(store, index, model, device, embed_missing, progress)
        text_hits = text_ranking(store, query, type_, depth)
        semantic = _semantic_pages(store, index, embedder, query, depth, type_)
    by_text = {(h.document_id, h.page): h for h in text_hits}
    by_meaning = {(p.document_id, p.page): (p, s) for p, s in semantic}
    fused = reciprocal_rank_fusion({"text": list(by_text), "semantic": list(by_meaning)})
    hits: list[dict[str, Any]] = []
    for entry in fused[:limit]:
        text_hit = by_text.get(entry.key)
        if entry.key in by_meaning:
            # The passage answers the question better than a keyword snippet does.
            hit = _semantic_json(*by_meaning[entry.key])
            if text_hit is not None:
                hit["matched"] = text_hit.matched
                if text_hit.entity is not None:
                    hit["entity"] = text_hit.entity
        else:
            assert text_hit is not None
            hit = text_hit.to_json()
        hit["score"] = round(entry.score, 6)
        hit["retrievers"] = entry.retrievers
        hits.append(hit)
    return {"query": query, "type": type_, "hits": hits}


def text_ranking(store: Store, query: str, type_: str | None, depth: int) -> list[Hit]:
    """Return full-text hits: the query as typed, then pages matching any of its words."""
    hits = list(store.search(query, type_, depth).hits)
    loose = loosened_query(query) if type_ is None else None
    if loose is not None:
        seen = {(h.document_id, h.page) for h in hits}
        hits.extend(
            h for h in store.search(loose, None, depth).hits if (h.document_id, h.page) not in seen
        )
    return hits[:depth]
