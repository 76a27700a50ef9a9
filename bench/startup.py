"""Start-up: wall time of the read commands an analyst runs most, against a bare interpreter.

Each command runs as a fresh process (as a user types it), `--rounds` times, interleaved with
the baseline `python -c pass` so machine load hits both alike. It prints the median and worst
wall time of each and the median as a multiple of the baseline. Issue 12's target: each of
these under 1 s with every extra installed.

    python bench/startup.py [--store PATH] [--rounds 7]

Without --store it ingests corpora/sample into a temporary store first (not timed).
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


def _moneytrail() -> list[str]:
    found = shutil.which("moneytrail")
    if found is None:
        sys.exit("moneytrail is not on PATH: install the package first (pip install .)")
    return [found]


def _run(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed with {done.returncode}: {done.stderr.decode()[-400:]}")
    return elapsed


def main() -> None:
    """Time each command and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="an existing store; default: ingest the sample corpus")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    cli = _moneytrail()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            store = str(Path(tmp) / "sample.db")
            subprocess.run(
                [*cli, "ingest", str(ROOT / "corpora" / "sample"), "--store", store],
                capture_output=True,
                check=True,
            )
        commands = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "moneytrail --version": [*cli, "--version"],
            "moneytrail stats": [*cli, "stats", "--store", store],
            "moneytrail entities": [*cli, "entities", "--store", store],
            "moneytrail failures": [*cli, "failures", "--store", store],
            "moneytrail search Lazarus": [*cli, "search", "Lazarus", "--store", store],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # one warm-up each: the page cache, .pyc files
            _run(argv)
        for _ in range(args.rounds):
            for name, argv in commands.items():
                times[name].append(_run(argv))
    base = statistics.median(times["python -c pass (baseline)"])
    print(f"{'command':32} {'median s':>9} {'worst s':>8} {'x baseline':>11}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:32} {median:9.3f} {max(values):8.3f} {median / base:10.1f}x")
    worst = max(statistics.median(v) for n, v in times.items() if n.startswith("moneytrail"))
    print(f"slowest command median: {worst:.3f} s ({'under' if worst < 1 else 'OVER'} 1 s)")


if __name__ == "__main__":
    main()
