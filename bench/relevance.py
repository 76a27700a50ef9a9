"""Relevance of search, measured: nDCG@10 and recall@10 for full text, semantic and hybrid.

    python bench/relevance.py [--queries corpora/relevance/queries.jsonl] [--json]

Ingests the real public PDFs in ../shared/data/real-pdfs and ../shared/data/more-pdfs (read
in place; the two that need OCR are left out) and the project's corpora/dev and
corpora/sample into an embedded store under /tmp/moneytrail-relevance (kept and reused),
embeds it with the packaged model, and runs every judged query through the three retrievers
at page level. A judgement is (document, page, grade): 2 answers the query, 1 bears on it.

- nDCG@10: gain 2^grade - 1, discounted by log2(rank + 1), over the ideal ordering of all
  the query's judged pages.
- recall@10: the share of a query's judged pages in its top 10.
- answer@5: the share of queries with a grade-2 page in the top 5.

Queries whose documents are absent (no ../shared on this machine) are skipped and counted,
with the reason printed. Elasticsearch is not measured: no server can be reached here.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest import ingest  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402
from pipeline.store.sqlite.store import SqliteStore  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
FOLDERS = {"real-pdfs": SHARED / "real-pdfs", "more-pdfs": SHARED / "more-pdfs", "corpora": ROOT}
NEEDS_OCR = ("R09_", "R10_")
CACHE = Path("/tmp/moneytrail-relevance")
Ranking = list[tuple[str, int]]


def load_queries(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the judged queries whose documents are present, and why the others are not."""
    kept, skipped = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        query = json.loads(line)
        missing = sorted(
            {j["folder"] for j in query["judgements"] if not FOLDERS[j["folder"]].is_dir()}
        )
        if missing:
            skipped.append(f"{query['id']}: {', '.join(missing)} is not on this machine")
        else:
            kept.append(query)
    return kept, skipped


def build(store_path: Path) -> None:
    """Ingest the documents the judgements name, then embed them (both skipped when done)."""
    inputs = [str(ROOT / "corpora" / "dev"), str(ROOT / "corpora" / "sample")]
    for folder in ("real-pdfs", "more-pdfs"):
        if FOLDERS[folder].is_dir():
            inputs += [
                str(p)
                for p in sorted(FOLDERS[folder].glob("*.pdf"))
                if not p.name.startswith(NEEDS_OCR)
            ]
    settings = replace(load_settings(str(store_path)), workers=1, ocr="never")
    store = SqliteStore(store_path)
    try:
        report = ingest(inputs, store, settings)
    finally:
        store.close()
    if report.failures:
        print(f"note: {len(report.failures)} inputs failed: {report.failures[0].message}")
    from pipeline.semantic.search import embed_store

    embed_store(str(store_path), device="cpu")


def page_key(source: str) -> str:
    """Return the name a judgement uses for a stored source: the path under the repository
    for the project's corpora, the file name for the shared PDFs."""
    path = Path(source).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return path.name


def ndcg(ranked: Ranking, grades: dict[tuple[str, int], int], k: int = 10) -> float:
    """Return nDCG@k of a ranking against graded judgements."""
    gain = sum(
        (2 ** grades.get(key, 0) - 1) / math.log2(rank + 1)
        for rank, key in enumerate(ranked[:k], start=1)
    )
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return gain / best if best else 0.0


def measure(queries: list[dict[str, Any]], run: Callable[[str], Ranking]) -> dict[str, float]:
    """Return the mean nDCG@10, recall@10 and answer@5 of one retriever over the queries."""
    ndcgs, recalls, answers = [], [], []
    started = time.perf_counter()
    for query in queries:
        grades = {(j["document"], j["page"]): j["grade"] for j in query["judgements"]}
        ranked = run(query["query"])
        ndcgs.append(ndcg(ranked, grades))
        recalls.append(len(set(ranked[:10]) & set(grades)) / len(grades))
        answers.append(any(grades.get(key, 0) == 2 for key in ranked[:5]))
    return {
        "ndcg@10": round(statistics.mean(ndcgs), 3),
        "recall@10": round(statistics.mean(recalls), 3),
        "answer@5": round(statistics.mean(answers), 3),
        "ms_per_query": round((time.perf_counter() - started) * 1000 / len(queries), 1),
    }


def main() -> None:
    """Build or reuse the store, run the queries through each retriever, print the scores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default=str(ROOT / "corpora" / "relevance" / "queries.jsonl"))
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    queries, skipped = load_queries(Path(args.queries))
    for reason in skipped:
        print(f"skipped {reason}", file=sys.stderr)
    if not queries:
        raise SystemExit("no judged query has its documents here; nothing to measure")
    CACHE.mkdir(exist_ok=True)
    store_path = CACHE / "store.db"
    build(store_path)
    from pipeline.semantic.search import hybrid_search, semantic_search

    store = SqliteStore(store_path)
    location = str(store_path)

    def keys(hits: list[dict[str, Any]]) -> Ranking:
        return [(page_key(h["document"]["source"]), h["page"]) for h in hits]

    retrievers: dict[str, Callable[[str], Ranking]] = {
        "full text": lambda q: keys([h.to_json() for h in store.search(q, limit=10).hits]),
        "semantic": lambda q: keys(semantic_search(location, q, 10, device="cpu")["hits"]),
        "hybrid": lambda q: keys(hybrid_search(location, q, 10, device="cpu")["hits"]),
    }
    results: dict[str, Any] = {"queries": len(queries), "skipped": len(skipped), "store": "sqlite"}
    for name, run in retrievers.items():
        results[name] = measure(queries, run)
    kinds = sorted({q["kind"] for q in queries})
    results["by_kind"] = {
        kind: {
            name: measure([q for q in queries if q["kind"] == kind], run)["ndcg@10"]
            for name, run in retrievers.items()
        }
        for kind in kinds
    }
    store.close()
    if args.json:
        print(json.dumps(results))
        return
    print(f"{len(queries)} judged queries ({len(skipped)} skipped), embedded store")
    print(f"{'retriever':10} {'nDCG@10':>8} {'recall@10':>10} {'answer@5':>9} {'ms/query':>9}")
    for name in retrievers:
        r = results[name]
        print(
            f"{name:10} {r['ndcg@10']:8.3f} {r['recall@10']:10.3f} {r['answer@5']:9.3f} "
            f"{r['ms_per_query']:9.1f}"
        )
    print("nDCG@10 by kind of query:")
    for kind, scores in results["by_kind"].items():
        print(f"  {kind:10} " + "  ".join(f"{n} {s:.3f}" for n, s in scores.items()))
    print("Elasticsearch: not measured (no server reachable from this machine).")


if __name__ == "__main__":
    main()
