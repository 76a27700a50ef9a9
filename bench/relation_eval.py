"""Typed relations and actor kinds on the real-text dev set, and what parsing costs.

Prints the scores of `moneytrail evaluate --relations` per split, then times linking the
dev-set PDFs with the dependency-parse relation rules against linking them with
co-occurrences only (the baseline, measured in the same run on the same mentions).

    python bench/relation_eval.py [--corpus corpora/real-dev] [--shared ../shared/data]
        [--timing-docs 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pipeline.link.relations as relations_module  # noqa: E402
from pipeline.evaluate_relations import find_documents, load_dev_set, run  # noqa: E402
from pipeline.extract.extractor import Extractor  # noqa: E402
from pipeline.link import link  # noqa: E402
from pipeline.parse import parse  # noqa: E402


def link_seconds(extracted: list, parse_relations: bool) -> float:  # type: ignore[type-arg]
    """Return the seconds linking takes over extracted documents."""
    original = relations_module._worth_parsing
    if not parse_relations:
        relations_module._worth_parsing = lambda slots: False  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        for document, mentions in extracted:
            link(document, mentions)
        return time.perf_counter() - started
    finally:
        relations_module._worth_parsing = original


def main() -> None:
    """Print scores per split and the relation parser's cost as a ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT / "corpora" / "real-dev"))
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--timing-docs", type=int, default=4, help="PDFs to time linking on")
    args = parser.parse_args()
    corpus, shared = Path(args.corpus), Path(args.shared)
    outcomes = run(corpus, [shared])
    for split, outcome in outcomes.items():
        print(split, json.dumps(outcome.to_json(), indent=1))
    paths = find_documents(load_dev_set(corpus), [shared])
    extractor = Extractor()
    extracted = []
    for path in sorted(paths.values(), key=lambda p: p.stat().st_size)[: args.timing_docs]:
        document = parse(path)
        extracted.append((document, extractor.extract(document)))
    link_seconds(extracted, True)  # load the parser once before timing
    baseline = link_seconds(extracted, False)
    parsed = link_seconds(extracted, True)
    print(
        f"link, co-occurrences only: {baseline:.2f} s; with dependency-parse relations: "
        f"{parsed:.2f} s; ratio {parsed / baseline:.2f}x over {len(extracted)} PDFs"
    )


if __name__ == "__main__":
    main()
