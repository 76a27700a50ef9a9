"""Run the spaCy pipeline over page windows and return Mentions with provenance."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.errors import ExtractError
from pipeline.extract.addresses import AddressHit, scan, validate
from pipeline.extract.candidates import Candidate, carry_text, selected, text_of
from pipeline.extract.components.wallets import wallet_candidate
from pipeline.extract.nlp import build_nlp
from pipeline.ids import mention_id
from pipeline.parse.furniture import masked
from pipeline.records import Document, Mention, Page

WINDOW = 20_000
# Documents are piped together until their text reaches this size.
GROUP_CHARS = 400_000
# Windows (mostly pages) per nlp.pipe batch. The small English NER runs faster on short
# batches: on the real PDFs in ../shared, one document at a time, 16 windows took 6 to 14%
# less time than 64 with the same mentions.
PIPE_BATCH = 16
SENTENCE_MAX = 600
# Characters either side of a page break searched for an address split by the break.
BOUNDARY = 400
# The number of the next numbered paragraph ("... and Laos. 2.") is not part of the sentence.
_PARAGRAPH_NUMBER = re.compile(r"(?<=[.!?\"”)])\s+\(?\d{1,3}[.)]$")
_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
_FRAGMENT = re.compile(r"[A-Za-z0-9]{4,}-?")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Window:
    """A slice of one page that spaCy processes as one Doc."""

    document: int
    page: int
    start: int
    text: str


def windows(document: Document, index: int = 0, size: int = WINDOW) -> Iterator[Window]:
    """Cut each page into windows of at most `size` characters, at paragraph or line breaks.

    Page furniture is blanked in the window text (same length), so no mention or sentence
    comes from a running header, a page number or a footnote marker.
    """
    for page in document.pages:
        start = page.start
        while start < page.end:
            end = min(start + size, page.end)
            if end < page.end:
                cut = max(
                    document.text.rfind("\n\n", start, end), document.text.rfind("\n", start, end)
                )
                if cut <= start + size // 4:
                    cut = document.text.rfind(" ", start, end)
                end = cut + 1 if cut > start else end
            text = masked(document.text[start:end], start, page.furniture)
            yield Window(index, page.number, start, text)
            start = end


def _sentence(doc: Doc, starts: list[int], spans: list[tuple[int, int]], at: int) -> str:
    i = max(bisect.bisect_right(starts, at) - 1, 0)
    full = text_of(doc)
    begin, end = spans[i] if spans else (0, len(full))
    text = _PARAGRAPH_NUMBER.sub("", _SPACE.sub(" ", full[begin:end]).strip())
    if len(text) > SENTENCE_MAX:
        # Tables make huge "sentences": keep the part around the mention.
        local = at - begin
        lo = max(local - SENTENCE_MAX // 2, 0)
        text = "…" + _SPACE.sub(" ", full[begin + lo : begin + lo + SENTENCE_MAX]).strip() + "…"
    return text


def _mention(document: Document, page: int, offset: int, cand: Candidate, sentence: str) -> Mention:
    start, end = cand.start + offset, cand.end + offset
    return Mention(
        id=mention_id(document.id, cand.type, start, end),
        document_id=document.id,
        page=page,
        start=start,
        end=end,
        type=cand.type,
        text=document.text[start:end],
        value=dict(cand.value),
        key=cand.key,
        sentence=sentence,
        extractor=cand.extractor,
        score=cand.score,
    )


def doc_mentions(document: Document, window: Window, doc: Doc) -> list[Mention]:
    """Turn one processed window into Mentions with page, document offsets and sentence."""
    spans = [(s.start_char, s.end_char) for s in doc.sents]
    starts = [s for s, _ in spans]
    return [
        _mention(
            document, window.page, window.start, cand, _sentence(doc, starts, spans, cand.start)
        )
        for cand in selected(doc)
    ]


def _address_like(token: str) -> bool:
    """Say whether a token could be part of an address: long, or mixing letters and digits."""
    return len(token) >= 12 or (any(c.isdigit() for c in token) and any(c.isalpha() for c in token))


def _split_across(document: Document, before: Page, after: Page) -> list[AddressHit]:
    """Join an address's tail on one page to its head on the next, across running headers.

    Filings print a footer and the next page's header between the two halves, so the halves
    are not adjacent. Token pairs from the page's last lines and the next page's first lines
    are joined and kept only when the joined string passes its checksum.
    """
    text = document.text
    lo, hi = max(before.end - BOUNDARY, before.start), min(after.start + BOUNDARY, after.end)
    tails = [m for m in _FRAGMENT.finditer(text, lo, before.end) if _address_like(m.group())][-6:]
    heads = [m for m in _FRAGMENT.finditer(text, after.start, hi) if _address_like(m.group())][:10]
    hits = []
    for tail in reversed(tails):
        for first in range(len(heads)):
            joined = tail.group().rstrip("-")
            # The head may itself be wrapped again on the new page: join up to three pieces.
            for head in heads[first : first + 3]:
                joined += head.group().rstrip("-")
                check = validate(joined, text[lo:hi])
                if check is not None and check.valid:
                    raw = text[tail.start() : head.end()]
                    return [AddressHit(tail.start(), head.end(), raw, check, True)]
    return hits


def _stitched_sentence(text: str, hit: AddressHit, before: Page, after: Page) -> str:
    """Rebuild the sentence around an address split by a page break, leaving out headers."""
    left = text[max(hit.start - 300, before.start) : hit.start]
    left = _SENTENCE_END.split(left)[-1]
    head_end = hit.start + len(hit.raw)
    tail_of_head = hit.check.address[-4:]
    resume = text.find(tail_of_head, max(after.start, head_end - 8 - len(tail_of_head)), head_end)
    right = text[(resume + 4 if resume >= 0 else head_end) : min(head_end + 300, after.end)]
    right = _SENTENCE_END.split(right)[0]
    return _SPACE.sub(" ", f"{left}{hit.check.address}{right}").strip()


def boundary_wallets(document: Document, mentions: list[Mention]) -> list[Mention]:
    """Return the mentions with addresses broken across a page break repaired.

    No single page window sees both halves; a half that looked like a suspect address on its
    own gives way to the repaired whole.
    """
    found: list[Mention] = []
    dropped: set[int] = set()
    seen = [(m.start, m.end, m) for m in mentions]
    taken: list[tuple[int, int]] = []
    for before, after in zip(document.pages, document.pages[1:], strict=False):
        lo = max(before.end - BOUNDARY, before.start)
        near = [
            AddressHit(h.start + lo, h.end + lo, h.raw, h.check, h.repaired)
            for h in scan(document.text[lo : min(after.start + BOUNDARY, after.end)])
        ]
        for hit in [*near, *_split_across(document, before, after)]:
            if not (hit.repaired and hit.start < before.end and hit.end > after.start):
                continue
            # Only a mention on the address's own ends blocks it: the running header between
            # the halves may hold mentions of its own.
            ends = ((hit.start, hit.start + 4), (hit.end - 4, hit.end))
            clashes = [m for s, e, m in seen if any(a < e and s < b for a, b in ends)]
            if any(not (m.type == "wallet" and m.value.get("suspect")) for m in clashes):
                continue
            if any(hit.start < e and s < hit.end for s, e in taken):
                continue
            dropped.update(id(m) for m in clashes)
            taken.append((hit.start, hit.end))
            line = _stitched_sentence(document.text, hit, before, after)
            found.append(_mention(document, before.number, 0, wallet_candidate(hit), line))
    return [m for m in mentions if id(m) not in dropped] + found


@dataclass(frozen=True, slots=True)
class Extracted:
    """The outcome for one document: its mentions, or the error that stopped it."""

    document: Document
    mentions: list[Mention]
    error: ExtractError | None = None


class Extractor:
    """Extract Mentions from Documents with one loaded spaCy pipeline, batching windows."""

    def __init__(
        self, nlp: Language | None = None, batch_size: int = 64, model: str | None = None
    ) -> None:
        self.nlp = nlp or build_nlp(model)
        self.batch_size = batch_size

    def _doc(self, text: str) -> Doc:
        """Tokenise a window with single line breaks as spaces, keeping the raw text beside it.

        spaCy makes a token of every line break, so a name wrapped by a PDF ("Office of Foreign
        / Assets Control") defeats phrase matching and the NER model. Swapping one character for
        another keeps every offset.
        """
        flat = _LINE_BREAK.sub(" ", text)
        doc = self.nlp.make_doc(flat)
        doc.user_data["mt_raw"] = text
        carry_text(doc, flat)
        return doc

    def extract(self, document: Document) -> list[Mention]:
        """Return the mentions of one document, in text order."""
        outcome = next(iter(self.extract_many([document])))
        if outcome.error is not None:
            raise outcome.error
        return outcome.mentions

    def extract_many(self, documents: Iterable[Document]) -> Iterator[Extracted]:
        """Yield each document's outcome in input order, piping windows of many at once."""
        group: list[Document] = []
        size = 0
        for document in documents:
            group.append(document)
            size += len(document.text)
            if size >= GROUP_CHARS or len(group) >= self.batch_size:
                yield from self._group(group)
                group, size = [], 0
        if group:
            yield from self._group(group)

    def _group(self, group: list[Document]) -> Iterator[Extracted]:
        units = [w for i, d in enumerate(group) for w in windows(d, i)]
        found: list[list[Mention]] = [[] for _ in group]
        try:
            for doc, window in self.nlp.pipe(
                ((self._doc(u.text), u) for u in units),
                as_tuples=True,
                batch_size=PIPE_BATCH,
            ):
                found[window.document].extend(doc_mentions(group[window.document], window, doc))
        except (ValueError, MemoryError) as exc:
            if len(group) > 1:
                # Isolate the document that broke the batch; the others still get extracted.
                for document in group:
                    yield from self._group([document])
                return
            error = ExtractError(f"{group[0].source}: extraction failed ({exc})")
            error.__cause__ = exc
            yield Extracted(group[0], [], error)
            return
        for document, mentions in zip(group, found, strict=True):
            mentions = boundary_wallets(document, mentions)
            mentions.sort(key=lambda m: (m.start, m.end))
            yield Extracted(document, mentions)
