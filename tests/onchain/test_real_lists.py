"""Issue 6's acceptance check on the two real OFAC issues, with documents the pipeline reads.

The documents and transfers are written here. The addresses are real published ones: the
Lazarus Group's Ronin-hack wallet (listed in both issues) and a Tornado Cash pool (listed in
2024-09-26, delisted before 2025-11-19). The first-hop wallet and the mule are made up.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.ingest import ingest
from pipeline.onchain.commands import register
from pipeline.onchain.importer import import_file
from pipeline.settings import Settings
from pipeline.store.sqlite.store import SqliteStore
from tests.conftest import shared_path

LAZARUS = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
TORNADO_POOL = "0x910Cbd523D972eb0a6f4cAe4618aD62622b39DbF"
FIRST_HOP = "0x54322d9b899d8b770ef859843CeF89C360FE1799"
MULE = "0x81F06A135caA1e6cC870E19BF9714d0B66FF946c"
NEVER = "0x668146a295081ac38e3e99d28d2f5d24c8c1a952"

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="{day}T09:00:00Z"></head>
<body><article><h1>{title}</h1><p>{body}</p></article></body></html>"""
DOCUMENTS = {
    "mixer.html": PAGE.format(
        title="Treasury lifts sanctions on Tornado Cash contracts",
        day="2025-03-24",
        body=f"One of the pool contracts named in 2022, {TORNADO_POOL}, had received 100 ETH "
        "on 1 December 2024 from a wallet that later fed the Lazarus Group.",
    ),
    "ronin.html": PAGE.format(
        title="Ronin bridge theft: where the Ether went next",
        day="2025-01-15",
        body=f"The Lazarus Group wallet {LAZARUS} received about 249.5 ETH on 3 February "
        "2025 through a short chain of fresh wallets.",
    ),
    "probe.txt": f"Investigators named the wallet {FIRST_HOP} as the first hop. On 2 February "
    f"2025 it sent 250 ETH onwards. Another wallet, {NEVER}, has no sanctions history.\n",
}
TRANSFERS = [
    ("0x" + "22" * 32, "2024-12-01T08:30:00Z", FIRST_HOP, TORNADO_POOL, "100"),
    ("0x" + "33" * 32, "2025-02-02T10:00:00Z", FIRST_HOP, MULE, "250"),
    ("0x" + "44" * 32, "2025-02-03T09:15:00Z", MULE, LAZARUS, "249.5"),
]

# block_number, amount_usd and source are optional columns.
HEADER = ("chain", "tx_hash", "leg", "block_time", "from_address", "to_address", "asset", "amount")

runner = CliRunner()


def _run(*args: str) -> str:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    register(app)
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    lists = [
        shared_path("ofac", "sdn_advanced-2024-09-26.xml.bz2"),
        shared_path("ofac", "sdn_advanced-2025-11-19.xml.bz2"),
    ]
    root = tmp_path_factory.mktemp("real-lists")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    transfers = root / "transfers.csv"
    with transfers.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for tx, when, src, dst, amount in TRANSFERS:
            out.writerow(["ETH", tx, "tx", when, src, dst, "ETH", amount])
    path = root / "mt.db"
    store = SqliteStore(path)
    try:
        assert ingest([str(folder)], store, Settings(store=str(path))).ok
        for item in [*lists, transfers]:
            assert import_file(store.db, Path(item)).ok
    finally:
        store.close()
    return str(path)


def test_real_lists_xref_flags_exactly_the_listed_wallet(db_path: str) -> None:
    wallets = {
        w["key"]: w for w in json.loads(_run("xref", "--store", db_path, "--json"))["wallets"]
    }
    assert set(wallets) == {k.lower() for k in (LAZARUS, TORNADO_POOL, FIRST_HOP, NEVER)}
    assert [k for k, w in wallets.items() if w["sanctioned"]] == [LAZARUS.lower()]
    lazarus = wallets[LAZARUS.lower()]["sanctions"]
    assert [(e["name"], e["listed_in"], e["current"]) for e in lazarus] == [
        ("Lazarus Group", ["2024-09-26", "2025-11-19"], True)
    ]
    pool = wallets[TORNADO_POOL.lower()]
    assert pool["sanctions"][0]["name"] == "TORNADO CASH"
    assert pool["sanctions"][0]["status"] == (
        "listed in 2024-09-26, absent from the latest (2025-11-19)"
    )
    assert pool["documents"][0]["listed_before_document"] is True  # 2024 issue < 2025-03-24
    assert wallets[NEVER]["sanctions"] == [] and wallets[NEVER]["paths_to_sanctioned"] == []


def test_real_lists_two_hop_path_from_a_document_wallet(db_path: str) -> None:
    report = json.loads(_run("wallet", FIRST_HOP.lower(), "--store", db_path, "--json"))
    found = {(p["hops"], p["sanctioned_address"]): p for p in report["paths_to_sanctioned"]}
    two = found[(2, LAZARUS.lower())]
    assert two["addresses"] == [FIRST_HOP.lower(), MULE.lower(), LAZARUS.lower()]
    assert [s["transactions"][0]["amount"] for s in two["steps"]] == ["250", "249.5"]
    assert found[(1, TORNADO_POOL.lower())]["sanctioned_as"][0]["current"] is False
    path = json.loads(_run("path", FIRST_HOP, LAZARUS, "--store", db_path, "--json"))
    assert [(p["direction"], p["hops"]) for p in path["paths"]] == [("a_to_b", 2)]


def test_real_lists_csv_counts_paths_to_current_listings_only(db_path: str) -> None:
    """Regression: the 1-hop path to the delisted pool was reported as the shortest one."""
    rows = {
        r["key"]: r for r in csv.DictReader(io.StringIO(_run("xref", "--store", db_path, "--csv")))
    }
    first = rows[FIRST_HOP.lower()]
    assert (first["sanctioned"], first["paths_to_sanctioned"], first["shortest_path_hops"]) == (
        "false",
        "1",
        "2",
    )
    assert first["path_targets"] == "Lazarus Group (2 hops); TORNADO CASH (delisted) (1 hop)"
    assert rows[TORNADO_POOL.lower()]["sanctioned"] == "false"
