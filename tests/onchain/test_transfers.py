"""The normalised transfers format: exact amounts, per-row errors, idempotent imports."""

from __future__ import annotations

import bz2
import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.onchain.importer import import_file
from pipeline.onchain.model import ImportReport, OnchainError
from pipeline.store.sqlite.store import SqliteStore
from tests.onchain.conftest import (
    CASINO,
    FIXTURES,
    LAZARUS,
    MIDDLE,
    TORNADO,
    TRON_UNDER_XBT,
    YAN_BTC,
)

Load = Callable[..., ImportReport]


def _rows(store: SqliteStore) -> list[tuple[object, ...]]:
    return [tuple(r) for r in store.db.execute("SELECT * FROM transfers ORDER BY id")]


def test_transfers_csv_imports_good_rows_and_reports_bad_ones(load: Load) -> None:
    report = load("transfers.csv")
    assert report.format == "transfers-csv"
    assert (report.rows, report.added, report.existing) == (9, 5, 0)
    assert report.skipped == {"zero amount": 1}
    assert [(e.line, e.reason) for e in report.errors] == [
        (6, "amount '-5' is not a non-negative decimal number"),
        (8, "block_time 'yesterday' is not a date and time"),
        (10, "has 3 fields, the header has 11"),
    ]
    assert not report.ok


def test_transfers_rows_are_normalised(load: Load, store: SqliteStore) -> None:
    load("transfers.csv")
    row = store.db.execute("SELECT * FROM transfers WHERE tx_hash LIKE '0xa2%'").fetchone()
    assert row["from_key"] == MIDDLE
    assert row["to_key"] == CASINO.lower()
    assert row["to_address"] == CASINO  # kept as written where it differs from the key
    assert row["from_address"] is None
    assert row["amount"] == "1000.000000000000000001"
    assert row["block_time"] == "2023-08-11T10:30:00Z"
    assert row["source"].endswith("transfers.csv")  # an empty source column means this file
    first = store.db.execute("SELECT * FROM transfers WHERE tx_hash LIKE '0xa1%'").fetchone()
    assert first["tx_hash"] == "0xa1" + "0" * 60 + "a1"  # hex hashes in one case
    assert (first["from_key"], first["amount_usd"]) == (LAZARUS.lower(), "2900000")


def test_transfers_sum_exactly(load: Load, store: SqliteStore) -> None:
    load("transfers.csv")
    total = store.db.execute(
        "SELECT decsum(amount), sum(amount_value) FROM transfers WHERE to_key = ?",
        (TORNADO.lower(),),
    ).fetchone()
    assert total[0] == "0.3"  # 0.1 + 0.2, exact
    assert total[1] == pytest.approx(0.3)


@pytest.mark.parametrize("second", ["transfers.csv", "transfers.jsonl"])
def test_transfers_reimport_changes_nothing(load: Load, store: SqliteStore, second: str) -> None:
    load("transfers.csv")
    before = _rows(store)
    again = load(second)
    assert again.added == 0 and again.existing == 5
    assert _rows(store) == before


def test_transfers_jsonl_reports_broken_lines(load: Load) -> None:
    report = load("transfers.jsonl")
    assert report.format == "transfers-jsonl"
    assert report.added == 5
    assert [(e.line, e.reason.split(" (")[0]) for e in report.errors] == [
        (6, "is not valid JSON"),
        (7, "is not a JSON object"),
    ]


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress])
def test_transfers_compressed_files_import_and_report_progress(
    store: SqliteStore, tmp_path: Path, compress: Callable[[bytes], bytes]
) -> None:
    path = tmp_path / "transfers.csv.z"
    path.write_bytes(compress((FIXTURES / "transfers.csv").read_bytes()))
    ticks: list[tuple[int, int, int]] = []
    report = import_file(store.db, path, progress=lambda *t: ticks.append(t), batch=2)
    assert report.added == 5
    assert len(ticks) >= 3  # every batch of 2, and the end
    assert ticks[-1] == (path.stat().st_size, path.stat().st_size, 9)


def test_transfers_csv_without_required_columns_is_refused(
    store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("chain,tx_hash,leg,from_address,to_address,asset\nETH,0x1,0,a,b,ETH\n")
    with pytest.raises(OnchainError, match="lacks block_time, amount;"):
        import_file(store.db, path, format="transfers")


HEADER = "chain,tx_hash,leg,block_time,from_address,to_address,asset,amount\n"


@pytest.mark.parametrize(
    ("chain", "sender", "reason"),
    [
        ("ETH", "not-an-address", "from_address 'not-an-address' is not an address on ETH"),
        ("ETH", TRON_UNDER_XBT, f"from_address '{TRON_UNDER_XBT}' is a TRX address, not ETH"),
        ("TRX", LAZARUS, f"from_address '{LAZARUS}' is a ETH/BSC/POLYGON/ARB/OP/AVAX/BASE/ETC"),
        ("BTC", YAN_BTC[:-1] + "0", "is not an address on BTC"),  # '0' is not base58
        ("BTC", YAN_BTC[:-1] + "j", "fails its checksum"),
    ],
)
def test_transfers_rows_with_impossible_addresses_are_malformed(
    store: SqliteStore, tmp_path: Path, chain: str, sender: str, reason: str
) -> None:
    """Regression: such rows used to be stored as transfers from a made-up node."""
    receiver = YAN_BTC if chain == "BTC" else (TRON_UNDER_XBT if chain == "TRX" else MIDDLE)
    path = tmp_path / "t.csv"
    path.write_text(
        HEADER
        + f"{chain},0x01,tx,2025-01-01,{sender},{receiver},{chain},1\n"
        + f"{chain},0x02,tx,2025-01-01,{receiver},{receiver},{chain},2\n"
    )
    report = import_file(store.db, path, format="transfers-csv")
    assert report.added == 1
    assert [e.line for e in report.errors] == [2]
    assert reason in report.errors[0].reason


def test_transfers_unknown_chains_keep_addresses_as_written(
    store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "ADA,ab01,tx,2025-01-01,addr1qxyz,addr1qabc,ADA,5\n")
    report = import_file(store.db, path, format="transfers-csv")
    assert (report.added, report.errors) == (1, [])
    keys = store.db.execute("SELECT from_key, to_key FROM transfers").fetchone()
    assert tuple(keys) == ("addr1qxyz", "addr1qabc")
