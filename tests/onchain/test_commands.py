"""The on-chain commands through Typer's runner, on a fresh app that only they are added to."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.onchain.commands import register
from pipeline.onchain.queries import wallet_report
from pipeline.store.sqlite.store import SqliteStore
from tests.onchain import scene
from tests.onchain.conftest import CASINO, FIXTURES, LAZARUS, MIDDLE, TORNADO

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    register(app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    path = tmp_path / "mt.db"
    store = SqliteStore(path)
    scene.build(store)
    store.close()
    return str(path)


def test_import_clean_files_exits_0(tmp_path: Path) -> None:
    store = str(tmp_path / "s.db")
    files = [str(FIXTURES / "sdn-2024-01-10.xml"), str(FIXTURES / "sdn-2025-03-25.xml")]
    code, _, err = run("onchain", "import", *files, "--store", store)
    assert code == 0, err
    assert "ofac-sdn-advanced, 6 records: 6 added" in err
    code, _, err = run("onchain", "import", files[0], "--store", store)
    assert (code, "0 added, 6 already stored or repeated" in err) == (0, True)


def test_import_malformed_rows_exit_1_naming_each_line(tmp_path: Path) -> None:
    code, _, err = run(
        "onchain", "import", str(FIXTURES / "transfers.csv"), "--store", str(tmp_path / "s.db")
    )
    assert code == 1
    assert "line 6: amount '-5' is not a non-negative decimal number" in err
    assert "line 10: has 3 fields, the header has 11" in err
    assert "skipped 1: zero amount" in err


def test_import_json_report(tmp_path: Path) -> None:
    code, out, _ = run(
        "onchain",
        "import",
        str(FIXTURES / "bq-eth-token-transfers.jsonl"),
        "--store",
        str(tmp_path / "s.db"),
        "--json",
    )
    assert code == 0
    [report] = json.loads(out)["imports"]
    assert report["format"] == "bigquery-eth-token-transfers"
    assert (report["added"], report["errors"]) == (2, 0)
    assert "no decimals" in report["notes"][0]


@pytest.mark.parametrize("extra", [[], ["--format", "parquet"]])
def test_import_unknown_format_exits_2_with_one_line(tmp_path: Path, extra: list[str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")
    code, _, err = run("onchain", "import", str(path), *extra, "--store", str(tmp_path / "s.db"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "understood formats: transfers-csv, transfers-jsonl, etherscan" in err
    assert not (tmp_path / "s.db").exists()


def test_import_broken_file_is_named_and_others_still_import(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text((FIXTURES / "sdn-2024-01-10.xml").read_text()[:3000])
    code, _, err = run(
        "onchain",
        "import",
        str(broken),
        str(FIXTURES / "tagpack.yaml"),
        "--format",
        "ofac-sdn-advanced",
        "--store",
        str(tmp_path / "s.db"),
    )
    assert code == 1
    assert "failed:" in err and "not well-formed XML" in err


def test_wallet_json_is_the_library_report(db_path: str) -> None:
    code, out, _ = run("wallet", CASINO, "--store", db_path, "--json")
    assert code == 0
    store = SqliteStore(db_path)
    try:
        assert json.loads(out) == json.loads(json.dumps(wallet_report(store.db, CASINO)))
    finally:
        store.close()


def test_wallet_tables_name_the_sanctioned(db_path: str) -> None:
    code, out, _ = run("wallet", LAZARUS, "--store", db_path)
    assert code == 0
    assert "SANCTIONED" in out and "Lazarus Group" in out
    assert "listed in 2024-01-10, 2025-03-25 (current)" in out
    code, out, _ = run("wallet", TORNADO, "--store", db_path)
    assert "delisted" in out and "absent from the latest (2025-03-25)" in out


def test_path_json(db_path: str) -> None:
    code, out, _ = run("path", LAZARUS, CASINO, "--max-hops", "2", "--store", db_path, "--json")
    assert code == 0
    result = json.loads(out)
    assert [p["addresses"] for p in result["paths"]] == [[LAZARUS.lower(), MIDDLE, CASINO.lower()]]


def test_xref_csv_has_one_row_per_wallet(db_path: str) -> None:
    code, out, _ = run("xref", "--store", db_path, "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5
    by_key = {r["key"]: r for r in rows}
    assert by_key[LAZARUS.lower()]["sanctioned"] == "true"
    assert "absent from the latest" in by_key[TORNADO.lower()]["sanctions"]
    casino = by_key[CASINO.lower()]
    # CASINO pays the delisted Tornado Cash contract directly (1 hop) and is 2 hops from the
    # listed Lazarus Group: the counts are of paths to current listings only.
    assert (casino["paths_to_sanctioned"], casino["shortest_path_hops"]) == ("1", "2")
    assert casino["path_targets"] == "Lazarus Group (2 hops); TORNADO CASH (delisted) (1 hop)"


def test_xref_json_and_table(db_path: str) -> None:
    code, out, _ = run("xref", "--store", db_path, "--json")
    assert code == 0 and len(json.loads(out)["wallets"]) == 5
    code, out, _ = run("xref", "--store", db_path)
    assert code == 0 and "5 wallets" in out and "SANCTIONED" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["xref", "--json", "--csv"], "give --json or --csv, not both"),
        # Nothing listens on this port in tests: the one-line reason, not a traceback.
        (["wallet", LAZARUS, "--store", "http://localhost:9"], "cannot reach Elasticsearch"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2 and message in err


@pytest.mark.parametrize("columns", [80, 200])
def test_tables_never_cut_an_address(
    db_path: str, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.console import out

    monkeypatch.setattr(out, "_width", columns)
    _, listing, _ = run("xref", "--store", db_path, "--json")
    wallets = json.loads(listing)["wallets"]
    code, shown, _ = run("xref", "--store", db_path)
    code_w, report, _ = run("wallet", CASINO, "--store", db_path)
    assert code == 0 and code_w == 0
    # Nothing ends in an ellipsis: no address, amount or name is cut at either width.
    assert "…" not in shown + report
    for w in wallets:
        assert w["address"] in shown, w["address"]
        for entity in w["linked_entities"]:
            assert entity["name"] in shown
    assert MIDDLE in report.lower()
    # Wide terminals get a table; narrow ones a block per wallet, with the address alone.
    assert ("┃ wallet" in shown) is (columns == 200)
