"""Ranked search and facets on the embedded store: BM25 over pages, entity pages, facets.

Rankings come from term postings kept in memory (topk.py), not from FTS5 ranking on every
query; facets count mentions on the best FACET_DEPTH pages from one covering index (as an
Elasticsearch `sampler` aggregation counts a sample).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from pipeline.errors import QueryError, StoreError
from pipeline.extract.geo import country_name
from pipeline.extract.names import normalise
from pipeline.onchain.keys import chain_name
from pipeline.store.base import Hit, SearchResult
from pipeline.store.furniture import body_snippets
from pipeline.store.ranking import (
    exact_parts,
    fts5_phrase,
    fts5_terms,
    has_syntax,
    merge_ranked,
    ranked_query,
)
from pipeline.store.sqlite import topk
from pipeline.store.sqlite.entities import EntityQueries

# How many of a query's best pages the facets count.
FACET_DEPTH = 500
FACET_KINDS = ("actor", "casino", "country", "chain")


def _highlight(sentence: str, text: str) -> str:
    flat = " ".join(text.split())
    at = sentence.find(flat)
    if at < 0:
        return sentence
    return f"{sentence[:at]}<mark>{flat}</mark>{sentence[at + len(flat) :]}"


def page_filter(
    country: str | None, chain: str | None, document: str, page: str
) -> tuple[str, list[Any]]:
    """Return SQL conditions (each starting with AND) keeping pages, named by their document
    and page columns, that mention the country and a wallet of the chain."""
    sql = ""
    params: list[Any] = []
    if country:
        sql += (
            " AND EXISTS (SELECT 1 FROM mentions fm WHERE fm.document_id = "
            f"{document} AND fm.page = {page} AND fm.type = 'country' "
            "AND json_extract(fm.value, '$.code') = ?)"
        )
        params.append(country.strip().upper())
    if chain:
        sql += (
            " AND EXISTS (SELECT 1 FROM mentions fw, json_each(fw.value, '$.chains') fc "
            f"WHERE fw.document_id = {document} AND fw.page = {page} AND fw.type = 'wallet' "
            "AND NOT COALESCE(json_extract(fw.value, '$.suspect'), 0) AND fc.value = ?)"
        )
        params.append(chain_name(chain))
    return sql, params


def _plan(query: str) -> tuple[topk.Query, str, bool] | None:
    """Return how a query is ranked, the FTS5 query its snippets mark, and whether it is
    search syntax (None: nothing to search).

    Syntax ranks the pages it matches by the BM25 of its phrases; a plain query ranks every
    page holding any of its words, with its phrase's score on top.
    """
    if has_syntax(query):
        match, phrases = exact_parts(query)
        return (topk.Query(phrases, None, within=match), match, True) if match else None
    ranked = ranked_query(query)
    if ranked is None:
        return None
    words = tuple(f'"{t}"' for t in ranked.terms)
    return topk.Query(words, fts5_phrase(ranked)), fts5_terms(ranked), False


class SearchQueries(EntityQueries):
    """Mixed into SqliteStore: ranked full text, entity pages and facets."""

    path: Path

    def search(
        self,
        query: str,
        type_: str | None = None,
        limit: int = 10,
        offset: int = 0,
        country: str | None = None,
        chain: str | None = None,
    ) -> SearchResult:
        """Search page text (BM25) and entity names; with a type, only mentions of that type;
        with a country or chain, only pages that mention that country or a wallet of that
        chain."""
        self.ensure_resolved()
        want = limit + offset
        text: list[Hit] = []
        full: set[tuple[str, int]] = set()
        if type_ is None:
            text, full = self._text_hits(query, want, country, chain)
        canon, members = self._named(query)
        entity: list[Hit] = []
        if members:
            pages = [(h.document_id, h.page) for h in text]
            if type_ is not None or len(full) < want:
                # Pages that name the entity only otherwise rank below every page holding all
                # the query's words: list them only when those do not fill the page of hits.
                named = self._entity_pages(members, type_, want + len(text), country, chain)
                pages = list(dict.fromkeys([*pages, *named]))
            entity = self._entity_hits(query, type_, canon, pages)
        return merge_ranked(query, type_, text, full, entity, limit, offset)

    # --- full text ----------------------------------------------------------------------
    def _fts(self, sql: str, params: list[Any]) -> list[sqlite3.Row]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise self._search_error(exc) from exc

    def _search_error(self, exc: sqlite3.OperationalError) -> StoreError:
        """Return the error to raise: the query's syntax (QueryError) or the store."""
        if "fts5" not in str(exc) and "syntax" not in str(exc):
            return StoreError(f"cannot search {self.path} ({exc})")
        return QueryError(
            f"the query cannot be searched ({exc}); quote words that are not meant as "
            'syntax, such as "AND" or "("'
        )

    def _within(self, match: str, rowids: list[int]) -> list[sqlite3.Row]:
        """Return rowid, page details and snippet of the given pages for an FTS5 query."""
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        return self._fts(
            # No rank here: asked about a list of pages, FTS5's bm25() recounts the whole table
            # once per page.
            "SELECT pages_fts.rowid AS rowid, p.document_id, "
            "d.source, d.title, p.number, p.ocr, "
            "snippet(pages_fts, 0, '<mark>', '</mark>', '…', 20) AS snip FROM pages_fts "
            "JOIN pages p ON p.rowid = pages_fts.rowid JOIN documents d ON d.id = p.document_id "
            f"WHERE pages_fts MATCH ? AND pages_fts.rowid IN ({marks})",
            [match, *rowids],
        )

    def _text_hits(
        self, query: str, depth: int, country: str | None, chain: str | None
    ) -> tuple[list[Hit], set[tuple[str, int]]]:
        """Return the best text hits and the pages among them holding every query word."""
        planned = _plan(query)
        if planned is None:
            return [], set()
        ranked, match, syntax = planned
        ranking = self._ranking(ranked, depth, country, chain)
        rows = {r["rowid"]: r for r in self._within(match, [r for r, _ in ranking.pages])}
        scored = [(rows[rowid], score) for rowid, score in ranking.pages if rowid in rows]
        # Snippets come from outside running headers and footers (pipeline/parse/furniture).
        hits = body_snippets(self.db, [self._hit(r, score) for r, score in scored], match)
        kept = {(h.document_id, h.page) for h in hits}
        # A page matching search syntax matches all of it; a plain query's page may hold only
        # some of its words.
        full = {
            (r["document_id"], r["number"])
            for r, _ in scored
            if syntax or r["rowid"] in ranking.every
        }
        return hits, full & kept

    def _ranking(
        self, query: topk.Query, depth: int, country: str | None, chain: str | None
    ) -> topk.Ranking:
        """Return the best pages for a query (pipeline/store/sqlite/topk.py): BM25 with
        Lucene's IDF over its terms, and a phrase's own score on top."""
        stats = topk.table(self.db, str(self.path))
        where, params = page_filter(country, chain, "p.document_id", "p.number")

        def keep(rowids: list[int]) -> set[int]:
            marks = ",".join("?" * len(rowids))
            sql = f"SELECT p.rowid FROM pages p WHERE p.rowid IN ({marks}){where}"
            return {r[0] for r in self.db.execute(sql, [*rowids, *params])}

        try:
            return topk.rank(self.db, stats, query, depth, keep if where else None)
        except sqlite3.OperationalError as exc:
            raise self._search_error(exc) from exc

    @staticmethod
    def _hit(r: sqlite3.Row, score: float) -> Hit:
        return Hit(
            r["document_id"],
            r["source"],
            r["title"],
            r["number"],
            " ".join(r["snip"].split()),
            score,
            "text",
            ocr=bool(r["ocr"]),
        )

    # --- entity pages -------------------------------------------------------------------
    def _named(self, query: str) -> tuple[list[str], list[str]]:
        """Return the canonical ids the query names (an alias, a wallet address or a name an
        analyst gave) and the entity ids whose mentions they gather."""
        norm = normalise(query)
        if not norm:
            return [], []
        typed = query.strip()
        found = [
            r[0]
            for r in self.db.execute(
                "SELECT entity_id FROM entity_aliases WHERE norm IN (?, ?) UNION "
                "SELECT entity_id FROM mentions WHERE type = 'wallet' AND key IN (?, ?) "
                "AND entity_id IS NOT NULL",
                (norm, norm.replace(" ", ""), typed, typed.lower()),
            )
        ]
        marks = ",".join("?" * len(found))
        moved = self._canonical(found)
        canon = {moved.get(entity_id, entity_id) for entity_id in found}
        if found:
            canon |= {
                r[0]
                for r in self.db.execute(
                    # The few moved mentions outer: an entity can have many thousands.
                    "SELECT mc.canonical_id FROM mention_canon mc CROSS JOIN mentions m "
                    f"ON m.id = mc.mention_id WHERE m.entity_id IN ({marks})",
                    found,
                )
            }
        canon |= {
            r[0]
            for r in self.db.execute(
                "SELECT canonical_id FROM entity_names WHERE lower(name) = ?", (typed.lower(),)
            )
        }
        if not canon:
            return [], []
        ids = sorted(canon)
        marks = ",".join("?" * len(ids))
        members = {
            r[0]
            for r in self.db.execute(
                f"SELECT entity_id FROM entity_canon WHERE canonical_id IN ({marks})", ids
            )
        }
        members |= {
            r[0]
            for r in self.db.execute(
                "SELECT m.entity_id FROM mention_canon mc JOIN mentions m ON m.id = mc.mention_id "
                f"WHERE mc.canonical_id IN ({marks}) AND m.entity_id IS NOT NULL",
                ids,
            )
        }
        return ids, sorted(members | set(ids))

    def _entity_pages(
        self,
        members: list[str],
        type_: str | None,
        depth: int,
        country: str | None = None,
        chain: str | None = None,
    ) -> list[tuple[str, int]]:
        """Return up to depth (document, page) pairs that mention these entities, in document
        id and page order (the index gives them without reading every mention)."""
        where = f"m.entity_id IN ({','.join('?' * len(members))})"
        params: list[Any] = list(members)
        if type_ is not None:
            where += " AND m.type = ?"
            params.append(type_)
        filters, extra = page_filter(country, chain, "m.document_id", "m.page")
        return [
            (r[0], r[1])
            for r in self.db.execute(
                f"SELECT m.document_id, m.page FROM mentions m WHERE {where}{filters} "
                "GROUP BY m.document_id, m.page ORDER BY m.document_id, m.page LIMIT ?",
                [*params, *extra, depth],
            )
        ]

    def _entity_hits(
        self,
        query: str,
        type_: str | None,
        canon: list[str],
        pages: list[tuple[str, int]],
    ) -> list[Hit]:
        """Return a hit for each of these pages that mentions the canonical entities, in the
        given order; without a type, a page naming them otherwise is an alias hit."""
        if not pages or not canon:
            return []
        where = f"rm.canonical_id IN ({','.join('?' * len(canon))})"
        params: list[Any] = list(canon)
        if type_ is not None:
            where += " AND rm.type = ?"
            params.append(type_)
        values = ",".join("(?, ?)" for _ in pages)
        # The bare columns come from the page's first mention (SQLite's min() rule).
        rows = self.db.execute(
            "SELECT rm.document_id, d.source, d.title, rm.page, rm.text, rm.sentence, "
            "rm.canonical_id, p.ocr, min(rm.start) FROM (VALUES "
            f"{values}) v CROSS JOIN resolved_mentions rm "
            "ON rm.document_id = v.column1 AND rm.page = v.column2 "
            "JOIN documents d ON d.id = rm.document_id "
            "LEFT JOIN pages p ON p.document_id = rm.document_id AND p.number = rm.page "
            f"WHERE {where} GROUP BY rm.document_id, rm.page",
            [*(x for page in pages for x in page), *params],
        ).fetchall()
        norm = normalise(query)
        briefs = {cid: self.brief(cid) for cid in {r["canonical_id"] for r in rows}}
        found: dict[tuple[str, int], Hit] = {}
        for r in rows:
            surface = " ".join(r["text"].split())
            other = type_ is None and normalise(surface) != norm
            found[(r["document_id"], r["page"])] = Hit(
                r["document_id"],
                r["source"],
                r["title"],
                r["page"],
                _highlight(r["sentence"], r["text"]),
                1.0,
                "alias" if other else "entity",
                briefs[r["canonical_id"]],
                ocr=bool(r["ocr"]),
                alias=surface if other else None,
            )
        return [found[page] for page in pages if page in found]

    # --- facets -------------------------------------------------------------------------
    def facets(
        self,
        query: str,
        type_: str | None = None,
        size: int = 10,
        country: str | None = None,
        chain: str | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """Count the actors, casinos, countries and chains mentioned on the best FACET_DEPTH
        pages a query matches: one aggregate statement per facet."""
        self.ensure_resolved()
        pages: list[tuple[str, int]] = []
        if type_ is None:
            planned = _plan(query)
            rowids: list[int] = []
            if planned is not None:
                ranking = self._ranking(planned[0], FACET_DEPTH, country, chain)
                rowids = [r for r, _ in ranking.pages]
            pages = self._page_keys(rowids)
        _, members = self._named(query)
        if members:
            named = self._entity_pages(members, type_, FACET_DEPTH, country, chain)
            pages = list(dict.fromkeys([*pages, *named]))
        pages = pages[:FACET_DEPTH]
        if not pages:
            return {kind: [] for kind in FACET_KINDS}
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS facet_pages (document_id TEXT, page INTEGER, "
            "PRIMARY KEY (document_id, page)) WITHOUT ROWID"
        )
        self.db.execute("DELETE FROM facet_pages")
        self.db.executemany("INSERT OR IGNORE INTO facet_pages VALUES (?, ?)", pages)
        counts = self._facet_counts(size)
        out: dict[str, list[dict[str, Any]]] = {}
        for kind in ("actor", "casino"):
            out[kind] = [{**self.brief(cid), "count": n} for cid, n in counts[kind]]
        out["country"] = [
            {"code": code, "name": country_name(code), "count": n} for code, n in counts["country"]
        ]
        out["chain"] = [{"chain": chain_, "count": n} for chain_, n in counts["chain"]]
        return out

    def _facet_counts(self, size: int) -> dict[str, list[tuple[str, int]]]:
        """Count the mentions on the pages in temp.facet_pages per facet, best first.

        Actors, casinos and countries are counted from the index on a page's mentions alone
        (reading each mention's row costs most), then mapped to resolved entities; mentions
        an analyst moved to another entity are few and counted apart; chains come from the
        page's wallet mentions only. CROSS JOIN keeps the few pages as the outer loop.
        """
        found: dict[tuple[str, str], int] = {}
        raw = self.db.execute(
            "SELECT m.type, CASE m.type WHEN 'country' THEN m.key ELSE m.entity_id END, "
            "count(*) FROM facet_pages fp CROSS JOIN mentions m ON m.document_id = "
            "fp.document_id AND m.page = fp.page WHERE m.type IN ('actor', 'casino', 'country') "
            "GROUP BY 1, 2"
        ).fetchall()
        canon = self._canonical(sorted({r[1] for r in raw if r[0] != "country" and r[1]}))
        for kind, key, n in raw:
            if key is not None:
                key = key if kind == "country" else canon.get(key, key)
                found[(kind, key)] = found.get((kind, key), 0) + n
        for kind, entity_id, moved_to, n in self.db.execute(
            "SELECT m.type, m.entity_id, mc.canonical_id, count(*) FROM mention_canon mc "
            "CROSS JOIN mentions m ON m.id = mc.mention_id WHERE m.type IN ('actor', 'casino') "
            "AND EXISTS (SELECT 1 FROM facet_pages fp WHERE fp.document_id = m.document_id "
            "AND fp.page = m.page) GROUP BY 1, 2, 3"
        ):
            was = (kind, canon.get(entity_id, entity_id))
            found[was] = found.get(was, 0) - n
            found[(kind, moved_to)] = found.get((kind, moved_to), 0) + n
        for chain_, n in self.db.execute(
            "SELECT json_extract(m.value, '$.chains[0]'), count(*) FROM facet_pages fp "
            "CROSS JOIN mentions m ON m.document_id = fp.document_id AND m.page = fp.page "
            "WHERE m.type = 'wallet' AND NOT COALESCE(json_extract(m.value, '$.suspect'), 0) "
            "GROUP BY 1"
        ):
            if chain_ is not None:
                found[("chain", chain_)] = n
        counts: dict[str, list[tuple[str, int]]] = {kind: [] for kind in FACET_KINDS}
        for (kind, key), n in sorted(found.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])):
            if n > 0 and len(counts[kind]) < size:
                counts[kind].append((key, n))
        return counts

    def _canonical(self, entity_ids: list[str]) -> dict[str, str]:
        """Return the resolved id of each of these entities that resolution joined to another."""
        marks = ",".join("?" * len(entity_ids))
        sql = f"SELECT entity_id, canonical_id FROM entity_canon WHERE entity_id IN ({marks})"
        return dict(self.db.execute(sql, entity_ids).fetchall())

    def _page_keys(self, rowids: list[int]) -> list[tuple[str, int]]:
        """Return (document, page) of page rowids, in the given order."""
        if not rowids:
            return []
        found = {
            r[0]: (r[1], r[2])
            for r in self.db.execute(
                f"SELECT rowid, document_id, number FROM pages WHERE rowid IN "
                f"({','.join('?' * len(rowids))})",
                rowids,
            )
        }
        return [found[r] for r in rowids if r in found]
