"""Parsing: pick a parser by suffix and content sniffing, and turn a file into a Document."""

from __future__ import annotations

import importlib
import inspect
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


# NEW FORMAT: add a module with a Parser class and register it here: kind -> (module, class).
# A module is imported when a file of its kind comes: pypdfium2, trafilatura and lxml cost a
# second of start-up to commands that only list file suffixes (see bench/startup.py), and a
# worker that reads only PDFs never needs trafilatura (40 ms).
PARSERS = {
    "pdf": ("pipeline.parse.pdf", "PdfParser"),
    "html": ("pipeline.parse.html", "HtmlParser"),
    "text": ("pipeline.parse.text", "TextParser"),
}


def parser_for(kind: str, max_pages: int = 5000) -> Parser:
    """Return the registered parser of one kind; `max_pages` goes to formats with pages."""
    module, name = PARSERS[kind]
    parser_class = getattr(importlib.import_module(module), name)
    paged = "max_pages" in inspect.signature(parser_class).parameters
    parser: Parser = parser_class(max_pages) if paged else parser_class()
    return parser


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
    return parser_for(kind, max_pages).parse(data, source)


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
