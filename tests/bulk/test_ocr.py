"""OCR of pages without a text layer: rendered with pypdfium2, read by Tesseract, marked as OCR."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipeline.ingest import ingest
from pipeline.parse import parse_bytes
from pipeline.parse.ocr import MAX_PIXELS, MISSING_TESSERACT, ocr_document, read_image, render
from pipeline.settings import Settings
from pipeline.store import SqliteStore
from tests.conftest import make_pdf, shared_path

LINES = ["The Lazarus Group laundered", "stolen funds through", "NagaWorld in Cambodia."]
OCR = Settings(ocr="auto")
needs_tesseract = pytest.mark.skipif(
    shutil.which(OCR.tesseract) is None,
    reason="Tesseract is not installed (apt-get install tesseract-ocr)",
)


def scanned_pdf(lines: list[str] = LINES) -> bytes:
    """Return a one-page PDF whose only content is a picture of the lines (a scan)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1700, 2200), 255)  # US letter at 200 dpi
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=64)
    for n, line in enumerate(lines):
        draw.text((150, 200 + n * 110), line, fill=0, font=font)
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=612, h=792)
    return bytes(pdf.output())


def test_a_scan_is_flagged_by_the_parser() -> None:
    document = parse_bytes(scanned_pdf(), "scan.pdf", ".pdf")
    assert [p.has_text for p in document.pages] == [False]
    assert any("need OCR" in w for w in document.warnings)


@needs_tesseract
def test_ocr_reads_a_scanned_page_and_marks_it() -> None:
    data = scanned_pdf()
    outcome = ocr_document(parse_bytes(data, "scan.pdf", ".pdf"), data, OCR)
    document = outcome.document
    assert outcome.pages == (1,) and not outcome.missing
    assert "Lazarus Group" in document.text and "NagaWorld" in document.text
    page = document.pages[0]
    assert page.ocr and page.has_text
    assert document.id == parse_bytes(data, "scan.pdf", ".pdf").id
    assert not any("need OCR" in w for w in document.warnings)
    assert any(w.startswith("OCR: the text of 1 of 1 pages") for w in document.warnings)


@needs_tesseract
@pytest.mark.parametrize(
    ("mode", "scanned", "read"),
    [("never", True, ()), ("auto", False, ()), ("always", False, (1, 2))],
)
def test_ocr_modes_choose_the_pages(mode: str, scanned: bool, read: tuple[int, ...]) -> None:
    data = scanned_pdf() if scanned else make_pdf(["Binance froze accounts.", "OFAC acted."])
    document = parse_bytes(data, "doc.pdf", ".pdf")
    outcome = ocr_document(document, data, replace(OCR, ocr=mode))
    assert outcome.pages == read
    assert tuple(p.number for p in outcome.document.pages if p.ocr) == read
    if not read:
        assert outcome.document == document


def test_missing_tesseract_leaves_pages_flagged_and_says_so_once(tmp_path: Path) -> None:
    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(scanned_pdf([name, *LINES]))
    store = SqliteStore(tmp_path / "mt.db")
    settings = Settings(tesseract="no-such-tesseract-here", workers=1)
    report = ingest([str(tmp_path)], store, settings)
    assert report.ingested == 2 and report.ocr_pages == 0
    assert report.notes == [MISSING_TESSERACT]
    assert "apt-get install tesseract-ocr" in MISSING_TESSERACT
    assert store.stats()["pages_without_text"] == 2
    store.close()


@needs_tesseract
def test_ocr_runs_in_the_workers_and_is_searchable(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(scanned_pdf())
    (tmp_path / "typed.pdf").write_bytes(make_pdf(["Binance froze accounts."]))
    store = SqliteStore(tmp_path / "mt.db")
    report = ingest([str(tmp_path)], store, Settings(workers=2))
    assert report.ingested == 2 and report.ocr_pages == 1 and report.notes == []
    pages = store.db.execute("SELECT has_text, ocr FROM pages ORDER BY ocr").fetchall()
    assert [tuple(p) for p in pages] == [(1, 0), (1, 1)]
    hits = store.search("NagaWorld", "casino").hits
    assert [Path(h.source).name for h in hits] == ["scan.pdf"]
    # Provenance says the text came from OCR, on entity and full-text hits alike.
    assert hits[0].ocr and hits[0].to_json()["ocr"] is True
    assert all(h.ocr for h in store.search("NagaWorld").hits)
    typed = store.search("Binance").hits
    assert typed and not typed[0].ocr and "ocr" not in typed[0].to_json()
    store.close()


def test_render_caps_a_hostile_page_size() -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(14400, 14400))  # 200 inches square, the PDF maximum
    pdf.add_page()
    document = pdfium.PdfDocument(bytes(pdf.output()))
    image = render(document, 1, 300)
    document.close()
    width, height = map(int, image.split(b"\n")[1].split())
    assert width * height <= MAX_PIXELS * 1.01


@needs_tesseract
@pytest.mark.parametrize(
    ("name", "pages", "words"),
    [
        ("R10_NDCal-Shimmick-v-RLI-stipulation_scanned.pdf", (1, 2), "San Francisco"),
        ("R12_FATF-ML-Typologies-2000-2001_garbled-font.pdf", (1, 2), "Money Laundering"),
    ],
)
def test_ocr_on_real_scans(name: str, pages: tuple[int, ...], words: str) -> None:
    path = shared_path("real-pdfs", name)
    data = path.read_bytes()
    outcome = ocr_document(parse_bytes(data, str(path), ".pdf"), data, OCR)
    assert outcome.pages == pages
    assert words in outcome.document.text
    assert all(p.has_text for p in outcome.document.pages)


@needs_tesseract
def test_ocr_reads_the_first_page_of_an_image_only_transcript() -> None:
    path = shared_path("real-pdfs", "R09_EDCal-US-v-Sheikh-hearing-transcript_image-only.pdf")
    document = pdfium.PdfDocument(path.read_bytes())
    try:
        text = read_image(render(document, 1, 300), OCR)
    finally:
        document.close()
    assert "EASTERN DISTRICT OF CALIFORNIA" in text and "SHEIKH" in text
