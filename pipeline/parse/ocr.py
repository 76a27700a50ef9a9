"""OCR for PDF pages without a usable text layer: render with pypdfium2, read with Tesseract.

Tesseract is an optional system program (Debian: `apt-get install tesseract-ocr`). It is run
as a command, one page image on its stdin, so no Python binding is needed and a worker that
is killed for overrunning its time limit takes the OCR process with it (same process group).
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
from dataclasses import dataclass

import pypdfium2 as pdfium

from pipeline.errors import PipelineError
from pipeline.parse.base import PageText, assemble, clean_text
from pipeline.parse.furniture import edge_lines, find_furniture
from pipeline.parse.pdf import needs_ocr_warning, page_list
from pipeline.records import Document
from pipeline.settings import OCR_MODES, Settings

MISSING_TESSERACT = "OCR skipped: Tesseract is not installed; apt-get install tesseract-ocr"
# A hostile page size (a 200-inch page at 300 dpi is 3.6 gigapixels) is scaled down to this.
MAX_PIXELS = 40_000_000


class OcrError(PipelineError):
    """Tesseract could not read a page."""

    stage = "ocr"


@dataclass(frozen=True, slots=True)
class OcrOutcome:
    """A document after OCR, the pages read, and whether Tesseract was missing."""

    document: Document
    pages: tuple[int, ...] = ()
    missing: bool = False


def tesseract_path(command: str) -> str | None:
    """Return the path of the Tesseract program, or None when it is not installed."""
    return shutil.which(command)


def pages_to_read(document: Document, mode: str) -> list[int]:
    """Return the page numbers OCR should read in this mode."""
    if mode not in OCR_MODES:
        raise OcrError(f"unknown OCR mode {mode!r}; use one of {', '.join(OCR_MODES)}")
    if document.kind != "pdf" or mode == "never":
        return []
    return [p.number for p in document.pages if mode == "always" or not p.has_text]


def render(pdf: pdfium.PdfDocument, number: int, dpi: int) -> bytes:
    """Render one page (from 1) as a greyscale PGM image at `dpi`, capped at MAX_PIXELS."""
    page = pdf[number - 1]
    try:
        width, height = page.get_size()
        scale = dpi / 72
        pixels = width * height * scale * scale
        if pixels > MAX_PIXELS:
            scale *= math.sqrt(MAX_PIXELS / pixels)
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil()
        buffer = io.BytesIO()
        # PGM needs no compression work; Leptonica reads it from stdin like any other format.
        image.save(buffer, format="PPM")
        bitmap.close()
        return buffer.getvalue()
    finally:
        page.close()


def read_image(image: bytes, settings: Settings, timeout: float | None = None) -> str:
    """Return the text Tesseract reads in one page image."""
    command = tesseract_path(settings.tesseract)
    if command is None:
        raise OcrError(MISSING_TESSERACT)
    # One thread per OCR process: parallelism comes from the worker processes.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    args = ["stdin", "stdout", "-l", settings.ocr_language, "--dpi", str(settings.ocr_dpi)]
    try:
        done = subprocess.run(
            [command, *args],
            input=image,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OcrError(f"Tesseract did not finish ({exc})") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"Tesseract failed ({reason[-1] if reason else done.returncode})")
    return clean_text(done.stdout.decode("utf-8", "replace")).strip("\f\n ")


def ocr_document(document: Document, data: bytes, settings: Settings) -> OcrOutcome:
    """Replace the text of pages without a usable text layer (or every page) with OCR text."""
    targets = pages_to_read(document, settings.ocr)
    if not targets:
        return OcrOutcome(document)
    if tesseract_path(settings.tesseract) is None:
        return OcrOutcome(document, missing=True)
    texts: dict[int, str] = {}
    failed: list[str] = []
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise OcrError(f"{document.source}: cannot reopen the PDF for OCR ({exc})") from exc
    try:
        for number in targets:
            try:
                image = render(pdf, number, settings.ocr_dpi)
                texts[number] = read_image(image, settings, timeout=settings.max_seconds)
            except (OcrError, pdfium.PdfiumError) as exc:
                failed.append(f"page {number}: {exc}")
    finally:
        pdf.close()
    return OcrOutcome(_rebuild(document, data, texts, failed), tuple(sorted(texts)))


def _rebuild(document: Document, data: bytes, texts: dict[int, str], failed: list[str]) -> Document:
    """Assemble the document again with OCR text on the pages that were read."""
    pages: list[PageText] = []
    for page in document.pages:
        if page.number in texts:
            text = texts[page.number]
            pages.append(PageText(text, has_text=any(not c.isspace() for c in text), ocr=True))
        else:
            pages.append(PageText(document.page_text(page), page.has_text, page.ocr))
    before = [p.number for p in document.pages if not p.has_text]
    after = [n for n, p in enumerate(pages, start=1) if not p.has_text]
    stale = needs_ocr_warning(before, len(pages)) if before else None
    warnings = [w for w in document.warnings if w != stale]
    read = sorted(texts)
    warnings.append(
        f"OCR: the text of {len(read)} of {len(pages)} pages was read by Tesseract "
        f"(pages {page_list(read)}); check names and numbers against the page image"
    )
    if after:
        warnings.append(needs_ocr_warning(after, len(pages)))
    warnings.extend(f"OCR failed on {reason}" for reason in failed[:5])
    lines = (line.strip() for p in pages for line in p.text.splitlines())
    title = document.title or next((line[:200] for line in lines if len(line) > 3), None)
    rebuilt = assemble(
        data,
        document.source,
        document.kind,
        pages,
        title=title,
        date=document.date,
        byline=document.byline,
        warnings=warnings,
    )
    # Offsets moved: find the furniture again, with what the parser saw at the page edges.
    return find_furniture(rebuilt, edge_lines(document))
