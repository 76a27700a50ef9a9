"""The sample corpus against its oracle (corpora/sample-expected.md): every wallet, no negative."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pipeline.ingest import extract_files
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "sample"
ORACLE = ROOT / "corpora" / "sample-expected.md"


def oracle_rows() -> dict[str, list[list[str]]]:
    """Return the oracle's table rows under each '### file' heading."""
    rows: dict[str, list[list[str]]] = {}
    current = None
    for line in ORACLE.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (\S+)", line)
        if heading:
            current = heading.group(1)
            rows[current] = []
        elif current and line.startswith("| ") and not line.startswith("| ---"):
            rows[current].append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.fixture(scope="module")
def extracted() -> dict[str, dict[str, Any]]:
    items = extract_files([str(SAMPLE)], Settings())
    return {
        Path(str(item["document"]["source"])).name: item  # type: ignore[index]
        for item in items
        if isinstance(item, dict)
    }


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLE.iterdir()))
def test_every_sample_wallet_is_found_on_its_page(
    name: str, extracted: dict[str, dict[str, Any]]
) -> None:
    rows = oracle_rows()[name]
    expected = {r[1]: (r[2], r[5]) for r in rows if r[0] == "wallet"}
    found = {
        e["address"]: e
        for e in extracted[name]["entities"]
        if e["type"] == "wallet" and not e["suspect"]
    }
    assert set(found) == set(expected)
    for address, (chain, page) in expected.items():
        assert chain in found[address]["chains"]
        if page != "-":
            assert min(m["page"] for m in found[address]["mentions"]) == int(page)


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLE.iterdir()))
def test_no_sample_negative_becomes_a_wallet_or_amount(
    name: str, extracted: dict[str, dict[str, Any]]
) -> None:
    negatives = [r[1] for r in oracle_rows()[name] if r[0] == "negative"]
    valid = [
        e
        for e in extracted[name]["entities"]
        if e["type"] in ("wallet", "amount") and not e.get("suspect")
    ]
    texts = {m["text"] for e in valid for m in e["mentions"]} | {e.get("address") for e in valid}
    for negative in negatives:
        assert negative not in texts
