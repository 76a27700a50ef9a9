"""`path` and paths to listed addresses on Elasticsearch equal the embedded store's.

The cluster is the FAKE in tests/onchain/es_paths_fake.py (no Elasticsearch runs here); the
graphs are generated, with planted paths, a hub past the fanout bound and listed ends.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("elasticsearch")

import itertools

from pipeline.onchain import graph
from pipeline.onchain.importer import import_file
from pipeline.onchain.keys import address_key
from pipeline.onchain.queries import paths, paths_to_sanctioned
from pipeline.onchain.transfers import COLUMNS
from pipeline.store import SqliteStore
from pipeline.store.elasticsearch import onchain as onchain_es
from pipeline.store.elasticsearch.onchain_paths import es_paths, working_set
from tests.onchain.conftest import FIXTURES, TORNADO
from tests.onchain.es_paths_fake import serve
from tests.onchain.test_elastic import _Es


def _address(rng: random.Random) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))


def _graph(path: Path, seed: int) -> dict[str, Any]:
    """Write a transfers CSV: random edges, a hub past FANOUT, planted paths to a listed end."""
    rng = random.Random(seed)
    people = [_address(rng) for _ in range(120)]
    hub = _address(rng)
    edges = [(rng.choice(people), rng.choice(people)) for _ in range(300)]
    edges += [(hub, _address(rng)) for _ in range(graph.FANOUT + 40)]  # an exchange
    edges += [(p, hub) for p in people[:30]]
    start, end = people[0], people[-1]
    planted = [start, *rng.sample(people[1:-1], 3), end]
    edges += list(itertools.pairwise(planted))
    edges += [(people[5], people[6]), (people[6], TORNADO), (people[6], TORNADO)]
    edges += [(hub, TORNADO)]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n, (a, b) in enumerate(edges):
            time = "" if n % 17 == 0 else f"2023-08-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"
            writer.writerow(
                [
                    "ETH",
                    f"0x{n:064x}",
                    "0",
                    time,
                    1000 + n,
                    a,
                    b,
                    "ETH",
                    str(1 + n % 7),
                    "",
                    "generated",
                ]
            )
    return {"people": people, "hub": hub, "start": start, "end": end, "planted": planted}


@pytest.fixture(params=[1, 2], ids=["graph-1", "graph-2"])
def both(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Any, Any, dict[str, Any]]]:
    """The same generated data in the embedded store and in the fake cluster."""
    store = SqliteStore(tmp_path / "embedded.db")
    made = _graph(tmp_path / "transfers.csv", request.param)
    for name in ("sdn-2024-01-10.xml", "sdn-2025-03-25.xml"):
        import_file(store.db, FIXTURES / name)
    import_file(store.db, tmp_path / "transfers.csv")
    server, _ = serve()
    es = _Es(f"http://127.0.0.1:{server.server_address[1]}")
    onchain_es.push(es, store.db)
    yield store, es, made
    es.client.close()
    server.shutdown()
    store.close()


def test_path_equals_the_embedded_store(both: tuple[Any, Any, dict[str, Any]]) -> None:
    store, es, made = both
    people, found = made["people"], 0
    pairs = [(made["start"], made["end"]), (made["hub"], TORNADO), (people[5], TORNADO)]
    pairs += [(people[i], people[j]) for i, j in ((1, 2), (3, 40), (7, 99))]
    for a, b in pairs:
        for hops in (1, 4):
            expected = paths(store.db, a, b, hops)
            assert es_paths(es, a, b, hops) == expected, (a, b, hops)
            found += len(expected["paths"])
    assert found > 0
    planted = paths(store.db, made["start"], made["end"], 4)["paths"]
    keys = [address_key(p).key for p in made["planted"]]
    assert any(p["addresses"] == keys for p in planted) or any(
        p["hops"] < 4 for p in planted
    )  # the planted route, or a shorter one the random edges made


@pytest.mark.parametrize("cap", [graph.FRONTIER_CAP, 20, 3])
def test_paths_to_listed_ends_equal_the_embedded_store(
    both: tuple[Any, Any, dict[str, Any]], cap: int
) -> None:
    store, es, made = both
    truncated_somewhere = False
    for start in [made["hub"], *made["people"][:6]]:
        key = address_key(start).key
        expected = paths_to_sanctioned(store.db, key, 3, cap)
        with closing(working_set(es)) as db:
            assert paths_to_sanctioned(db, key, 3, cap) == expected, (start, cap)
        truncated_somewhere = truncated_somewhere or expected[1]
    # The hub has more counterparties than FANOUT: the bound is hit and said.
    assert truncated_somewhere


def test_the_client_holds_only_rows_near_the_search(
    both: tuple[Any, Any, dict[str, Any]],
) -> None:
    store, es, made = both
    hub = address_key(made["hub"]).key
    total = store.db.execute("SELECT count(*) FROM transfers").fetchone()[0]
    hub_rows = store.db.execute("SELECT count(*) FROM transfers WHERE from_key = ?", (hub,))
    db = working_set(es)
    try:
        paths(db, made["hub"], made["end"], 3)
        held = db.execute("SELECT count(*) FROM transfers").fetchone()[0]
        held_hub = db.execute("SELECT count(*) FROM transfers WHERE from_key = ?", (hub,))
        assert held_hub.fetchone()[0] == graph.FANOUT + 1 < hub_rows.fetchone()[0]
    finally:
        db.close()
    assert 0 < held < total
