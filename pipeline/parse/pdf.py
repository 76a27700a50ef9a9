"""PDF text per page with pypdfium2 (about 25-50x faster than pdfplumber on real reports)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.errors import ParseError
from pipeline.parse.base import PageText, assemble, clean_text, control_ratio
from pipeline.parse.furniture import find_furniture
from pipeline.records import Document

# A page whose text is mostly control characters has a broken font encoding (no ToUnicode map).
GARBAGE_CONTROL_RATIO = 0.05
# A page covered by an image with fewer characters than this is a scan with only a stamp on it.
SCAN_MAX_CHARS = 400
SCAN_MIN_IMAGE_COVER = 0.5
# Share of the page height at the top and at the bottom read apart as the header and footer
# bands: a line found there may be page furniture.
EDGE_BAND = 0.07


class PdfParser:
    """Parse PDFs: text per page in reading order, pages without a usable text layer flagged."""

    kind = "pdf"

    def __init__(self, max_pages: int = 5000) -> None:
        self.max_pages = max_pages

    def parse(self, data: bytes, source: str) -> Document:
        """Parse PDF bytes into a Document."""
        if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF-" not in data[:1024]:
            raise ParseError(
                f"{source}: not a PDF (no %PDF header); the file is corrupt or misnamed"
            )
        with _open(data, source) as pdf:
            count = len(pdf)
            if count == 0:
                raise ParseError(f"{source}: the PDF has no pages")
            if count > self.max_pages:
                raise ParseError(
                    f"{source}: {count} pages is over the limit of {self.max_pages}; "
                    "raise it with --max-pages to ingest this file"
                )
            read = list(_pages(pdf, source))
            pages = [page for page, _ in read]
            title = _title(pdf) or _first_line(pages)
        flagged = [n for n, p in enumerate(pages, start=1) if not p.has_text]
        warnings = [needs_ocr_warning(flagged, len(pages))] if flagged else []
        document = assemble(data, source, self.kind, pages, title=title, warnings=warnings)
        edges = {n: band for n, (_, band) in enumerate(read, start=1) if band}
        return find_furniture(document, edges)


def page_list(numbers: list[int], shown: int = 20) -> str:
    """Return page numbers for a warning, the first `shown` of them."""
    return ", ".join(map(str, numbers[:shown])) + (" ..." if len(numbers) > shown else "")


def needs_ocr_warning(flagged: list[int], total: int) -> str:
    """Return the document warning naming pages without a usable text layer."""
    return (
        f"{len(flagged)} of {total} pages have no usable text layer and need OCR "
        f"(pages {page_list(flagged)})"
    )


@contextlib.contextmanager
def _open(data: bytes, source: str) -> Iterator[pdfium.PdfDocument]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise ParseError(
                f"{source}: the PDF is encrypted with a password; decrypt it (qpdf --decrypt) "
                "and ingest the copy"
            ) from exc
        raise ParseError(f"{source}: the PDF is corrupt or truncated ({exc})") from exc
    try:
        yield pdf
    finally:
        pdf.close()


def _pages(pdf: pdfium.PdfDocument, source: str) -> Iterator[tuple[PageText, set[str]]]:
    """Yield each page's text with the lines of text in its header and footer bands."""
    for index in range(len(pdf)):
        try:
            page = pdf[index]
        except pdfium.PdfiumError as exc:
            raise ParseError(f"{source}: page {index + 1} cannot be read ({exc})") from exc
        try:
            textpage = page.get_textpage()
            raw = textpage.get_text_bounded()
            judged = _judge(page, raw)
            band = _bands(page, textpage) if judged.has_text else set()
            textpage.close()
            yield judged, band
        finally:
            page.close()


def _bands(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> set[str]:
    """Return the lines of text inside the top and bottom bands of a page."""
    left, bottom, right, top = page.get_bbox()
    edge = (top - bottom) * EDGE_BAND
    found: set[str] = set()
    for low, high in ((top - edge, top), (bottom, bottom + edge)):
        text = clean_text(textpage.get_text_bounded(left, low, right, high))
        found.update(" ".join(line.split()) for line in text.splitlines() if line.strip())
    return found


def _judge(page: pdfium.PdfPage, raw: str) -> PageText:
    """Decide whether a page's text layer is usable, and clean it."""
    if control_ratio(raw) > GARBAGE_CONTROL_RATIO:
        return PageText("", has_text=False)
    text = clean_text(raw).strip("\n")
    visible = len("".join(text.split()))  # str.split() splits where isspace() holds
    if visible == 0:
        return PageText("", has_text=False)
    if visible < SCAN_MAX_CHARS and _image_cover(page) >= SCAN_MIN_IMAGE_COVER:
        # Keep the stamp's text (it is real), but say the page body needs OCR.
        return PageText(text, has_text=False)
    return PageText(text)


def _image_cover(page: pdfium.PdfPage) -> float:
    """Return the largest share of the page area covered by one image."""
    width, height = page.get_size()
    area = max(width * height, 1.0)
    best = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        best = max(best, abs(right - left) * abs(top - bottom) / area)
    return min(best, 1.0)


def _title(pdf: pdfium.PdfDocument) -> str | None:
    with contextlib.suppress(Exception):
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
        if title and control_ratio(title) == 0:
            return title
    return None


def _first_line(pages: list[PageText]) -> str | None:
    for page in pages:
        for line in page.text.splitlines():
            if len(line.strip()) > 3:
                return line.strip()[:200]
    return None
