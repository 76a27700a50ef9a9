"""Parsing: pick a parser by suffix and content sniffing, and turn a file into a Document."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ParseError
from pipeline.parse.base import Parser
from pipeline.records import Document

SUFFIXES: dict[str, str] = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
}


def parsers(max_pages: int = 5000) -> dict[str, Parser]:
    """Return the registered parsers by kind. NEW FORMAT: add a module and register it here."""
    # Imported here: pypdfium2, trafilatura and lxml cost a second of start-up to commands
    # that only list file suffixes (see bench/startup.py).
    from pipeline.parse.html import HtmlParser
    from pipeline.parse.pdf import PdfParser
    from pipeline.parse.text import TextParser

    return {"pdf": PdfParser(max_pages), "html": HtmlParser(), "text": TextParser()}


def sniff(data: bytes, suffix: str) -> str | None:
    """Return the kind of a file from its first bytes, falling back to its suffix."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf") or b"%pdf-" in data[:1024]:
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html")) or (
        b"<html" in head and b"<body" in data.lower()[:65536]
    ):
        return "html"
    kind = SUFFIXES.get(suffix.lower())
    if kind == "pdf":
        return "pdf"  # a .pdf without a header: let the PDF parser say it is corrupt
    return kind


def is_supported(path: Path) -> bool:
    """Say whether a path's suffix names a format moneytrail reads."""
    return path.suffix.lower() in SUFFIXES


def parse_bytes(data: bytes, source: str, suffix: str = "", max_pages: int = 5000) -> Document:
    """Parse bytes read from `source` into a Document."""
    if not data:
        raise ParseError(f"{source}: the file is empty (0 bytes)")
    kind = sniff(data, suffix)
    if kind is None:
        raise ParseError(
            f"{source}: unknown file type '{suffix or '(none)'}'; moneytrail reads "
            "PDF, HTML and plain text (.txt, .md)"
        )
    return parsers(max_pages)[kind].parse(data, source)


def parse(path: Path, max_bytes: int = 200 * 1024 * 1024, max_pages: int = 5000) -> Document:
    """Read and parse one file."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ParseError(
                f"{path}: {size / 1e6:.0f} MB is over the size limit of {max_bytes / 1e6:.0f} MB; "
                "raise it with --max-bytes to ingest this file"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return parse_bytes(data, str(path), path.suffix, max_pages)
