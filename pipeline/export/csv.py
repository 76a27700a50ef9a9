"""CSV for spreadsheets: one table per record kind, flat columns, lists joined with "; ".

Text that came from documents can start with "=", "+", "-" or "@", which a spreadsheet runs
as a formula; such cells get a leading apostrophe (the usual defence against CSV injection).
Scripts that need the exact text should read the jsonl export instead.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any, TextIO

from pipeline.export import ExportError
from pipeline.export.corpus import Corpus, clean_text

COLUMNS: dict[str, tuple[str, ...]] = {
    "document": (
        "id",
        "source",
        "kind",
        "title",
        "date",
        "byline",
        "pages",
        "size",
        "warnings",
    ),
    "mention": (
        "id",
        "document",
        "page",
        "start",
        "end",
        "type",
        "text",
        "entity",
        "entity_name",
        "value",
        "sentence",
        "extractor",
        "score",
    ),
    "entity": (
        "id",
        "type",
        "name",
        "kind",
        "code",
        "address",
        "chains",
        "suspect",
        "value",
        "min",
        "max",
        "currency",
        "qualifier",
        "aliases",
        "members",
    ),
    "relation": (
        "id",
        "predicate",
        "subject",
        "subject_name",
        "subject_type",
        "object",
        "object_name",
        "object_type",
        "document",
        "page",
        "sentence",
        "count",
        "evidence",
        "attributes",
    ),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Columns that hold numbers: a leading minus there is a sign, not a formula.
_NUMERIC = {"pages", "size", "page", "start", "end", "score", "count", "value", "min", "max"}


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    text = clean_text(str(value))  # form feeds and strays from PDFs garble spreadsheets
    if column not in _NUMERIC and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _rows(corpus: Corpus, kind: str) -> Iterator[dict[str, Any]]:
    if kind == "document":
        for d in corpus.documents():
            yield {
                "id": d.id,
                "source": d.source,
                "kind": d.kind,
                "title": d.title,
                "date": d.date,
                "byline": d.byline,
                "pages": len(d.pages),
                "size": d.size,
                "warnings": list(d.warnings),
            }
    elif kind == "mention":
        for m in corpus.mentions():
            yield {
                "id": m.id,
                "document": m.document_id,
                "page": m.page,
                "start": m.start,
                "end": m.end,
                "type": m.type,
                "text": " ".join(m.text.split()),
                "entity": m.entity_id,
                "entity_name": corpus.name_of(m.entity_id) if m.entity_id else None,
                "value": m.value,
                "sentence": m.sentence,
                "extractor": m.extractor,
                "score": m.score,
            }
    elif kind == "entity":
        for e in corpus.sorted_entities():
            attrs = e.attributes
            yield {
                "id": e.id,
                "type": e.type,
                "name": e.name,
                "kind": attrs.get("kind") if e.type in ("actor", "casino") else None,
                **{k: attrs.get(k) for k in ("code", "address", "chains", "suspect")},
                **{k: attrs.get(k) for k in ("value", "min", "max", "currency", "qualifier")},
                "aliases": list(e.aliases),
                "members": corpus.members.get(e.id),
            }
    elif kind == "relation":
        for r in corpus.relations:
            subject, obj = corpus.entities.get(r.subject), corpus.entities.get(r.object)
            yield {
                "id": r.id,
                "predicate": r.predicate,
                "subject": r.subject,
                "subject_name": subject.name if subject else None,
                "subject_type": subject.type if subject else None,
                "object": r.object,
                "object_name": obj.name if obj else None,
                "object_type": obj.type if obj else None,
                "document": r.document_id,
                "page": r.page,
                "sentence": r.sentence,
                "count": r.count,
                "evidence": list(r.evidence),
                "attributes": r.attributes,
            }


def write(corpus: Corpus, out: TextIO, kind: str | None = None) -> Counter[str]:
    """Write one record kind as CSV with a header row."""
    if kind not in COLUMNS:
        raise ExportError(
            f"csv writes one record kind per file; pick one of {', '.join(COLUMNS)} with --type"
        )
    columns = COLUMNS[kind]
    # "\n" endings: the golden files stay readable in diffs; spreadsheets accept either.
    table = csv.writer(out, lineterminator="\n")
    table.writerow(columns)
    counts: Counter[str] = Counter()
    for row in _rows(corpus, kind):
        table.writerow([_cell(c, row.get(c)) for c in columns])
        counts[kind] += 1
    return counts
