"""Relations stated in a document's sentences, each with its evidence."""

from __future__ import annotations

from pipeline.records import Document, Mention, Relation


def find_relations(document: Document, mentions: list[Mention]) -> list[Relation]:
    """Return the relations between entities that the document's sentences state."""
    return []
