"""Copy a corpus from one store to another (the embedded file and Elasticsearch, either way)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pipeline.errors import PipelineError
from pipeline.records import Entity, Relation
from pipeline.store.base import Store, batched_writes

# Called with an event ("copied", "skipped", "failed"), the document's source and its pages.
Progress = Callable[[str, str, int], None]


def _relations_by_document(source: Store) -> dict[str, list[Relation]]:
    grouped: dict[str, list[Relation]] = defaultdict(list)
    for relation in source.iter_relations():
        grouped[relation.document_id].append(relation)
    return grouped


def _notify(progress: Progress | None, event: str, source: str, pages: int) -> None:
    if progress is not None:
        progress(event, source, pages)


def migrate(
    source: Store, target: Store, progress: Progress | None = None, force: bool = False
) -> dict[str, Any]:
    """Copy every document with its mentions, entities, relations, other names and failures.

    Idempotent: documents the target already has are skipped (copied again with `force`),
    and every write is an upsert by id. A document the target rejects is reported in
    `failed` and the rest is copied.
    """
    started = time.perf_counter()
    report: dict[str, Any] = {
        "documents": 0,
        "skipped": 0,
        "pages": 0,
        "mentions": 0,
        "entities": 0,
        "relations": 0,
        "failures": 0,
        "failed": [],
    }
    # Entities and relations are listed corpus-wide by the protocol; hold them while copying.
    entities: dict[str, Entity] = {e.id: e for e in source.iter_entities()}
    relations = _relations_by_document(source)
    copied_entities: set[str] = set()
    with batched_writes(target):
        for document in source.iter_documents():
            shown = source.document(document.id)
            names = [s for s in (shown or {}).get("sources", []) if s != document.source]
            if not force and target.has_document(document.id):
                for name in names:
                    target.add_source(document.id, name)
                report["skipped"] += 1
                _notify(progress, "skipped", document.source, 0)
                continue
            mentions = list(source.iter_mentions(document.id))
            linked = dict.fromkeys(m.entity_id for m in mentions if m.entity_id is not None)
            used = [entities[i] for i in linked if i in entities]
            own = relations.get(document.id, [])
            try:
                target.upsert_document(document, mentions, used, own)
                for name in names:
                    target.add_source(document.id, name)
            except PipelineError as exc:
                report["failed"].append(
                    {"document": document.id, "source": document.source, "message": str(exc)}
                )
                _notify(progress, "failed", document.source, 0)
                continue
            copied_entities.update(e.id for e in used)
            report["documents"] += 1
            report["pages"] += len(document.pages)
            report["mentions"] += len(mentions)
            report["relations"] += len(own)
            _notify(progress, "copied", document.source, len(document.pages))
        for failure in source.failures():
            target.record_failure(failure)
            report["failures"] += 1
    report["entities"] = len(copied_entities)
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report
