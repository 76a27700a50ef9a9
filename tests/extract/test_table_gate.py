"""The ruling-line check that spares pdfplumber's layout on pages with no table."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.extract.tables import ruled_pages


def _finder_sees_grid(data: bytes, number: int) -> bool:
    """pdfplumber's own verdict: a table of two rows and two columns or more on the page."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for table in pdf.pages[number - 1].find_tables():
            rows = table.extract()
            if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
                return True
    return False


def _pages_pdf() -> tuple[bytes, dict[int, bool]]:
    """One page per layout, each with the verdict the check must give."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.set_font("Helvetica", size=9)
    expected: dict[int, bool] = {}

    def page(note: str, grid: bool) -> None:
        pdf.add_page()
        pdf.multi_cell(0, 5, note + " USD 1,000, USD 2,000, USD 3,000 and USD 4,000 moved.")
        expected[pdf.page_no()] = grid

    page("1. Prose with amounts, a rule under the heading and a boxed note.", False)
    pdf.line(10, 40, 200, 40)
    pdf.rect(20, 60, 80, 30)
    page("2. A bordered table, three rows by three columns.", True)
    with pdf.table(col_widths=(60, 60, 60)) as table:
        for values in (("From", "To", "Amount"), ("A Ltd", "B Ltd", "USD 5"), ("B", "C", "9")):
            row = table.row()
            for value in values:
                row.cell(value)
    page("3. One ruled row of cells, like a transcript's line numbers.", False)
    for i in range(8):
        pdf.rect(10 + 20 * i, 60, 20, 10)
    page("4. A grid drawn as separate lines, two rows by two columns.", True)
    for y in (60, 70, 80):
        pdf.line(20, y, 120, y)
    for x in (20, 70, 120):
        pdf.line(x, 60, x, 80)
    page("5. Two stacked boxes: two rows of one column.", False)
    pdf.rect(20, 60, 100, 10)
    pdf.rect(20, 70, 100, 10)
    page("6. The same grid, rotated a quarter turn.", True)
    with pdf.rotation(90, x=100, y=150):
        for y in (140, 150, 160):
            pdf.line(60, y, 160, y)
        for x in (60, 110, 160):
            pdf.line(x, 140, x, 160)
    page("7. Two rows by two columns of boxes, each cell its own rectangle.", True)
    for x in (20, 70):
        for y in (60, 70):
            pdf.rect(x, y, 50, 10)
    page("8. The same boxes as paths whose last side is only a closepath (h).", True)
    for x in (20, 70):
        for y in (700, 720):  # PDF units from the bottom, raw content
            pdf._out(f"{x} {y} m {x + 50} {y} l {x + 50} {y + 20} l {x} {y + 20} l h S")
    return bytes(pdf.output()), expected


def test_check_keeps_exactly_the_pages_where_pdfplumber_finds_a_grid() -> None:
    data, expected = _pages_pdf()
    kept = ruled_pages(data, list(expected))
    assert kept == [n for n, grid in expected.items() if grid]
    # The expectations are pdfplumber's own verdicts, so the check skips nothing it would find.
    assert {n: _finder_sees_grid(data, n) for n in expected} == expected


def test_check_passes_unreadable_data_and_drops_pages_out_of_range() -> None:
    data, _ = _pages_pdf()
    assert ruled_pages(b"not a pdf", [1, 2]) == [1, 2]  # pdfplumber reports the error
    assert ruled_pages(data, [2, 99]) == [2]
    assert ruled_pages(data, []) == []


def test_check_keeps_every_page_when_pdfplumber_lacks_its_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pdfplumber.table

    data, expected = _pages_pdf()
    monkeypatch.delattr(pdfplumber.table, "intersections_to_cells")
    assert ruled_pages(data, list(expected)) == list(expected)


@pytest.mark.parametrize(
    ("name", "pages"),
    [
        # Tables of figures among prose with amounts (pages 11, 13, 18, 22 hold grids).
        ("real-pdfs/R05_US-Treasury-2024-National-Illicit-Finance-Strategy.pdf", range(1, 26)),
        # A hearing transcript: ruled line numbers on every page, never a table.
        ("real-pdfs/R08_CDCal-OxLabs-v-BitPay-hearing-transcript-2020.pdf", range(1, 24)),
    ],
)
def test_check_agrees_with_pdfplumber_on_real_pages(name: str, pages: range) -> None:
    from tests.conftest import shared_path

    path: Path = shared_path(*name.split("/"))
    data = path.read_bytes()
    kept = set(ruled_pages(data, list(pages)))
    assert {n for n in pages if _finder_sees_grid(data, n)} == kept
