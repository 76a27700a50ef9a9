"""On-chain tables mirrored into Elasticsearch and back, against the FAKE cluster.

No Elasticsearch can run here; tests/semantic/es_fake.py answers the official client over
HTTP (it says what it does not model). What runs for real: the importers, the SQLite tables,
the mappings derived from them, the bulk writes (the store's own `_bulk`) and the scan back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("elasticsearch")

from pipeline.errors import StoreError
from pipeline.onchain.importer import import_file
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


def test_the_import_cache_holds_the_on_chain_tables_and_no_documents(
    cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONEYTRAIL_CACHE", str(tmp_path / "cache"))
    es, _ = cluster
    source = _imported(tmp_path / "a.db")
    onchain_es.push(es, source.db)
    with onchain_es.synced(es) as cache:
        assert cache.path.parent == tmp_path / "cache"
        for table in onchain_es.TABLES:
            assert _rows(cache.db, table) == _rows(source.db, table), table
        assert cache.stats()["documents"] == 0
    source.close()
