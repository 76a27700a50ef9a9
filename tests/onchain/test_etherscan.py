"""Explorer CSV exports: headers mapped by pattern, failed and empty transactions left out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.onchain.etherscan import looks_like, map_headers
from pipeline.onchain.importer import import_file
from pipeline.onchain.model import ImportReport
from pipeline.store.sqlite.store import SqliteStore

Load = Callable[..., ImportReport]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            [
                "Transaction Hash",
                "Blockno",
                "UnixTimestamp",
                "DateTime (UTC)",
                "From",
                "To",
                "Value_IN(ETH)",
                "Value_OUT(ETH)",
                "Historical $Price/Eth",
                "Status",
            ],
            {
                "hash": "Transaction Hash",
                "unix": "UnixTimestamp",
                "datetime": "DateTime (UTC)",
                "value_in": "Value_IN(ETH)",
                "value_out": "Value_OUT(ETH)",
                "price": "Historical $Price/Eth",
            },
        ),
        (
            [
                "Txhash",
                "Blockno",
                "UnixTimestamp",
                "DateTime",
                "ParentTxFrom",
                "ParentTxTo",
                "From",
                "TxTo",
                "Value_IN(BNB)",
                "Value_OUT(BNB)",
            ],
            {
                "hash": "Txhash",
                "from": "From",
                "to": "TxTo",
                "parent": "ParentTxFrom",
                "value_in": "Value_IN(BNB)",
            },
        ),
        (
            [
                "Txhash",
                "UnixTimestamp",
                "DateTime (UTC)",
                "From",
                "To",
                "TokenValue",
                "USDValueDayOfTx",
                "ContractAddress",
                "TokenName",
                "TokenSymbol",
            ],
            {
                "value": "TokenValue",
                "usd": "USDValueDayOfTx",
                "symbol": "TokenSymbol",
                "contract": "ContractAddress",
            },
        ),
    ],
)
def test_map_headers_finds_fields_under_varying_names(
    header: list[str], expected: dict[str, str]
) -> None:
    fields = map_headers(header)
    assert expected.items() <= fields.items()
    assert looks_like(header)


def test_etherscan_normal_export(load: Load, store: SqliteStore) -> None:
    report = load("etherscan-normal.csv")
    assert report.format == "etherscan"
    assert report.added == 2
    assert report.skipped == {"failed transaction": 1, "zero amount": 1}
    assert [(e.line, e.reason) for e in report.errors] == [
        (6, "the hash, From or To field is empty")
    ]
    rows = store.db.execute(
        "SELECT leg, asset, chain, amount, amount_usd, block_time FROM transfers ORDER BY block_time"  # noqa: E501
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("tx", "ETH", "ETH", "1580", "2900090", "2023-08-10T09:00:00Z"),
        ("tx", "ETH", "ETH", "0.25", "460", "2023-08-11T10:30:00Z"),
    ]


def test_etherscan_internal_export_keeps_repeated_legs(load: Load, store: SqliteStore) -> None:
    assert load("etherscan-internal.csv").added == 2
    legs = sorted(r[0] for r in store.db.execute("SELECT leg FROM transfers"))
    assert legs[0].startswith("internal:") and legs[1] == legs[0] + "#2"
    assert load("etherscan-internal.csv").added == 0


def test_etherscan_token_export_matches_bigquery_token_transfer(
    load: Load, store: SqliteStore
) -> None:
    report = load("etherscan-erc20.csv")
    assert (report.added, report.skipped) == (1, {"zero amount": 1})
    row = store.db.execute("SELECT asset, amount, amount_usd FROM transfers").fetchone()
    assert tuple(row) == ("USDT", "1250.5", "1250.5")
    # The same transfer from BigQuery has a log index but the same content: stored once.
    assert load("bq-eth-token-transfers.jsonl").added == 1


def test_etherscan_chain_follows_the_native_unit(store: SqliteStore, tmp_path: Path) -> None:
    path = tmp_path / "bscscan.csv"
    path.write_text(
        '"Txhash","Blockno","UnixTimestamp","DateTime (UTC)","From","To","ContractAddress",'
        '"Value_IN(BNB)","Value_OUT(BNB)","Status"\n'
        '"0xab","1","1691658000","2023-08-10 09:00:00","0x098b716b8aaf21512996dc57eb0615e2383e2f96",'  # noqa: E501
        '"0x7f367cc41522ce07553e823bf3be79a889debe1b","","2","0",""\n'
    )
    import_file(store.db, path)
    assert tuple(store.db.execute("SELECT chain, asset FROM transfers").fetchone()) == (
        "BSC",
        "BNB",
    )
