"""Scale check for the on-chain store: import >= 1M generated transfers, then time the hop queries.

    python bench/onchain_scale.py [--transfers 1000000] [--addresses 200000] [--keep DIR]

The transfers are generated deterministically (seeded) with a heavy-tailed degree distribution
(endpoints drawn with weight 1/rank**1.05, so a few exchange-like hubs hold a large share),
written to a normalised transfers CSV and imported through the real importer into a fresh
store. Sanctions lists are imported through the real OFAC importer (the fixture issues, plus
the real 2025-11-19 issue when ../shared is present), and PLANTED wallets are each given a
2-hop route doc -> mule -> sanctioned address. Printed: import rate, query times (median and
worst of several calls), whether every planted path was found, store size and peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.onchain.importer import import_file  # noqa: E402
from pipeline.onchain.queries import paths, wallet_report  # noqa: E402
from pipeline.onchain.transfers import COLUMNS  # noqa: E402
from pipeline.store.sqlite.store import SqliteStore  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "onchain"
REAL_OFAC = ROOT.parent / "shared" / "data" / "ofac" / "sdn_advanced-2025-11-19.xml.bz2"
PLANTED = 20
SAMPLES = 20
START = datetime(2022, 1, 1, tzinfo=UTC)


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def address(i: int, salt: str = "pool") -> str:
    """Return a deterministic lower-case EVM address."""
    return "0x" + sha256(f"{salt}:{i}".encode()).hexdigest()[:40]


def generate(path: Path, count: int, pool: int, sanctioned: list[str], seed: int) -> dict[str, Any]:
    """Write `count` transfers to a normalised CSV; return the planted wallets and the hubs."""
    rng = random.Random(seed)
    addresses = [address(i) for i in range(pool)]
    weights, total = [], 0.0
    for rank in range(pool):
        total += 1.0 / (rank + 1) ** 1.05
        weights.append(total)
    step = timedelta(seconds=3 * 365 * 86400 / count)
    planted = []
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for i in range(count - 4 * PLANTED):
            src, dst = rng.choices(addresses, cum_weights=weights, k=2)
            if src == dst:
                dst = addresses[rng.randrange(pool)]
            asset = "ETH" if rng.random() < 0.7 else "USDT"
            amount = f"{rng.lognormvariate(0, 2.5):.6f}"
            when = (START + step * i).strftime("%Y-%m-%dT%H:%M:%SZ")
            leg = "tx" if asset == "ETH" else f"log:{i % 7}"
            out.writerow(
                (
                    "ETH",
                    f"0x{i:064x}",
                    leg,
                    when,
                    15_000_000 + i // 150,
                    src,
                    dst,
                    asset,
                    amount,
                    "",
                    "bench",
                )
            )
        for j in range(PLANTED):
            doc, mule = address(j, "doc"), address(j, "mule")
            target = sanctioned[j % len(sanctioned)]
            hub = addresses[rng.randrange(10)]
            for k, (src, dst) in enumerate(((doc, mule), (mule, target), (hub, doc), (mule, hub))):
                when = (START + timedelta(days=400 + j, hours=k)).strftime("%Y-%m-%dT%H:%M:%SZ")
                out.writerow(
                    (
                        "ETH",
                        f"0xfeed{j:056x}{k:04x}",
                        "tx",
                        when,
                        "",
                        src,
                        dst,
                        "ETH",
                        "12.5",
                        "",
                        "bench-planted",
                    )
                )
            planted.append((doc, target))
    return {
        "planted": planted,
        "hubs": addresses[:3],
        "middle": addresses[pool // 100 : pool // 100 + SAMPLES],
        "random": [addresses[rng.randrange(pool)] for _ in range(2 * SAMPLES)],
    }


def timed(calls: list[Callable[[], Any]]) -> tuple[list[float], list[Any]]:
    """Run each call once; return the seconds each took and the results."""
    seconds, results = [], []
    for call in calls:
        started = time.perf_counter()
        results.append(call())
        seconds.append(time.perf_counter() - started)
    return seconds, results


def line(name: str, seconds: list[float]) -> str:
    """Format median and worst time of a query."""
    return (
        f"  {name:44} median {statistics.median(seconds) * 1000:8.1f} ms   "
        f"worst {max(seconds) * 1000:8.1f} ms   (n={len(seconds)})"
    )


def main() -> None:
    """Generate, import, query and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--addresses", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", type=Path, help="folder to keep the CSV and store in")
    args = parser.parse_args()
    # pipeline.store imports the linker, which loads spaCy: most of the baseline.
    print(f"peak RSS at start (interpreter and moneytrail modules): {peak_rss_mb():.0f} MiB")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="onchain-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, db_path = folder / "transfers.csv", folder / "store.db"
    for stale in folder.glob("store.db*"):
        stale.unlink()
    store = SqliteStore(db_path)
    lists = [FIXTURES / "sdn-2024-01-10.xml", FIXTURES / "sdn-2025-03-25.xml"]
    if REAL_OFAC.exists():
        lists.append(REAL_OFAC)
    for item in lists:
        import_file(store.db, item)
    sanctioned = [
        r[0]
        for r in store.db.execute(
            "SELECT DISTINCT key FROM sanctions_listings WHERE key LIKE '0x%' ORDER BY key LIMIT 10"
        )
    ]

    started = time.perf_counter()
    plan = generate(csv_path, args.transfers, args.addresses, sanctioned, args.seed)
    generated = time.perf_counter() - started
    print(
        f"generated {args.transfers:,} transfers over {args.addresses:,} addresses in "
        f"{generated:.1f}s ({csv_path.stat().st_size / 2**20:.0f} MiB CSV); "
        f"{len(sanctioned)} sanctioned addresses planted 2 hops from {PLANTED} wallets"
    )
    print(f"peak RSS after generation: {peak_rss_mb():.0f} MiB")

    report = import_file(store.db, csv_path)
    rate = report.rows / report.seconds
    print(
        f"import: {report.added:,} added, {report.error_count} malformed, "
        f"{sum(report.skipped.values())} skipped in {report.seconds:.1f}s -> {rate:,.0f} rows/s"
    )
    print(
        f"store: {db_path.stat().st_size / 2**20:.0f} MiB; peak RSS after import: "
        f"{peak_rss_mb():.0f} MiB"
    )
    degree = store.db.execute(
        "SELECT count(*) FROM transfers WHERE from_key = ? OR to_key = ?",
        (plan["hubs"][0], plan["hubs"][0]),
    ).fetchone()[0]
    print(f"largest hub: {degree:,} transfers")

    db = store.db
    print("queries (max 3 hops, frontier cap 10,000 addresses per hop):")
    secs, reports = timed([lambda d=d: wallet_report(db, d) for d, _ in plan["planted"]])
    found = sum(
        any(p["hops"] == 2 and p["addresses"][-1] == t for p in r["paths_to_sanctioned"])
        for r, (_, t) in zip(reports, plan["planted"], strict=True)
    )
    print(line("wallet_report, planted document wallets", secs))
    print(f"    planted 2-hop paths found: {found}/{PLANTED}")
    secs, results = timed([lambda d=d, t=t: paths(db, d, t) for d, t in plan["planted"]])
    hits = sum(any(p["hops"] == 2 for p in r["paths"]) for r in results)
    print(line("paths(doc, sanctioned)", secs) + f"  found {hits}/{PLANTED}")
    secs, results = timed([lambda a=a: wallet_report(db, a) for a in plan["middle"]])
    capped = sum(r["search_truncated"] for r in results)
    print(line("wallet_report, mid-degree addresses", secs) + f"  capped {capped}/{SAMPLES}")
    secs, results = timed([lambda a=a: wallet_report(db, a) for a in plan["hubs"]])
    capped = sum(r["search_truncated"] for r in results)
    print(line("wallet_report, the 3 biggest hubs", secs) + f"  capped {capped}/3")
    pairs = list(zip(plan["random"][::2], plan["random"][1::2], strict=True))
    secs, results = timed([lambda a=a, b=b: paths(db, a, b) for a, b in pairs])
    print(
        line("paths(random a, random b)", secs)
        + f"  found {sum(bool(r['paths']) for r in results)}/{len(pairs)}, "
        + f"capped {sum(r['search_truncated'] for r in results)}/{len(pairs)}"
    )
    print(f"peak RSS at the end: {peak_rss_mb():.0f} MiB")
    store.close()
    if args.keep is None:
        for item in folder.iterdir():
            item.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
