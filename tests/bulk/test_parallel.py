"""The worker pool: outcomes in task order, time limits, crashes, and start-up errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.ingest import ingest
from pipeline.parallel import Feed, Pool
from pipeline.settings import Settings
from pipeline.store import SqliteStore
from pipeline.workers import Outcome, Task
from tests.bulk.conftest import GOOD_TEXT, bomb_pdf, long_pdf

FAST = Settings(ocr="never", max_seconds=60.0)


def _texts(folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"note-{n:02d}.txt"
        # Lengths differ so documents finish out of order across two workers.
        path.write_text(f"Note {n}.\n" + GOOD_TEXT * (1 + (count - n) * 3), encoding="utf-8")
        paths.append(path)
    return paths


def _tasks(paths: list[Path]) -> list[Task]:
    return [Task(seq, str(p), str(p)) for seq, p in enumerate(paths)]


def test_pool_yields_outcomes_in_task_order(tmp_path: Path) -> None:
    paths = _texts(tmp_path / "in", 6)
    with Pool(FAST, 2) as pool:
        outcomes = list(pool.run(_tasks(paths)))
        assert pool.peak_workers == 2
    assert [o.seq for o in outcomes] == list(range(6))
    assert all(o.failure is None and o.document is not None for o in outcomes)
    assert [o.source for o in outcomes] == [str(p) for p in paths]


@pytest.mark.parametrize(
    ("make", "settings", "error", "stage"),
    [
        # Two thousand pages cannot be parsed and extracted in one second.
        (long_pdf, replace(FAST, max_seconds=1.0), "TimeLimitExceeded", None),
        # The content stream inflates to 1.5 GB: pdfium aborts at the memory cap.
        (bomb_pdf, replace(FAST, worker_memory=1024 * 2**20), "WorkerCrashed", "parse"),
    ],
    ids=["time-limit", "memory-cap"],
)
def test_pool_fails_a_runaway_document_and_carries_on(
    tmp_path: Path, make: object, settings: Settings, error: str, stage: str | None
) -> None:
    bad = make(tmp_path / "bad.pdf")  # type: ignore[operator]
    good = _texts(tmp_path / "in", 2)
    with Pool(settings, 1) as pool:
        outcomes = list(pool.run(_tasks([bad, *good])))
        assert pool.started_workers == 2  # the killed worker was replaced
    failure = outcomes[0].failure
    assert failure is not None and failure.error == error and str(bad) in failure.message
    assert stage is None or failure.stage == stage
    if error == "TimeLimitExceeded":
        assert "--max-seconds" in failure.message and failure.stage in ("parse", "extract")
    else:
        assert "--worker-memory" in failure.message
    assert [o.failure for o in outcomes[1:]] == [None, None]


def test_pool_reports_a_missing_model_as_a_config_error(tmp_path: Path) -> None:
    paths = _texts(tmp_path / "in", 1)
    with (
        pytest.raises(ConfigError, match="worker could not start: no English spaCy"),
        Pool(replace(FAST, spacy_model="no_such_model"), 1) as pool,
    ):
        list(pool.run(_tasks(paths)))


def _mention_ids(path: Path) -> list[str]:
    store = SqliteStore(path)
    try:
        return sorted(m.id for m in store.iter_mentions())
    finally:
        store.close()


def test_inline_run_matches_workers(tmp_path: Path) -> None:
    paths = [str(p) for p in _texts(tmp_path / "in", 3)]
    results = []
    for name, workers in (("inline", 0), ("pool", 2)):
        store = SqliteStore(tmp_path / f"{name}.db")
        report = ingest(paths, store, replace(FAST, workers=workers))
        assert report.ingested == 3 and report.workers == workers
        results.append((store.stats(), sorted(m.id for m in store.iter_mentions())))
        store.close()
    assert results[0] == results[1]


def test_the_feed_keeps_task_order_a_bounded_window_and_retries_first() -> None:
    tasks = [Task(i, f"/x/{i}.pdf", f"{i}.pdf") for i in range(5)]
    feed = Feed(iter(tasks))
    assert [feed.take(2), feed.take(2), feed.take(2)] == [tasks[0], tasks[1], None]
    feed.done[1] = Outcome(1, "1.pdf")
    assert list(feed.ready()) == [], "the outcome of task 1 waits for task 0's"
    feed.retry.append(tasks[0])  # its worker died before it started
    assert feed.take(2) == tasks[0], "a task sent again goes before new ones"
    feed.done[0] = Outcome(0, "0.pdf")
    assert [o.seq for o in feed.ready()] == [0, 1]
    taken = [feed.take(2), feed.take(2), feed.take(2)]
    assert taken == [tasks[2], tasks[3], None] and not feed.finished
    for seq in (3, 2):
        feed.done[seq] = Outcome(seq, f"{seq}.pdf")
    assert [o.seq for o in feed.ready()] == [2, 3]
    assert feed.take(2) == tasks[4] and feed.take(2) is None
    feed.done[4] = Outcome(4, "4.pdf")
    assert [o.seq for o in feed.ready()] == [4] and feed.finished and feed.sent == {}
