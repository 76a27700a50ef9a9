"""Formats are told from a file's first bytes; an unknown one names those understood."""

from __future__ import annotations

import bz2
from pathlib import Path

import pytest

from pipeline.onchain.importer import resolve_format
from pipeline.onchain.model import UnknownFormatError
from pipeline.onchain.sniff import FORMATS, sniff
from tests.onchain.conftest import FIXTURES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("transfers.csv", "transfers-csv"),
        ("transfers.jsonl", "transfers-jsonl"),
        ("etherscan-normal.csv", "etherscan"),
        ("etherscan-internal.csv", "etherscan"),
        ("etherscan-erc20.csv", "etherscan"),
        ("bq-btc-transactions.jsonl", "bigquery-btc-transactions"),
        ("bq-btc-inputs.jsonl", "bigquery-btc-inputs"),
        ("bq-btc-outputs.jsonl", "bigquery-btc-outputs"),
        ("bq-eth-transactions.csv", "bigquery-eth-transactions"),
        ("bq-eth-token-transfers.jsonl", "bigquery-eth-token-transfers"),
        ("bq-eth-tokens.csv", "bigquery-eth-tokens"),
        ("sdn-2024-01-10.xml", "ofac-sdn-advanced"),
        ("tagpack.yaml", "tagpack"),
    ],
)
def test_sniff_recognises_each_fixture(name: str, expected: str) -> None:
    assert sniff(FIXTURES / name) == expected


def test_sniff_sees_through_compression(tmp_path: Path) -> None:
    path = tmp_path / "sdn_advanced.xml.bz2"
    path.write_bytes(bz2.compress((FIXTURES / "sdn-2025-03-25.xml").read_bytes()))
    assert sniff(path) == "ofac-sdn-advanced"


def test_sniff_reads_a_cut_off_first_json_line(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    inputs = ",".join(f'{{"index": {i}, "addresses": ["x"], "value": "1"}}' for i in range(9000))
    path.write_text(f'{{"hash": "ab", "inputs": [{inputs}], "outputs": []}}\n')
    assert sniff(path) == "bigquery-btc-transactions"


@pytest.mark.parametrize("content", [b"%PDF-1.7\n...", b"a,b,c\n1,2,3\n", b""])
def test_sniff_unknown_format_lists_the_understood_ones(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "mystery.dat"
    path.write_bytes(content)
    with pytest.raises(UnknownFormatError) as caught:
        sniff(path)
    message = str(caught.value)
    assert "\n" not in message
    assert all(name in message for name in FORMATS)


def test_resolve_format_accepts_transfers_and_refuses_unknown_names() -> None:
    assert resolve_format(FIXTURES / "transfers.jsonl", "transfers") == "transfers-jsonl"
    assert resolve_format(FIXTURES / "transfers.csv", "transfers") == "transfers-csv"
    with pytest.raises(UnknownFormatError, match="understood formats: transfers-csv"):
        resolve_format(FIXTURES / "transfers.csv", "parquet")
