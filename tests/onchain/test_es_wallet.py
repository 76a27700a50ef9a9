"""`wallet` and `xref` on Elasticsearch equal the embedded store's, with bounded reads.

The cluster is the FAKE in tests/onchain/es_paths_fake.py (no Elasticsearch runs here), or a
real one when MONEYTRAIL_ES_URL is set. The data: the scene's documents, lists, tags and
transfers, a generated graph (random edges, a hub past the fanout bound, planted paths to a
listed address) and generated documents that name the graph's wallets beside actors, casinos
and amounts.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("elasticsearch")

from pipeline.onchain import graph
from pipeline.onchain.importer import import_file
from pipeline.onchain.keys import address_key
from pipeline.onchain.queries import COUNTERPARTIES, wallet_report
from pipeline.onchain.xref import wallet_record, xref
from pipeline.store import SqliteStore
from pipeline.store.elasticsearch import onchain as onchain_es
from pipeline.store.elasticsearch import onchain_rows, onchain_totals
from pipeline.store.elasticsearch.onchain_paths import (
    es_wallet_records,
    es_wallet_report,
    es_xref,
    working_set,
)
from tests.onchain import scene
from tests.onchain.conftest import CASINO, LAZARUS, MIDDLE, NEVER, TORNADO, add_document
from tests.onchain.es_paths_fake import index_corpus, serve
from tests.onchain.test_elastic import _Es
from tests.onchain.test_es_paths import _graph

ACTORS = ("Lazarus Group", "Tornado Cash", "Garantex")
CASINOS = ("NagaWorld", "Okada Manila")


def _documents(store: SqliteStore, made: dict[str, Any], seed: int) -> None:
    """Add documents naming the graph's wallets, each sentence with an actor or an amount."""
    rng = random.Random(seed)
    people = made["people"]
    named = [made["start"], made["end"], made["hub"], people[5], people[6], *people[10:14]]
    for n in range(5):
        sentences: list[str] = []
        spans: list[tuple[str, str, dict[str, Any]]] = []
        for wallet in rng.sample(named, 3):
            actor, casino = rng.choice(ACTORS), rng.choice(CASINOS)
            amount = f"{rng.randint(1, 7)} ETH"
            sentences.append(f"{actor} moved {amount} through {wallet} at {casino} in August 2023.")
            value: dict[str, Any] = {"currency": "ETH", "value": float(amount.split()[0])}
            spans += [
                ("actor", actor, {"kind": "group"}),
                ("amount", amount, value),
                ("wallet", wallet, {}),
                ("casino", casino, {"kind": "casino_resort"}),
            ]
        text = " ".join(sentences)
        # add_document finds each span's first occurrence: keep only the first of each text.
        firsts = {surface: (kind, surface, extra) for kind, surface, extra in reversed(spans)}
        add_document(
            store, text, list(firsts.values()), f"2024-0{n + 1}-15", f"generated-{seed}-{n}.txt"
        )


def _embedded(tmp_path: Path, seed: int) -> tuple[SqliteStore, dict[str, Any]]:
    store = SqliteStore(tmp_path / "embedded.db")
    scene.build(store)
    made = _graph(tmp_path / "graph.csv", seed)
    import_file(store.db, tmp_path / "graph.csv")
    _documents(store, made, seed)
    return store, made


@pytest.fixture(params=[(1, False), (2, True)], ids=["graph-1", "graph-2-small-pages"])
def both(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SqliteStore, Any, Any, dict[str, Any]]]:
    """The same data in the embedded store and in the fake cluster."""
    seed, small = request.param
    if small:  # pages of a few hits and buckets, so every paging path runs
        monkeypatch.setattr(onchain_rows, "PAGE", 3)
        monkeypatch.setattr(onchain_totals, "BUCKETS", 4)
    store, made = _embedded(tmp_path, seed)
    server, cluster = serve()
    es = _Es(f"http://127.0.0.1:{server.server_address[1]}")
    onchain_es.push(es, store.db)
    index_corpus(es.client, es.prefix, store)
    yield store, es, cluster, made
    es.client.close()
    server.shutdown()
    store.close()


def _addresses(made: dict[str, Any]) -> list[str]:
    people = made["people"]
    return [LAZARUS, MIDDLE, CASINO, TORNADO, NEVER, made["hub"], made["start"], *people[5:7]]


def _bodies_parse_in_the_dsl(cluster: Any) -> int:
    """Check every search body sent parses in the official client's DSL; return how many."""
    from elasticsearch.dsl import Search

    bodies = []
    for _, path, body in cluster.requests:
        if path.split("?")[0].endswith("/_msearch"):
            bodies += body[1::2]
        elif path.split("?")[0].endswith("/_search"):
            bodies.append(body)
    for body in bodies:
        assert Search.from_dict(dict(body)).to_dict() == body
    return len(bodies)


def test_wallet_report_equals_the_embedded_store(
    both: tuple[SqliteStore, Any, Any, dict[str, Any]],
) -> None:
    store, es, cluster, made = both
    expected_all = []
    for address in [*_addresses(made), "0x" + "ab" * 20]:
        for hops in (1, 3):
            expected = wallet_report(store.db, address, hops)
            assert es_wallet_report(es, address, hops) == expected, (address, hops)
            expected_all.append(expected)
    # The comparison covered what the reports can hold, not only empty answers.
    assert any(r["sanctioned"] for r in expected_all)
    assert any(r["paths_to_sanctioned"] for r in expected_all)
    assert any(r["search_truncated"] for r in expected_all)
    assert any(r["counterparties_total"] > COUNTERPARTIES for r in expected_all)
    assert any(r["tags"] for r in expected_all)
    assert any(v["matched"] for r in expected_all for v in r["corroboration"])
    assert any(a.get("usd_in") for r in expected_all for a in r["activity"]["assets"])
    assert _bodies_parse_in_the_dsl(cluster) > 0


@pytest.mark.parametrize("cap", [graph.FRONTIER_CAP, 3])
def test_xref_equals_the_embedded_store(
    both: tuple[SqliteStore, Any, Any, dict[str, Any]], cap: int
) -> None:
    store, es, cluster, _ = both
    expected = xref(store.db, 3, cap)
    assert es_xref(es, 3, cap) == expected
    wallets = expected["wallets"]
    assert len(wallets) > 8
    assert any(w["linked_entities"] for w in wallets)
    assert any(w["flagged_counterparties"] for w in wallets)
    assert any(w["paths_to_sanctioned"] for w in wallets)
    assert _bodies_parse_in_the_dsl(cluster) > 0


def test_api_answers_from_the_cluster(both: tuple[SqliteStore, Any, Any, dict[str, Any]]) -> None:
    from pipeline.api import _onchain, _xref

    store, es, _, made = both
    keys = [address_key(a).key for a in _addresses(made)]
    records, problem = _xref(es, keys, 2)
    assert problem is None
    assert records == {k: wallet_record(store.db, k, 2, graph.FRONTIER_CAP) for k in keys}
    report, problem = _onchain(es, made["hub"])
    assert problem is None and report == wallet_report(store.db, made["hub"])


def test_the_client_holds_only_the_rows_each_step_reads(
    both: tuple[SqliteStore, Any, Any, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.onchain import corroborate

    store, es, _, made = both
    monkeypatch.setattr(corroborate, "VERDICT_ROWS", 5)  # far below the hub's transfers
    hub = address_key(made["hub"]).key
    total = store.db.execute("SELECT count(*) FROM transfers").fetchone()[0]
    hub_rows = store.db.execute("SELECT count(*) FROM transfers WHERE from_key = ?", (hub,))
    hub_rows = hub_rows.fetchone()[0]
    mentions = store.db.execute("SELECT count(*) FROM mentions").fetchone()[0]
    with closing(working_set(es)) as db:
        report = wallet_report(db, made["hub"], 3)
        assert report == wallet_report(store.db, made["hub"], 3)
        held = db.execute("SELECT count(*) FROM transfers").fetchone()[0]
        held_hub = db.execute("SELECT count(*) FROM transfers WHERE from_key = ?", (hub,))
        held_hub = held_hub.fetchone()[0]
        # The activity and the counterparties were summed in the cluster, over every row;
        # the client holds one hop's FANOUT + 1 and what each corroboration verdict weighs.
        assert report["activity"]["transfers"] > graph.FANOUT + 5
        bound = graph.FANOUT + 1 + 5 * len(report["corroboration"])
        assert graph.FANOUT < held_hub <= bound < hub_rows
        assert 0 < held < total
        assert db.execute("SELECT count(*) FROM mentions").fetchone()[0] < mentions
        db.forget()
        assert db.execute("SELECT count(*) FROM transfers").fetchone()[0] == 0


def test_an_empty_cluster_answers_an_empty_report(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "empty.db")
    server, _ = serve()
    es = _Es(f"http://127.0.0.1:{server.server_address[1]}")
    index_corpus(es.client, es.prefix, store)  # a corpus, but nothing on-chain imported yet
    try:
        assert es_wallet_report(es, LAZARUS) == wallet_report(store.db, LAZARUS)
        assert es_xref(es) == xref(store.db)
    finally:
        es.client.close()
        server.shutdown()
        store.close()


@pytest.mark.skipif(
    not os.environ.get("MONEYTRAIL_ES_URL"),
    reason="MONEYTRAIL_ES_URL is not set: no Elasticsearch cluster to test against",
)
def test_a_live_cluster_answers_as_the_embedded_store(tmp_path: Path) -> None:
    from pipeline.store import open_store
    from pipeline.store.migrate import migrate

    store, made = _embedded(tmp_path, 3)
    url = os.environ["MONEYTRAIL_ES_URL"].rstrip("/")
    es: Any = open_store(f"{url}/?prefix=mt-onchain-{uuid.uuid4().hex[:12]}")
    try:
        migrate(store, es)
        onchain_es.push(es, store.db)
        for address in _addresses(made):
            assert es_wallet_report(es, address) == wallet_report(store.db, address), address
        assert es_xref(es) == xref(store.db)
        assert es_wallet_records(es, [address_key(made["hub"]).key]) == {
            address_key(made["hub"]).key: wallet_record(
                store.db, address_key(made["hub"]).key, 3, graph.FRONTIER_CAP
            )
        }
    finally:
        drop_live(es)
        store.close()


def drop_live(es: Any) -> None:
    """Delete a live test's indices, the on-chain ones included, and close its client."""
    onchain = [f"{onchain_es.alias(es.prefix, t)}-v{onchain_es.VERSION}" for t in onchain_es.TABLES]
    es.client.options(ignore_status=404).indices.delete(index=onchain)
    es.drop()
    es.close()


class _Closable(_Es):
    """The fake-backed client the CLI gets in place of an ElasticStore (it has no `info`)."""

    def close(self) -> None:
        self.client.close()


@pytest.mark.parametrize("command", ["wallet", "path", "xref"])
def test_the_cli_answers_from_the_cluster(
    both: tuple[SqliteStore, Any, Any, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
) -> None:
    import pipeline.store
    from tests.onchain.test_commands import run

    store, es, _, made = both
    opened = []

    def open_store(location: str) -> _Closable:
        opened.append(location)
        return _Closable(es.url)

    monkeypatch.setattr(pipeline.store, "open_store", open_store)
    monkeypatch.setenv("MONEYTRAIL_CACHE", str(tmp_path / "cache"))
    args = {"wallet": [made["hub"]], "path": [made["start"], TORNADO], "xref": []}[command]
    code, out, _ = run(command, *args, "--store", es.url, "--json")
    assert code == 0 and opened == [es.url]
    code, expected, _ = run(command, *args, "--store", str(store.path), "--json")
    assert code == 0 and out == expected
    assert not (tmp_path / "cache").exists(), "a query keeps no local copy"
