"""The embedded store: one SQLite file with an FTS5 index over page text."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import StoreError
from pipeline.extract.names import normalise
from pipeline.records import Document, Entity, Failure, Mention, Relation
from pipeline.store.base import text_and_pages
from pipeline.store.furniture import with_furniture
from pipeline.store.sqlite.search import SearchQueries

SCHEMA_VERSION = "1"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteStore(SearchQueries):
    """Store records in one SQLite file; each document is written in one transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(
                f"store path {self.path} is a directory; give a file path with --store"
            )
        if not self.path.parent.exists():
            raise StoreError(
                f"store folder {self.path.parent} does not exist; create it or pick "
                "another --store path"
            )
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            schema = resources.files("pipeline.store.sqlite").joinpath("schema.sql").read_text()
            self.db.executescript(schema)
            self.db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
            # A store that starts empty keys every entity as it is written: nothing to backfill.
            self.db.execute(
                "INSERT OR IGNORE INTO meta SELECT 'blocks', '1' "
                "WHERE NOT EXISTS (SELECT 1 FROM entities)"
            )
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"cannot use {self.path} as a moneytrail store ({exc}); pick another --store path"
            ) from exc

    # --- writes -------------------------------------------------------------------------
    def upsert_document(
        self,
        document: Document,
        mentions: list[Mention],
        entities: list[Entity],
        relations: list[Relation] | None = None,
    ) -> None:
        """Store a document with its pages, mentions, entities and relations, replacing any
        older copy."""
        kept = [e for e in entities if not e.attributes.get("suspect")]
        kept_ids = {e.id for e in kept}
        try:
            with self._transaction():
                self.db.execute("DELETE FROM pages WHERE document_id = ?", (document.id,))
                self.db.execute("DELETE FROM mentions WHERE document_id = ?", (document.id,))
                self.db.execute("DELETE FROM page_furniture WHERE document_id = ?", (document.id,))
                self.db.execute(
                    "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE "
                    "SET kind=excluded.kind, title=excluded.title, date=excluded.date, "
                    "byline=excluded.byline, page_count=excluded.page_count, "
                    "warnings=excluded.warnings",
                    (
                        document.id,
                        document.source,
                        document.kind,
                        document.title,
                        document.date,
                        document.byline,
                        document.size,
                        len(document.pages),
                        json.dumps(list(document.warnings)),
                        _now(),
                    ),
                )
                self.db.execute(
                    "INSERT OR IGNORE INTO document_sources VALUES (?, ?)",
                    (document.id, document.source),
                )
                self.db.executemany(
                    'INSERT INTO pages (document_id, number, start, "end", has_text, ocr, text) '
                    "VALUES (?,?,?,?,?,?,?)",
                    [
                        (
                            document.id,
                            p.number,
                            p.start,
                            p.end,
                            int(p.has_text),
                            int(p.ocr),
                            document.page_text(p),
                        )
                        for p in document.pages
                    ],
                )
                self.db.executemany(
                    "INSERT INTO page_furniture VALUES (?,?,?,?,?)",
                    [(document.id, p.number, *f) for p in document.pages for f in p.furniture],
                )
                for entity in kept:
                    self._upsert_entity(entity)
                self.db.executemany(
                    "INSERT OR REPLACE INTO mentions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            m.id,
                            m.document_id,
                            m.entity_id if m.entity_id in kept_ids else None,
                            m.page,
                            m.start,
                            m.end,
                            m.type,
                            m.text,
                            m.key,
                            json.dumps(m.value, sort_keys=True),
                            m.sentence,
                            m.extractor,
                            m.score,
                        )
                        for m in mentions
                    ],
                )
                self.db.execute("DELETE FROM relations WHERE document_id = ?", (document.id,))
                self.db.executemany(
                    "INSERT OR REPLACE INTO relations VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            r.id,
                            r.subject,
                            r.predicate,
                            r.object,
                            r.document_id or document.id,
                            r.page,
                            r.sentence,
                            json.dumps(list(r.evidence)),
                            r.count,
                            json.dumps(r.attributes, sort_keys=True),
                        )
                        for r in relations or ()
                    ],
                )
                self.db.execute("DELETE FROM failures WHERE source = ?", (document.source,))
                self._mark_unresolved()
        except sqlite3.Error as exc:
            raise StoreError(f"could not write {document.source} to {self.path} ({exc})") from exc

    def _upsert_entity(self, entity: Entity) -> None:
        created = self.db.execute(
            "INSERT INTO entities VALUES (?,?,?,?,?) ON CONFLICT(id) DO NOTHING",
            (
                entity.id,
                entity.type,
                entity.name,
                entity.attributes.get("kind"),
                json.dumps(entity.attributes, sort_keys=True),
            ),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO entity_aliases VALUES (?,?,?)",
            [(entity.id, alias, normalise(alias)) for alias in (entity.name, *entity.aliases)],
        )
        self.store_block_keys(entity, created.rowcount == 1)

    def _transaction(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return _Commit(self.db)  # type: ignore[return-value]

    def add_source(self, document_id: str, source: str) -> None:
        """Record another name under which a stored document was found."""
        self.db.execute(
            "INSERT OR IGNORE INTO document_sources VALUES (?, ?)", (document_id, source)
        )
        self.db.execute("DELETE FROM failures WHERE source = ?", (source,))

    def has_document(self, document_id: str) -> bool:
        """Say whether a document is stored."""
        row = self.db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row is not None

    def record_failure(self, failure: Failure) -> None:
        """Remember a failed input, replacing an older failure of the same source."""
        self.db.execute(
            "INSERT OR REPLACE INTO failures VALUES (?,?,?,?,?,?)",
            (
                failure.source,
                failure.stage,
                failure.error,
                failure.message,
                failure.time or _now(),
                failure.document_id,
            ),
        )

    def clear_failure(self, source: str) -> None:
        """Forget the failure of a source that has now been ingested."""
        self.db.execute("DELETE FROM failures WHERE source = ?", (source,))

    def failures(self) -> list[Failure]:
        """Return the recorded failures, newest first."""
        rows = self.db.execute("SELECT * FROM failures ORDER BY time DESC, source").fetchall()
        return [
            Failure(r["source"], r["stage"], r["error"], r["message"], r["time"], r["document_id"])
            for r in rows
        ]

    # --- reads --------------------------------------------------------------------------
    def document(self, document_id: str) -> dict[str, Any] | None:
        """Return a stored document's metadata, pages and entities (id or unique id prefix)."""
        self.ensure_resolved()
        rows = self.db.execute(
            "SELECT * FROM documents WHERE id LIKE ? LIMIT 2", (document_id + "%",)
        ).fetchall()
        if len(rows) != 1:
            return None
        doc = dict(rows[0])
        doc["warnings"] = json.loads(doc["warnings"])
        doc["sources"] = [
            r[0]
            for r in self.db.execute(
                "SELECT source FROM document_sources WHERE document_id = ?", (doc["id"],)
            )
        ]
        doc["pages"] = [
            dict(r)
            for r in self.db.execute(
                'SELECT number, start, "end", has_text, ocr, length(text) AS chars FROM pages '
                "WHERE document_id = ? ORDER BY number",
                (doc["id"],),
            )
        ]
        doc["entities"] = []
        for r in self.db.execute(
            "SELECT rm.canonical_id AS cid, rm.type, count(*) AS n, group_concat(rm.page) AS pages "
            "FROM resolved_mentions rm WHERE rm.document_id = ? AND rm.canonical_id IS NOT NULL "
            "GROUP BY rm.canonical_id ORDER BY rm.type, n DESC",
            (doc["id"],),
        ):
            brief = self.brief(r["cid"])
            head = self.db.execute("SELECT kind FROM entities WHERE id = ?", (r["cid"],)).fetchone()
            doc["entities"].append(
                {
                    "id": r["cid"],
                    "type": r["type"],
                    "name": brief["name"],
                    "kind": head["kind"] if head else None,
                    "mentions": r["n"],
                    "pages": sorted({int(p) for p in r["pages"].split(",")}),
                }
            )
        return doc

    def document_list(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Return stored documents (id, title, date, pages, source, kind) in source order."""
        return [
            dict(r)
            for r in self.db.execute(
                "SELECT id, title, date, page_count AS pages, source, kind FROM documents "
                "ORDER BY source, id LIMIT ? OFFSET ?",
                (limit, offset),
            )
        ]

    def find_documents(self, ref: str) -> list[dict[str, Any]]:
        """Return the documents a reference names: an id or id prefix, or a source path under
        which the document was ingested (as typed, or the same file by another path)."""
        ref = ref.strip()
        if not ref:
            return []
        columns = "SELECT id, title, date, page_count AS pages, source, kind FROM documents"
        by_id = self.db.execute(
            f"{columns} WHERE id LIKE ? ORDER BY id LIMIT 50", (ref.lower() + "%",)
        ).fetchall()
        if by_id:
            return [dict(r) for r in by_id]
        name = Path(ref).name
        wanted = Path(ref).expanduser().resolve()
        found = []
        for r in self.db.execute(
            f"{columns} WHERE id IN (SELECT document_id FROM document_sources "
            "WHERE source = ? OR source LIKE ?) ORDER BY source",
            (ref, f"%{name}"),
        ):
            sources = [
                row[0]
                for row in self.db.execute(
                    "SELECT source FROM document_sources WHERE document_id = ?", (r["id"],)
                )
            ]
            if any(s == ref or Path(s).expanduser().resolve() == wanted for s in sources):
                found.append(dict(r))
        return found

    def page_text(self, document_id: str, number: int) -> str | None:
        """Return the text of one page of a stored document, or None."""
        row = self.db.execute(
            "SELECT text FROM pages WHERE document_id = ? AND number = ?", (document_id, number)
        ).fetchone()
        return None if row is None else str(row[0])

    def entities(self, type_: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Return resolved entities that have mentions, most mentioned first."""
        self.ensure_resolved()
        where, params = ("AND rm.type = ?", [type_]) if type_ else ("", [])
        rows = self.db.execute(
            "SELECT rm.canonical_id AS cid, rm.type, count(*) AS mentions, "
            "count(DISTINCT rm.document_id) AS documents, e.name, e.kind, e.attributes, "
            "n.name AS renamed FROM resolved_mentions rm "
            "LEFT JOIN entities e ON e.id = rm.canonical_id "
            "LEFT JOIN entity_names n ON n.canonical_id = rm.canonical_id "
            f"WHERE rm.canonical_id IS NOT NULL {where} GROUP BY rm.canonical_id "
            "ORDER BY mentions DESC, e.name LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [
            {
                "id": r["cid"],
                "type": r["type"],
                "name": r["renamed"] or r["name"],
                "kind": r["kind"],
                "attributes": json.loads(r["attributes"] or "{}"),
                "mentions": r["mentions"],
                "documents": r["documents"],
            }
            for r in rows
        ]

    def stats(self) -> dict[str, Any]:
        """Return counts of documents, pages, mentions and entities per type."""
        self.ensure_resolved()
        one = self.db.execute
        per_type: dict[str, dict[str, int]] = {}
        for r in one(
            "SELECT type, count(*) AS n, count(DISTINCT canonical_id) AS e FROM resolved_mentions "
            "GROUP BY type ORDER BY type"
        ):
            per_type[r["type"]] = {"mentions": r["n"], "entities": r["e"]}
        return {
            "documents": one("SELECT count(*) FROM documents").fetchone()[0],
            "pages": one("SELECT count(*) FROM pages").fetchone()[0],
            "pages_without_text": one("SELECT count(*) FROM pages WHERE has_text = 0").fetchone()[
                0
            ],
            "mentions": one("SELECT count(*) FROM mentions").fetchone()[0],
            "entities": one(
                "SELECT count(DISTINCT canonical_id) FROM resolved_mentions"
            ).fetchone()[0],
            "failures": one("SELECT count(*) FROM failures").fetchone()[0],
            "by_type": per_type,
        }

    # --- whole-corpus reads (exports, migration, embeddings) -----------------------------
    def iter_documents(self) -> Iterator[Document]:
        """Yield every stored document with its text and pages, in id order."""
        for row in self.db.execute("SELECT * FROM documents ORDER BY id").fetchall():
            pages = self.db.execute(
                'SELECT number, start, "end", has_text, ocr, text FROM pages '
                "WHERE document_id = ? ORDER BY number",
                (row["id"],),
            ).fetchall()
            text, rebuilt = text_and_pages(pages)
            rebuilt = with_furniture(self.db, row["id"], rebuilt)
            yield Document(
                id=row["id"],
                source=row["source"],
                kind=row["kind"],
                text=text,
                pages=rebuilt,
                title=row["title"],
                date=row["date"],
                byline=row["byline"],
                size=row["size"],
                warnings=tuple(json.loads(row["warnings"])),
            )

    def iter_mentions(self, document_id: str | None = None) -> Iterator[Mention]:
        """Yield stored mentions, of one document or all, in document and text order."""
        where, params = ("WHERE document_id = ?", (document_id,)) if document_id else ("", ())
        for r in self.db.execute(
            f'SELECT * FROM mentions {where} ORDER BY document_id, start, "end"', params
        ):
            yield Mention(
                r["id"],
                r["document_id"],
                r["page"],
                r["start"],
                r["end"],
                r["type"],
                r["text"],
                json.loads(r["value"]),
                r["key"],
                r["sentence"],
                r["extractor"],
                r["score"],
                r["entity_id"],
            )

    def iter_entities(self) -> Iterator[Entity]:
        """Yield every entity that has mentions, with its aliases."""
        aliases: dict[str, list[str]] = {}
        for r in self.db.execute("SELECT entity_id, alias FROM entity_aliases ORDER BY alias"):
            aliases.setdefault(r[0], []).append(r[1])
        for r in self.db.execute(
            "SELECT * FROM entities WHERE id IN (SELECT DISTINCT entity_id FROM mentions) "
            "ORDER BY id"
        ):
            names = [a for a in aliases.get(r["id"], []) if a != r["name"]]
            yield Entity(r["id"], r["type"], r["name"], tuple(names), json.loads(r["attributes"]))

    def iter_relations(self) -> Iterator[Relation]:
        """Yield every stored relation, one per stating sentence."""
        for r in self.db.execute("SELECT * FROM relations ORDER BY document_id, id"):
            yield Relation(
                r["id"],
                r["subject"],
                r["predicate"],
                r["object"],
                tuple(json.loads(r["evidence"])),
                r["document_id"],
                r["page"],
                r["sentence"],
                r["count"],
                json.loads(r["attributes"]),
            )

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()


class _Commit:
    """Commit on success, roll back on any error: one document is all or nothing."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
