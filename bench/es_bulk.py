"""Store write speed: Elasticsearch bulk indexing against the embedded SQLite store, one run.

The sample corpus is parsed, extracted and linked once; its records are then written many
times under fresh document ids, so only the stores are timed. Three runs over the same
records: SQLite (the baseline), Elasticsearch refreshing after every document (what a plain
`ingest` does), and Elasticsearch refreshing once at the end (`deferred_refresh()`).
Without MONEYTRAIL_ES_URL there is no cluster to measure, and it exits 0 saying so.

    MONEYTRAIL_ES_URL=http://localhost:9200 python bench/es_bulk.py [--copies 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.errors import PipelineError  # noqa: E402
from pipeline.extract.extractor import Extractor  # noqa: E402
from pipeline.ids import sha256_bytes  # noqa: E402
from pipeline.ingest import collect_paths  # noqa: E402
from pipeline.link import link  # noqa: E402
from pipeline.parse import parse_bytes  # noqa: E402
from pipeline.records import Document, Entity, Mention, Relation  # noqa: E402
from pipeline.store import SqliteStore  # noqa: E402
from pipeline.store.base import Store  # noqa: E402


@dataclass
class Batch:
    """One document's records, ready to upsert."""

    document: Document
    mentions: list[Mention]
    entities: list[Entity]
    relations: list[Relation]


def extract_corpus(folder: Path) -> list[Batch]:
    """Parse, extract and link every file of the corpus once."""
    files, _ = collect_paths([str(folder)])
    docs = [parse_bytes(f.read_bytes(), str(f), f.suffix) for f in files]
    batches = []
    for outcome in Extractor().extract_many(docs):
        if outcome.error is not None:
            raise SystemExit(f"the bench corpus failed to extract: {outcome.error}")
        linked = link(outcome.document, outcome.mentions)
        batches.append(Batch(outcome.document, linked.mentions, linked.entities, linked.relations))
    return batches


def copy_of(batch: Batch, n: int) -> Batch:
    """Return the records under a new document id, as another file with other bytes would be."""
    doc_id = sha256_bytes(f"{batch.document.id}:{n}".encode())
    return Batch(
        replace(batch.document, id=doc_id, source=f"copy-{n:04d}/{batch.document.source}"),
        [replace(m, id=f"{m.id}-{n}", document_id=doc_id) for m in batch.mentions],
        batch.entities,
        [
            replace(
                r,
                id=f"{r.id}-{n}",
                document_id=doc_id,
                evidence=tuple(f"{e}-{n}" for e in r.evidence),
            )
            for r in batch.relations
        ],
    )


def timed(store: Store, batches: list[Batch], deferred: bool = False) -> float:
    """Return seconds to upsert every batch; `deferred` refreshes once at the end."""
    start = time.perf_counter()
    with store.deferred_refresh() if deferred else nullcontext():  # type: ignore[attr-defined]
        for b in batches:
            store.upsert_document(b.document, b.mentions, b.entities, b.relations)
    return time.perf_counter() - start


def _prefix() -> str:
    return f"mt-bench-{uuid.uuid4().hex[:10]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40, help="copies of the sample corpus")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpora" / "sample")
    args = parser.parse_args()
    url = os.environ.get("MONEYTRAIL_ES_URL")
    if not url:
        print(
            "es_bulk: skipped, MONEYTRAIL_ES_URL is not set so there is no Elasticsearch to "
            "measure (docker compose up -d; MONEYTRAIL_ES_URL=http://localhost:9200)"
        )
        return 0
    try:
        from pipeline.store.elasticsearch.store import from_env
    except ImportError:
        print(
            "es_bulk: skipped, the Elasticsearch client is missing (pip install 'moneytrail[es]')"
        )
        return 0

    try:
        # Connect first: a cluster that is not there fails in a second, not after extraction.
        stores = {
            "elasticsearch, refresh per document": from_env(url, os.environ, prefix=_prefix()),
            "elasticsearch, one refresh per batch": from_env(url, os.environ, prefix=_prefix()),
        }
    except PipelineError as exc:
        print(f"es_bulk: {exc}")
        return 1
    base = extract_corpus(args.corpus)
    batches = [copy_of(b, n) for n in range(args.copies) for b in base]
    pages = sum(len(b.document.pages) for b in batches)
    mentions = sum(len(b.mentions) for b in batches)
    print(f"{len(batches)} documents, {pages} pages, {mentions} mentions per store")

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SqliteStore(Path(tmp) / "bench.db")
        results["sqlite (baseline)"] = timed(sqlite, batches)
        sqlite.close()
    for name, es in stores.items():
        try:
            results[name] = timed(es, batches, deferred="batch" in name)
            if es.stats()["documents"] != len(batches):
                raise SystemExit(f"es_bulk: {name}: not every document landed")
        finally:
            es.drop()
            es.close()

    baseline = len(batches) / results["sqlite (baseline)"]
    for name, seconds in results.items():
        rate = len(batches) / seconds
        print(
            f"{name:38} {rate:8.1f} docs/s {pages / seconds:9.1f} pages/s "
            f"{mentions / seconds:10.1f} mentions/s  {rate / baseline:5.2f}x sqlite"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
