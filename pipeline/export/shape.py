"""The public `extract --json` shape: a document and its entities, each with its mentions."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pipeline.records import Document, Entity, Mention, Relation

TYPE_ORDER = {"actor": 0, "casino": 1, "wallet": 2, "amount": 3, "country": 4}


def mention_json(mention: Mention) -> dict[str, Any]:
    """Return one mention's public fields."""
    return {
        "text": mention.text,
        "page": mention.page,
        "start": mention.start,
        "end": mention.end,
        "sentence": mention.sentence,
    }


def entity_json(entity: Entity, mentions: list[Mention]) -> dict[str, Any]:
    """Return one entity with its per-type fields and its mentions."""
    out: dict[str, Any] = {"id": entity.id, "type": entity.type, "name": entity.name}
    attrs = entity.attributes
    if entity.type == "wallet":
        out.update(
            address=attrs.get("address"),
            chains=list(attrs.get("chains", [])),
            suspect=bool(attrs.get("suspect", False)),
        )
        if attrs.get("reason"):
            out["reason"] = attrs["reason"]
    elif entity.type == "amount":
        for field in ("value", "min", "max", "currency", "qualifier", "ambiguous", "candidates"):
            if field in attrs:
                out[field] = attrs[field]
    elif entity.type == "country":
        out["code"] = attrs.get("code")
    else:
        out["kind"] = attrs.get("kind")
    if entity.aliases:
        out["aliases"] = list(entity.aliases)
    out["mentions"] = [mention_json(m) for m in mentions]
    return out


def relation_json(relation: Relation, names: dict[str, Entity]) -> dict[str, Any]:
    """Return one relation with both ends named and its evidence sentence."""

    def end(entity_id: str) -> dict[str, Any]:
        entity = names.get(entity_id)
        return {
            "id": entity_id,
            "name": entity.name if entity else None,
            "type": entity.type if entity else None,
        }

    out: dict[str, Any] = {
        "predicate": relation.predicate,
        "subject": end(relation.subject),
        "object": end(relation.object),
        "page": relation.page,
        "sentence": relation.sentence,
        "count": relation.count,
    }
    if relation.attributes:
        out["attributes"] = relation.attributes
    return out


def document_json(
    document: Document,
    mentions: list[Mention],
    entities: list[Entity],
    relations: list[Relation] | None = None,
) -> dict[str, Any]:
    """Return the public extract object for one document."""
    by_entity: dict[str | None, list[Mention]] = defaultdict(list)
    for mention in mentions:
        by_entity[mention.entity_id].append(mention)
    ordered = sorted(
        entities,
        key=lambda e: (
            TYPE_ORDER.get(e.type, 9),
            by_entity[e.id][0].start if by_entity[e.id] else 0,
        ),
    )
    names = {e.id: e for e in entities}
    return {
        "document": document.summary(),
        "entities": [entity_json(e, by_entity[e.id]) for e in ordered],
        "relations": [relation_json(r, names) for r in relations or ()],
    }
