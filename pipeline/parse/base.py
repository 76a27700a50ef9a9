"""Shared parsing pieces: the Parser protocol, text clean-up, and Document assembly."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.ids import sha256_bytes
from pipeline.records import Document, Page

# Pages are joined with a blank line so sentences never run across a page boundary.
PAGE_SEPARATOR = "\n\n"

# pdfium marks a hyphen at a line end as U+0002 and joins the two lines; the line break is put
# back so a hyphenated wallet address is repaired like any other wrapped one. Other C0
# controls are junk.
_CONTROL = re.compile(r"[\x00\x01\x03-\x08\x0b\x0e-\x1f\x7f]")
_CRLF = re.compile(r"\r\n?")
# Control characters other than tab, line feed, form feed and carriage return.
_BROKEN = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


class Parser(Protocol):
    """Turns the bytes of one file into a Document."""

    kind: str

    def parse(self, data: bytes, source: str) -> Document:
        """Parse bytes read from `source`."""
        ...


@dataclass(frozen=True, slots=True)
class PageText:
    """Text of one page before assembly, with its quality flags."""

    text: str
    has_text: bool = True
    ocr: bool = False


def clean_text(text: str) -> str:
    """Normalise line ends and drop control characters, keeping tabs, newlines and form feeds."""
    text = _CRLF.sub("\n", text).replace("\x02", "-\n")
    return drop_line_numbers(_CONTROL.sub("", text))


_NUMBER_LINE = re.compile(r"^[ \t]*(\d{1,2})[ \t]*$")
MIN_NUMBER_RUN = 10


def drop_line_numbers(text: str) -> str:
    """Drop a pleading paper's margin numbers (1, 2, 3 ... 25, one per line) from the text.

    Court transcripts and filings number every line; text extraction emits the numbers as a
    block that would otherwise be glued into the sentences analysts cite.
    """
    lines = text.split("\n")
    keep = [True] * len(lines)
    i = 0
    while i < len(lines):
        first = _NUMBER_LINE.match(lines[i])
        if not first or first.group(1) != "1":
            i += 1
            continue
        j, expected = i, 1
        while j < len(lines):
            number = _NUMBER_LINE.match(lines[j])
            if not number or int(number.group(1)) != expected:
                break
            j, expected = j + 1, expected + 1
        if j - i >= MIN_NUMBER_RUN:
            keep[i:j] = [False] * (j - i)
        i = max(j, i + 1)
    return "\n".join(line for line, kept in zip(lines, keep, strict=True) if kept)


def control_ratio(text: str) -> float:
    """Return the share of characters that are control characters (a broken font's signature)."""
    if not text:
        return 0.0
    return len(_BROKEN.findall(text)) / len(text)


def assemble(
    data: bytes,
    source: str,
    kind: str,
    pages: Sequence[PageText],
    title: str | None = None,
    date: str | None = None,
    byline: str | None = None,
    warnings: Sequence[str] = (),
) -> Document:
    """Join page texts into one Document with page offsets into its text."""
    parts: list[str] = []
    records: list[Page] = []
    offset = 0
    for number, page in enumerate(pages, start=1):
        if number > 1:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        parts.append(page.text)
        records.append(Page(number, offset, offset + len(page.text), page.has_text, page.ocr))
        offset += len(page.text)
    return Document(
        id=sha256_bytes(data),
        source=source,
        kind=kind,
        text="".join(parts),
        pages=tuple(records),
        title=title or None,
        date=date or None,
        byline=byline or None,
        size=len(data),
        warnings=tuple(warnings),
    )


def display_name(path: Path) -> str:
    """Return the source string recorded for a file."""
    return str(path)
