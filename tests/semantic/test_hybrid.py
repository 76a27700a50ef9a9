"""Reciprocal rank fusion, and loosening a sentence-like query for full-text ranking."""

from __future__ import annotations

import pytest

from pipeline.semantic.hybrid import RRF_K, loosened_query, reciprocal_rank_fusion


def test_rrf_scores_are_sums_of_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion({"text": ["a", "b", "c"], "semantic": ["c", "d"]})
    scores = {f.key: f.score for f in fused}
    assert scores["c"] == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    assert scores["a"] == pytest.approx(1 / (RRF_K + 1))
    assert scores["d"] == pytest.approx(1 / (RRF_K + 2))
    assert [f.key for f in fused] == ["c", "a", "b", "d"]


def test_rrf_marks_which_retrievers_found_each_key() -> None:
    fused = {f.key: f for f in reciprocal_rank_fusion({"text": ["a", "b"], "semantic": ["b"]})}
    assert fused["a"].retrievers == ["text"]
    assert fused["b"].retrievers == ["text", "semantic"]
    assert fused["b"].ranks == {"text": 2, "semantic": 1}


def test_rrf_counts_a_repeated_key_once_at_its_best_rank() -> None:
    fused = reciprocal_rank_fusion({"text": ["a", "a", "b"]})
    assert [(f.key, f.ranks["text"]) for f in fused] == [("a", 1), ("b", 3)]


def test_rrf_ties_keep_first_seen_order() -> None:
    fused = reciprocal_rank_fusion({"text": ["x", "y"], "semantic": ["y", "x"]})
    assert [f.key for f in fused] == ["x", "y"]


@pytest.mark.parametrize("k", [1, 60, 1000])
def test_rrf_with_one_list_keeps_its_order(k: int) -> None:
    keys = [("doc", page) for page in range(5)]
    assert [f.key for f in reciprocal_rank_fusion({"text": keys}, k=k)] == keys


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "junket operators moving cash across borders",
            "junket OR operators OR moving OR cash OR borders",
        ),
        ("the money of the regime", "money OR regime"),
        ('"pig butchering" scams', None),
        ("Huione OR Prince", None),
        ("launder*", None),
        ("Lazarus", None),
        ("cash cash cash money", "cash OR money"),
    ],
)
def test_loosened_query(query: str, expected: str | None) -> None:
    assert loosened_query(query) == expected
