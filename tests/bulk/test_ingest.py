"""The ledger through the command line: skip what is done, retry failures, force, report."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import pipeline.cli as cli
from pipeline.cli import app
from tests.conftest import make_pdf

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def ingest_json(*args: str, workers: int = 0) -> tuple[int, dict[str, Any]]:
    """Ingest with --json; in this process by default, since the ledger is the same either way."""
    code, out, err = run("ingest", *args, "--workers", str(workers), "--json")
    assert code in (0, 1), err
    return code, json.loads(out)


@pytest.fixture
def batch(good_folder: Path, tmp_path: Path) -> tuple[Path, str]:
    """A folder with two good files and a three-page PDF that fails at --max-pages 2."""
    (good_folder / "thick.pdf").write_bytes(
        make_pdf(["Huione Guarantee page one.", "Page two.", "Page three mentions Prince Group."])
    )
    return good_folder, str(tmp_path / "mt.db")


def test_rerun_skips_done_and_failed_files_without_starting_workers(
    batch: tuple[Path, str],
) -> None:
    folder, store = batch
    code, first = ingest_json(str(folder), "--store", store, "--max-pages", "2", workers=1)
    assert code == 1 and first["ingested"] == 2 and len(first["failures"]) == 1
    assert first["workers"] == 1
    stats = run("stats", "--store", store, "--json")[1]
    code, again = ingest_json(str(folder), "--store", store, "--max-pages", "2", workers=1)
    assert code == 1 and again["ingested"] == 0 and again["skipped"] == 2
    assert again["failures"] == [] and again["workers"] == 0
    assert [Path(f["source"]).name for f in again["failed_before"]] == ["thick.pdf"]
    assert run("stats", "--store", store, "--json")[1] == stats
    code, _, err = run("ingest", str(folder), "--store", store, "--max-pages", "2")
    assert "1 failed before" in err and "--retry-failed" in err


@pytest.mark.parametrize("with_paths", [True, False], ids=["paths", "all-recorded"])
def test_retry_failed_retries_only_the_failures(batch: tuple[Path, str], with_paths: bool) -> None:
    folder, store = batch
    ingest_json(str(folder), "--store", store, "--max-pages", "2")
    (folder / "new.txt").write_text("A new note about Tornado Cash.", encoding="utf-8")
    paths = [str(folder)] if with_paths else []
    code, retry = ingest_json(*paths, "--store", store, "--retry-failed", "--max-pages", "5")
    assert code == 0 and retry["files"] == 1 and retry["ingested"] == 1
    assert retry["skipped"] == 0  # the good files and the new one were not even looked at
    assert json.loads(run("failures", "--store", store, "--json")[1])["failures"] == []
    assert json.loads(run("stats", "--store", store, "--json")[1])["documents"] == 3


def test_force_reprocesses_everything_and_changes_nothing(batch: tuple[Path, str]) -> None:
    folder, store = batch
    ingest_json(str(folder), "--store", store)
    before = run("stats", "--store", store, "--json")[1]
    code, forced = ingest_json(str(folder), "--store", store, "--force")
    assert code == 0 and forced["ingested"] == 3 and forced["skipped"] == 0
    assert run("stats", "--store", store, "--json")[1] == before


def test_a_changed_file_that_failed_is_tried_again(batch: tuple[Path, str]) -> None:
    folder, store = batch
    broken = folder / "broken.txt"
    broken.write_bytes(b"")
    assert ingest_json(str(folder), "--store", store)[0] == 1
    broken.write_text("Now it says Binance.", encoding="utf-8")
    code, again = ingest_json(str(folder), "--store", store)
    assert code == 0 and again["ingested"] == 1 and again["failed_before"] == []


def test_failures_lists_source_stage_error_and_time(batch: tuple[Path, str]) -> None:
    folder, store = batch
    ingest_json(str(folder), "--store", store, "--max-pages", "2")
    code, out, _ = run("failures", "--store", store, "--json")
    [failure] = json.loads(out)["failures"]
    assert code == 0
    assert Path(failure["source"]).name == "thick.pdf" and failure["stage"] == "parse"
    assert failure["error"] == "ParseError" and "over the limit of 2" in failure["message"]
    assert failure["time"].startswith("20")
    code, out, err = run("failures", "--store", store)
    assert code == 0 and "thick.pdf" in out and "parse" in out and "--retry-failed" in err


@pytest.mark.parametrize(
    "args",
    [("ingest", "x", "--ocr", "sometimes"), ("ingest",), ("ingest", "x", "--workers", "-1")],
    ids=["bad-ocr", "no-paths", "negative-workers"],
)
def test_bad_ingest_flags_exit_2(args: tuple[str, ...]) -> None:
    assert run(*args)[0] == 2


def test_progress_shows_rates_eta_and_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=buffer, force_terminal=True, width=160))
    with cli._progress(0, quiet=False) as tick:
        tick("files", "", 3)
        tick("ingested", "a.pdf", 12)
        tick("failed", "b.pdf", 0)
        cli.err.file.flush()
    shown = buffer.getvalue()
    for part in ("docs/s", "12 pages", "/s)", "1 failed", "ETA", "2/3"):
        assert part in shown, part


def test_summary_ends_every_run(good_folder: Path, tmp_path: Path) -> None:
    code, _, err = run("ingest", str(good_folder), "--store", str(tmp_path / "mt.db"))
    assert code == 0
    assert "2 ingested, 0 already stored, 0 failed; 3 pages" in err and "pages/s" in err


def test_a_store_that_can_defer_refreshes_refreshes_once_per_batch(tmp_path: Path) -> None:
    """Elasticsearch refreshes after every document unless told to wait for the batch's end."""
    from contextlib import contextmanager

    from pipeline.ingest import ingest
    from pipeline.settings import Settings
    from pipeline.store import SqliteStore

    class Deferring(SqliteStore):
        deferred = 0
        writes_inside = 0
        inside = False

        @contextmanager
        def deferred_refresh(self):  # type: ignore[no-untyped-def]
            self.deferred += 1
            self.inside = True
            try:
                yield
            finally:
                self.inside = False

        def upsert_document(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.writes_inside += self.inside
            return super().upsert_document(*args, **kwargs)

    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.txt").write_text(f"Report {n} names the Lazarus Group.\n", "utf-8")
    store = Deferring(tmp_path / "mt.db")
    report = ingest([str(folder)], store, Settings(workers=0, ocr="never"))
    assert report.ingested == 3
    assert store.deferred == 1 and store.writes_inside == 3
    store.close()
