"""Ingest throughput: moneytrail against a naive baseline, measured in one run.

The corpus is the sample corpus repeated until it holds at least --pages pages; each copy gets
a distinct trailing comment so its hash differs and nothing is skipped as already stored.
Baseline: pdfplumber page text plus the full en_core_web_sm pipeline, one page at a time.

    python bench/ingest_speed.py [--pages 200] [--corpus corpora/sample]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract.nlp import model_name  # noqa: E402
from pipeline.ingest import collect_paths, ingest  # noqa: E402
from pipeline.parse import parse_bytes  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.store import SqliteStore  # noqa: E402


def build_corpus(source: Path, target: Path, min_pages: int) -> tuple[list[Path], int]:
    """Copy the corpus with distinct bytes until it holds at least `min_pages` pages."""
    files, _ = collect_paths([str(source)])
    pages_each = {f: len(parse_bytes(f.read_bytes(), str(f), f.suffix).pages) for f in files}
    made: list[Path] = []
    total, copy = 0, 0
    while total < min_pages:
        for f in files:
            out = target / f"{copy:03d}-{f.name}"
            tail = b"\n%%bench copy %d\n" if f.suffix == ".pdf" else b"\n<!-- bench copy %d -->\n"
            out.write_bytes(f.read_bytes() + tail % (copy,))
            made.append(out)
            total += pages_each[f]
        copy += 1
    return made, total


def run_moneytrail(files: list[Path], store_path: Path) -> float:
    """Return seconds for a full moneytrail ingest of the files into a fresh store."""
    store = SqliteStore(store_path)
    start = time.perf_counter()
    report = ingest([str(f) for f in files], store, Settings(store=str(store_path)))
    seconds = time.perf_counter() - start
    store.close()
    if report.failures:
        raise SystemExit(f"bench corpus had failures: {report.failures[0].message}")
    return seconds


def run_baseline(files: list[Path]) -> float:
    """Return seconds for pdfplumber text and the full small model, page by page."""
    import pdfplumber
    import spacy

    start = time.perf_counter()
    nlp = spacy.load(model_name())
    for f in files:
        if f.suffix == ".pdf":
            with pdfplumber.open(f) as pdf:
                texts = [page.extract_text() or "" for page in pdf.pages]
        else:
            texts = [parse_bytes(f.read_bytes(), str(f), f.suffix).text]
        for text in texts:
            nlp(text)
    return time.perf_counter() - start


def main() -> None:
    """Build the corpus, time both, print pages/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpora" / "sample")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="moneytrail-bench-"))
    try:
        files, pages = build_corpus(args.corpus, work, args.pages)
        ours = run_moneytrail(files, work / "bench.db")
        base = run_baseline(files)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"corpus: {len(files)} files, {pages} pages (from {args.corpus})")
    print(
        f"baseline  (pdfplumber + full en_core_web_sm, per page): {pages / base:8.1f} pages/s "
        f"({base:.1f}s)"
    )
    print(
        f"moneytrail (pypdfium2 + batched pipeline + store):     {pages / ours:8.1f} pages/s "
        f"({ours:.1f}s)"
    )
    print(f"ratio moneytrail / baseline: {base / ours:.2f}x")


if __name__ == "__main__":
    main()
