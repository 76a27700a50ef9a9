"""OFAC sdn_advanced.xml: digital currency addresses, profiles, programs and issue dates."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.onchain import lookups
from pipeline.onchain.importer import import_file
from pipeline.onchain.model import ImportReport, Listing, OnchainError
from pipeline.onchain.ofac import read
from pipeline.onchain.reading import ReadContext
from pipeline.onchain.source import open_input
from pipeline.store.sqlite.store import SqliteStore
from tests.conftest import shared_path
from tests.onchain.conftest import FIXTURES, LAZARUS, TORNADO, TRON_UNDER_XBT, YAN_BTC

Load = Callable[..., ImportReport]


def _listings(path: Path) -> list[Listing]:
    with open_input(path) as handle:
        return [r for r in read(handle, ReadContext(str(path))) if isinstance(r, Listing)]


def test_ofac_reads_features_with_profile_names_and_programs() -> None:
    listings = _listings(FIXTURES / "sdn-2024-01-10.xml")
    got = {(x.name, x.label, x.address, x.program, x.designated) for x in listings}
    assert got == {
        ("YAN Xiaobing", "XBT", YAN_BTC, "SDNTK", "2019-08-21"),
        ("YAN Xiaobing", "XBT", TRON_UNDER_XBT, "SDNTK", "2019-08-21"),
        (
            "YAN Xiaobing",
            "XMR",
            "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320",
            "SDNTK",
            "2019-08-21",
        ),
        ("Lazarus Group", "ETH", LAZARUS, "DPRK3", "2019-09-13"),
        ("TORNADO CASH", "ETH", TORNADO, "CYBER2", "2022-08-08"),
    }
    assert {(x.issue_date, x.list, x.publication) for x in listings} == {
        ("2024-01-10", "SDN List", "OFAC SDN")
    }


def test_ofac_derives_chains_from_the_address_not_the_label(load: Load, store: SqliteStore) -> None:
    load("sdn-2024-01-10.xml")
    chains = dict(store.db.execute("SELECT address, chains FROM sanctions_listings").fetchall())
    assert json.loads(chains[TRON_UNDER_XBT]) == ["TRX"]
    assert json.loads(chains[YAN_BTC])[0] == "BTC"


def test_ofac_keeps_every_issue_and_reads_delistings(load: Load, store: SqliteStore) -> None:
    load("sdn-2024-01-10.xml")
    load("sdn-2025-03-25.xml")
    found = lookups.sanctions(store.db, [LAZARUS.lower(), TORNADO.lower()])
    lazarus, tornado = found[LAZARUS.lower()][0], found[TORNADO.lower()][0]
    assert (lazarus["name"], lazarus["current"]) == ("Lazarus Group", True)
    assert lazarus["listed_in"] == ["2024-01-10", "2025-03-25"]
    assert (tornado["name"], tornado["current"]) == ("TORNADO CASH", False)
    assert tornado["status"] == "listed in 2024-01-10, absent from the latest (2025-03-25)"


def test_ofac_reimport_adds_nothing(load: Load, store: SqliteStore) -> None:
    first = load("sdn-2024-01-10.xml")
    assert first.added == 6  # five addresses and the issue itself
    assert load("sdn-2024-01-10.xml").added == 0


@pytest.mark.parametrize(
    ("cut", "message"), [(1500, "not well-formed XML"), (None, "no DateOfIssue")]
)
def test_ofac_broken_file_stores_nothing(
    store: SqliteStore, tmp_path: Path, cut: int | None, message: str
) -> None:
    text = (FIXTURES / "sdn-2024-01-10.xml").read_text()
    if cut is None:
        start, end = text.index("<DateOfIssue"), text.index("</DateOfIssue>") + 14
        text = text[:start] + text[end:]
    else:
        text = text[: text.index("<SanctionsEntries>") + cut // 10]
    path = tmp_path / "broken.xml"
    path.write_text(text)
    with pytest.raises(OnchainError, match=message):
        import_file(store.db, path, format="ofac-sdn-advanced")
    assert store.db.execute("SELECT count(*) FROM sanctions_issues").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM sanctions_listings").fetchone()[0] == 0


def test_ofac_real_issues_import_with_their_counts(store: SqliteStore) -> None:
    old = shared_path("ofac", "sdn_advanced-2024-09-26.xml.bz2")
    new = shared_path("ofac", "sdn_advanced-2025-11-19.xml.bz2")
    # No wall-clock limit here: on a loaded 2-core machine this took 140 s where it takes 15 s
    # idle. Import speed is measured by bench/onchain_scale.py.
    import_file(store.db, old)
    report = import_file(store.db, new)
    assert report.rows == 762  # 761 features and the issue
    counts = store.db.execute(
        "SELECT count(DISTINCT key), count(DISTINCT profile_id) FROM sanctions_listings "
        "WHERE issue_date = '2025-11-19'"
    ).fetchone()
    assert tuple(counts) == (745, 79)
    found = lookups.sanctions(store.db, [LAZARUS.lower(), TORNADO.lower(), TRON_UNDER_XBT])
    assert found[LAZARUS.lower()][0]["current"] is True
    assert found[LAZARUS.lower()][0]["program"] == "DPRK3"
    tornado = found[TORNADO.lower()][0]
    assert tornado["name"] == "TORNADO CASH"
    assert tornado["status"] == "listed in 2024-09-26, absent from the latest (2025-11-19)"
    assert json.loads(
        store.db.execute(
            "SELECT chains FROM sanctions_listings WHERE key = ?", (TRON_UNDER_XBT,)
        ).fetchone()[0]
    ) == ["TRX"]
