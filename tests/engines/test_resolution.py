"""Resolution's blocks clustered on workers: local processes and Ray tasks give the clusters
a full scan gives, and a store of one batch is clustered in the driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.engines import resolution
from pipeline.link import blocks
from pipeline.link.corpus import relink_by_scan
from pipeline.settings import Settings
from pipeline.store import SqliteStore
from tests.link.test_resolve_blocks import generated_store, joined


def stored_clusters(store: SqliteStore) -> dict[str, str]:
    return dict(store.db.execute("SELECT entity_id, canonical_id FROM entity_canon").fetchall())


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "BATCH", 25)  # many batches from a small store


def test_local_workers_cluster_the_blocks_as_the_full_scan(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "gen.db"
    store = generated_store(path, 300, 21)
    pools: list[int] = []
    real = resolution._in_pool

    def counted(location: str, workers: int, work: Iterator[list[str]]) -> Iterator[object]:
        pools.append(workers)
        return real(location, workers, work)

    monkeypatch.setattr(resolution, "_in_pool", counted)
    resolution.resolve_store(store, Settings(store=str(path), workers=2))
    assert pools == [2]
    expected = joined(relink_by_scan(store).canonical)
    assert stored_clusters(store) == expected != {}
    store.close()


def test_one_batch_is_clustered_in_the_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "gen.db"
    store = generated_store(path, 40, 22)

    def no_pool(*args: object) -> None:
        raise AssertionError("a pool started for one batch")

    monkeypatch.setattr(resolution, "_in_pool", no_pool)
    resolution.resolve_store(store, Settings(store=str(path), workers=2))
    assert stored_clusters(store) == joined(relink_by_scan(store).canonical)
    store.close()


def test_ray_tasks_cluster_the_blocks_as_the_full_scan(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ray", reason="the 'ray' extra is not installed")
    path = tmp_path / "gen.db"
    store = generated_store(path, 300, 23)
    answered: list[int] = []
    real = resolution._on_ray

    def counted(settings: Settings, work: Iterator[list[str]]) -> Iterator[object]:
        for answers in real(settings, work):
            answered.append(len(answers))
            yield answers

    monkeypatch.setattr(resolution, "_on_ray", counted)
    # A local cluster of its own, started and stopped by the runner.
    resolution.resolve_store(store, Settings(store=str(path), workers=2, engine="ray"))
    assert stored_clusters(store) == joined(relink_by_scan(store).canonical) != {}
    assert len(answered) >= 3 and max(answered) == 25  # batches came back from Ray tasks
    store.close()
