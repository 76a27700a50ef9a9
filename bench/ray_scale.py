"""Ingest throughput on the Ray engine with 1 and 2 workers, against the local pool, in one run.

Each variant ingests the same folder into a fresh SQLite store with OCR off, timed from the
start of the batch (model loads included) to its last write, and its pages per second are
printed with the ratio to the local pool with one worker, measured in the same run. The Ray
variants use one local cluster started before the clock runs (a cluster outlives runs). The
stores are compared afterwards: stats and mention ids must be equal.

    python bench/ray_scale.py [FOLDER] [--repeat 1]

FOLDER defaults to corpora/dev. On a machine with two cores, two workers of either engine
share the cores with the driver that writes the store.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _run(folder: Path, store: Path, engine: str, workers: int) -> tuple[float, Any]:
    from pipeline.ingest import ingest
    from pipeline.settings import Settings
    from pipeline.store import SqliteStore

    settings = replace(Settings(ocr="never"), workers=workers, engine=engine)
    db = SqliteStore(store)
    try:
        started = time.perf_counter()
        report = ingest([str(folder)], db, settings)
        seconds = time.perf_counter() - started
        ids = sorted(m.id for m in db.iter_mentions())
        return seconds, (report.pages, db.stats(), ids, report.timings, len(report.failures))
    finally:
        db.close()


def main() -> None:
    """Time each variant and print pages per second and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "corpora" / "dev"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    folder = Path(args.folder)

    import ray

    from pipeline.engines.ray import _worker_env

    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": _worker_env()},
    )
    variants = [("local", 1), ("ray", 1), ("local", 2), ("ray", 2)]
    results: dict[tuple[str, int], float] = {}
    outputs: dict[tuple[str, int], Any] = {}
    pages = 0
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.repeat):
            for engine, workers in variants:
                store = Path(tmp) / f"{engine}-{workers}-{round_}.db"
                seconds, output = _run(folder, store, engine, workers)
                pages = output[0]
                best = results.get((engine, workers))
                results[(engine, workers)] = seconds if best is None else min(best, seconds)
                outputs[(engine, workers)] = output
    ray.shutdown()
    base = pages / results[("local", 1)]
    failed = outputs[("local", 1)][4]
    print(f"{folder}: {pages} pages ({failed} files failed), OCR off, best of {args.repeat}")
    for (engine, workers), seconds in results.items():
        rate = pages / seconds
        print(
            f"  {engine:5} x{workers}: {seconds:6.1f} s  {rate:6.2f} pages/s  "
            f"{rate / base:4.2f}x local x1  ({rate / workers / base:4.2f}x per worker)"
        )
    same = len({repr(o[:3]) for o in outputs.values()}) == 1
    print(f"  stores equal (stats and mention ids): {same}")
    # Where a page's time goes with one local worker (worker stages summed, then the writer's).
    timings = outputs[("local", 1)][3]
    total = sum(timings.values())
    split = ", ".join(
        f"{k} {v / total:.0%}" for k, v in sorted(timings.items(), key=lambda kv: -kv[1])
    )
    print(f"  time per stage, local x1: {split}")


if __name__ == "__main__":
    main()
