"""Linking: group a document's mentions into entities and find the relations between them."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.link.document import link_document
from pipeline.link.kinds import settle_kinds
from pipeline.link.relations import find_relations
from pipeline.records import Document, Entity, Mention, Relation

__all__ = ["Linked", "link", "link_document"]


@dataclass(frozen=True, slots=True)
class Linked:
    """One document's linked records, ready for the store."""

    mentions: list[Mention]
    entities: list[Entity]
    relations: list[Relation] = field(default_factory=list)


def link(document: Document, mentions: list[Mention]) -> Linked:
    """Assign entities to a document's mentions and find the relations its sentences state."""
    linked, entities = link_document(document, settle_kinds(document, mentions))
    return Linked(linked, entities, find_relations(document, linked))
