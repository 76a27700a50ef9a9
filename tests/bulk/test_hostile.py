"""Hostile inputs in one batch: each reported or ingested, the rest indexed, memory bounded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import SqliteStore
from tests.bulk.conftest import ETH, hostile_folder

runner = CliRunner()
MEMORY_MB = 1536
# What each failure's message must say, so an analyst knows what to do.
REASONS = {
    "corrupt.pdf": "corrupt or truncated",
    "truncated.pdf": "corrupt or truncated",
    "sealed.pdf": "encrypted with a password",
    "empty.pdf": "empty",
    "random.pdf": "not a PDF",
    "long.pdf": "2000 pages is over the limit of 1000",
    "bomb.pdf": f"more than the {MEMORY_MB} MB allowed per worker",
}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Ingest the hostile folder once with two workers; return everything the tests check."""
    folder = tmp_path_factory.mktemp("hostile")
    expected = hostile_folder(folder / "in")
    store = folder / "mt.db"
    code, out, err = run(
        "ingest",
        str(folder / "in"),
        "--store",
        str(store),
        "--workers",
        "2",
        "--max-pages",
        "1000",
        "--worker-memory",
        str(MEMORY_MB),
        "--json",
    )
    listed = json.loads(run("failures", "--store", str(store), "--json")[1])["failures"]
    db = SqliteStore(store)
    try:
        sources = {
            Path(r[1]).name: r[0]
            for r in db.db.execute("SELECT document_id, source FROM document_sources")
        }
        documents = {Path(d.source).name: d for d in db.iter_documents()}
        wallets = [m for m in db.iter_mentions() if m.type == "wallet"]
        stats = db.stats()
    finally:
        db.close()
    return {
        "code": code,
        "report": json.loads(out),
        "err": err,
        "expected": expected,
        "failures": {Path(f["source"]).name: f for f in listed},
        "sources": sources,
        "documents": documents,
        "wallets": wallets,
        "stats": stats,
    }


def test_batch_exits_1_and_lists_exactly_the_hostile_files(batch: dict[str, Any]) -> None:
    assert batch["code"] == 1
    failed = {n for n, outcome in batch["expected"].items() if outcome not in ("ingested", "twin")}
    assert set(batch["failures"]) == failed
    assert {Path(f["source"]).name for f in batch["report"]["failures"]} == failed
    assert batch["stats"]["failures"] == len(failed)


@pytest.mark.parametrize("name", sorted(REASONS))
def test_each_hostile_file_is_reported_with_its_reason(batch: dict[str, Any], name: str) -> None:
    failure = batch["failures"][name]
    assert failure["stage"] == batch["expected"][name]
    assert REASONS[name] in failure["message"]
    assert failure["time"] and failure["error"]


@pytest.mark.parametrize(
    "name", ["good.pdf", "notes.txt", "open-sealed.pdf", "page.html", "latin1.txt", "line.txt"]
)
def test_the_rest_is_indexed(batch: dict[str, Any], name: str) -> None:
    assert name in batch["sources"]


def test_the_same_bytes_under_two_names_are_one_document(batch: dict[str, Any]) -> None:
    sources = batch["sources"]
    assert sources["good.pdf"] == sources["good-copy.pdf"]
    assert batch["report"]["ingested"] == 6 and batch["report"]["skipped"] == 1
    assert batch["stats"]["documents"] == 6


def test_html_scripts_are_dropped_and_broken_markup_read(batch: dict[str, Any]) -> None:
    text = batch["documents"]["page.html"].text
    assert "Suncity Group" in text and "Cambodia" in text
    assert "alert(" not in text and "document.write" not in text


def test_non_utf8_text_is_decoded_with_a_warning(batch: dict[str, Any]) -> None:
    document = batch["documents"]["latin1.txt"]
    assert "Café" in document.text and "€5 million" in document.text
    assert any("not UTF-8" in w for w in document.warnings)


def test_a_50_mb_line_is_windowed_to_its_end_in_bounded_memory(batch: dict[str, Any]) -> None:
    document = batch["documents"]["line.txt"]
    assert len(document.text) == 50_000_000 and len(document.pages) == 1
    # The address sits after 50 MB without a break: only windows that reach the end find it.
    ends = [m for m in batch["wallets"] if m.document_id == document.id]
    assert [m.text for m in ends] == [ETH] and ends[0].start > 49_999_000
    # The text is held a few times over (bytes, str, windows); never gigabytes.
    assert 0 < batch["report"]["worker_peak_rss"] < 1024 * 2**20


def test_killed_workers_were_replaced(batch: dict[str, Any]) -> None:
    assert batch["report"]["workers"] == 2 and batch["report"]["worker_restarts"] >= 1
