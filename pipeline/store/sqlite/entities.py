"""SQLite queries over resolved entities: resolution tables, judgements, entity pages, graphs."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pipeline.extract.names import normalise
from pipeline.link.blocks import Runner, blocking_keys, wanted
from pipeline.link.corpus import Judgement, Resolution, relink
from pipeline.link.resolve import RESOLVED_TYPES, EntityRow
from pipeline.records import Entity

EVIDENCE_PER_RELATION = 5
# Blocks listed per query while resolution pages through them.
BLOCK_PAGE = 2000
# What an entity id or its prefix looks like: a type tag, a dash and hex digits.
ID_PREFIX = re.compile(r"[a-z]{2}-[0-9a-f]{2,}")


def group_relations(
    rows: Iterable[Mapping[str, Any]],
    canonical_id: str,
    briefs: Mapping[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Group relation rows (with `s`, `o` and `source`, in source and page order) by predicate,
    other end and direction, with evidence, as the embedded store does."""
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        outgoing = r["s"] == canonical_id
        other = r["o"] if outgoing else r["s"]
        key = (r["predicate"], other, "out" if outgoing else "in")
        item = grouped.setdefault(
            key,
            {
                "predicate": r["predicate"],
                "direction": key[2],
                "other": briefs[other],
                "count": 0,
                "evidence": [],
            },
        )
        item["count"] += r["count"]
        if len(item["evidence"]) < EVIDENCE_PER_RELATION:
            evidence = {
                "document": r["document_id"],
                "source": r["source"],
                "page": r["page"],
                "sentence": r["sentence"],
            }
            if r.get("attributes"):
                evidence["attributes"] = dict(r["attributes"])
            item["evidence"].append(evidence)
    return sorted(
        grouped.values(),
        key=lambda g: (g["predicate"] == "co_occurs", -g["count"], g["other"]["name"] or ""),
    )


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for at in range(0, len(items), size):
        yield items[at : at + size]


def _marks(items: list[str]) -> str:
    return ",".join("?" * len(items))


class EntityQueries:
    """Mixed into SqliteStore: everything that reads or writes resolved entities."""

    db: sqlite3.Connection

    # --- resolution ---------------------------------------------------------------------
    def _mark_unresolved(self) -> None:
        """Note that entities changed, so the next read re-links the corpus."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('resolved', '0')")

    def ensure_resolved(self, runner: Runner | None = None) -> None:
        """Re-link the corpus if documents or judgements changed since the last time."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'resolved'").fetchone()
        if row is not None and row[0] == "0":
            self._backfill_block_keys()
            relink(self, runner)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('resolved', '1')")

    # --- block keys ---------------------------------------------------------------------
    def store_block_keys(self, entity: Entity, created: bool) -> None:
        """Add the block keys an entity's names give it, from its stored name and kind (the
        first document's) and every alias stored so far: keys only ever grow, as aliases do."""
        if entity.type not in RESOLVED_TYPES:
            return
        name, kind = entity.name, entity.attributes.get("kind")
        if not created:
            stored = self.db.execute(
                "SELECT name, kind FROM entities WHERE id = ?", (entity.id,)
            ).fetchone()
            name, kind = stored[0], stored[1]
        keys = blocking_keys(entity.type, name, kind, (entity.name, *entity.aliases))
        self.db.executemany(
            "INSERT OR IGNORE INTO entity_blocks VALUES (?,?)", [(k, entity.id) for k in keys]
        )

    def _backfill_block_keys(self) -> None:
        """Give the entities of a store written before block keys existed their keys, once."""
        if self.db.execute("SELECT 1 FROM meta WHERE key = 'blocks'").fetchone():
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            aliases: dict[str, list[str]] = defaultdict(list)
            for r in self.db.execute("SELECT entity_id, alias FROM entity_aliases"):
                aliases[r[0]].append(r[1])
            marks = ",".join("?" * len(RESOLVED_TYPES))
            for r in self.db.execute(
                f"SELECT id, type, name, kind FROM entities WHERE type IN ({marks})",
                RESOLVED_TYPES,
            ).fetchall():
                keys = blocking_keys(r[1], r[2], r[3], aliases[r[0]])
                self.db.executemany(
                    "INSERT OR IGNORE INTO entity_blocks VALUES (?,?)", [(k, r[0]) for k in keys]
                )
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('blocks', '1')")
        except sqlite3.Error:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def resolution_blocks(self) -> Iterator[list[tuple[str, int]]]:
        """Yield pages of the blocks worth clustering, counted over entities with mentions.

        The primary key (key, entity_id) streams the GROUP BY in key order, so each page
        reads only its own keys."""
        after = ""
        while True:
            page = self.db.execute(
                "SELECT key, count(*) FROM entity_blocks b WHERE key > ? AND EXISTS "
                "(SELECT 1 FROM mentions m WHERE m.entity_id = b.entity_id) "
                "GROUP BY key ORDER BY key LIMIT ?",
                (after, BLOCK_PAGE),
            ).fetchall()
            if not page:
                return
            yield [(r[0], r[1]) for r in page if wanted(r[0], r[1], exact=True)]
            after = page[-1][0]

    def block_rows(self, keys: list[str]) -> dict[str, list[EntityRow]]:
        """Return the rows (entities with mentions) stored under each key."""
        members: dict[str, list[str]] = defaultdict(list)
        for part in _chunks(keys):
            for r in self.db.execute(
                f"SELECT key, entity_id FROM entity_blocks WHERE key IN ({_marks(part)})", part
            ):
                members[r[0]].append(r[1])
        rows = {r.id: r for r in self.rows_by_id(sorted({i for v in members.values() for i in v}))}
        return {k: [rows[i] for i in ids if i in rows] for k, ids in members.items()}

    def rows_by_id(self, ids: list[str]) -> list[EntityRow]:
        """Return the actor and casino entities among these ids that have mentions."""
        found: list[EntityRow] = []
        for part in _chunks(ids):
            found += self._entity_rows(f"AND e.id IN ({_marks(part)})", part)
        return found

    def entity_rows(self) -> list[EntityRow]:
        """Return every actor and casino entity with its aliases and mention count."""
        return self._entity_rows("", [])

    def _entity_rows(self, where: str, params: list[str]) -> list[EntityRow]:
        marks = ",".join("?" * len(RESOLVED_TYPES))
        rows = self.db.execute(
            "SELECT e.id, e.type, e.name, e.kind, count(m.id) AS n, "
            "max(m.key LIKE 'gz:%') AS gz FROM entities e JOIN mentions m ON m.entity_id = e.id "
            f"WHERE e.type IN ({marks}) {where} GROUP BY e.id",
            [*RESOLVED_TYPES, *params],
        ).fetchall()
        aliases: dict[str, list[str]] = defaultdict(list)
        if where:
            ids = [r["id"] for r in rows]
            for part in _chunks(ids):
                for a in self.db.execute(
                    "SELECT entity_id, alias FROM entity_aliases WHERE entity_id IN "
                    f"({_marks(part)})",
                    part,
                ):
                    aliases[a[0]].append(a[1])
        else:
            for a in self.db.execute("SELECT entity_id, alias FROM entity_aliases"):
                aliases[a[0]].append(a[1])
        return [
            EntityRow(
                r["id"],
                r["type"],
                r["name"],
                tuple(aliases[r["id"]]),
                r["kind"],
                r["n"],
                bool(r["gz"]),
            )
            for r in rows
        ]

    def judgements(self) -> list[Judgement]:
        """Return the analyst's judgements, oldest first."""
        return [
            Judgement(r["action"], r["subject"], tuple(json.loads(r["args"])))
            for r in self.db.execute("SELECT * FROM judgments ORDER BY seq")
        ]

    def add_judgement(self, judgement: Judgement) -> None:
        """Record an analyst's judgement; it is never touched by re-ingestion."""
        self._mark_unresolved()
        self.db.execute(
            "INSERT INTO judgments (action, subject, args, time) VALUES (?,?,?,?)",
            (
                judgement.action,
                judgement.subject,
                json.dumps(list(judgement.args)),
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )

    def mention_texts(self, entity_ids: list[str]) -> list[tuple[str, str, str]]:
        """Return (mention id, entity id, text) for the mentions of these entities."""
        found: list[tuple[str, str, str]] = []
        for part in _chunks(entity_ids):
            found += [
                (r[0], r[1], r[2])
                for r in self.db.execute(
                    f"SELECT id, entity_id, text FROM mentions WHERE entity_id IN ({_marks(part)})",
                    part,
                )
            ]
        return found

    def write_resolution(self, resolution: Resolution) -> None:
        """Replace the derived resolution tables in one transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for table in ("entity_canon", "mention_canon", "entity_names"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.executemany(
                "INSERT INTO entity_canon VALUES (?,?)",
                [(k, v) for k, v in resolution.canonical.items() if k != v],
            )
            self.db.executemany(
                "INSERT INTO mention_canon VALUES (?,?)", list(resolution.mentions.items())
            )
            self.db.executemany(
                "INSERT INTO entity_names VALUES (?,?)", list(resolution.names.items())
            )
        except sqlite3.Error:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- lookups ------------------------------------------------------------------------
    def canonical_of(self, entity_id: str) -> str:
        """Return the canonical id of an entity id (itself when unresolved)."""
        row = self.db.execute(
            "SELECT canonical_id FROM entity_canon WHERE entity_id = ?", (entity_id,)
        ).fetchone()
        return row[0] if row else entity_id

    def find_entities(self, name_or_id: str) -> list[str]:
        """Return canonical ids an id, a name or an alias points to, most mentioned first."""
        self.ensure_resolved()
        text = name_or_id.strip()
        for column in ("canonical_id", "entity_id"):
            direct = self.db.execute(
                f"SELECT DISTINCT canonical_id FROM resolved_mentions WHERE {column} = ? "
                "AND id NOT IN (SELECT mention_id FROM mention_canon)",
                (text,),
            ).fetchall()
            if direct:
                return [r[0] for r in direct]
        norm = normalise(text)
        # Tiers, first answer wins: a name an analyst gave, an alias a split moved out, then
        # stored aliases and wallet keys of mentions that stayed where linking put them.
        tiers = (
            ("SELECT canonical_id, 1 FROM entity_names WHERE lower(name) = ?", (text.lower(),)),
            (
                "SELECT mc.canonical_id, count(*) FROM mention_canon mc JOIN mentions m "
                "ON m.id = mc.mention_id WHERE lower(m.text) = ? GROUP BY mc.canonical_id",
                (text.lower(),),
            ),
            (
                "SELECT canonical_id, count(*) AS n FROM resolved_mentions rm WHERE "
                "(rm.entity_id IN (SELECT entity_id FROM entity_aliases WHERE norm = ?) "
                " AND rm.id NOT IN (SELECT mention_id FROM mention_canon)) OR lower(rm.key) = ? "
                "GROUP BY canonical_id ORDER BY n DESC",
                (norm, text.lower()),
            ),
        )
        rows: list[Any] = []
        for sql, params in tiers:
            rows = self.db.execute(sql, params).fetchall()
            if rows:
                break
        if not rows and ID_PREFIX.fullmatch(text.lower()):
            # An id prefix, as tables and search results show ids: every entity it starts.
            starts = [
                r[0]
                for r in self.db.execute(
                    "SELECT id FROM entities WHERE id LIKE ? ORDER BY id LIMIT 50",
                    (text.lower() + "%",),
                )
            ]
            canonical = dict.fromkeys(self.canonical_of(i) for i in starts)
            return [c for c in canonical if self._has_mentions(c)]
        return [r[0] for r in rows]

    def _has_mentions(self, canonical_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM resolved_mentions WHERE canonical_id = ? LIMIT 1", (canonical_id,)
        ).fetchone()
        return row is not None

    def entity_page(self, canonical_id: str) -> dict[str, Any] | None:
        """Return one resolved entity: names, documents with pages, relations with evidence."""
        self.ensure_resolved()
        mentions = self.db.execute(
            "SELECT rm.entity_id, rm.type, rm.text, rm.document_id, rm.page, d.source "
            "FROM resolved_mentions rm JOIN documents d ON d.id = rm.document_id "
            "WHERE rm.canonical_id = ? ORDER BY d.source, rm.page",
            (canonical_id,),
        ).fetchall()
        if not mentions:
            return None
        head = self.db.execute("SELECT * FROM entities WHERE id = ?", (canonical_id,)).fetchone()
        renamed = self.db.execute(
            "SELECT name FROM entity_names WHERE canonical_id = ?", (canonical_id,)
        ).fetchone()
        texts = sorted({" ".join(m["text"].split()) for m in mentions})
        name = renamed[0] if renamed else head["name"] if head else max(texts, key=len)
        members = sorted({m["entity_id"] for m in mentions if m["entity_id"]})
        stored = {
            r[0]
            for r in self.db.execute(
                f"SELECT alias FROM entity_aliases WHERE entity_id IN "
                f"({','.join('?' * len(members))})",
                members,
            )
        }
        moved = {
            normalise(r[0])
            for r in self.db.execute(
                "SELECT m.text FROM mention_canon mc JOIN mentions m ON m.id = mc.mention_id "
                "WHERE mc.canonical_id != ?",
                (canonical_id,),
            )
        }
        aliases = sorted(a for a in (stored | set(texts)) - {name} if normalise(a) not in moved)
        documents: dict[str, dict[str, Any]] = {}
        for m in mentions:
            doc = documents.setdefault(
                m["document_id"], {"id": m["document_id"], "source": m["source"], "pages": set()}
            )
            doc["pages"].add(m["page"])
        attributes = json.loads(head["attributes"]) if head else {}
        return {
            "id": canonical_id,
            "type": mentions[0]["type"],
            "name": name,
            "kind": (head["kind"] if head else None) or attributes.get("kind"),
            "aliases": aliases,
            "members": members,
            "attributes": attributes,
            "mentions": len(mentions),
            "documents": [{**d, "pages": sorted(d["pages"])} for d in documents.values()],
            "relations": self.entity_relations(canonical_id),
        }

    def entity_relations(self, canonical_id: str) -> list[dict[str, Any]]:
        """Return the entity's relations, grouped by predicate and other end, with evidence."""
        rows = self.db.execute(
            "SELECT r.*, d.source, "
            "COALESCE(ms.canonical_id, cs.canonical_id, r.subject) AS s, "
            "COALESCE(mo.canonical_id, co.canonical_id, r.object) AS o "
            "FROM relations r JOIN documents d ON d.id = r.document_id "
            "LEFT JOIN entity_canon cs ON cs.entity_id = r.subject "
            "LEFT JOIN entity_canon co ON co.entity_id = r.object "
            "LEFT JOIN mention_canon ms ON ms.mention_id = json_extract(r.evidence, '$[0]') "
            "LEFT JOIN mention_canon mo ON mo.mention_id = json_extract(r.evidence, '$[1]') "
            "WHERE COALESCE(ms.canonical_id, cs.canonical_id, r.subject) = ? "
            "OR COALESCE(mo.canonical_id, co.canonical_id, r.object) = ? ORDER BY d.source, r.page",
            (canonical_id, canonical_id),
        ).fetchall()
        found = [{**dict(r), "attributes": json.loads(r["attributes"])} for r in rows]
        others = {r["o"] if r["s"] == canonical_id else r["s"] for r in found}
        return group_relations(found, canonical_id, {o: self.brief(o) for o in others})

    def brief(self, canonical_id: str) -> dict[str, Any]:
        """Return the id, name and type of a resolved entity."""
        renamed = self.db.execute(
            "SELECT name FROM entity_names WHERE canonical_id = ?", (canonical_id,)
        ).fetchone()
        row = self.db.execute(
            "SELECT name, type FROM entities WHERE id = ?", (canonical_id,)
        ).fetchone()
        name = renamed[0] if renamed else row["name"] if row else None
        return {"id": canonical_id, "name": name, "type": row["type"] if row else None}

    def neighbours(self, canonical_ids: set[str]) -> list[tuple[str, str, str, int]]:
        """Return (subject, predicate, object, count) of relations touching these entities."""
        self.ensure_resolved()
        if not canonical_ids:
            return []
        marks = ",".join("?" * len(canonical_ids))
        ids = list(canonical_ids)
        return [
            (r[0], r[1], r[2], r[3])
            for r in self.db.execute(
                "SELECT COALESCE(ms.canonical_id, cs.canonical_id, r.subject) AS s, r.predicate, "
                "COALESCE(mo.canonical_id, co.canonical_id, r.object) AS o, sum(r.count) "
                "FROM relations r "
                "LEFT JOIN entity_canon cs ON cs.entity_id = r.subject "
                "LEFT JOIN entity_canon co ON co.entity_id = r.object "
                "LEFT JOIN mention_canon ms ON ms.mention_id = json_extract(r.evidence, '$[0]') "
                "LEFT JOIN mention_canon mo ON mo.mention_id = json_extract(r.evidence, '$[1]') "
                f"WHERE s IN ({marks}) OR o IN ({marks}) GROUP BY s, r.predicate, o",
                ids + ids,
            )
        ]
