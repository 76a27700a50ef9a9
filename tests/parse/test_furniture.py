"""Page furniture: running headers and footers, page numbers, footnote markers, contents."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.parse import parse_bytes
from pipeline.parse.base import PageText, assemble
from pipeline.parse.furniture import find_furniture, mask, masked
from pipeline.records import Document
from tests.conftest import shared_path

HEADER = "United Nations Panel of Experts S/2024/215"
BODIES = [
    "The Lazarus Group moved stolen funds through the Sinbad mixer in March. Investigators "
    "traced three further transfers to exchanges in Cambodia.{marker}",
    "A front company in Dandong received payments for coal shipments that the Panel "
    "describes in its annex, and paid a broker in Thailand.{marker}",
    "Casino junket operators in Macau converted the proceeds into chips over two "
    "weeks, according to a member state.{marker}",
    "An over-the-counter trader in Cambodia exchanged the remaining tokens for cash "
    "and kept a commission on each trade.{marker}",
]


def _report(pages: int = 4) -> bytes:
    """Build a report with a running header, a page-number footer and a footnote per page."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=8)
            self.cell(0, 5, HEADER, new_x="LMARGIN", new_y="NEXT")
            self.ln(6)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", size=8)
            self.cell(0, 5, f"24-02211 Page {self.page_no()} of {{nb}}", align="C")

    pdf = Report()
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    months = ["March", "April", "May", "June", "July", "August"]
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        body = BODIES[(number - 1) % 4].format(marker=str(number))
        pdf.multi_cell(0, 6, body)
        pdf.set_y(-40)
        pdf.set_font("Helvetica", size=8)
        pdf.multi_cell(0, 4, f"{number} Confidential source, interview of {months[number % 6]}.")
    return bytes(pdf.output())


def _spans(document: Document, kind: str) -> list[tuple[int, str]]:
    return [
        (page.number, " ".join(document.text[s:e].split()))
        for page in document.pages
        for s, e, k in page.furniture
        if k == kind
    ]


@pytest.fixture(scope="module")
def report() -> Document:
    return parse_bytes(_report(), "report.pdf", ".pdf", 100)


def test_furniture_running_header_flagged_on_every_page(report: Document) -> None:
    running = _spans(report, "running")
    assert [n for n, text in running if text == HEADER] == [1, 2, 3, 4]
    footers = [n for n, text in running if text.startswith("24-02211 Page")]
    assert footers == [1, 2, 3, 4]


def test_furniture_footnote_marker_flagged_not_the_footnote(report: Document) -> None:
    markers = _spans(report, "footnote_marker")
    assert markers == [(1, "1"), (2, "2"), (3, "3"), (4, "4")]
    for page in report.pages:
        (start, end, _), *_ = (f for f in page.furniture if f[2] == "footnote_marker")
        # The marker is the digit glued to the sentence; the footnote line itself stays content.
        assert report.text[start - 1 : end] == f".{page.number}"
        assert "Confidential source" in masked(report.page_text(page), page.start, page.furniture)


def test_furniture_keeps_text_and_offsets(report: Document) -> None:
    for page in report.pages:
        assert HEADER in report.page_text(page)
        for start, end, _ in page.furniture:
            assert page.start <= start < end <= page.end
            assert report.in_furniture(start, end)


def test_furniture_masked_keeps_length_and_line_breaks() -> None:
    text = "HEADER 1\nBody text here.\n"
    out = masked(text, 100, ((100, 108, "running"),))
    assert out == " " * 8 + "\nBody text here.\n"
    assert len(out) == len(text)


@pytest.mark.parametrize(
    ("line", "form"),
    [("25-10785 7/27", "#-# #/#"), ("  Page 3 of  12 ", "page # of #"), ("S/2025/482", "s/#/#")],
)
def test_furniture_mask_digits(line: str, form: str) -> None:
    assert mask(line) == form


def test_furniture_contents_page_lines() -> None:
    contents = "\n".join(
        [
            "Contents",
            "Page",
            *(f"{r}. Section {r} . . . . . . . . . {3 * i}" for i, r in enumerate("IVX")),
        ]
    )
    document = find_furniture(
        assemble(b"x", "t.txt", "text", [PageText(contents), PageText("Body page.")])
    )
    assert len(_spans(document, "contents")) == 5
    assert document.pages[1].furniture == ()


def test_furniture_a_line_on_two_of_ten_pages_is_content() -> None:
    pages = [
        PageText(f"Paragraph {i} names the Lazarus Group.\nMore body text {i}.") for i in range(10)
    ]
    pages[3] = PageText("Repeated body line here.\nMore body text 3.")
    pages[7] = PageText("Repeated body line here.\nMore body text 7.")
    document = find_furniture(assemble(b"x", "t.txt", "text", pages))
    # "More body text #" recurs on every page (running); the line on two pages does not.
    assert all(
        " ".join(document.text[s:e].split()) != "Repeated body line here."
        for p in document.pages
        for s, e, _ in p.furniture
    )


def test_furniture_extraction_skips_the_header(report: Document) -> None:
    from pipeline.extract.extractor import Extractor
    from pipeline.link import link

    mentions = Extractor().extract(report)
    assert mentions, "the body names the Lazarus Group and Cambodia"
    assert not [m for m in mentions if report.in_furniture(m.start, m.end)]
    assert all(HEADER not in m.sentence for m in mentions)
    assert all(m.text == report.text[m.start : m.end] for m in mentions)
    linked = link(report, mentions)
    names = {e.name for e in linked.entities}
    assert "Lazarus Group" in names
    assert not any("United Nations" in n for n in names)


def test_furniture_search_snippets_leave_out_the_header(tmp_path: Path, report: Document) -> None:
    from pipeline.extract.extractor import Extractor
    from pipeline.link import link
    from pipeline.store import SqliteStore

    linked = link(report, Extractor().extract(report))
    store = SqliteStore(tmp_path / "s.db")
    store.upsert_document(report, linked.mentions, linked.entities, linked.relations)
    # "Experts" is only in the running header: no page is a hit for it.
    assert store.search("Experts").hits == []
    # "Panel" is in the header of every page and in the body of page 2 only.
    hits = store.search("Panel").hits
    assert [h.page for h in hits] == [2]
    assert "Experts" not in hits[0].snippet and "the <mark>Panel</mark>" in hits[0].snippet
    # The stored text keeps the header, so offsets into it still hold.
    stored = next(store.iter_documents())
    assert stored.text == report.text
    assert [p.furniture for p in stored.pages] == [p.furniture for p in report.pages]


def test_furniture_real_un_report_footer_on_every_page() -> None:
    path = shared_path(
        "real-pdfs", "R01_UN-S-2025-482_ISIL-AlQaida-Monitoring-Team-36th-report.pdf"
    )
    document = parse_bytes(path.read_bytes(), str(path), ".pdf", 5000)
    symbol = [n for n, text in _spans(document, "running") if text == "S/2025/482"]
    job = [n for n, text in _spans(document, "running") if text.count("25-10785") == 1]
    # Page 1 is the cover; every later page carries the symbol and the job number + page.
    assert symbol == list(range(2, 28))
    assert job == list(range(2, 28))
    assert len(_spans(document, "contents")) >= 15


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("more-pdfs/H07_FinCEN-FIN-2017-A008-North-Korea-advisory.pdf", "FINCEN ADVISORY"),
        ("real-pdfs/R05_US-Treasury-2024-National-Illicit-Finance-Strategy.pdf", None),
    ],
)
def test_furniture_real_reports_running_lines(name: str, line: str | None) -> None:
    path = shared_path(*name.split("/"))
    document = parse_bytes(path.read_bytes(), str(path), ".pdf", 5000)
    running = _spans(document, "running")
    text_pages = [p for p in document.pages if p.has_text]
    flagged = {n for n, _ in running}
    # A running line is found on most pages, and nothing else on a page is called running.
    assert len(flagged) >= 0.8 * len(text_pages)
    if line is not None:
        assert len([n for n, text in running if text == line]) >= len(text_pages) - 1


def test_furniture_found_again_after_ocr_replaces_a_page() -> None:
    from pipeline.parse.ocr import _rebuild

    data = _report()
    document = parse_bytes(data, "report.pdf", ".pdf", 100)
    ocr_text = f"{HEADER}\nText that Tesseract read on page two.\n24-02211 Page 2 of 4"
    rebuilt = _rebuild(document, data, {2: ocr_text}, [])
    page = rebuilt.pages[1]
    assert page.ocr
    assert [k for _, _, k in page.furniture] == ["running", "running"]
    for start, end, _ in page.furniture:
        assert rebuilt.text[start:end] in (HEADER, "24-02211 Page 2 of 4")
