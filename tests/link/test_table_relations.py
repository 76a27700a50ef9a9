"""Wallet annexes and transaction tables become typed relations with cell positions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.extract.extractor import Extractor
from pipeline.extract.tables import find_rows, table_pages
from pipeline.link import link
from pipeline.link.table_relations import add_table_relations
from pipeline.parse import parse_bytes
from pipeline.records import Relation

ANNEX = [
    (
        "0x098B716B8Aaf21512996dC57EB0615e2383E2f96",
        "ETH",
        "1,250.5 ETH",
        "2022-03-29",
        "Lazarus Group",
    ),
    ("1DbvK8P6imBuLcwh2Vruis4xsUb8YAwJQF", "BTC", "12.75 BTC", "2023-06-02", "Huione Guarantee"),
    ("TL1k1U6SHohxBqb68kCodxHc9y2LXoDSep", "TRX", "340,000 USDT", "2023-11-14", "Lazarus Group"),
]
TRANSFERS = [
    (
        "0x83E5bC4Ffa856BB84Bb88581f5Dd62A433A25e0D",
        "0x983a81ca6FB1e441266D2FbcB7D8E530AC2E05A2",
        "500 ETH",
        "2022-04-01",
    ),
    (
        "0x53b6936513e738f44FB50d2b9476730C0Ab3Bfc1",
        "0x3Cffd56B47B7b41c56258D9C7731ABaDc360E073",
        "75 ETH",
        "2022-04-03",
    ),
    (
        "0x983a81ca6FB1e441266D2FbcB7D8E530AC2E05A2",
        "0xa0e1c89Ef1a489c9C7dE96311eD5Ce5D32c20E4B",
        "480 ETH",
        "2022-04-05",
    ),
]

PAYMENTS = [
    (
        "03/2022",
        "Korea Kwangson Banking Corporation",
        "Foreign Trade Bank of the DPRK",
        "EUR 210,000",
    ),
    ("05/2022", "Foreign Trade Bank of the DPRK", "Bank of Dandong", "CNY 1,950,000"),
]


def _annex_pdf() -> bytes:
    """Build a two-page annex: a wallet table, then a transaction table (fpdf2 tables)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape")
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.set_font("Helvetica", size=8)
    pdf.add_page()
    pdf.multi_cell(
        0,
        5,
        "Annex 12: Wallets attributed by the Panel to the Lazarus Group and to Huione Guarantee.",
    )
    pdf.ln(4)
    # "Source" names who attributed the wallet, not who holds it.
    with pdf.table(col_widths=(85, 18, 32, 28, 55, 40)) as table:
        header = ("Address", "Chain", "Amount", "Date", "Holder", "Source")
        for values in [header, *((*r, "Member State; FBI") for r in ANNEX)]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.add_page()
    pdf.multi_cell(0, 5, "Annex 13: Transfers between addresses, as traced by the Panel.")
    pdf.ln(4)
    with pdf.table(col_widths=(85, 85, 30, 30)) as table:
        for values in [("From", "To", "Amount", "Date"), *TRANSFERS]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(6)
    with pdf.table(col_widths=(25, 80, 80, 40)) as table:
        for values in [("Date", "Originator", "Beneficiary", "Amount"), *PAYMENTS]:
            row = table.row()
            for value in values:
                row.cell(value)
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def annex() -> tuple[bytes, list[Relation], list[int]]:
    data = _annex_pdf()
    document = parse_bytes(data, "annex.pdf", ".pdf", 100)
    linked = link(document, Extractor().extract(document))
    pages = table_pages(document, linked.mentions)
    added = add_table_relations(document, data, linked)
    # A gazetteer name may be canonical ("Haowang Guarantee", formerly Huione Guarantee).
    names = {e.id: (e.name, *e.aliases) for e in added.entities}
    tables = [r for r in added.relations if r.attributes.get("source") == "table"]
    for r in tables:
        r.attributes["names"] = (names[r.subject], names[r.object][0])
    return data, tables, pages


def test_tables_only_pages_with_addresses_are_searched(
    annex: tuple[bytes, list[Relation], list[int]],
) -> None:
    assert annex[2] == [1, 2]


def test_tables_wallet_annex_rows_become_holds(
    annex: tuple[bytes, list[Relation], list[int]],
) -> None:
    holds = sorted(
        (
            next(row[4] for row in ANNEX if row[4] in r.attributes["names"][0]),
            r.attributes["names"][1].lower(),
            r.attributes["date"],
            r.attributes["amount"].get("value"),
        )
        for r in annex[1]
        if r.predicate == "holds"
    )
    assert holds == sorted(
        (holder, address.lower(), date, value)
        for (address, _, _, date, holder), value in zip(
            ANNEX, (1250.5, 12.75, 340000.0), strict=True
        )
    )


def test_tables_transaction_rows_become_sent_to(
    annex: tuple[bytes, list[Relation], list[int]],
) -> None:
    sent = sorted(
        (
            r.attributes["names"][0][0].lower(),
            r.attributes["names"][1].lower(),
            r.attributes["date"],
        )
        for r in annex[1]
        if r.predicate == "sent_to"
    )
    assert sent == sorted((a.lower(), b.lower(), d) for a, b, _, d in TRANSFERS)


def test_tables_named_payments_become_paid(
    annex: tuple[bytes, list[Relation], list[int]],
) -> None:
    paid = sorted(
        (r.attributes["names"][0][0], r.attributes["names"][1], r.attributes["amount"]["value"])
        for r in annex[1]
        if r.predicate == "paid"
    )
    assert paid == sorted(
        (a, b, v) for (_, a, b, _), v in zip(PAYMENTS, (210000.0, 1950000.0), strict=True)
    )


def test_tables_every_value_keeps_page_and_cell(
    annex: tuple[bytes, list[Relation], list[int]],
) -> None:
    for relation in annex[1]:
        cells = relation.attributes["cells"]
        assert relation.page == (1 if relation.predicate == "holds" else 2)
        assert "FBI" not in str(relation.attributes["names"])
        for role, cell in cells.items():
            x0, top, x1, bottom = cell["bbox"]
            assert 0 <= x0 < x1 and 0 <= top < bottom, role
            assert cell["page"] == relation.page and cell["row"] >= 1
        # The row is the evidence: its text holds every cell's text.
        assert all(cell["text"] in relation.sentence for cell in cells.values())
        assert len(relation.evidence) == 2


def test_tables_cells_sit_in_their_columns(annex: tuple[bytes, list[Relation], list[int]]) -> None:
    data = annex[0]
    rows = find_rows(data, [1])
    assert [r.index for r in rows] == [1, 2, 3]
    lefts = {
        role: {round(c.bbox[0]) for r in rows for c in [r.cells[role]] if c.bbox}
        for role in rows[0].cells
    }
    # One column, one left edge: the cells of a role line up down the table.
    assert all(len(edges) == 1 for edges in lefts.values())
    assert set(rows[0].cells) == {"address", "chain", "amount", "date", "holder"}


REAL = [
    "real-pdfs/R01_UN-S-2025-482_ISIL-AlQaida-Monitoring-Team-36th-report.pdf",
    "real-pdfs/R03_FinCEN-FIN-2020-A001_FATF-jurisdictions-DPRK-Iran-advisory.pdf",
    "real-pdfs/R05_US-Treasury-2024-National-Illicit-Finance-Strategy.pdf",
    "more-pdfs/H07_FinCEN-FIN-2017-A008-North-Korea-advisory.pdf",
    "more-pdfs/H10_FinCEN-FIN-2023-Alert005-pig-butchering.pdf",
]


@pytest.mark.parametrize("name", REAL)
def test_tables_real_reports_without_wallet_tables_give_none(name: str) -> None:
    from tests.conftest import shared_path

    path: Path = shared_path(*name.split("/"))
    data = path.read_bytes()
    document = parse_bytes(data, str(path), ".pdf", 5000)
    linked = link(document, Extractor().extract(document))
    added = add_table_relations(document, data, linked)
    # These reports list no wallet addresses: no table relation may come out of them.
    assert [r for r in added.relations if r.attributes.get("source") == "table"] == []
    assert find_rows(data, [p.number for p in document.pages][:20]) == []


def test_tables_ingested_relations_are_stored(tmp_path: Path) -> None:
    from pipeline.ingest import ingest
    from pipeline.settings import Settings
    from pipeline.store import SqliteStore

    path = tmp_path / "annex.pdf"
    path.write_bytes(_annex_pdf())
    store = SqliteStore(tmp_path / "s.db")
    report = ingest([str(path)], store, Settings(workers=0))
    assert report.ok
    rows = store.db.execute(
        "SELECT predicate, page, attributes FROM relations WHERE attributes LIKE '%\"table\"%'"
    ).fetchall()
    assert sorted((r[0], r[1]) for r in rows) == (
        [("holds", 1)] * 3 + [("paid", 2)] * 2 + [("sent_to", 2)] * 3
    )
