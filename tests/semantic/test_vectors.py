"""The vector index beside the SQLite file: atomic appends and exact cosine search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ConfigError, StoreError
from pipeline.semantic.passages import Passage
from pipeline.store.sqlite.vectors import VectorIndex, top_rows, vectors_dir

DIMS = 8


def _unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, DIMS)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _passages(document: str, count: int) -> list[Passage]:
    return [
        Passage(f"{document}-{i}", document, 1 + i % 2, i * 10, i * 10 + 5, f"t{i}")
        for i in range(count)
    ]


@pytest.fixture
def index(tmp_path: Path) -> VectorIndex:
    idx = VectorIndex(tmp_path / "mt.db")
    idx.check_model("test-model", "fp-1", DIMS)
    return idx


def test_vectors_live_next_to_the_store_file(tmp_path: Path, index: VectorIndex) -> None:
    assert index.dir == vectors_dir(tmp_path / "mt.db") == tmp_path / "mt.db.vectors"
    assert (index.dir / "passages.sqlite").is_file()


def test_add_then_exact_search_equals_brute_force(index: VectorIndex) -> None:
    a, b = _unit(5, 1), _unit(7, 2)
    index.add([("doc-a", "a.txt", "A")], _passages("doc-a", 5), a)
    index.add([("doc-b", "b.pdf", None)], _passages("doc-b", 7), b)
    query = _unit(1, 3)[0]
    expected = np.vstack([a, b]) @ query
    assert np.allclose(index.scores(query), expected, atol=1e-6)
    best = top_rows(index.scores(query), 3)
    assert best.tolist() == np.argsort(-expected)[:3].tolist()
    stored = index.passages(best)
    assert {p.source for p in stored.values()} <= {"a.txt", "b.pdf"}
    assert len(index) == 12 and index.embedded() == {"doc-a", "doc-b"}


def test_add_records_documents_without_passages(index: VectorIndex) -> None:
    index.add([("empty", "scan.pdf", None)], [], np.zeros((0, DIMS), dtype=np.float32))
    assert index.embedded() == {"empty"} and len(index) == 0
    assert index.scores(_unit(1, 0)[0]).shape == (0,)


def test_add_cuts_off_vectors_left_by_an_interrupted_run(index: VectorIndex) -> None:
    index.add([("doc-a", "a.txt", None)], _passages("doc-a", 2), _unit(2, 1))
    with open(index.matrix_path, "ab") as handle:  # an append whose commit never happened
        handle.write(_unit(3, 9).tobytes())
    index.add([("doc-b", "b.txt", None)], _passages("doc-b", 1), _unit(1, 2))
    assert index.matrix_path.stat().st_size == 3 * DIMS * 4
    assert np.allclose(index.matrix()[2], _unit(1, 2)[0])


def test_a_truncated_vector_file_is_reported(index: VectorIndex) -> None:
    index.add([("doc-a", "a.txt", None)], _passages("doc-a", 4), _unit(4, 1))
    with open(index.matrix_path, "r+b") as handle:
        handle.truncate(DIMS * 4)
    index._matrix = None
    with pytest.raises(StoreError, match="--rebuild"):
        index.matrix()


def test_check_model_refuses_another_model(index: VectorIndex) -> None:
    index.check_model("test-model", "fp-1", DIMS)  # same model: fine
    with pytest.raises(ConfigError, match="--rebuild"):
        index.check_model("other", "fp-2", DIMS)


def test_check_model_names_the_runtimes_when_the_model_is_the_same(tmp_path: Path) -> None:
    idx = VectorIndex(tmp_path / "rt.db")
    idx.check_model("all-MiniLM-L6-v2", "torch-abc", DIMS)
    with pytest.raises(ConfigError) as caught:
        idx.check_model("all-MiniLM-L6-v2", "onnx-def", DIMS)
    assert "'all-MiniLM-L6-v2' on the torch runtime, not 'all-MiniLM-L6-v2' on the onnx" in str(
        caught.value
    )


def test_clear_forgets_everything(index: VectorIndex) -> None:
    index.add([("doc-a", "a.txt", None)], _passages("doc-a", 3), _unit(3, 1))
    index.clear()
    assert len(index) == 0 and index.embedded() == set() and index.meta() == {}
    assert not index.matrix_path.exists()
    index.check_model("other", "fp-2", DIMS)  # a new model is accepted after a clear


def test_add_rejects_mismatched_lengths(index: VectorIndex) -> None:
    with pytest.raises(ValueError):
        index.add([("doc-a", "a.txt", None)], _passages("doc-a", 3), _unit(2, 1))


def test_vectors_survive_reopening(tmp_path: Path, index: VectorIndex) -> None:
    index.add([("doc-a", "a.txt", "A")], _passages("doc-a", 3), _unit(3, 1))
    index.close()
    again = VectorIndex(tmp_path / "mt.db")
    assert np.allclose(again.matrix(), _unit(3, 1))
    assert again.meta()["model"] == "test-model"
    ids, starts, ends = again.spans()
    assert ids == ["doc-a"] * 3 and starts.tolist() == [0, 10, 20] and ends.tolist() == [5, 15, 25]


@pytest.mark.parametrize("k", [0, 1, 5, 50, 200])
def test_top_rows_matches_a_full_sort(k: int) -> None:
    scores = np.random.default_rng(k).standard_normal(100).astype(np.float32)
    assert top_rows(scores, k).tolist() == np.argsort(-scores)[: min(k, 100)].tolist()


def test_add_skips_documents_another_run_already_embedded(
    tmp_path: Path, index: VectorIndex
) -> None:
    other = VectorIndex(tmp_path / "mt.db")  # a second process on the same store
    other.add([("doc-a", "a.txt", None)], _passages("doc-a", 2), _unit(2, 1))
    index.add(
        [("doc-a", "a.txt", None), ("doc-b", "b.txt", None)],
        _passages("doc-a", 2) + _passages("doc-b", 1),
        np.vstack([_unit(2, 5), _unit(1, 2)]),
    )
    assert len(index) == 3 and index.embedded() == {"doc-a", "doc-b"}
    assert np.allclose(index.matrix()[:2], _unit(2, 1)) and np.allclose(
        index.matrix()[2], _unit(1, 2)[0]
    )
