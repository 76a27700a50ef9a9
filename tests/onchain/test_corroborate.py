"""Amounts and dates stated near a wallet, checked against its transfers."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.onchain.corroborate import corroborate, find_dates
from pipeline.store.sqlite.store import SqliteStore
from tests.onchain import scene
from tests.onchain.conftest import CASINO, LAZARUS, MIDDLE, NEVER, TORNADO


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in August 2023", [(date(2023, 8, 1), date(2023, 8, 31), "August 2023")]),
        ("on 11 August 2023,", [(date(2023, 8, 11), date(2023, 8, 11), "11 August 2023")]),
        ("on Aug. 3rd, 2023", [(date(2023, 8, 3), date(2023, 8, 3), "Aug. 3rd, 2023")]),
        ("dated 2023-08-12", [(date(2023, 8, 12), date(2023, 8, 12), "2023-08-12")]),
        ("in Feb 2024", [(date(2024, 2, 1), date(2024, 2, 29), "Feb 2024")]),
        ("on 31 February 2023 and in 2022", []),
        ("may 2023 be better", []),
    ],
)
def test_find_dates_reads_days_and_months(
    text: str, expected: list[tuple[date, date, str]]
) -> None:
    assert [(a, b, t) for _, a, b, t in find_dates(text)] == expected


@pytest.fixture
def built(store: SqliteStore) -> SqliteStore:
    scene.build(store)
    return store


def _verdicts(store: SqliteStore, key: str) -> list[tuple[str, bool, str | None]]:
    return [(v["text"], v["matched"], v["matched_by"]) for v in corroborate(store.db, key)]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # "1,580 ETH from LAZARUS to MIDDLE in August 2023": the transfer of 10 August
        (MIDDLE, [("1,580 ETH", True, "transfer")]),
        (LAZARUS.lower(), [("1,580 ETH", True, "transfer")]),
        # about 1000 ETH on 11 August 2023 matches within 1%; 250 ETH has no transfer
        (CASINO.lower(), [("1000 ETH", True, "transfer"), ("250 ETH", False, None)]),
        # 0.3 USDT on 12 August 2023: two transfers of 0.1 and 0.2 that day, summed
        (TORNADO.lower(), [("0.3 USDT", True, "sum_in")]),
        (NEVER, []),
    ],
)
def test_corroborate_checks_nearby_amounts(
    built: SqliteStore, key: str, expected: list[tuple[str, bool, str | None]]
) -> None:
    assert _verdicts(built, key) == expected


def test_corroborate_explains_a_miss_with_its_window(built: SqliteStore) -> None:
    miss = next(v for v in corroborate(built.db, CASINO.lower()) if not v["matched"])
    assert miss["date"] == "11 August 2023"
    assert miss["window"] == ["2023-08-08", "2023-08-14"]
    assert miss["reason"] == (
        "no transfer between 2023-08-08 and 2023-08-14 of ETH within 1% of the stated amount"
    )


def test_corroborate_says_when_no_transfers_are_imported(store: SqliteStore) -> None:
    from tests.onchain.conftest import add_document

    add_document(
        store,
        f"Deposits of 5 BTC in March 2021 went to {LAZARUS}.",
        [("amount", "5 BTC", {"currency": "BTC", "value": 5.0}), ("wallet", LAZARUS, {})],
    )
    [verdict] = corroborate(store.db, LAZARUS.lower())
    assert verdict["matched"] is False
    assert verdict["reason"] == "no transfers of this wallet are imported"
    assert verdict["window"] == ["2021-02-26", "2021-04-03"]
