"""JSON lines in the `extract --json` vocabulary: one record per line, `record` names its kind.

Order: documents, then mentions, then entities, then relations, each in a stable order, so
two exports of the same store are byte-identical. Fields beyond the extract shape (ids that
tie the records together) are additions only, as the public contract allows.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from pipeline.export.corpus import RECORD_KINDS, Corpus
from pipeline.export.shape import entity_json, mention_json, relation_json
from pipeline.records import Entity, Mention, Relation


def document_record(summary: dict[str, Any]) -> dict[str, Any]:
    """Return the `document` record: the extract JSON's document object."""
    return {"record": "document", **summary}


def mention_record(mention: Mention) -> dict[str, Any]:
    """Return the `mention` record: its public fields plus what ties it to the rest."""
    return {
        "record": "mention",
        "id": mention.id,
        "document": mention.document_id,
        "entity": mention.entity_id,
        "type": mention.type,
        **mention_json(mention),
        "value": mention.value,
        "extractor": mention.extractor,
        "score": mention.score,
    }


def entity_record(entity: Entity, members: list[str] | None = None) -> dict[str, Any]:
    """Return the `entity` record: its extract fields, its mentions being records of their own."""
    out = {"record": "entity", **entity_json(entity, [])}
    del out["mentions"]
    if members:
        out["members"] = members
    return out


def relation_record(relation: Relation, names: dict[str, Entity]) -> dict[str, Any]:
    """Return the `relation` record: the extract relation with its document and evidence."""
    return {
        "record": "relation",
        "id": relation.id,
        **relation_json(relation, names),
        "document": relation.document_id,
        "evidence": list(relation.evidence),
    }


def _line(out: TextIO, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")


def write(corpus: Corpus, out: TextIO, kind: str | None = None) -> Counter[str]:
    """Write the corpus as JSON lines, every record kind or only `kind`."""
    kinds = RECORD_KINDS if kind is None else (kind,)
    counts: Counter[str] = Counter()
    if "document" in kinds:
        for document in corpus.documents():
            _line(out, document_record(document.summary()))
            counts["document"] += 1
    if "mention" in kinds:
        for mention in corpus.mentions():
            _line(out, mention_record(mention))
            counts["mention"] += 1
    if "entity" in kinds:
        for entity in corpus.sorted_entities():
            _line(out, entity_record(entity, corpus.members.get(entity.id)))
            counts["entity"] += 1
    if "relation" in kinds:
        for relation in corpus.relations:
            _line(out, relation_record(relation, corpus.entities))
            counts["relation"] += 1
    return counts
