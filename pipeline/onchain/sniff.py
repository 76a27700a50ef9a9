"""The import formats by name, and how a file's format is told from its first bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.onchain import bigquery, etherscan, ofac, tagpack, transfers
from pipeline.onchain.model import UnknownFormatError
from pipeline.onchain.reading import Reader
from pipeline.onchain.source import csv_header, first_json, head_text

HEAD_BYTES = 256 * 1024
_JSON_KEY = re.compile(r'"([A-Za-z_]+)"\s*:')
_TAGS_KEY = re.compile(r"^tags\s*:", re.M)


@dataclass(frozen=True, slots=True)
class Format:
    """An import format: its reader and one line saying what it is."""

    name: str
    reader: Reader
    description: str
    # Written in one transaction: a sanctions issue must never be stored half-way.
    atomic: bool = False
    # Brings transfers (and so may be bulk loaded, see importer.py).
    transfers: bool = True


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("transfers-csv", transfers.read_csv, "normalised transfers, CSV"),
        Format("transfers-jsonl", transfers.read_jsonl, "normalised transfers, JSON lines"),
        Format("etherscan", etherscan.read, "Etherscan-style CSV: normal, internal, token"),
        Format(
            "bigquery-btc-transactions",
            bigquery.read_btc_transactions,
            "crypto_bitcoin.transactions, JSON lines with nested inputs and outputs",
        ),
        Format("bigquery-btc-inputs", bigquery.read_btc_inputs, "crypto_bitcoin.inputs"),
        Format("bigquery-btc-outputs", bigquery.read_btc_outputs, "crypto_bitcoin.outputs"),
        Format(
            "bigquery-eth-transactions",
            bigquery.read_eth_transactions,
            "crypto_ethereum.transactions, JSON lines or CSV",
        ),
        Format(
            "bigquery-eth-token-transfers",
            bigquery.read_eth_token_transfers,
            "crypto_ethereum.token_transfers (with decimals and symbol when joined)",
        ),
        Format(
            "bigquery-eth-tokens",
            bigquery.read_eth_tokens,
            "crypto_ethereum.tokens",
            transfers=False,
        ),
        Format(
            "ofac-sdn-advanced",
            ofac.read,
            "OFAC sdn_advanced.xml",
            atomic=True,
            transfers=False,
        ),
        Format("tagpack", tagpack.read, "GraphSense TagPack YAML", transfers=False),
    )
}


def understood() -> str:
    """Return the format names, comma-separated."""
    return ", ".join(FORMATS)


def get_format(name: str) -> Format:
    """Return a format by name; an unknown name lists the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormatError(
            f"unknown format {name!r}; understood formats: {understood()}"
        ) from None


def _by_keys(keys: set[str]) -> str | None:
    """Tell a tabular format from its column or field names."""
    if set(transfers.REQUIRED) <= keys and "leg" in keys:
        return "transfers"
    if "hash" in keys and keys & {"inputs", "outputs"}:
        return "bigquery-btc-transactions"
    if {"transaction_hash", "spent_transaction_hash"} <= keys:
        return "bigquery-btc-inputs"
    if {"transaction_hash", "addresses", "index"} <= keys:
        return "bigquery-btc-outputs"
    if {"token_address", "log_index", "value"} <= keys:
        return "bigquery-eth-token-transfers"
    if {"hash", "from_address", "to_address", "value"} <= keys:
        return "bigquery-eth-transactions"
    if {"address", "decimals", "symbol"} <= keys:
        return "bigquery-eth-tokens"
    return None


def sniff(path: Path) -> str:
    """Return the name of a file's format, judged from its name and first bytes."""
    head = head_text(path, HEAD_BYTES)
    start = head.lstrip()
    stem = path.name.lower().removesuffix(".gz").removesuffix(".bz2")
    if start.startswith("<") and "DateOfIssue" in head and "<Sanctions" in head:
        return "ofac-sdn-advanced"
    if stem.endswith((".yaml", ".yml")) or _TAGS_KEY.search(head):
        return "tagpack"
    if start.startswith("{"):
        first = first_json(head)
        # A long first line may be cut off in the head: fall back to the keys seen so far.
        keys = set(first) if first else set(_JSON_KEY.findall(start.split("\n", 1)[0]))
        found = _by_keys(keys)
        return "transfers-jsonl" if found == "transfers" else found or _unknown(path)
    header = csv_header(head)
    found = _by_keys(set(header))
    if found == "transfers":
        return "transfers-csv"
    if found is not None:
        return found
    if etherscan.looks_like(header):
        return "etherscan"
    return _unknown(path)


def _unknown(path: Path) -> str:
    raise UnknownFormatError(
        f"cannot tell the format of {path}; understood formats: {understood()} "
        "(name one with --format)"
    )
