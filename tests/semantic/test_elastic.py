"""Elasticsearch builders for passage vectors (no cluster here: the bodies are checked as data)."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import ConfigError
from pipeline.semantic.passages import Passage
from pipeline.store.elasticsearch.semantic import (
    DIMS,
    MAX_CANDIDATES,
    bulk_actions,
    hits_from_response,
    knn_body,
    passage_document,
    passages_index_body,
    passages_index_name,
)

PASSAGE = Passage("p-1", "doc-1", 2, 100, 160, "Junket agents\ncollected renminbi.")
VECTOR = [0.05] * DIMS


def test_index_body_maps_a_cosine_dense_vector() -> None:
    body = passages_index_body()
    vector = body["mappings"]["properties"]["vector"]
    assert vector == {
        "type": "dense_vector",
        "dims": 384,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "int8_hnsw"},
    }
    assert body["mappings"]["dynamic"] == "strict"
    assert body["mappings"]["properties"]["mention_types"] == {"type": "keyword"}
    json.dumps(body)  # plain JSON, ready for the REST API


@pytest.mark.parametrize("dims", [0, 4097])
def test_index_body_rejects_impossible_dims(dims: int) -> None:
    with pytest.raises(ConfigError):
        passages_index_body(dims)


def test_passage_document_holds_every_mapped_field() -> None:
    doc = passage_document(PASSAGE, VECTOR, "a.txt", "Title", ["casino", "actor", "casino"], "m")
    mapped = set(passages_index_body()["mappings"]["properties"])
    assert set(doc) == mapped
    assert doc["mention_types"] == ["actor", "casino"]
    assert len(doc["vector"]) == DIMS and doc["page"] == 2


def test_bulk_actions_key_by_passage_id() -> None:
    doc = passage_document(PASSAGE, VECTOR, "a.txt", None)
    (action,) = bulk_actions(passages_index_name(), [(PASSAGE, doc)])
    assert action == {
        "_op_type": "index",
        "_index": "moneytrail-passages",
        "_id": "p-1",
        "_source": doc,
    }


@pytest.mark.parametrize(
    ("k", "candidates", "expected"),
    [(10, None, 100), (50, None, 500), (5, 40, 40), (2000, None, MAX_CANDIDATES)],
)
def test_knn_body_sizes(k: int, candidates: int | None, expected: int) -> None:
    body = knn_body(VECTOR, k=k, num_candidates=candidates)
    assert body["knn"]["k"] == k == body["size"]
    assert body["knn"]["num_candidates"] == expected
    assert body["knn"]["field"] == "vector" and "filter" not in body["knn"]
    assert "vector" not in body["_source"]


@pytest.mark.parametrize(
    ("mention_type", "ids", "expected"),
    [
        ("wallet", None, {"term": {"mention_types": "wallet"}}),
        (None, ["d1", "d2"], {"terms": {"document_id": ["d1", "d2"]}}),
        (
            "casino",
            ["d1"],
            {
                "bool": {
                    "filter": [
                        {"term": {"mention_types": "casino"}},
                        {"terms": {"document_id": ["d1"]}},
                    ]
                }
            },
        ),
    ],
)
def test_knn_body_filters(mention_type: str | None, ids: list[str] | None, expected: dict) -> None:
    assert (
        knn_body(VECTOR, mention_type=mention_type, document_ids=ids)["knn"]["filter"] == expected
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vector": [0.1] * 10}, "10 numbers"),
        ({"k": 0}, "at least 1"),
        ({"k": 20, "num_candidates": 10}, "at least k"),
        ({"mention_type": "person"}, "not one of"),
    ],
)
def test_knn_body_rejects_bad_requests(kwargs: dict, message: str) -> None:
    vector = kwargs.pop("vector", VECTOR)
    with pytest.raises(ConfigError, match=message):
        knn_body(vector, **kwargs)


def test_hits_from_response_keeps_one_hit_per_page_and_gives_cosine() -> None:
    def hit(score: float, page: int, text: str) -> dict:
        source = passage_document(PASSAGE, VECTOR, "a.txt", "T") | {"page": page, "text": text}
        return {"_score": score, "_source": source}

    response = {
        "hits": {"hits": [hit(0.9, 2, "best\nhere"), hit(0.8, 2, "same page"), hit(0.6, 3, "x")]}
    }
    hits = hits_from_response(response)
    assert [(h["page"], h["snippet"], h["score"]) for h in hits] == [
        (2, "best here", 0.8),
        (3, "x", 0.2),
    ]
    assert hits[0]["retrievers"] == ["semantic"] and hits[0]["document"]["source"] == "a.txt"
