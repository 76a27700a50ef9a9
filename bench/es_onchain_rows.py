"""How many transfer rows the client holds for `wallet` and `xref` on Elasticsearch.

Generates a graph with one exchange-like hub of HUB_EDGES transfers each way, stores it in
the embedded store and in the FAKE cluster of tests/onchain/es_paths_fake.py (no real cluster
runs here), answers a wallet report for the hub and the xref over documents naming a few
wallets, checks each answer equals the embedded store's, and prints the rows the client held
against the rows stored, and the requests sent. Timings through the fake mean nothing, so
none are printed. Run: python bench/es_onchain_rows.py [HUB_EDGES]
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.onchain.importer import import_file
from pipeline.onchain.queries import wallet_report
from pipeline.onchain.transfers import COLUMNS
from pipeline.onchain.xref import xref
from pipeline.store import SqliteStore
from pipeline.store.elasticsearch import onchain as onchain_es
from pipeline.store.elasticsearch.onchain_paths import working_set
from tests.onchain.conftest import FIXTURES, add_document
from tests.onchain.es_paths_fake import index_corpus, serve
from tests.onchain.test_elastic import _Es


def _address(rng: random.Random) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))


def main(hub_edges: int) -> None:
    """Build the data, answer both ways, print what the client held."""
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp())
    hub, people = _address(rng), [_address(rng) for _ in range(500)]
    edges = [(hub, _address(rng)) for _ in range(hub_edges)]
    edges += [(_address(rng), hub) for _ in range(hub_edges)]
    edges += [(rng.choice(people), rng.choice(people)) for _ in range(5 * len(people))]
    with (folder / "t.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n, (a, b) in enumerate(edges):
            day = f"2023-08-{1 + n % 28:02d}T00:00:00Z"
            writer.writerow(["ETH", f"0x{n:064x}", "0", day, n, a, b, "ETH", "1", "", "bench"])
    store = SqliteStore(folder / "e.db")
    import_file(store.db, FIXTURES / "sdn-2025-03-25.xml")
    import_file(store.db, folder / "t.csv")
    for n in range(3):
        named = [hub, *rng.sample(people, 3)]
        text = " ".join(f"It paid 1 ETH to {w} in August 2023." for w in named)
        add_document(store, text, [("wallet", w, {}) for w in named], source=f"d{n}.txt")
    server, cluster = serve()
    es = _Es(f"http://127.0.0.1:{server.server_address[1]}")
    onchain_es.push(es, store.db)
    index_corpus(es.client, es.prefix, store)
    stored = store.db.execute("SELECT count(*) FROM transfers").fetchone()[0]
    with closing(working_set(es)) as db:
        before = len(cluster.requests)
        assert wallet_report(db, hub) == wallet_report(store.db, hub)
        held = db.execute("SELECT count(*) FROM transfers").fetchone()[0]
        sent = len(cluster.requests) - before
    print(f"wallet (hub): held {held} of {stored} rows ({held / stored:.3f}), {sent} requests")
    with closing(working_set(es)) as db:
        before = len(cluster.requests)
        assert xref(db) == xref(store.db)
        sent = len(cluster.requests) - before
    print(f"xref ({len(xref(store.db)['wallets'])} wallets): {sent} requests")
    es.client.close()
    server.shutdown()
    store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
