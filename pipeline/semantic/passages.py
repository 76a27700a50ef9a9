"""Passages: windows of a few sentences within one page, with exact offsets into the document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.ids import stable_id
from pipeline.records import Document, Page

WINDOW = 3
STRIDE = 2
# A "sentence" longer than this (a table, a list of addresses) is cut at whitespace, so that
# one passage stays within the model's 256-token input.
MAX_SENTENCE_CHARS = 600
# Paragraph numbers ("152.") and list markers ("(a)") join the sentence that follows them.
MIN_SENTENCE_CHARS = 12

# End punctuation, any closing quotes or brackets, then whitespace.
_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
# A blank line (or a form feed) always ends a sentence: headings, table rows, list items.
_BREAK = re.compile(r"\n[ \t\r\f\v]*\n|\f")
_NEXT_STARTS_SENTENCE = re.compile(r"[\"'“‘(\[]?[A-Z0-9§¹²³•*-]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.&/']*)$")
# Words that end in a full stop without ending the sentence (lowercased, without the last dot).
_ABBREVIATIONS = frozenset(  # a word list reads better as text than as a list
    """mr mrs ms dr prof no nos st inc ltd co corp plc jr sr vs v para paras art arts sec secs
    fig gen lt col pol maj capt sgt hon rev approx est dept ave mt ft op cit ibid cf al etc
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.k.a d/b/a p.m a.m
    esq atty cr cv r.a fed crim civ supp u.s.c u.s.s.g c.f.r pte bros""".split()  # noqa: SIM905
)


@dataclass(frozen=True, slots=True)
class Passage:
    """A window of sentences on one page: `text` is exactly `document.text[start:end]`."""

    id: str
    document_id: str
    page: int
    start: int
    end: int
    text: str

    @property
    def flat(self) -> str:
        """Return the text with runs of whitespace (hard line wraps) made single spaces."""
        return " ".join(self.text.split())


def _is_abbreviation(text: str, dot: int) -> bool:
    """Say whether the full stop at `dot` closes an abbreviation or an initial, not a sentence."""
    match = _WORD_BEFORE.search(text, max(0, dot - 12), dot)
    if match is None:
        return False
    word = match.group(1).lower().rstrip(".")
    # Single letters are initials ("Chad E. Whitfield"), or the last letter of "U.S.".
    return len(word) == 1 or word in _ABBREVIATIONS


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    cuts = {m.end() for m in _BREAK.finditer(text, start, end)}
    for match in _END.finditer(text, start, end):
        after = match.end()
        if after < end and not _NEXT_STARTS_SENTENCE.match(text, after):
            continue
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        cuts.add(after)
    pieces: list[tuple[int, int]] = []
    previous = start
    for cut in [*sorted(cuts), end]:
        pieces.extend(_trimmed_pieces(text, previous, cut))
        previous = cut
    spans: list[tuple[int, int]] = []
    pending: int | None = None
    for piece_start, piece_end in pieces:
        first = piece_start if pending is None else pending
        if piece_end - first < MIN_SENTENCE_CHARS:
            pending = first
            continue
        spans.append((first, piece_end))
        pending = None
    if pending is not None:
        spans.append((pending, pieces[-1][1]))
    return spans


def _trimmed_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Yield the span text[start:end] without outer whitespace, cut at whitespace if too long."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        if cut < 0:
            cut = text.rfind("\n", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        if cut < 0:
            cut = start + MAX_SENTENCE_CHARS
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        yield start, piece_end
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


def _page_passages(document: Document, page: Page, window: int, stride: int) -> Iterator[Passage]:
    spans = sentence_spans(document.text, page.start, page.end)
    for first in range(0, len(spans), stride):
        last = min(first + window, len(spans)) - 1
        start, end = spans[first][0], spans[last][1]
        yield Passage(
            id=f"p-{stable_id(document.id, start, end, length=24)}",
            document_id=document.id,
            page=page.number,
            start=start,
            end=end,
            text=document.text[start:end],
        )
        if last == len(spans) - 1:
            break


def passages(document: Document, window: int = WINDOW, stride: int = STRIDE) -> list[Passage]:
    """Cut a document into overlapping windows of sentences that never cross a page break."""
    if window < 1 or not 1 <= stride <= window:
        raise ValueError(f"window {window} and stride {stride}: need 1 <= stride <= window")
    out: list[Passage] = []
    for page in document.pages:
        if page.has_text:
            out.extend(_page_passages(document, page, window, stride))
    return out
