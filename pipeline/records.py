"""Records passed between stages: plain, immutable, JSON-serialisable."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MENTION_TYPES = ("actor", "wallet", "casino", "amount", "country")


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a document: its number (from 1) and offsets into the document text."""

    number: int
    start: int
    end: int
    # False when the page had no usable text layer (a scan, or a broken font encoding).
    has_text: bool = True
    ocr: bool = False
    # Page furniture (running headers and footers, page numbers, footnote markers, contents
    # lines) as (start, end, kind) document offsets: kept in the text, left out of extraction.
    furniture: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document: text with page offsets, identified by the sha256 of its bytes."""

    id: str
    source: str
    kind: str
    text: str
    pages: tuple[Page, ...]
    title: str | None = None
    date: str | None = None
    byline: str | None = None
    size: int = 0
    # Non-fatal parse notes an analyst should know about (encoding guessed, pages without text).
    warnings: tuple[str, ...] = ()

    def page_text(self, page: Page) -> str:
        """Return the text of one page."""
        return self.text[page.start : page.end]

    def page_at(self, offset: int) -> int:
        """Return the page number that holds a character offset."""
        for page in self.pages:
            if page.start <= offset < page.end or (offset == page.end and page is self.pages[-1]):
                return page.number
        for page in reversed(self.pages):
            if page.start <= offset:
                return page.number
        return 1

    def in_furniture(self, start: int, end: int) -> bool:
        """Say whether a character span overlaps the page furniture."""
        return any(
            s < end and start < e
            for page in self.pages
            if page.furniture and page.start <= end and start <= page.end
            for s, e, _ in page.furniture
        )

    def summary(self) -> dict[str, Any]:
        """Return the public `document` object of the extract JSON."""
        return {
            "id": self.id,
            "source": self.source,
            "kind": self.kind,
            "title": self.title,
            "date": self.date,
            "byline": self.byline,
            "pages": len(self.pages),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class Mention:
    """One extracted span with its normalised value and full provenance."""

    id: str
    document_id: str
    page: int
    start: int
    end: int
    type: str
    text: str
    # Per-type normalised fields: wallet {address, key, chains, suspect}, amount {value|min,max,
    # currency, qualifier}, country {code}, actor {kind}, casino {kind}.
    value: dict[str, Any]
    key: str
    sentence: str
    extractor: str
    score: float = 1.0
    entity_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the mention as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Entity:
    """A distinct real-world thing: one id, a preferred name, aliases and typed attributes."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Relation:
    """A typed link between two entities, stated in one sentence, with the mentions that prove it.

    One record per document sentence that states it; `count` says how often that sentence
    pairs the two (co-occurrence). Predicates: co_occurs, holds, owns, controls, employs,
    member_of, attributed_to, paid, received, transferred, laundered_through, stole,
    stolen_from, designated_by, sanctioned_by, located_in; from tables (attributes["source"] ==
    "table", with the cells' positions): holds, sent_to, paid.
    """

    id: str
    subject: str
    predicate: str
    object: str
    evidence: tuple[str, ...] = ()
    document_id: str = ""
    page: int = 0
    sentence: str = ""
    count: int = 1
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Failure:
    """A document that could not be processed, kept as data so the batch carries on."""

    source: str
    stage: str
    error: str
    message: str
    time: str = ""
    document_id: str | None = None
