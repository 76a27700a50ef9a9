"""What a newcomer runs into: listing documents, showing one by path or prefix, a page with
its mentions, missing stores, unsupported files, help text and readable output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
ETH = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("in")
    (folder / "notes.txt").write_text(
        "The Lazarus Group moved funds through NagaWorld in Cambodia.\n"
        f"Investigators traced {ETH} to Tornado Cash.\n",
        encoding="utf-8",
    )
    (folder / "memo.txt").write_text("APT38 sent ether to an exchange in Manila.\n")
    (folder / "sheet.xlsx").write_bytes(b"PK\x03\x04 not read")
    (folder / "picture.png").write_bytes(b"\x89PNG")
    store = str(tmp_path_factory.mktemp("db") / "mt.db")
    code, _, err = run("ingest", str(folder), "--store", store, "--workers", "0")
    assert code == 0, err
    assert "skipped 2 unsupported files (.png 1, .xlsx 1)" in err
    return store, folder


def test_documents_lists_id_title_pages_and_source(stored: tuple[str, Path]) -> None:
    store, _ = stored
    code, out, _ = run("documents", "--store", store, "--json")
    rows = json.loads(out)["documents"]
    assert code == 0 and len(rows) == 2
    assert {Path(r["source"]).name for r in rows} == {"notes.txt", "memo.txt"}
    assert all(len(r["id"]) == 64 and r["pages"] == 1 for r in rows)
    code, table, _ = run("documents", "--store", store)
    assert code == 0 and all(r["id"][:12] in table for r in rows)


def test_show_takes_a_source_path_or_an_id_prefix(stored: tuple[str, Path]) -> None:
    store, folder = stored
    code, out, err = run("show", str(folder / "notes.txt"), "--store", store, "--json")
    assert code == 0, err
    doc = json.loads(out)
    code, out, _ = run("show", doc["id"][:6], "--store", store, "--json")
    assert code == 0 and json.loads(out)["id"] == doc["id"]
    code, _, err = run("show", "no-such-thing", "--store", store)
    assert code == 1 and "moneytrail documents" in err


def test_an_ambiguous_prefix_lists_its_candidates(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(17):  # 17 ids over 16 first hex digits: two must share one
        (folder / f"n{i}.txt").write_text(f"Note number {i} about a casino.\n")
    store = str(tmp_path / "many.db")
    assert run("ingest", str(folder), "--store", store, "--workers", "0")[0] == 0
    ids = [
        r["id"] for r in json.loads(run("documents", "--store", store, "--json")[1])["documents"]
    ]
    first = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) > 1)
    code, _, err = run("show", first, "--store", store)
    assert code == 1 and "give more of the id" in err
    assert all(i[:12] in err for i in ids if i.startswith(first))


def test_show_page_marks_the_mentions(stored: tuple[str, Path]) -> None:
    store, folder = stored
    code, out, err = run("show", str(folder / "notes.txt"), "--page", "1", "--store", store)
    assert code == 0, err
    assert "Lazarus Group⟨actor⟩" in out and "Cambodia⟨country⟩" in out
    code, out, _ = run("show", str(folder / "notes.txt"), "--page", "1", "--json", "--store", store)
    page = json.loads(out)
    marked = {(m["type"], page["text"][m["start"] : m["end"]]) for m in page["mentions"]}
    assert ("actor", "Lazarus Group") in marked and ("wallet", ETH) in marked
    code, _, err = run("show", str(folder / "notes.txt"), "--page", "9", "--store", store)
    assert code == 1 and "1 page," in err


@pytest.mark.parametrize("command", [["search", "x"], ["stats"], ["show", "ab"], ["documents"]])
def test_read_commands_refuse_a_missing_store(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo.db"
    code, _, err = run(*command, "--store", str(missing))
    assert code == 2 and "no store at" in err and err.count("\n") == 1
    assert not missing.exists()


def test_alias_hits_say_which_name_the_page_uses(stored: tuple[str, Path]) -> None:
    store, _ = stored
    code, out, _ = run("search", "Lazarus Group", "--json", "--store", store)
    hits = json.loads(out)["hits"]
    assert code == 0 and hits[0]["matched"] == "text"
    alias = [h for h in hits if h["matched"] == "alias"]
    assert alias and alias[0]["alias"] == "APT38" and alias[0]["score"] < hits[0]["score"]
    code, out, _ = run("search", "Lazarus Group", "--store", store)
    assert "alias: the page says 'APT38'" in out


def test_chain_names_and_tickers_are_alike(stored: tuple[str, Path]) -> None:
    store, _ = stored
    by_ticker = run("search", "traced", "--chain", "ETH", "--json", "--store", store)[1]
    by_name = run("search", "traced", "--chain", "ethereum", "--json", "--store", store)[1]
    assert json.loads(by_ticker)["hits"] and json.loads(by_ticker) == json.loads(by_name)


def test_a_question_finds_pages_holding_some_of_its_words(stored: tuple[str, Path]) -> None:
    store, _ = stored
    code, out, _ = run("search", "where did the ether go?", "--json", "--store", store)
    hits = json.loads(out)["hits"]
    assert code == 0 and [Path(h["document"]["source"]).name for h in hits] == ["memo.txt"]
    assert hits[0]["score"] > 0


def test_wallet_refuses_what_is_no_address(stored: tuple[str, Path]) -> None:
    store, _ = stored
    code, _, err = run("wallet", "notanaddress", "--store", store)
    assert code == 2 and "not a wallet address" in err


def test_entity_takes_an_id_prefix(stored: tuple[str, Path]) -> None:
    store, _ = stored
    code, out, _ = run("entities", "--type", "actor", "--json", "--store", store)
    lazarus = next(e for e in json.loads(out)["entities"] if e["name"] == "Lazarus Group")
    code, out, err = run("entity", lazarus["id"][:8], "--json", "--store", store)
    assert code == 0, err
    assert json.loads(out)["id"] == lazarus["id"]


def test_graph_has_json(stored: tuple[str, Path]) -> None:
    store, _ = stored
    code, out, err = run("graph", "Lazarus Group", "--json", "--store", store)
    assert code == 0, err
    assert "nodes" in json.loads(out)


def test_help_has_no_type_placeholders() -> None:
    code, out, _ = run("search", "--help")
    assert code == 0 and "<str>" not in out and "<bool>" not in out and "QUERY" in out


def test_extract_text_is_readable(tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    note = tmp_path / "one.txt"
    note.write_text("OFAC designated the Lazarus Group in North Korea.\n")
    code, out, _ = run("extract", str(note))
    assert code == 0 and "(1 page)" in out and '{"' not in out


def test_one_count_per_entity_in_facets_and_entities(stored: tuple[str, Path]) -> None:
    store, _ = stored
    _, out, _ = run("entities", "--json", "--store", store)
    counts = {e["id"]: e["mentions"] for e in json.loads(out)["entities"]}
    for name in ("Lazarus Group", "Cambodia"):
        _, out, _ = run("search", name, "--json", "--store", store)
        facets = json.loads(out)["facets"]
        listed = [f for f in facets["actor"] if f["name"] == name]
        if listed:
            assert listed[0]["count"] == counts[listed[0]["id"]]
    _, out, _ = run("search", "Cambodia", "--json", "--store", store)
    [cambodia] = [f for f in json.loads(out)["facets"]["country"] if f["code"] == "KH"]
    _, out, _ = run("entities", "--type", "country", "--json", "--store", store)
    [entity] = [e for e in json.loads(out)["entities"] if e["name"] == "Cambodia"]
    assert cambodia["count"] == entity["mentions"]


@pytest.mark.parametrize("columns", [80, 160])
def test_entities_table_never_cuts_a_name_or_an_id(
    stored: tuple[str, Path], columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.console import out

    store, _ = stored
    monkeypatch.setattr(out, "_width", columns)
    _, listing, _ = run("entities", "--json", "--store", store)
    code, shown, _ = run("entities", "--store", store)
    assert code == 0 and "…" not in shown
    # A table at 160 columns; at 80, a wallet's address beside the columns does not fit, so
    # each entity gets a block of its own lines instead.
    assert ("mentions" in shown.splitlines()[0]) is (columns == 160)
    assert max(len(line) for line in shown.splitlines()) <= columns
    words = shown.split()
    for entity in json.loads(listing)["entities"]:
        assert entity["id"] in words
        # A wrapped name keeps every word, in order.
        assert all(w in words for w in entity["name"].split()), entity["name"]
