"""Page furniture: running headers and footers, page numbers, footnote markers, contents pages.

Furniture stays in the document text, so every offset still holds; each page records the
spans that are furniture, and extraction, relations and snippets leave them out. A line is
furniture when

- it sits among the first or last lines of a page and, with its digits masked, recurs at the
  edges of enough other pages (running headers and footers, "S/2025/482", "25-10785 7/27");
- it is a bare page number or "Page 3 of 27" at a page edge;
- it recurs at the edges of two pages, the parser saw it inside the top or bottom band of
  the page (`edges`), and every line between it and the page edge is furniture too;
- it is a line of a contents page (dot leaders ending in a page number);
- it is a footnote rule ("______").

A footnote marker is a number glued to the end of a word ("programs.12") that a footnote at
the bottom of the same page starts with ("12. See Footnote 5.").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace

from pipeline.records import Document, Page

# Lines at each edge of a page that may be running headers or footers. pdfium returns a
# footer before the body on some reports, so both edges are searched.
EDGE_LINES = 4
MAX_LINE = 140
# A masked line must recur at the edges of at least this share of the text pages (and on two).
MIN_SHARE = 0.2
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s+)?[-–—(]?\s*(?:\d{1,4}|[ivxlc]{1,7})\s*[-–—)]?\s*(?:(?:of|/)\s*\d{1,4})?\s*$",
    re.I,
)
_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}\s*$|…{2,}\s*\d{1,4}\s*$")
_CONTENTS = re.compile(r"^\s*(?:table\s+of\s+)?contents\s*$|^\s*page\s*$", re.I)
_RULE = re.compile(r"^\s*[_\-–—=*]{5,}\s*$")
_FOOTNOTE = re.compile(r"^\s*(\d{1,3})\.?\s+\S")
# A footnote number glued to a word of letters only, so no digit inside an address counts.
_MARKER = re.compile(r"\b[A-Za-z]{2,}[)\].,;:”’\"]?(\d{1,3})(?=[\s.,;:)]|$)")

Span = tuple[int, int, str]


def mask(line: str) -> str:
    """Return a line as compared across pages: lower case, one space, digit runs as '#'."""
    return _DIGITS.sub("#", _SPACE.sub(" ", line).strip().lower())


def _lines(text: str, offset: int) -> list[tuple[int, int, str]]:
    """Return (start, end, text) of the non-blank lines of a page, with document offsets."""
    out = []
    at = 0
    for raw in text.split("\n"):
        if raw.strip():
            out.append((offset + at, offset + at + len(raw), raw))
        at += len(raw) + 1
    return out


def _edges(lines: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    if len(lines) <= 2 * EDGE_LINES:
        return lines
    return lines[:EDGE_LINES] + lines[-EDGE_LINES:]


def _in_band(line: str, band: set[str]) -> bool:
    flat = " ".join(line.split())
    return bool(flat) and any(flat in b for b in band)


def _edge_counts(pages: list[list[tuple[int, int, str]]]) -> Counter[str]:
    """Count, for each masked edge line, the pages whose edges hold it."""
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({mask(t) for _, _, t in _edges(lines) if len(t.strip()) <= MAX_LINE})
    return Counter({f: n for f, n in counts.items() if any(c.isalnum() or c == "#" for c in f)})


def _running(counts: Counter[str], with_text: int) -> set[str]:
    """Return the masked edge lines that recur on enough pages to be running furniture."""
    # Two pages are enough in a short document; a longer one needs three, so a citation
    # footnote repeated once ("supra note 10") is not taken for a footer.
    need = max(2 if with_text < 4 else 3, math.ceil(MIN_SHARE * with_text))
    return {form for form, n in counts.items() if n >= need}


def _edge_spans(
    lines: list[tuple[int, int, str]], running: set[str], band: set[str], counts: Counter[str]
) -> Iterator[Span]:
    """Yield the furniture among a page's first and last lines."""
    if len(lines) < 2:
        return
    for zone in (lines[:EDGE_LINES], list(reversed(lines[-EDGE_LINES:]))):
        contiguous = True
        for start, end, text in zone:
            if mask(text) in running:
                yield (start, end, "running")
            elif _PAGE_NUMBER.match(text):
                yield (start, end, "page_number")
            elif contiguous and counts[mask(text)] >= 2 and _in_band(text, band):
                # Position confirms what recurs too seldom to count as running on its own.
                yield (start, end, "edge")
            else:
                contiguous = False


def _contents(lines: list[tuple[int, int, str]]) -> Iterator[Span]:
    """Yield the lines of a contents page: those between its first and last dot leaders."""
    leaders = [i for i, (_, _, t) in enumerate(lines) if _LEADER.search(t)]
    if len(leaders) < 3:
        return
    first, last = leaders[0], leaders[-1]
    # The "Contents" and "Page" captions just above the entries belong with them.
    while first > 0 and _CONTENTS.match(lines[first - 1][2]):
        first -= 1
    for start, end, _ in lines[first : last + 1]:
        yield (start, end, "contents")


def _footnotes(text: str, offset: int, lines: list[tuple[int, int, str]]) -> Iterator[Span]:
    """Yield footnote rules and the markers in the body that point to this page's footnotes."""
    numbers: dict[str, int] = {}
    for start, end, line in lines:
        if _RULE.match(line):
            yield (start, end, "footnote_rule")
        note = _FOOTNOTE.match(line)
        if note:
            numbers.setdefault(note.group(1), start)
    if not numbers:
        return
    for match in _MARKER.finditer(text):
        at = offset + match.start(1)
        footnote = numbers.get(match.group(1))
        # The marker comes before its footnote, and is not the footnote's own number.
        if footnote is not None and at < footnote:
            yield (at, offset + match.end(1), "footnote_marker")


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for span in sorted(spans):
        if out and span[0] < out[-1][1]:
            continue
        out.append(span)
    return tuple(out)


def find_furniture(document: Document, edges: Mapping[int, set[str]] | None = None) -> Document:
    """Return the document with each page's furniture spans recorded.

    `edges` maps a page number to the lines of text the parser found in the top and bottom
    bands of that page, where it knows positions.
    """
    edges = edges or {}
    per_page = [
        _lines(document.page_text(p), p.start) if p.has_text else [] for p in document.pages
    ]
    counts = _edge_counts(per_page)
    running = _running(counts, sum(1 for lines in per_page if lines))
    pages: list[Page] = []
    for page, lines in zip(document.pages, per_page, strict=True):
        spans = [
            *_edge_spans(lines, running, edges.get(page.number, set()), counts),
            *_contents(lines),
            *_footnotes(document.page_text(page), page.start, lines),
        ]
        pages.append(replace(page, furniture=_merge(spans)))
    return replace(document, pages=tuple(pages))


def edge_lines(document: Document) -> dict[int, set[str]]:
    """Return each page's furniture lines, as `edges` for a document assembled again."""
    return {
        p.number: {" ".join(document.text[s:e].split()) for s, e, _ in p.furniture}
        for p in document.pages
        if p.furniture
    }


def masked(text: str, offset: int, spans: tuple[Span, ...]) -> str:
    """Return `text` (starting at document offset `offset`) with furniture blanked by spaces.

    Line breaks are kept, so sentences and paragraphs split where they did; every other
    character of a span becomes a space, so offsets are unchanged.
    """
    if not spans:
        return text
    chars = list(text)
    for start, end, _ in spans:
        for i in range(max(start - offset, 0), min(end - offset, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)
