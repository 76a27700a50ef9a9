"""A store read for export: resolved entities and relations in memory, documents streamed.

Entities come from `Store.iter_entities()`. Where the store also resolves entities across
documents (SqliteStore's `canonical_of` and `brief`, after the analyst's merges and renames),
each entity is folded into its canonical one, so an export shows one Lazarus Group however
many spellings the documents used. A store without those methods exports its entities as
stored. Mentions and relations are rewritten to point at the canonical ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.records import Document, Entity, Mention, Relation
from pipeline.store.base import Store

TYPE_ORDER = {"actor": 0, "casino": 1, "wallet": 2, "amount": 3, "country": 4}
RECORD_KINDS = ("document", "mention", "entity", "relation")
# Characters XML 1.0 forbids and spreadsheets garble (PDF text carries form feeds and strays).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Return text with control characters (other than tab and line breaks) made spaces."""
    return _CONTROL.sub(" ", text)


def entity_sort_key(entity: Entity) -> tuple[int, str, str]:
    """Order entities by type, then name, then id: the same order on every run."""
    return (TYPE_ORDER.get(entity.type, 9), entity.name.casefold(), entity.id)


def mention_sort_key(mention: Mention) -> tuple[str, int, int, str, str]:
    """Order mentions by document, span, type and id."""
    return (mention.document_id, mention.start, mention.end, mention.type, mention.id)


def relation_sort_key(relation: Relation) -> tuple[str, int, str, str, str, str]:
    """Order relations by document, page, predicate, ends and id."""
    return (
        relation.document_id,
        relation.page,
        relation.predicate,
        relation.subject,
        relation.object,
        relation.id,
    )


def _canonical_map(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Map each entity id to its canonical id, where the store resolves entities."""
    ensure = getattr(store, "ensure_resolved", None)
    if callable(ensure):
        ensure()
    canonical_of = getattr(store, "canonical_of", None)
    if not callable(canonical_of):
        return {i: i for i in ids}
    return {i: str(canonical_of(i)) for i in ids}


def _fold(canonical_id: str, members: list[Entity], name: str | None) -> Entity:
    """Merge the members of one resolved entity: the canonical one's attributes win."""
    head = next((m for m in members if m.id == canonical_id), None)
    if head is None:
        head = min(members, key=lambda m: m.id)
    chosen = name or head.name
    names = {head.name, *head.aliases}
    for member in members:
        names.update((member.name, *member.aliases))
    return Entity(
        canonical_id,
        head.type,
        chosen,
        tuple(sorted(names - {chosen}, key=lambda a: (a.casefold(), a))),
        dict(head.attributes),
    )


@dataclass
class Corpus:
    """Everything an exporter reads, with ids resolved and every list in a stable order."""

    store: Store
    entities: dict[str, Entity]
    canonical: dict[str, str]
    relations: list[Relation]
    # Canonical id -> the stored entity ids folded into it, where more than one.
    members: dict[str, list[str]] = field(default_factory=dict)
    # Relations whose ends resolved to one entity (merged spellings co-occurring): dropped.
    folded_relations: int = 0
    _url_cache: dict[str, str | None] = field(default_factory=dict)
    _mention_type: str | None = None

    def resolve(self, entity_id: str | None) -> str | None:
        """Return the canonical id of an entity id (None stays None)."""
        if entity_id is None:
            return None
        return self.canonical.get(entity_id, entity_id)

    def sorted_entities(self) -> list[Entity]:
        """Return the resolved entities in export order."""
        return sorted(self.entities.values(), key=entity_sort_key)

    def only_type(self, entity_type: str) -> None:
        """Keep the entities of one type, their mentions, and relations touching them."""
        kept = {k: e for k, e in self.entities.items() if e.type == entity_type}
        self.relations = [r for r in self.relations if r.subject in kept or r.object in kept]
        self.entities = kept
        self._mention_type = entity_type

    def documents(self) -> Iterator[Document]:
        """Yield stored documents in id order, one at a time (texts can be large)."""
        yield from self.store.iter_documents()

    def mentions(self, document_id: str | None = None) -> Iterator[Mention]:
        """Yield mentions in document and text order, pointing at canonical entities."""
        batch: list[Mention] = []
        for mention in self.store.iter_mentions(document_id):
            if self._mention_type is not None and mention.type != self._mention_type:
                continue
            if batch and batch[-1].document_id != mention.document_id:
                yield from sorted(batch, key=mention_sort_key)
                batch = []
            resolved = self.resolve(mention.entity_id)
            if resolved != mention.entity_id:
                mention = replace(mention, entity_id=resolved)
            batch.append(mention)
        # Stores give document order; within a document, ties on a span are broken here.
        yield from sorted(batch, key=mention_sort_key)

    def name_of(self, entity_id: str) -> str | None:
        """Return the name of a resolved entity, or None when the store lacks it."""
        entity = self.entities.get(entity_id)
        return entity.name if entity else None

    def url_of(self, document: Document) -> str | None:
        """Return an http(s) address the document was found under, if it has one."""
        if document.id not in self._url_cache:
            sources = [document.source]
            shown: dict[str, Any] | None = None
            if not document.source.startswith(("http://", "https://")):
                shown = self.store.document(document.id)
            if shown:
                sources.extend(str(s) for s in shown.get("sources", []))
            urls = sorted(s for s in sources if s.startswith(("http://", "https://")))
            self._url_cache[document.id] = urls[0] if urls else None
        return self._url_cache[document.id]


def load_corpus(store: Store) -> Corpus:
    """Read the store's entities and relations, resolved, ready for an exporter."""
    raw = list(store.iter_entities())
    canonical = _canonical_map(store, (e.id for e in raw))
    groups: dict[str, list[Entity]] = {}
    for entity in raw:
        groups.setdefault(canonical.get(entity.id, entity.id), []).append(entity)
    brief = getattr(store, "brief", None)
    entities: dict[str, Entity] = {}
    merged: dict[str, list[str]] = {}
    for canonical_id, members in groups.items():
        name = brief(canonical_id).get("name") if callable(brief) else None
        entities[canonical_id] = _fold(canonical_id, members, name)
        if len(members) > 1:
            merged[canonical_id] = sorted(m.id for m in members)
    relations: list[Relation] = []
    folded = 0
    for relation in store.iter_relations():
        subject = canonical.get(relation.subject, relation.subject)
        obj = canonical.get(relation.object, relation.object)
        if subject == obj:
            folded += 1
            continue
        relations.append(replace(relation, subject=subject, object=obj))
    relations.sort(key=relation_sort_key)
    return Corpus(store, entities, canonical, relations, merged, folded)
