"""Passage vectors in Elasticsearch: against a FAKE cluster here, a real one when it is set.

The fake (tests/semantic/es_fake.py) stands in for the one boundary no machine of this
project can reach. The official client really sends its requests to it over HTTP.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import ConfigError, StoreError
from pipeline.semantic.search import _semantic_pages, embed_documents
from pipeline.store import SqliteStore
from pipeline.store.sqlite.vectors import VectorIndex
from tests.semantic.es_fake import serve

pytest.importorskip("elasticsearch")

QUESTION = "junket operators moving cash across borders"


class _StubStore:
    """The documents of a SQLite store, with a real Elasticsearch client beside them."""

    def __init__(self, sqlite: SqliteStore, url: str) -> None:
        from elasticsearch import Elasticsearch

        self.sqlite = sqlite
        self.url = url
        self.prefix = "mt-test"
        self.client = Elasticsearch(url, request_timeout=10)

    @contextmanager
    def _errors(self, doing: str, subject: str | None = None) -> Iterator[None]:
        from elasticsearch import ApiError, TransportError

        try:
            yield
        except (ApiError, TransportError) as exc:
            raise StoreError(f"could not {doing} ({exc})") from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sqlite, name)

    def close(self) -> None:
        self.client.close()
        self.sqlite.close()


@pytest.fixture
def fake(store_path: str) -> Iterator[tuple[_StubStore, Any]]:
    server, cluster = serve()
    sqlite = SqliteStore(store_path)
    stub = _StubStore(sqlite, f"http://127.0.0.1:{server.server_address[1]}")
    yield stub, cluster
    stub.client.close()
    sqlite.close()
    server.shutdown()


def test_embed_then_knn_agrees_with_the_embedded_index(fake: Any, embedder: Any) -> None:
    from pipeline.store.elasticsearch.vectors import ElasticPassages

    stub, cluster = fake
    index = ElasticPassages(stub)
    assert cluster.aliases == {"mt-test-passages": "mt-test-passages-v1"}
    vector_field = cluster.mappings["mt-test-passages-v1"]["properties"]["vector"]
    assert vector_field["type"] == "dense_vector" and vector_field["similarity"] == "cosine"

    report = embed_documents(stub, index, embedder)
    assert report.documents == 5 and report.passages == len(index) > 5
    again = embed_documents(stub, index, embedder)
    assert again.documents == 0 and again.skipped == 5, "a re-run embeds nothing twice"

    found = _semantic_pages(stub, index, embedder, QUESTION, 3, None)
    assert Path(found[0][0].source).name == "junket.txt"
    assert -1.0 <= found[-1][1] <= found[0][1] <= 1.0

    local = VectorIndex(stub.sqlite.path)
    try:
        embed_documents(stub.sqlite, local, embedder)
        expected = _semantic_pages(stub.sqlite, local, embedder, QUESTION, 3, None)
    finally:
        local.close()
    assert [(p.document_id, p.page) for p, _ in found] == [
        (p.document_id, p.page) for p, _ in expected
    ]
    assert [round(s, 3) for _, s in found] == [round(s, 3) for _, s in expected]


def test_type_filter_is_sent_to_the_cluster(fake: Any, embedder: Any) -> None:
    from pipeline.store.elasticsearch.vectors import ElasticPassages

    stub, cluster = fake
    index = ElasticPassages(stub)
    embed_documents(stub, index, embedder)
    found = _semantic_pages(stub, index, embedder, "money moved to a mixer", 5, "wallet")
    assert [Path(p.source).name for p, _ in found] == ["bridge.txt"]
    knn = [b["knn"] for verb, _, b in cluster.requests if isinstance(b, dict) and "knn" in b]
    assert knn[-1]["filter"] == {"term": {"mention_types": "wallet"}}


def test_another_model_is_refused_and_clear_empties(fake: Any, embedder: Any) -> None:
    from pipeline.store.elasticsearch.vectors import ElasticPassages

    stub, _ = fake
    index = ElasticPassages(stub)
    embed_documents(stub, index, embedder)
    with pytest.raises(ConfigError, match="--rebuild"):
        index.check_model("other-model", "0" * 16, 384)
    index.clear()
    assert len(index) == 0 and index.embedded() == set()


def test_passages_of_documents_gone_from_the_store_are_skipped(fake: Any, embedder: Any) -> None:
    from pipeline.store.elasticsearch.vectors import ElasticPassages

    stub, _ = fake
    index = ElasticPassages(stub)
    embed_documents(stub, index, embedder)
    first = _semantic_pages(stub, index, embedder, QUESTION, 3, None)[0][0]
    assert Path(first.source).name == "junket.txt"
    gone = first.document_id
    stub.has_document = lambda document_id: document_id != gone
    index = ElasticPassages(stub)  # a fresh search, as the CLI makes one per run
    found = _semantic_pages(stub, index, embedder, QUESTION, 3, None)
    assert len(found) == 3 and gone not in {p.document_id for p, _ in found}


def _bulk_requests(cluster: Any) -> int:
    return sum(path.split("?")[0].endswith("/_bulk") for _, path, _ in cluster.requests)


@pytest.fixture
def es_location(store_path: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """An http:// store location whose store is the stub over the FAKE cluster.

    Full text comes from the stub's SQLite search (the cluster's own full-text queries are
    covered by tests/store); vectors, kNN and bulk go over HTTP to the fake.
    """
    import pipeline.semantic.search as search_module

    server, cluster = serve()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(
        search_module, "open_store", lambda location: _StubStore(SqliteStore(store_path), location)
    )
    yield url, cluster
    server.shutdown()


def test_semantic_and_hybrid_search_on_an_http_store(es_location: Any, embedder: Any) -> None:
    from pipeline.semantic.search import hybrid_search, semantic_search

    url, cluster = es_location
    semantic = semantic_search(url, QUESTION, 3, device="cpu")
    assert Path(semantic["hits"][0]["document"]["source"]).name == "junket.txt"
    assert [h["retrievers"] for h in semantic["hits"]] == [["semantic"]] * 3
    assert _bulk_requests(cluster) == 1, "embedding the missing documents is one bulk request"
    hybrid = hybrid_search(url, "junket operators Macau credit", 5, device="cpu")
    top = hybrid["hits"][0]
    assert Path(top["document"]["source"]).name == "junket.txt"
    assert top["retrievers"] == ["text", "semantic"] and top["matched"] == "text"
    assert top["score"] == round(1 / 61 + 1 / 61, 6), "RRF: first in both lists"
    assert _bulk_requests(cluster) == 1, "a second search embeds nothing again"


def test_cli_search_hybrid_on_an_http_store(es_location: Any, embedder: Any) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    url, cluster = es_location
    result = CliRunner().invoke(
        app, ["search", QUESTION, "--hybrid", "--store", url, "--device", "cpu", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)["hits"]
    assert Path(hits[0]["document"]["source"]).name == "junket.txt"
    assert any(isinstance(b, dict) and "knn" in b for _, _, b in cluster.requests)


def test_an_unreachable_cluster_is_one_clear_error(embedder: Any) -> None:
    from pipeline.semantic.search import semantic_search

    with pytest.raises(StoreError) as caught:
        semantic_search("http://user:secret@127.0.0.1:9", "anything", device="cpu")
    message = str(caught.value)
    assert "cannot reach Elasticsearch" in message and "secret" not in message


@pytest.mark.skipif(
    not os.environ.get("MONEYTRAIL_ES_URL"),
    reason="MONEYTRAIL_ES_URL is not set: no Elasticsearch cluster to test against",
)
def test_semantic_and_hybrid_on_a_live_cluster(embedder: Any, tmp_path: Path) -> None:
    from pipeline.ingest import ingest
    from pipeline.semantic.search import embed_store, hybrid_search, semantic_search
    from pipeline.settings import Settings
    from pipeline.store import open_store
    from pipeline.store.elasticsearch.vectors import ElasticPassages
    from tests.semantic.conftest import DOCUMENTS

    # Indices of its own, deleted afterwards, as tests/store/test_contract.py does.
    prefix = f"mt-test-{uuid.uuid4().hex[:12]}"
    url = os.environ["MONEYTRAIL_ES_URL"].rstrip("/") + f"?prefix={prefix}"
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = open_store(url)
    try:
        ingest([str(folder)], store, Settings(store=url, workers=0))
        first = embed_store(url, device="cpu")
        again = embed_store(url, device="cpu")
        assert first.documents == len(DOCUMENTS) and again.skipped == len(DOCUMENTS)
        semantic = semantic_search(url, QUESTION, 3, device="cpu")
        assert Path(semantic["hits"][0]["document"]["source"]).name == "junket.txt"
        assert -1.0 <= semantic["hits"][-1]["score"] <= semantic["hits"][0]["score"] <= 1.0
        typed = semantic_search(url, "money moved to a mixer", 5, "wallet", device="cpu")
        assert [Path(h["document"]["source"]).name for h in typed["hits"]] == ["bridge.txt"]
        hybrid = hybrid_search(url, QUESTION, 3, device="cpu")
        assert Path(hybrid["hits"][0]["document"]["source"]).name == "junket.txt"
        assert "semantic" in hybrid["hits"][0]["retrievers"]
    finally:
        ElasticPassages(store).drop()
        store.drop()
        store.close()
