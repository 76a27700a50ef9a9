"""The command line through Typer's runner: exit codes, JSON shapes, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

ETH = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def corpus(tmp_path: Path, pdf_factory: Callable[..., Path]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notes.txt").write_text(
        "The Lazarus Group moved funds through NagaWorld in Cambodia.\n"
        f"Investigators traced {ETH} to Tornado Cash.\n",
        encoding="utf-8",
    )
    report = pdf_factory(
        [
            "Panel report page one: Binance froze accounts.",
            "Page two: OFAC designated the Lazarus Group in 2019.",
        ],
        "report.pdf",
    )
    report.rename(folder / "report.pdf")
    return folder


def test_ingest_search_show_stats(corpus: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "mt.db")
    code, _, err = run("ingest", str(corpus), "--store", store)
    assert code == 0, err
    assert "2 ingested" in err

    code, out, _ = run("search", "Lazarus Group", "--type", "actor", "--store", store, "--json")
    result = json.loads(out)
    pages = sorted((Path(h["document"]["source"]).name, h["page"]) for h in result["hits"])
    assert pages == [("notes.txt", 1), ("report.pdf", 2)]
    assert all({"document", "page", "snippet", "score"} <= set(h) for h in result["hits"])

    code, out, _ = run("search", ETH.lower(), "--type", "wallet", "--store", store, "--json")
    assert [h["page"] for h in json.loads(out)["hits"]] == [1]

    code, out, _ = run("stats", "--store", store, "--json")
    before = json.loads(out)
    assert before["documents"] == 2 and before["pages"] == 3

    code, _, err = run("ingest", str(corpus), "--store", store)
    assert code == 0 and "2 already stored" in err
    assert json.loads(run("stats", "--store", store, "--json")[1]) == before

    doc_id = result["hits"][0]["document"]["id"]
    code, out, _ = run("show", doc_id[:12], "--store", store, "--json")
    assert code == 0 and json.loads(out)["id"] == doc_id


def test_ingest_reports_bad_files_and_keeps_the_rest(corpus: Path, tmp_path: Path) -> None:
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage that is no pdf")
    (corpus / "empty.txt").write_bytes(b"")
    store = str(tmp_path / "mt.db")
    code, _, err = run("ingest", str(corpus), "--store", store)
    assert code == 1
    failed = [line for line in err.splitlines() if line.startswith("failed:")]
    assert len(failed) == 2 and any("broken.pdf" in f for f in failed)
    stats = json.loads(run("stats", "--store", store, "--json")[1])
    assert stats["documents"] == 2 and stats["failures"] == 2
    code, out, _ = run("failures", "--store", store, "--json")
    assert {Path(f["source"]).name for f in json.loads(out)["failures"]} == {
        "broken.pdf",
        "empty.txt",
    }


def test_extract_json_contract(corpus: Path) -> None:
    code, out, _ = run("extract", str(corpus / "notes.txt"), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data["document"]) >= {"id", "source", "kind", "title", "pages"}
    by_type = {e["type"]: e for e in data["entities"]}
    assert by_type["wallet"]["address"] == ETH and "ETH" in by_type["wallet"]["chains"]
    assert by_type["wallet"]["suspect"] is False
    assert by_type["country"]["code"] == "KH"
    assert by_type["casino"]["name"] == "NagaWorld"
    for entity in data["entities"]:
        assert {"id", "type", "name", "mentions"} <= set(entity)
        for m in entity["mentions"]:
            assert {"text", "page", "start", "end", "sentence"} <= set(m)


def test_extract_several_files_prints_json_lines(corpus: Path) -> None:
    code, out, _ = run("extract", str(corpus / "notes.txt"), str(corpus / "report.pdf"), "--json")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["document"] for line in lines)


@pytest.mark.parametrize(
    "args",
    [
        ("search", "x", "--type", "planet"),
        ("search", "x", "--limit", "0"),
        ("ingest", "--no-such-flag", "x"),
    ],
)
def test_bad_flags_exit_2(args: tuple[str, ...]) -> None:
    assert run(*args)[0] == 2


def test_unusable_store_exits_2_and_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "missing" / "mt.db"
    code, _, err = run("ingest", str(corpus), "--store", str(store))
    assert code == 2 and "does not exist" in err and len(err.strip().splitlines()) == 1
    assert not store.parent.exists()


def test_store_from_environment(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "env.db"
    monkeypatch.setenv("MONEYTRAIL_STORE", str(store))
    assert run("ingest", str(corpus / "notes.txt"))[0] == 0
    assert store.exists()
