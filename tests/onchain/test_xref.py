"""The cross-reference: one record per mentioned wallet, with what links to it."""

from __future__ import annotations

import pytest

from pipeline.onchain.xref import xref
from pipeline.store.sqlite.store import SqliteStore
from tests.onchain import scene
from tests.onchain.conftest import CASINO, LAZARUS, MIDDLE, NEVER, TORNADO


@pytest.fixture
def result(store: SqliteStore) -> dict[str, object]:
    scene.build(store)
    return xref(store.db)


def _by_key(result: dict[str, object]) -> dict[str, dict[str, object]]:
    return {w["key"]: w for w in result["wallets"]}  # type: ignore[attr-defined, index]


def test_xref_has_one_record_per_non_suspect_wallet(result: dict[str, object]) -> None:
    keys = [w["key"] for w in result["wallets"]]  # type: ignore[attr-defined, index]
    assert sorted(keys) == sorted([CASINO.lower(), TORNADO.lower(), LAZARUS.lower(), NEVER, MIDDLE])
    assert result["latest_sanctions_issues"] == {"OFAC SDN": "2025-03-25"}


def test_xref_flags_exactly_the_sanctioned_and_the_delisted(result: dict[str, object]) -> None:
    records = _by_key(result)
    flagged = {k for k, w in records.items() if w["sanctioned"]}
    delisted = {k for k, w in records.items() if w["sanctions"] and not w["sanctioned"]}
    assert flagged == {LAZARUS.lower()}
    assert delisted == {TORNADO.lower()}
    assert records[LAZARUS.lower()]["sanctions"][0]["name"] == "Lazarus Group"  # type: ignore[index]


def test_xref_record_shape_and_links(result: dict[str, object]) -> None:
    middle = _by_key(result)[MIDDLE]
    assert {
        "address",
        "chains",
        "documents",
        "sanctions",
        "activity",
        "paths_to_sanctioned",
        "linked_entities",
        "corroboration",
        "flagged_counterparties",
    } <= set(middle)
    assert middle["address"] == MIDDLE and middle["chains"][0] == "ETH"  # type: ignore[index]
    linked = {(e["type"], e["name"]) for e in middle["linked_entities"]}  # type: ignore[attr-defined]
    assert linked == {("actor", "Lazarus Group"), ("casino", "NagaWorld")}
    flagged = {c["key"]: c["sanctioned"] for c in middle["flagged_counterparties"]}  # type: ignore[attr-defined]
    assert flagged == {LAZARUS.lower(): True, CASINO.lower(): False}


def test_xref_reports_a_two_hop_path_to_a_sanctioned_address(result: dict[str, object]) -> None:
    casino = _by_key(result)[CASINO.lower()]
    hops = {
        (p["direction"], p["hops"], p["sanctioned_address"]) for p in casino["paths_to_sanctioned"]
    }  # type: ignore[attr-defined]
    assert ("in", 2, LAZARUS.lower()) in hops
