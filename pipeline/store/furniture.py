"""Keep page furniture out of the embedded store's full-text snippets.

Page text is stored whole, furniture included, so offsets hold; the spans that are furniture
sit in `page_furniture`. A hit on a page with furniture is snippeted again from the page
with those spans blanked, in a temporary FTS table with the same tokenizer. A page that
matches only inside its furniture (a word of the running header) is not a hit.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import replace

from pipeline.parse.furniture import masked
from pipeline.records import Page
from pipeline.store.base import Hit

_TOKENIZE = "porter unicode61 remove_diacritics 2"


def page_spans(
    db: sqlite3.Connection, pages: list[tuple[str, int]]
) -> dict[tuple[str, int], tuple[tuple[int, int, str], ...]]:
    """Return the stored furniture spans of each (document, page) that has some."""
    found: dict[tuple[str, int], list[tuple[int, int, str]]] = defaultdict(list)
    for document_id, number in set(pages):
        for row in db.execute(
            'SELECT start, "end", kind FROM page_furniture WHERE document_id = ? AND page = ? '
            "ORDER BY start",
            (document_id, number),
        ):
            found[(document_id, number)].append((row[0], row[1], row[2]))
    return {key: tuple(spans) for key, spans in found.items()}


def with_furniture(
    db: sqlite3.Connection, document_id: str, pages: tuple[Page, ...]
) -> tuple[Page, ...]:
    """Return rebuilt pages with their stored furniture spans."""
    spans = page_spans(db, [(document_id, p.number) for p in pages])
    return tuple(replace(p, furniture=spans.get((document_id, p.number), ())) for p in pages)


def body_snippets(db: sqlite3.Connection, hits: list[Hit], match: str) -> list[Hit]:
    """Return the text hits with snippets taken from outside the page furniture."""
    spans = page_spans(db, [(h.document_id, h.page) for h in hits])
    if not spans:
        return hits
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.body_fts USING fts5(text, tokenize='{_TOKENIZE}')"
    )
    db.execute("DELETE FROM temp.body_fts")
    for i, hit in enumerate(hits):
        key = (hit.document_id, hit.page)
        if key not in spans:
            continue
        row = db.execute(
            "SELECT start, text FROM pages WHERE document_id = ? AND number = ?", key
        ).fetchone()
        if row is not None:
            db.execute(
                "INSERT INTO temp.body_fts (rowid, text) VALUES (?, ?)",
                (i, masked(row[1], row[0], spans[key])),
            )
    snippets = {
        r[0]: " ".join(r[1].split())
        for r in db.execute(
            "SELECT rowid, snippet(body_fts, 0, '<mark>', '</mark>', '…', 20) FROM temp.body_fts "
            "WHERE body_fts MATCH ?",
            (match,),
        )
    }
    db.execute("DELETE FROM temp.body_fts")
    out = []
    for i, hit in enumerate(hits):
        if (hit.document_id, hit.page) not in spans:
            out.append(hit)
        elif i in snippets:
            out.append(replace(hit, snippet=snippets[i]))
    return out
