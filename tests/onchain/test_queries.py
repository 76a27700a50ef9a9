"""Wallet reports and paths over a small investigation held in a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.onchain.importer import import_file
from pipeline.onchain.queries import paths, wallet_report
from pipeline.store.sqlite.store import SqliteStore
from tests.onchain import scene
from tests.onchain.conftest import CASINO, FIXTURES, LAZARUS, MIDDLE, NEVER, TORNADO


@pytest.fixture
def docs(store: SqliteStore) -> dict[str, str]:
    return scene.build(store)


def test_wallet_report_lists_documents_and_sanctions(
    store: SqliteStore, docs: dict[str, str]
) -> None:
    report = wallet_report(store.db, LAZARUS.lower())
    assert report["key"] == LAZARUS.lower()
    assert report["sanctioned"] is True
    [entry] = report["sanctions"]
    assert (entry["name"], entry["current"], entry["listed_in"]) == (
        "Lazarus Group",
        True,
        ["2024-01-10", "2025-03-25"],
    )
    before = {d["source"]: d["listed_before_document"] for d in report["documents"]}
    # The UN report (2025-01-15) came after the 2024 issue; the 2023 news came before any.
    assert before == {"un-report.txt": True, "old-news.txt": False}
    assert {d["source"]: d["pages"] for d in report["documents"]} == {
        "un-report.txt": [1],
        "old-news.txt": [1],
    }


@pytest.mark.parametrize(
    ("address", "sanctioned", "status", "listed_before"),
    [
        (TORNADO, False, "listed in 2024-01-10, absent from the latest (2025-03-25)", None),
        (NEVER, False, None, False),
        (CASINO, False, None, None),
    ],
)
def test_wallet_report_sanctions_status(
    store: SqliteStore,
    docs: dict[str, str],
    address: str,
    sanctioned: bool,
    status: str | None,
    listed_before: bool | None,
) -> None:
    report = wallet_report(store.db, address)
    assert report["sanctioned"] is sanctioned
    assert [e["status"] for e in report["sanctions"]] == ([status] if status else [])
    assert [d["listed_before_document"] for d in report["documents"]] == [listed_before]


def test_wallet_report_activity_and_counterparties(
    store: SqliteStore, docs: dict[str, str]
) -> None:
    report = wallet_report(store.db, MIDDLE.upper().replace("0X", "0x"))
    activity = report["activity"]
    assert (activity["first_seen"], activity["last_seen"]) == (
        "2023-08-10T09:00:00Z",
        "2023-08-11T10:30:00Z",
    )
    assert activity["assets"] == [
        {
            "asset": "ETH",
            "in": "1580",
            "out": "1000.000000000000000001",
            "transfers_in": 1,
            "transfers_out": 1,
            "usd_in": "2900000",
        }
    ]
    parties = {p["key"]: p for p in report["counterparties"]}
    lazarus, casino = parties[LAZARUS.lower()], parties[CASINO.lower()]
    assert (lazarus["sanctioned"], lazarus["received"], lazarus["sent"]) == (
        True,
        {"ETH": "1580"},
        {},
    )
    assert lazarus["address"] == LAZARUS  # as written in the transfers file
    assert [(m["source"], m["other_document"]) for m in lazarus["mentioned_in"]] == [
        ("old-news.txt", True),
        ("un-report.txt", False),
    ]
    assert casino["sent"] == {"ETH": "1000.000000000000000001"}
    assert [m["source"] for m in casino["mentioned_in"]] == ["memo.txt"]
    assert casino["sanctioned"] is False
    assert report["tags"][0]["label"] == "Fixture Exchange hot wallet"


def test_wallet_report_paths_to_sanctioned_both_ways(
    store: SqliteStore, docs: dict[str, str]
) -> None:
    report = wallet_report(store.db, CASINO)
    found = [
        (p["direction"], p["hops"], p["addresses"], p["sanctioned_as"][0]["current"])
        for p in report["paths_to_sanctioned"]
    ]
    assert found == [
        ("out", 1, [CASINO.lower(), TORNADO.lower()], False),
        ("in", 2, [LAZARUS.lower(), MIDDLE, CASINO.lower()], True),
    ]
    two_hop = report["paths_to_sanctioned"][1]
    assert [s["transfers"] for s in two_hop["steps"]] == [1, 1]
    assert two_hop["steps"][0]["transactions"][0]["amount"] == "1580"
    assert two_hop["sanctioned_as"][0]["name"] == "Lazarus Group"


@pytest.mark.parametrize(("max_hops", "expected"), [(1, ["out"]), (2, ["out", "in"])])
def test_wallet_report_respects_max_hops(
    store: SqliteStore, docs: dict[str, str], max_hops: int, expected: list[str]
) -> None:
    report = wallet_report(store.db, CASINO, max_hops=max_hops)
    assert [p["direction"] for p in report["paths_to_sanctioned"]] == expected


@pytest.mark.parametrize(
    ("a", "b", "max_hops", "expected"),
    [
        (LAZARUS, CASINO, 3, [("a_to_b", 2)]),
        (CASINO, LAZARUS, 3, [("b_to_a", 2)]),
        (LAZARUS, CASINO, 1, []),
        (LAZARUS, TORNADO, 3, [("a_to_b", 3)]),
        (NEVER, LAZARUS, 3, []),
    ],
)
def test_paths_between_two_addresses(
    store: SqliteStore,
    docs: dict[str, str],
    a: str,
    b: str,
    max_hops: int,
    expected: list[tuple[str, int]],
) -> None:
    result = paths(store.db, a, b, max_hops)
    assert [(p["direction"], p["hops"]) for p in result["paths"]] == expected
    assert result["search_truncated"] is False


def test_paths_frontier_cap_is_reported(store: SqliteStore, tmp_path: Path) -> None:
    import_file(store.db, FIXTURES / "sdn-2024-01-10.xml")
    lines = ["chain,tx_hash,leg,block_time,from_address,to_address,asset,amount"]
    start = "0x" + "a" * 40
    for i in range(30):
        hub = f"0x{i:040x}"
        lines.append(f"ETH,0x{i:02x}01,0,2023-01-01T00:00:00Z,{start},{hub},ETH,1")
        lines.append(f"ETH,0x{i:02x}02,0,2023-01-02T00:00:00Z,{hub},{LAZARUS},ETH,1")
    path = tmp_path / "star.csv"
    path.write_text("\n".join(lines) + "\n")
    import_file(store.db, path, format="transfers-csv")
    full = wallet_report(store.db, start)
    assert full["search_truncated"] is False
    assert len(full["paths_to_sanctioned"]) == 5  # at most five paths per sanctioned address
    assert full["counterparties_total"] == 30
    capped = wallet_report(store.db, start, cap=5)
    assert capped["search_truncated"] is True


def test_paths_fanout_bound_is_reported(
    store: SqliteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.onchain import graph

    lines = ["chain,tx_hash,leg,block_time,from_address,to_address,asset,amount"]
    hub = "0x" + "b" * 40
    for i in range(12):
        lines.append(f"ETH,0x{i:02x}03,0,2023-01-01T00:00:00Z,{hub},0x{i:040x},ETH,1")
    path = tmp_path / "fan.csv"
    path.write_text("\n".join(lines) + "\n")
    import_file(store.db, path, format="transfers-csv")
    assert paths(store.db, hub, f"0x{11:040x}", 1)["search_truncated"] is False
    monkeypatch.setattr(graph, "FANOUT", 10)
    limited = paths(store.db, hub, f"0x{11:040x}", 1)
    assert limited["search_truncated"] is True
    assert limited["paths"] == []  # the 11th and 12th neighbours were not expanded
    assert len(paths(store.db, hub, f"0x{3:040x}", 1)["paths"]) == 1
