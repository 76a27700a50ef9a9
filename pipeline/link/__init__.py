"""Linking: group a document's mentions into entities and find the relations between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.records import Document, Entity, Mention, Relation

__all__ = ["Linked", "link", "link_document"]


def __getattr__(name: str) -> Any:
    # link_document loads spaCy's word lists; the store imports pipeline.link.corpus, and
    # read-only commands must not pay for spaCy, so it is imported on first use.
    if name == "link_document":
        from pipeline.link.document import link_document

        return link_document
    raise AttributeError(name)


@dataclass(frozen=True, slots=True)
class Linked:
    """One document's linked records, ready for the store."""

    mentions: list[Mention]
    entities: list[Entity]
    relations: list[Relation] = field(default_factory=list)


def link(document: Document, mentions: list[Mention]) -> Linked:
    """Assign entities to a document's mentions and find the relations its sentences state."""
    from pipeline.link.document import link_document
    from pipeline.link.kinds import settle_kinds
    from pipeline.link.relations import find_relations

    linked, entities = link_document(document, settle_kinds(document, mentions))
    return Linked(linked, entities, find_relations(document, linked))
