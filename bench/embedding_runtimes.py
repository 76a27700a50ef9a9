"""Embedding runtimes compared: ONNX Runtime on the int8 model against torch on float32.

Issue 12 asks for a CPU-only semantic extra chosen by measurement. In one run this script:
1. ingests the development corpus (corpora/dev) into a temporary store, once;
2. embeds its passages with each runtime into its own copy of the store, and runs the judged
   queries of corpora/dev-queries through semantic search on each: recall@10 and MRR at
   page level, as bench/semantic_eval.py judges them;
3. times embedding throughput (passages/s, best of interleaved rounds) and the cosine between
   the two runtimes' vectors of the same passages;
4. with --sizes, builds a fresh venv for each extra from this checkout and reports its size.

torch float32 is the baseline (the 0.8.0 semantic extra); ratios are ONNX over torch.

    python bench/embedding_runtimes.py [--rounds 3] [--batch-size 32] [--sizes]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from semantic_eval import (  # noqa: E402
    DOCUMENT_SUFFIXES,
    as_ranked,
    load_queries,
    relevant_pages,
    score,
)

from pipeline.ingest import ingest  # noqa: E402
from pipeline.semantic.embedder import (  # noqa: E402
    OnnxEmbedder,
    TorchEmbedder,
    onnx_available,
    torch_available,
)
from pipeline.semantic.passages import passages  # noqa: E402
from pipeline.semantic.search import embed_store, semantic_search  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.store import SqliteStore  # noqa: E402

RUNTIMES = {"torch fp32 (baseline)": "fp32", "onnx int8": "auto"}


def retrieval(store_path: str, queries: list[dict]) -> tuple[float, float]:
    """Return semantic recall@10 and MRR over the judged queries."""
    store = SqliteStore(store_path)
    relevant = relevant_pages(store, queries)
    store.close()
    recalls, rrs = [], []
    for q in queries:
        found = semantic_search(store_path, q["query"], 10, device="cpu", embed_missing=False)
        r, rr, _ = score(as_ranked(found["hits"]), relevant[q["id"]], [q["query"]])
        recalls.append(r)
        rrs.append(rr)
    return statistics.mean(recalls), statistics.mean(rrs)


def throughput(texts: list[str], batch_size: int, rounds: int) -> dict[str, float]:
    """Return passages/s per runtime (best of interleaved rounds) and their vectors' cosine."""
    models = {
        "torch fp32 (baseline)": TorchEmbedder(None, "cpu", batch_size, "fp32"),
        "onnx int8": OnnxEmbedder(batch_size),
    }
    for model in models.values():
        model.embed(texts[:batch_size])  # warm-up
    best = dict.fromkeys(models, 0.0)
    for _ in range(rounds):
        for name, model in models.items():
            started = time.perf_counter()
            model.embed(texts)
            best[name] = max(best[name], len(texts) / (time.perf_counter() - started))
    a = models["torch fp32 (baseline)"].embed(texts)
    b = models["onnx int8"].embed(texts)
    cosines = (a * b).sum(axis=1)
    best["cosine min"] = float(cosines.min())
    best["cosine mean"] = float(cosines.mean())
    return best


def venv_size(extra: str) -> tuple[int, int]:
    """Install this checkout with one extra into a fresh venv; return (MB, packages)."""
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        spec = str(ROOT) if extra == "base" else f"{ROOT}[{extra}]"
        pip = [str(venv / "bin" / "pip"), "install", "-q", "--only-binary=:all:", spec]
        subprocess.run(pip, check=True, capture_output=True)
        listed = subprocess.run(
            [str(venv / "bin" / "pip"), "list", "--format=freeze"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and not f.is_symlink())
        return size // 2**20, len(listed)


def main() -> None:
    """Measure and print both runtimes side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sizes", action="store_true", help="also measure venv sizes (slow)")
    args = parser.parse_args()
    if not (onnx_available() and torch_available()):
        sys.exit("install both runtimes: pip install -e '.[semantic,semantic-torch]'")
    corpus = ROOT / "corpora" / "dev"
    files = sorted(str(p) for p in corpus.iterdir() if p.suffix in DOCUMENT_SUFFIXES)
    queries = load_queries(ROOT / "corpora" / "dev-queries" / "queries.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        base = str(Path(tmp) / "dev.db")
        store = SqliteStore(base)
        ingest(files, store, Settings(store=base, workers=0))
        texts = [p.flat for d in store.iter_documents() for p in passages(d)]
        store.close()
        print(f"{len(files)} documents, {len(texts)} passages, {len(queries)} judged queries")
        quality = {}
        for name, precision in RUNTIMES.items():
            copy = str(Path(tmp) / f"{precision}.db")
            shutil.copy(base, copy)
            embed_store(copy, None, "cpu", args.batch_size, False, None, precision)
            quality[name] = retrieval(copy, queries)
    speed = throughput(texts, args.batch_size, args.rounds)
    print(f"\n{'runtime':24} {'passages/s':>10} {'recall@10':>9} {'MRR':>6}")
    for name in RUNTIMES:
        recall, mrr = quality[name]
        print(f"{name:24} {speed[name]:10.1f} {recall:9.3f} {mrr:6.3f}")
    torch_name, onnx_name = RUNTIMES
    print(
        f"onnx over torch: throughput {speed[onnx_name] / speed[torch_name]:.2f}x, recall@10 "
        f"{quality[onnx_name][0] / quality[torch_name][0]:.2f}x, MRR "
        f"{quality[onnx_name][1] / quality[torch_name][1]:.2f}x"
    )
    print(
        f"cosine(onnx, torch) per passage: min {speed['cosine min']:.4f}, "
        f"mean {speed['cosine mean']:.4f}"
    )
    if args.sizes:
        print(f"\n{'install':24} {'venv MB':>8} {'packages':>9}")
        for extra in ("base", "semantic", "semantic-torch"):
            megabytes, count = venv_size(extra)
            print(f"{extra:24} {megabytes:8d} {count:9d}")


if __name__ == "__main__":
    main()
