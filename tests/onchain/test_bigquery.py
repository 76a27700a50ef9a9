"""BigQuery exports: UTXO legs with estimated edges, wei and token decimals scaled."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline.onchain.model import ImportReport
from pipeline.store.sqlite.store import SqliteStore

Load = Callable[..., ImportReport]
EDGES = [
    ("12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "0.42"),
    ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", "0.116"),
    ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "0.28"),
]


def _edges(store: SqliteStore) -> list[tuple[str, str, str]]:
    return [
        (r[0], r[1], r[2])
        for r in store.db.execute(
            "SELECT from_key, to_key, amount FROM transfers WHERE approx = 1 ORDER BY 1, 2"
        )
    ]


def test_btc_nested_transactions_become_approximate_edges(load: Load, store: SqliteStore) -> None:
    report = load("bq-btc-transactions.jsonl")
    assert report.format == "bigquery-btc-transactions"
    assert report.derived_edges == 3  # the coinbase has no payer; change is no edge
    assert [(e.line, e.reason) for e in report.errors] == [
        (3, "input value 'lots' is not a whole number of base units")
    ]
    assert _edges(store) == EDGES
    tx = store.db.execute("SELECT DISTINCT tx_hash, chain, asset FROM transfers").fetchall()
    assert [tuple(r) for r in tx] == [("f1" + "0" * 59 + "f01", "BTC", "BTC")]  # lower case


@pytest.mark.parametrize(
    "order",
    [
        ("bq-btc-inputs.jsonl", "bq-btc-outputs.jsonl"),
        ("bq-btc-outputs.jsonl", "bq-btc-inputs.jsonl"),
    ],
)
def test_btc_input_and_output_tables_give_the_same_edges(
    load: Load, store: SqliteStore, order: tuple[str, str]
) -> None:
    first = load(order[0])
    assert first.derived_edges == 0  # one side alone says nothing about who paid whom
    assert load(order[1]).derived_edges == 3
    assert _edges(store) == EDGES
    again = load("bq-btc-transactions.jsonl")
    assert again.derived_edges == 0 and _edges(store) == EDGES


def test_eth_transactions_scale_wei_and_skip_failures(load: Load, store: SqliteStore) -> None:
    report = load("bq-eth-transactions.csv")
    assert report.format == "bigquery-eth-transactions"
    assert (report.added, report.skipped) == (2, {"failed transaction": 1})
    rows = store.db.execute("SELECT amount, to_key, leg FROM transfers ORDER BY block_time")
    assert [tuple(r) for r in rows] == [
        ("1580", "0x7f367cc41522ce07553e823bf3be79a889debe1b", "tx"),
        # contract creation: the value goes to the created contract
        ("0.000000000000000001", "0x5a14e72060c11313e38738009254a90968f58f51", "tx"),
    ]


def test_eth_token_transfers_say_when_decimals_are_missing(load: Load, store: SqliteStore) -> None:
    report = load("bq-eth-token-transfers.jsonl")
    assert report.added == 2
    assert any("no decimals" in note for note in report.notes)
    assets = dict(store.db.execute("SELECT asset, amount FROM transfers").fetchall())
    assert assets == {"USDT": "1250.5", "RAW:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48": "2500000"}


def test_eth_tokens_table_imported_first_scales_token_transfers(
    load: Load, store: SqliteStore
) -> None:
    assert load("bq-eth-tokens.csv").added == 1
    report = load("bq-eth-token-transfers.jsonl")
    assert report.notes == []
    assets = dict(store.db.execute("SELECT asset, amount FROM transfers").fetchall())
    assert assets == {"USDT": "1250.5", "USDC": "2.5"}
