"""Semantic and hybrid search end to end: real ingest, real model, real SQLite and vectors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import ConfigError
from pipeline.ingest import ingest
from pipeline.semantic.embedder import MISSING_EXTRA
from pipeline.semantic.search import embed_store, hybrid_search, semantic_search
from pipeline.settings import Settings
from pipeline.store import SqliteStore
from pipeline.store.sqlite.vectors import VectorIndex, vectors_dir

HIT_KEYS = {"document", "page", "snippet", "score", "matched", "retrievers", "start", "end"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("middlemen carrying gamblers' money over the border", "junket.txt"),
        ("loot exchanged for another coin across chains", "bridge.txt"),
        ("impostor programmers sending wages to North Korea", "workers.txt"),
        ("crops and farming in the countryside", "harvest.txt"),
    ],
)
def test_semantic_search_finds_paraphrases(
    embedder: Any, store_path: str, query: str, expected: str
) -> None:
    result = semantic_search(store_path, query, limit=3, device="cpu")
    assert Path(result["hits"][0]["document"]["source"]).name == expected
    assert result["query"] == query and result["type"] is None


def test_semantic_hits_point_at_exact_passages(embedder: Any, store_path: str) -> None:
    result = semantic_search(
        store_path, "fraud victims and fake investments", limit=10, device="cpu"
    )
    store = SqliteStore(store_path)
    texts = {d.id: d.text for d in store.iter_documents()}
    store.close()
    pages = [(h["document"]["id"], h["page"]) for h in result["hits"]]
    assert len(pages) == len(set(pages)), "one hit per page"
    assert [h["score"] for h in result["hits"]] == sorted(
        (h["score"] for h in result["hits"]), reverse=True
    )
    for hit in result["hits"]:
        assert set(hit) == HIT_KEYS
        assert hit["matched"] == "semantic" and hit["retrievers"] == ["semantic"]
        assert (
            " ".join(texts[hit["document"]["id"]][hit["start"] : hit["end"]].split())
            == hit["snippet"]
        )
    report = next(h for h in result["hits"] if h["document"]["source"].endswith("report.txt"))
    assert report["page"] == 2


@pytest.mark.parametrize(
    ("type_", "expected"), [("wallet", {"bridge.txt"}), ("casino", {"report.txt"})]
)
def test_semantic_search_type_keeps_passages_with_such_mentions(
    embedder: Any, store_path: str, type_: str, expected: set[str]
) -> None:
    result = semantic_search(store_path, "money laundering", limit=10, type_=type_, device="cpu")
    assert {Path(h["document"]["source"]).name for h in result["hits"]} == expected


def test_hybrid_marks_the_retrievers_of_each_hit(embedder: Any, store_path: str) -> None:
    result = hybrid_search(store_path, "NagaWorld VIP rooms", limit=5, device="cpu")
    top = result["hits"][0]
    assert Path(top["document"]["source"]).name == "report.txt" and top["page"] == 1
    assert top["retrievers"] == ["text", "semantic"] and top["matched"] == "text"
    for hit in result["hits"]:
        assert set(hit["retrievers"]) <= {"text", "semantic"} and hit["retrievers"]
    scores = [h["score"] for h in result["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_hybrid_finds_pages_full_text_misses(embedder: Any, store_path: str) -> None:
    query = "impostor programmers wiring pay to the regime"
    store = SqliteStore(store_path)
    assert store.search(query).hits == []
    store.close()
    result = hybrid_search(store_path, query, limit=3, device="cpu")
    first = result["hits"][0]
    assert Path(first["document"]["source"]).name == "workers.txt"
    assert "semantic" in first["retrievers"]


def test_hybrid_keeps_entity_hits(embedder: Any, store_path: str) -> None:
    eth = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
    result = hybrid_search(store_path, eth, limit=3, type_="wallet", device="cpu")
    top = result["hits"][0]
    assert top["matched"] == "entity" and top["entity"]["type"] == "wallet"
    assert top["retrievers"] == ["text", "semantic"]


def test_embed_is_idempotent(embedder: Any, store_path: str) -> None:
    first = embed_store(store_path, device="cpu")
    size = (vectors_dir(store_path) / "vectors.f32").stat().st_size
    second = embed_store(store_path, device="cpu")
    assert first.documents == 5 and first.passages > 5 and first.skipped == 0
    assert (second.documents, second.passages, second.skipped) == (0, 0, 5)
    assert (
        (vectors_dir(store_path) / "vectors.f32").stat().st_size == size == first.passages * 384 * 4
    )
    rebuilt = embed_store(store_path, device="cpu", rebuild=True)
    assert rebuilt.passages == first.passages


def test_search_embeds_documents_ingested_later(
    embedder: Any, store_path: str, tmp_path: Path
) -> None:
    embed_store(store_path, device="cpu")
    extra = tmp_path / "late.txt"
    extra.write_text("Smugglers hid gold bars inside shipments of frozen fish.", encoding="utf-8")
    store = SqliteStore(store_path)
    ingest([str(extra)], store, Settings(store=store_path))
    store.close()
    query = "precious metal concealed in seafood cargo"
    without = semantic_search(store_path, query, limit=1, device="cpu", embed_missing=False)
    assert not without["hits"] or not without["hits"][0]["document"]["source"].endswith("late.txt")
    seen: list[tuple[int, int]] = []
    found = semantic_search(
        store_path, query, limit=1, device="cpu", progress=lambda d, p: seen.append((d, p))
    )
    assert found["hits"][0]["document"]["source"].endswith("late.txt")
    assert seen and seen[-1][0] == 1


def test_semantic_search_refuses_vectors_of_another_model(embedder: Any, store_path: str) -> None:
    embed_store(store_path, device="cpu")
    index = VectorIndex(store_path)
    index.db.execute("UPDATE meta SET value = 'another' WHERE key = 'fingerprint'")
    index.close()
    with pytest.raises(ConfigError, match="embed --rebuild"):
        semantic_search(store_path, "anything", device="cpu")


def test_semantic_search_on_an_empty_store(embedder: Any, tmp_path: Path) -> None:
    result = semantic_search(str(tmp_path / "empty.db"), "anything", device="cpu")
    assert result == {"query": "anything", "type": None, "hits": []}


@pytest.mark.usefixtures("no_torch")
@pytest.mark.parametrize("function", [semantic_search, hybrid_search])
def test_without_the_extra_search_names_it(tmp_path: Path, function: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        function(str(tmp_path / "mt.db"), "anything")
    assert str(caught.value) == MISSING_EXTRA
    assert not vectors_dir(tmp_path / "mt.db").exists(), "nothing is written before the check"


def test_search_embeds_the_query_with_the_runtime_of_the_stored_vectors(
    embedder: Any, store_path: str
) -> None:
    from pipeline.semantic.embedder import torch_available
    from pipeline.semantic.search import embed_store, semantic_search

    if not torch_available():
        pytest.skip("torch is not installed: the torch runtime needs 'moneytrail[semantic-torch]'")
    # --precision fp32 asks for torch; a later plain search must not refuse those vectors.
    embed_store(store_path, None, "cpu", 32, False, None, "fp32")
    found = semantic_search(store_path, "credit for gamblers from the mainland", 2, device="cpu")
    assert Path(found["hits"][0]["document"]["source"]).name == "junket.txt"
