"""Semantic search, measured: retrieval quality, embedding throughput and exact-search latency.

1. Ingests the development corpus into a temporary store, embeds it, and runs the judged
   queries of corpora/dev-queries/queries.jsonl through four retrievers: full text as
   `search` runs it (every word must match), full text loosened (the query as typed, then any
   of its content words, as hybrid uses it), semantic, and hybrid (reciprocal rank fusion).
   It prints recall@10 and MRR per retriever, at page level (a hit is relevant when its page
   holds a judged phrase), and how often a judged phrase is shown in a top-10 snippet.
2. Embedding throughput on CPU: the same passages in float32 and in bfloat16, interleaved.
3. Exact cosine search over N synthetic unit vectors (default 100,000): matmul + argpartition
   against matmul + a full argsort, in the same run.

    python bench/semantic_eval.py [--vectors 100000] [--rounds 2] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from pipeline.ingest import ingest  # noqa: E402
from pipeline.semantic.embedder import TorchEmbedder, load_embedder  # noqa: E402
from pipeline.semantic.passages import Passage, passages, sentence_spans  # noqa: E402
from pipeline.semantic.search import (  # noqa: E402
    embed_documents,
    hybrid_search,
    semantic_search,
    text_ranking,
)
from pipeline.settings import Settings  # noqa: E402
from pipeline.store import SqliteStore  # noqa: E402
from pipeline.store.sqlite.vectors import VectorIndex, top_rows  # noqa: E402

DOCUMENT_SUFFIXES = {".txt", ".html", ".pdf"}
STOP = {"a", "an", "and", "the", "of", "to", "in", "on", "for", "by", "with", "from", "at", "as"}


def flat(text: str) -> str:
    """Collapse whitespace and lowercase, for phrase matching."""
    return " ".join(text.split()).lower()


def load_queries(path: Path) -> list[dict]:
    """Read the judged queries."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def relevant_pages(store: SqliteStore, queries: list[dict]) -> dict[str, set[tuple[str, int]]]:
    """Map each query id to the (file name, page) pairs whose text holds a judged phrase."""
    pages: dict[str, list[tuple[str, int, str]]] = {}
    for doc in store.iter_documents():
        name = Path(doc.source).name
        pages[name] = [(name, p.number, flat(doc.page_text(p))) for p in doc.pages]
    out: dict[str, set[tuple[str, int]]] = {}
    for q in queries:
        found: set[tuple[str, int]] = set()
        for rel in q["relevant"]:
            hits = [
                (n, num) for n, num, text in pages[rel["source"]] if flat(rel["phrase"]) in text
            ]
            if not hits:
                raise SystemExit(f"{q['id']}: {rel['phrase']!r} is not in {rel['source']}")
            found.update(hits)
        out[q["id"]] = found
    return out


def word_overlap(store: SqliteStore, queries: list[dict]) -> float:
    """Return the mean share of a query's content words found in its judged sentences."""
    texts = {Path(d.source).name: d.text for d in store.iter_documents()}
    shares = []
    for q in queries:
        words = {w[:5] for w in re.findall(r"[a-z]+", q["query"].lower()) if w not in STOP}
        sentences = []
        for rel in q["relevant"]:
            text = texts[rel["source"]]
            sentences += [
                text[start:end]
                for start, end in sentence_spans(text)
                if flat(rel["phrase"]) in flat(text[start:end])
            ]
        found = {w[:5] for s in sentences for w in re.findall(r"[a-z]+", s.lower())}
        shares.append(len(words & found) / len(words))
    return statistics.mean(shares)


def score(
    ranked: list[tuple[str, int, str]], relevant: set[tuple[str, int]], phrases: list[str]
) -> tuple[float, float, float]:
    """Return recall@10, reciprocal rank and the share of phrases shown in a top-10 snippet."""
    top = ranked[:10]
    keys = [(name, page) for name, page, _ in top]
    recall = len(relevant & set(keys)) / len(relevant)
    rr = next((1.0 / i for i, key in enumerate(keys, 1) if key in relevant), 0.0)
    shown = sum(any(flat(p) in flat(snip) for _, _, snip in top) for p in phrases) / len(phrases)
    return recall, rr, shown


def as_ranked(hits: list[dict]) -> list[tuple[str, int, str]]:
    """Turn JSON hits into (file name, page, snippet) triples."""
    return [(Path(h["document"]["source"]).name, h["page"], h["snippet"]) for h in hits]


def evaluate(
    store_path: str, store: SqliteStore, queries: list[dict]
) -> dict[str, tuple[float, float]]:
    """Run every query through the four retrievers; print and return recall@10 and MRR."""
    relevant = relevant_pages(store, queries)
    runs = {
        "full text (search as is)": lambda q: as_ranked(
            [h.to_json() for h in store.search(q, None, 10).hits]
        ),
        "full text, any word": lambda q: as_ranked(
            [h.to_json() for h in text_ranking(store, q, None, 10)]
        ),
        "semantic": lambda q: as_ranked(
            semantic_search(store_path, q, 10, device="cpu", embed_missing=False)["hits"]
        ),
        "hybrid (RRF, k=60)": lambda q: as_ranked(
            hybrid_search(store_path, q, 10, device="cpu", embed_missing=False)["hits"]
        ),
    }
    pages = sum(len(v) for v in relevant.values())
    print(f"\n{len(queries)} queries, {pages} relevant pages; page-level judgement")
    print(f"{'retriever':28} {'recall@10':>9} {'MRR':>6} {'phrase in snippet':>18} {'no hits':>8}")
    results: dict[str, tuple[float, float]] = {}
    for name, run in runs.items():
        recalls, rrs, shown, empty = [], [], [], 0
        for q in queries:
            ranked = run(q["query"])
            empty += not ranked
            r, rr, s = score(ranked, relevant[q["id"]], [x["phrase"] for x in q["relevant"]])
            recalls.append(r)
            rrs.append(rr)
            shown.append(s)
        recall, mrr = statistics.mean(recalls), statistics.mean(rrs)
        print(
            f"{name:28} {recall:9.3f} {mrr:6.3f} {statistics.mean(shown):18.3f} "
            f"{empty:5d}/{len(queries)}"
        )
        results[name] = (recall, mrr)
    base_recall, base_mrr = results["full text, any word"]
    for name in ("semantic", "hybrid (RRF, k=60)"):
        recall, mrr = results[name]
        print(
            f"{name} against full text, any word: recall@10 {recall / base_recall:.2f}x, "
            f"MRR {mrr / base_mrr:.2f}x"
        )
    return results


def throughput(texts: list[str], batch_size: int, rounds: int) -> dict[str, float]:
    """Return passages/s for float32 and bfloat16 on CPU, best of interleaved rounds."""
    models = {p: TorchEmbedder(None, "cpu", batch_size, p) for p in ("fp32", "bf16")}
    for embedder in models.values():
        embedder.embed(texts[:batch_size])  # warm-up: first calls allocate
    best = dict.fromkeys(models, 0.0)
    for _ in range(rounds):
        for name, embedder in models.items():
            start = time.perf_counter()
            embedder.embed(texts)
            best[name] = max(best[name], len(texts) / (time.perf_counter() - start))
    a = models["fp32"].embed(texts[:64])
    b = models["bf16"].embed(texts[:64])
    best["min_cosine_bf16_vs_fp32"] = float((a * b).sum(axis=1).min())
    return best


def latency(n: int, dims: int, queries: int = 50) -> dict[str, float]:
    """Time exact search over n random unit vectors: argpartition against a full sort."""
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        index = VectorIndex(Path(tmp) / "synthetic.db")
        index.check_model("synthetic", "synthetic", dims)
        chunk = 20_000
        for first in range(0, n, chunk):
            size = min(chunk, n - first)
            vectors = rng.standard_normal((size, dims)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            fake = [
                Passage(f"p{first + i}", f"d{(first + i) // 10}", 1, 0, 1, "x") for i in range(size)
            ]
            docs = sorted({(p.document_id, "synthetic", None) for p in fake})
            index.add(docs, fake, vectors)
        probes = rng.standard_normal((queries, dims)).astype(np.float32)
        probes /= np.linalg.norm(probes, axis=1, keepdims=True)
        start = time.perf_counter()
        index.matrix()
        index.scores(probes[0])
        first_ms = (time.perf_counter() - start) * 1000
        fast, slow = [], []
        for q in probes:
            start = time.perf_counter()
            rows = top_rows(index.scores(q), 40)
            index.passages(rows)
            fast.append(time.perf_counter() - start)
            start = time.perf_counter()
            full = np.argsort(-index.scores(q))[:40]
            slow.append(time.perf_counter() - start)
            assert set(full.tolist()) == set(rows.tolist())
        size_mb = index.matrix_path.stat().st_size / 1e6
        index.close()
    return {
        "first_ms": first_ms,
        "argpartition_ms": statistics.median(fast) * 1000,
        "argsort_ms": statistics.median(slow) * 1000,
        "megabytes": size_mb,
    }


def main() -> None:
    """Ingest, embed, evaluate, and time; print everything with ratios in one run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpora" / "dev")
    parser.add_argument("--queries", type=Path, default=ROOT / "corpora/dev-queries/queries.jsonl")
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    import torch

    print(
        f"machine: {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} "
        f"threads, CPU capability {torch.backends.cpu.get_cpu_capability()}, "
        f"load average {os.getloadavg()[0]:.2f} at start; CUDA available: "
        f"{torch.cuda.is_available()}"
    )
    files = sorted(str(p) for p in args.corpus.iterdir() if p.suffix in DOCUMENT_SUFFIXES)
    queries = load_queries(args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        store_path = str(Path(tmp) / "dev.db")
        store = SqliteStore(store_path)
        report = ingest(files, store, Settings(store=store_path))
        print(f"ingested {report.ingested} documents, {report.pages} pages from {args.corpus}")
        index = VectorIndex(store_path)
        embedder = load_embedder(None, "cpu", args.batch_size)
        done = embed_documents(store, index, embedder)
        print(
            f"embedded {done.passages} passages in {done.seconds:.1f}s "
            f"({done.rate:.1f} passages/s, {done.precision}, model load excluded)"
        )
        index.close()
        print(f"query words found in the judged sentences: {word_overlap(store, queries):.0%}")
        evaluate(store_path, store, queries)
        texts = [p.flat for d in store.iter_documents() for p in passages(d)]
        store.close()

    speed = throughput(texts, args.batch_size, args.rounds)
    print(f"\nembedding throughput on CPU, {len(texts)} passages, batch {args.batch_size}:")
    print(f"  float32:  {speed['fp32']:7.1f} passages/s")
    print(f"  bfloat16: {speed['bf16']:7.1f} passages/s  ({speed['bf16'] / speed['fp32']:.2f}x)")
    print(
        f"  lowest cosine between the two precisions' vectors: {speed['min_cosine_bf16_vs_fp32']}"
    )

    timing = latency(args.vectors, 384)
    print(f"\nexact search over {args.vectors:,} vectors ({timing['megabytes']:.0f} MB float32):")
    print(f"  first query after opening (maps the file): {timing['first_ms']:.1f} ms")
    print(f"  matmul + argpartition + rows:  {timing['argpartition_ms']:.1f} ms median")
    print(
        f"  matmul + full argsort (baseline): {timing['argsort_ms']:.1f} ms median "
        f"({timing['argsort_ms'] / timing['argpartition_ms']:.2f}x slower)"
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
