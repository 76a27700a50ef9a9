"""Page images of stored PDFs, rendered with pypdfium2 and cached on disk beside the store."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError

SCALE = 1.5  # 108 dpi: readable beside the text at 1280 pixels wide, small enough to cache
_ID = re.compile(r"[0-9a-f]{64}")


class PageImageError(PipelineError):
    """A page image cannot be drawn: the file is gone, changed, or not a PDF page."""

    stage = "web"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_file(document: dict[str, Any]) -> Path:
    """Return the PDF the document was read from, checked to be the same bytes."""
    for source in [document["source"], *document.get("sources", [])]:
        path = Path(str(source))
        if path.is_file() and _sha256(path) == document["id"]:
            return path
    raise PageImageError(
        "the PDF this document was read from is no longer at its source path, or has changed"
    )


def page_image(document: dict[str, Any], number: int, cache: Path) -> Path:
    """Return a PNG of one page of a stored PDF, rendering it on the first request."""
    if not _ID.fullmatch(document["id"]) or number < 1 or number > int(document["page_count"]):
        raise PageImageError(f"the document has no page {number}")
    target = cache / f"{document['id']}-{number}.png"
    if target.is_file():
        return target
    import pypdfium2 as pdfium

    source = _source_file(document)
    try:
        pdf = pdfium.PdfDocument(str(source))
        try:
            bitmap = pdf[number - 1].render(scale=SCALE)
            image = bitmap.to_pil()
        finally:
            pdf.close()
    except pdfium.PdfiumError as exc:
        raise PageImageError(f"page {number} cannot be drawn: {exc}") from exc
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    image.save(partial, format="PNG", optimize=True)
    partial.replace(target)  # another request may render the same page; both write whole files
    return target
