"""From real ingestion to the cross-reference: documents read by the pipeline, then xref."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest import ingest
from pipeline.onchain.importer import import_file
from pipeline.onchain.queries import wallet_report
from pipeline.onchain.xref import xref
from pipeline.settings import Settings
from pipeline.store.sqlite.store import SqliteStore
from tests.onchain.conftest import CASINO, FIXTURES, LAZARUS, MIDDLE, NEVER, TORNADO

MEMO = f"""Analyst memo, 2025-02-03

The Lazarus Group sent 1,580 ETH from {LAZARUS} to {MIDDLE} in August 2023.
About 1,000 ETH then reached the junket wallet {CASINO} on 11 August 2023.
Tornado Cash, at {TORNADO}, received funds the next day.
An unrelated wallet, {NEVER}, was also named.
"""


def test_ingested_wallets_meet_transfers_and_lists(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "memo.txt").write_text(MEMO, encoding="utf-8")
    store = SqliteStore(tmp_path / "mt.db")
    try:
        report = ingest([str(folder)], store, Settings(store=str(tmp_path / "mt.db")))
        assert report.ok
        for name in ("sdn-2024-01-10.xml", "sdn-2025-03-25.xml", "transfers.csv"):
            import_file(store.db, FIXTURES / name)
        records = {w["key"]: w for w in xref(store.db)["wallets"]}
        assert set(records) == {LAZARUS.lower(), MIDDLE, CASINO.lower(), TORNADO.lower(), NEVER}
        assert {k for k, w in records.items() if w["sanctioned"]} == {LAZARUS.lower()}
        assert records[TORNADO.lower()]["sanctions"][0]["current"] is False
        casino = records[CASINO.lower()]
        assert ("in", 2) in {(p["direction"], p["hops"]) for p in casino["paths_to_sanctioned"]}
        assert any(v["matched"] for v in casino["corroboration"])
        names = {e["name"] for e in records[MIDDLE]["linked_entities"]}
        assert "Lazarus Group" in names
        assert wallet_report(store.db, LAZARUS)["documents"][0]["pages"] == [1]
    finally:
        store.close()
