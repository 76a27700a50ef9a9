"""The Store protocol every backend implements, and the search result shapes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipeline.records import Document, Entity, Failure, Mention, Page, Relation


@dataclass(frozen=True, slots=True)
class Hit:
    """One search hit: a page of a document with a highlighted snippet."""

    document_id: str
    source: str
    title: str | None
    page: int
    snippet: str
    score: float
    # "text" (full text), "entity" (a mention of a matching entity, with --type) or "alias"
    # (a page that names the matching entity only in other words, kept in `alias`).
    matched: str
    entity: dict[str, Any] | None = None
    # True when the page's text was read by OCR: names and figures need checking on the image.
    ocr: bool = False
    alias: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the hit in the public `search --json` shape."""
        out: dict[str, Any] = {
            "document": {"id": self.document_id, "source": self.source, "title": self.title},
            "page": self.page,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "matched": self.matched,
        }
        if self.entity is not None:
            out["entity"] = self.entity
        if self.ocr:
            out["ocr"] = True
        if self.alias is not None:
            out["alias"] = self.alias
        return out


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Hits for a query, best first."""

    query: str
    type: str | None
    hits: list[Hit] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the result in the public `search --json` shape."""
        return {"query": self.query, "type": self.type, "hits": [h.to_json() for h in self.hits]}


class Store(Protocol):
    """Where linked records live. Every write is an idempotent upsert by id."""

    def upsert_document(
        self,
        document: Document,
        mentions: list[Mention],
        entities: list[Entity],
        relations: list[Relation] | None = None,
    ) -> None:
        """Store a document with its pages, mentions, entities and relations, replacing any
        older copy of the same document (same id) in one step."""
        ...

    def add_source(self, document_id: str, source: str) -> None:
        """Record another name under which a stored document was found."""
        ...

    def has_document(self, document_id: str) -> bool:
        """Say whether a document is stored."""
        ...

    def record_failure(self, failure: Failure) -> None:
        """Remember a failed input (replacing an older failure of the same source)."""
        ...

    def clear_failure(self, source: str) -> None:
        """Forget the failure of a source that has now been ingested."""
        ...

    def failures(self) -> list[Failure]:
        """Return the recorded failures."""
        ...

    def search(
        self,
        query: str,
        type_: str | None = None,
        limit: int = 10,
        offset: int = 0,
        country: str | None = None,
        chain: str | None = None,
    ) -> SearchResult:
        """Full-text search over pages, optionally restricted to mentions of one entity type,
        and to pages that mention a country (ISO code) or a wallet of a chain."""
        ...

    def facets(
        self,
        query: str,
        type_: str | None = None,
        size: int = 10,
        country: str | None = None,
        chain: str | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """Count the top actors, casinos, countries and chains on the pages a query matches
        (within the country and chain filters, as search applies them):
        {"actor": [{"id","name","type","count"}], "casino": [...],
         "country": [{"code","name","count"}], "chain": [{"chain","count"}]}."""
        ...

    def document(self, document_id: str) -> dict[str, Any] | None:
        """Return a stored document's metadata, pages and entities, or None."""
        ...

    def document_list(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Return stored documents (id, title, date, pages, source, kind) in source order."""
        ...

    def find_documents(self, ref: str) -> list[dict[str, Any]]:
        """Return the documents an id prefix or a source path names (rows as document_list)."""
        ...

    def page_text(self, document_id: str, number: int) -> str | None:
        """Return the text of one page of a stored document, or None."""
        ...

    def entities(self, type_: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Return entities with their mention and document counts, most mentioned first."""
        ...

    def stats(self) -> dict[str, Any]:
        """Return counts of documents, pages, mentions and entities per type."""
        ...

    def iter_documents(self) -> Iterator[Document]:
        """Yield every stored document with its text and pages."""
        ...

    def iter_mentions(self, document_id: str | None = None) -> Iterator[Mention]:
        """Yield stored mentions, of one document or all."""
        ...

    def iter_entities(self) -> Iterator[Entity]:
        """Yield every entity that has mentions, with its aliases."""
        ...

    def iter_relations(self) -> Iterator[Relation]:
        """Yield every stored relation, one per stating sentence."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


def batched_writes(store: Any) -> AbstractContextManager[Any]:
    """Let a store that refreshes after every document (Elasticsearch) refresh once at the end."""
    deferred = getattr(store, "deferred_refresh", None)
    return deferred() if callable(deferred) else nullcontext()


def text_and_pages(pages: Sequence[Any]) -> tuple[str, tuple[Page, ...]]:
    """Rebuild a document's text and pages from stored pages (mappings, in page order).

    Page texts sit at their offsets; the separators between them were not stored, so the gaps
    become newlines and every offset still points where it did.
    """
    parts: list[str] = []
    offset = 0
    for page in pages:
        if page["start"] > offset:
            parts.append("\n" * (page["start"] - offset))
        parts.append(page["text"])
        offset = page["start"] + len(page["text"])
    rebuilt = tuple(
        Page(p["number"], p["start"], p["end"], bool(p["has_text"]), bool(p["ocr"])) for p in pages
    )
    return "".join(parts), rebuilt
