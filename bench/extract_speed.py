"""Extraction speed in words/s: moneytrail's pipeline next to bare en_core_web_sm, one run.

Both read the same parsed texts (the development set, repeated until it holds --words words).
Bare: the full small model (every component) through nlp.pipe. moneytrail: the Extractor,
which also runs the wallet, amount, casino, actor, country and resolver components.

    python bench/extract_speed.py [--words 200000] [--corpus corpora/dev]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from pipeline.extract.extractor import Extractor  # noqa: E402
from pipeline.extract.nlp import model_name  # noqa: E402
from pipeline.ingest import collect_paths  # noqa: E402
from pipeline.parse import parse  # noqa: E402
from pipeline.records import Document  # noqa: E402


def corpus(folder: Path, min_words: int) -> tuple[list[Document], int]:
    """Parse the folder's documents and repeat them until they hold min_words words."""
    files, _ = collect_paths([str(folder)])
    docs = [parse(f) for f in files]
    words_each = [len(d.text.split()) for d in docs]
    out: list[Document] = []
    total = 0
    while total < min_words:
        out.extend(docs)
        total += sum(words_each)
    return out, total


def main() -> None:
    """Time both pipelines on the same texts and print words/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpora" / "dev")
    args = parser.parse_args()
    docs, words = corpus(args.corpus, args.words)

    bare = spacy.load(model_name())
    start = time.perf_counter()
    for _ in bare.pipe((d.text for d in docs), batch_size=64):
        pass
    bare_s = time.perf_counter() - start

    extractor = Extractor()
    start = time.perf_counter()
    mentions = sum(len(o.mentions) for o in extractor.extract_many(docs))
    ours_s = time.perf_counter() - start

    print(f"corpus: {len(docs)} documents, {words} words (from {args.corpus})")
    print(f"bare en_core_web_sm (all components):    {words / bare_s:9.0f} words/s ({bare_s:.1f}s)")
    print(
        f"moneytrail extraction ({mentions} mentions): {words / ours_s:9.0f} words/s "
        f"({ours_s:.1f}s)"
    )
    print(f"ratio moneytrail / bare: {bare_s / ours_s:.2f}x")


if __name__ == "__main__":
    main()
