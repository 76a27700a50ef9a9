"""On-chain tables mirrored into Elasticsearch and back, against the FAKE cluster.

No Elasticsearch can run here; tests/semantic/es_fake.py answers the official client over
HTTP (it says what it does not model). What runs for real: the importers, the SQLite tables,
the mappings derived from them, the bulk writes (the store's own `_bulk`) and the scan back.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("elasticsearch")

from pipeline.errors import StoreError
from pipeline.onchain.importer import import_file
from pipeline.onchain.model import OnchainError
from pipeline.onchain.queries import wallet_report
from pipeline.store import SqliteStore
from pipeline.store.elasticsearch import onchain as onchain_es
from pipeline.store.elasticsearch.store import ElasticStore
from tests.semantic.es_fake import serve

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "onchain"


class _Es:
    """The parts of ElasticStore that on-chain mirroring uses, on a real client."""

    _bulk = ElasticStore._bulk

    def __init__(self, url: str) -> None:
        from elasticsearch import Elasticsearch

        self.client = Elasticsearch(url, request_timeout=10)
        self.prefix = "mt"
        self.url = url
        self.chunk_size, self.max_chunk_bytes = 500, 5_000_000
        self.max_retries, self.initial_backoff = 1, 0.01

    @contextmanager
    def _errors(self, doing: str, subject: str | None = None) -> Iterator[None]:
        from elasticsearch import ApiError, TransportError

        try:
            yield
        except (ApiError, TransportError) as exc:
            raise StoreError(f"could not {doing} ({exc})") from exc


@pytest.fixture
def cluster() -> Iterator[tuple[_Es, Any]]:
    server, state = serve()
    es = _Es(f"http://127.0.0.1:{server.server_address[1]}")
    yield es, state
    es.client.close()
    server.shutdown()


def _imported(path: Path) -> SqliteStore:
    store = SqliteStore(path)
    for name in ("transfers.csv", "tagpack.yaml", "sdn-2024-01-10.xml", "sdn-2025-03-25.xml"):
        report = import_file(store.db, FIXTURES / name)
        assert report.added > 0, name
    return store


def _rows(db: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(r) for r in db.execute(f"SELECT * FROM {table}")), key=repr)


def test_push_then_pull_gives_the_same_tables_and_answers(cluster: Any, tmp_path: Path) -> None:
    es, state = cluster
    source = _imported(tmp_path / "a.db")
    sent = onchain_es.push(es, source.db)
    assert sent["transfers"] > 0 and sent["sanctions_listings"] > 0 and sent["address_tags"] > 0
    index = state.aliases["mt-onchain-transfers"]
    assert index == "mt-onchain-transfers-v1"
    props = state.mappings[index]["properties"]
    assert state.mappings[index]["dynamic"] == "strict"
    assert props["id"] == {"type": "long"} and props["from_key"] == {"type": "keyword"}
    assert len(state.indices[index]) == sent["transfers"]

    onchain_es.push(es, source.db)  # a second push overwrites, never duplicates
    assert len(state.indices[index]) == sent["transfers"]

    copy = SqliteStore(tmp_path / "b.db")
    pulled = onchain_es.pull(es, copy.db)
    assert pulled["transfers"] == sent["transfers"]
    for table in onchain_es.TABLES:
        assert _rows(copy.db, table) == _rows(source.db, table), table
    address = source.db.execute("SELECT from_key FROM transfers LIMIT 1").fetchone()[0]
    assert wallet_report(copy.db, address) == wallet_report(source.db, address)
    assert onchain_es.pull(es, copy.db) == {}, "counts agree: nothing to pull again"
    source.close()
    copy.close()


# Every importer's shape, in an order that splits one UTXO transaction over three files
# and brings a token's decimals before and after the transfers that need them.
IMPORTS = (
    "bq-btc-inputs.jsonl",
    "transfers.csv",
    "bq-eth-token-transfers.jsonl",
    "bq-eth-tokens.csv",
    "bq-btc-outputs.jsonl",
    "etherscan-erc20.csv",
    "tagpack.yaml",
    "sdn-2024-01-10.xml",
    "bq-btc-transactions.jsonl",
    "sdn-2025-03-25.xml",
    "transfers.jsonl",
    "bq-eth-transactions.csv",
)


def _counts(report: Any) -> tuple[int, int, int, dict[str, int]]:
    return report.added, report.existing, report.derived_edges, dict(report.skipped)


def test_an_import_into_the_cluster_equals_the_embedded_import(
    cluster: Any, tmp_path: Path
) -> None:
    _import_both_ways(cluster[0], tmp_path)


@pytest.mark.skipif(
    not os.environ.get("MONEYTRAIL_ES_URL"),
    reason="MONEYTRAIL_ES_URL is not set: no Elasticsearch cluster to test against",
)
def test_an_import_into_a_live_cluster_equals_the_embedded_import(tmp_path: Path) -> None:
    from pipeline.store import open_store
    from tests.onchain.test_es_wallet import drop_live

    url = os.environ["MONEYTRAIL_ES_URL"].rstrip("/")
    es: Any = open_store(f"{url}/?prefix=mt-import-{uuid.uuid4().hex[:12]}")
    try:
        _import_both_ways(es, tmp_path)
    finally:
        drop_live(es)


def _import_both_ways(es: Any, tmp_path: Path) -> None:
    """Import every fixture twice into the cluster and into SQLite; compare counts and rows."""
    embedded = SqliteStore(tmp_path / "embedded.db")
    for name in (*IMPORTS, *IMPORTS):  # the second round finds everything stored already
        here = import_file(embedded.db, FIXTURES / name)
        there = onchain_es.import_into(es, FIXTURES / name)
        assert _counts(there) == _counts(here), name
        assert there.rows == here.rows and there.error_count == here.error_count, name
    assert embedded.db.execute("SELECT count(*) FROM utxo_edges").fetchone()[0] > 0
    back = SqliteStore(tmp_path / "back.db")
    onchain_es.pull(es, back.db)
    for table in onchain_es.TABLES:
        assert _rows(back.db, table) == _rows(embedded.db, table), table
    embedded.close()
    back.close()


def test_an_import_copies_no_table_from_the_cluster(cluster: Any, tmp_path: Path) -> None:
    es, state = cluster
    for name in IMPORTS:
        onchain_es.import_into(es, FIXTURES / name)
    state.requests.clear()
    report = onchain_es.import_into(es, FIXTURES / "bq-btc-outputs.jsonl")
    assert report.added == 0 and report.existing > 0
    reads = [  # searches, the scroll pages of a scan aside
        (m, path, body)
        for m, path, body in state.requests
        if "_search" in path and not path.startswith("/_search/scroll")
    ]
    read_indices = {path.strip("/").split("/")[0] for _, path, _ in reads}
    assert read_indices <= {"mt-onchain-utxo-legs", "mt-onchain-utxo-edges"}, read_indices
    for _, _, body in reads:  # each read names the file's transactions, never match_all
        filters = body["query"]["bool"]["filter"]
        assert any("terms" in f and "tx_hash" in f["terms"] for f in filters), body
    assert not [r for r in state.requests if "_count" in r[1] or "match_all" in json.dumps(r[2])]


def test_a_leg_imported_later_derives_the_edges_again_in_the_cluster(
    cluster: Any, tmp_path: Path
) -> None:
    es, state = cluster
    embedded = SqliteStore(tmp_path / "embedded.db")
    for name in ("bq-btc-outputs.jsonl", "bq-btc-inputs.jsonl"):
        import_file(embedded.db, FIXTURES / name)
        onchain_es.import_into(es, FIXTURES / name)
    edges = state.indices[state.aliases["mt-onchain-utxo-edges"]]
    assert len(edges) == embedded.db.execute("SELECT count(*) FROM utxo_edges").fetchone()[0] > 0
    transfers = state.indices[state.aliases["mt-onchain-transfers"]]
    derived = {str(e["transfer_id"]) for e in edges.values()}
    assert derived <= set(transfers)
    embedded.close()


def test_the_import_command_writes_to_the_cluster(
    cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.store
    from tests.onchain.test_commands import run
    from tests.onchain.test_es_wallet import _Closable

    es, state = cluster
    monkeypatch.setattr(pipeline.store, "open_store", lambda location: _Closable(es.url))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # where the old import cache lived
    files = [str(FIXTURES / n) for n in ("bq-btc-inputs.jsonl", "bq-btc-outputs.jsonl")]
    reports = []
    for store in (es.url, str(tmp_path / "embedded.db"), es.url):
        code, out, err = run("onchain", "import", *files, "--store", store, "--json")
        assert code == 0, err
        reports.append(json.loads(out)["imports"])
    for report in reports:
        for item in report:
            item.pop("seconds")
    assert reports[0] == reports[1], "the cluster and the embedded store count alike"
    assert all(r["added"] == 0 and r["existing"] > 0 for r in reports[2]), "imported already"
    assert state.indices[state.aliases["mt-onchain-utxo-edges"]]
    assert not (tmp_path / "home").exists(), "an import keeps no local copy"


def test_a_file_that_breaks_off_keeps_what_came_before_in_both_stores(
    cluster: Any, tmp_path: Path
) -> None:
    es, state = cluster
    header = (FIXTURES / "transfers.csv").read_text().splitlines()[0]
    rows = [
        f"ETH,0x{i:064x},0,2023-08-10T09:00:00Z,{17890001 + i},"
        f"0x098B716B8Aaf21512996dC57EB0615e2383E2f96,0x{i + 1:040x},ETH,{i + 1},,fixture"
        for i in range(25_000)  # more than one batch of 20,000 before the break
    ]
    whole = gzip.compress(("\n".join([header, *rows]) + "\n").encode())
    broken = tmp_path / "transfers.csv.gz"
    broken.write_bytes(whole[: len(whole) * 9 // 10])
    embedded = SqliteStore(tmp_path / "embedded.db")
    errors = []
    for run in (
        lambda: import_file(embedded.db, broken),
        lambda: onchain_es.import_into(es, broken),
    ):
        with pytest.raises(OnchainError) as caught:
            run()
        errors.append(str(caught.value))
    assert "truncated" in errors[0] and errors[0] == errors[1]
    stored = embedded.db.execute("SELECT count(*) FROM transfers").fetchone()[0]
    assert 20_000 <= stored < 25_000
    assert len(state.indices[state.aliases["mt-onchain-transfers"]]) == stored
    embedded.close()
