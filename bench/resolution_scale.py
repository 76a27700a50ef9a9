"""Cross-document resolution against the number of mentions: full scan against blocks.

For each size a SQLite store is generated through the ordinary write path (documents of
actor and casino mentions whose names come back in other documents under variants: typos,
legal words, a leading place, trailing initials, acronyms, aliases; about three mentions per
entity). Then, on the same store, interleaved, each variant resolves it from scratch:

  scan     before issue 16: read every entity and mention count, cluster all here, write
  blocks   the blocks listed by the store, clustered in this process, joins written
  pool     the same blocks clustered in --workers spawned processes

Each is timed; scan and pool run again under tracemalloc for the peak memory the driving
process allocates (the pool's workers are not counted: that is the point of them; blocks
holds what pool holds plus one batch's rows). The clusters must be identical, or the bench
stops. Ratios are scan / variant, from the same run.

    python bench/resolution_scale.py [--sizes 10000 50000 200000] [--workers 2]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.engines.resolution import runner_for  # noqa: E402
from pipeline.link.corpus import Resolution, relink, relink_by_scan  # noqa: E402
from pipeline.link.resolve import normalise  # noqa: E402
from pipeline.records import Document, Entity, Mention, Page  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.store import SqliteStore  # noqa: E402

PLACES = ["Dandong", "Shenyang", "Macau", "Manila", "Pyongyang", "Bangkok", "Dubai"]
LEGAL = ["Ltd", "Co", "Limited", "Corporation", "Inc"]
PER_DOCUMENT = 200


def _word(rnd: random.Random) -> str:
    syllables = ["ka", "ri", "son", "hong", "tai", "lun", "mar", "vel", "zen", "bao", "dor"]
    syllables += ["quan", "pet", "ros", "lin", "shu", "ang", "tek", "mor", "sul", "yan", "gor"]
    return "".join(rnd.choice(syllables) for _ in range(rnd.choice((2, 3)))).title()


def _variant(name: str, rnd: random.Random) -> str:
    pick = rnd.random()
    if pick < 0.15:
        return f"{name} {rnd.choice(LEGAL)}"
    if pick < 0.3 and len(name) > 8:
        at = rnd.randrange(2, len(name) - 2)
        return name[:at] + name[at + 1 :]
    if pick < 0.4:
        return f"{rnd.choice(PLACES)} {name}"
    if pick < 0.5:
        return f"{name} {rnd.choice('ABCDEFG')}."
    if pick < 0.55:
        return "".join(w[0] for w in name.split()).upper()
    return name


def generate(path: Path, mentions: int, seed: int = 7) -> SqliteStore:
    """Write a store of about this many actor and casino mentions."""
    rnd = random.Random(seed)
    entities = mentions // 3
    bases = [" ".join(_word(rnd) for _ in range(rnd.choice((2, 2, 3)))) for _ in range(entities)]
    people = {i for i in range(entities) if rnd.random() < 0.2}
    names: list[tuple[str, str, str, tuple[str, ...]]] = []  # type, name, kind, aliases
    for i in range(entities):
        base = bases[rnd.randrange(i + 1)] if rnd.random() < 0.35 else bases[i]
        kind = "person" if i in people else rnd.choice(("company", "group", "bank"))
        aliases = (bases[rnd.randrange(entities)],) if rnd.random() < 0.05 else ()
        type_ = "casino" if rnd.random() < 0.1 else "actor"
        names.append((type_, _variant(base, rnd), kind, aliases))
    store = SqliteStore(path)
    pending: list[tuple[str, str, str, tuple[str, ...]]] = []
    for n in range(mentions):
        pending.append(names[rnd.randrange(entities)] if n >= entities else names[n])
        if len(pending) == PER_DOCUMENT or n == mentions - 1:
            _write(store, n // PER_DOCUMENT, pending)
            pending = []
    return store


def _write(
    store: SqliteStore, number: int, names: list[tuple[str, str, str, tuple[str, ...]]]
) -> None:
    text = ". ".join(n[1] for n in names) + "."
    doc = Document(f"{number:064x}", f"bench/{number}.txt", "text", text, (Page(1, 0, len(text)),))
    mentions, entities, at = [], {}, 0
    for i, (type_, name, kind, aliases) in enumerate(names):
        digest = hashlib.sha1(f"{type_}:{name.lower()}".encode()).hexdigest()
        entity_id = f"{type_[:2]}-{digest[:20]}"
        mentions.append(
            Mention(f"m{number}-{i}", doc.id, 1, at, at + len(name), type_, name,
                    {"kind": kind}, name.lower(), name, "bench", 1.0, entity_id)
        )  # fmt: skip
        entities[entity_id] = Entity(entity_id, type_, name, aliases, {"kind": kind})
        at += len(name) + 2
    store.upsert_document(doc, mentions, list(entities.values()))


def scan(store: SqliteStore, settings: Settings) -> Resolution:
    resolution = relink_by_scan(store)
    store.write_resolution(resolution)
    return resolution


def blocks(store: SqliteStore, settings: Settings) -> Resolution:
    return relink(store)


def pool(store: SqliteStore, settings: Settings) -> Resolution:
    return relink(store, runner_for(settings, store))


MEASURE_MEMORY = ("scan", "pool")
VARIANTS: dict[str, Callable[[SqliteStore, Settings], Resolution]] = {
    "scan": scan,
    "blocks": blocks,
    "pool": pool,
}


def measure(store: SqliteStore, settings: Settings) -> dict[str, tuple[float, float]]:
    """Return seconds and peak MiB per variant; check that they agree."""
    out: dict[str, tuple[float, float]] = {}
    answers = {}
    for name, variant in VARIANTS.items():
        normalise.cache_clear()  # each variant starts without the names the last one met
        started = time.perf_counter()
        answers[name] = {k: v for k, v in variant(store, settings).canonical.items() if k != v}
        seconds = time.perf_counter() - started
        peak = float("nan")
        if name in MEASURE_MEMORY:
            normalise.cache_clear()
            tracemalloc.start()
            variant(store, settings)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        out[name] = (seconds, peak)
    if not answers["scan"] == answers["blocks"] == answers["pool"]:
        raise SystemExit("the variants disagree: resolution by blocks is wrong")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    columns = "  ".join(f"{v + ' s':>9} {v + ' MiB':>10}" for v in VARIANTS)
    print(f"{'mentions':>9} {'entities':>9} {'joined':>7}  {columns}  scan/blocks  scan/pool  "
          "mem scan/pool")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"r{size}.db"
            store = generate(path, size)
            settings = Settings(store=str(path), workers=args.workers)
            entities = store.db.execute("SELECT count(*) FROM entities").fetchone()[0]
            got = measure(store, settings)
            joined = store.db.execute("SELECT count(*) FROM entity_canon").fetchone()[0]
            cells = "  ".join(f"{got[v][0]:>9.2f} {got[v][1]:>10.1f}" for v in VARIANTS)
            print(
                f"{size:>9} {entities:>9} {joined:>7}  {cells}  "
                f"{got['scan'][0] / got['blocks'][0]:>11.2f}  "
                f"{got['scan'][0] / got['pool'][0]:>9.2f}  "
                f"{got['scan'][1] / got['pool'][1]:>13.2f}",
                flush=True,
            )
            store.close()


if __name__ == "__main__":
    main()
