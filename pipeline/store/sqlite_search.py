"""Ranked search and facets on the embedded store: FTS5 BM25, entity pages, aggregate facets.

Every statement here costs about the same however many pages match: rankings stop at a
depth, and facets count mentions on the best FACET_DEPTH pages in one aggregate statement
per facet (as an Elasticsearch `sampler` aggregation does).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from pipeline.errors import QueryError, StoreError
from pipeline.extract.geo import country_name
from pipeline.extract.names import normalise
from pipeline.store.base import Hit, SearchResult
from pipeline.store.ranking import (
    K1,
    exact_fts5,
    fts5_all_terms,
    fts5_phrase,
    fts5_terms,
    has_syntax,
    merge_ranked,
    ranked_query,
)
from pipeline.store.sqlite_entities import EntityQueries

# How many of a query's best pages the facets count.
FACET_DEPTH = 1000
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
        params.append(chain.strip().upper())
    return sql, params


def _bm25(rank: float) -> float:
    """Return an FTS5 rank as a positive score on Elasticsearch's BM25 scale."""
    return -float(rank) / (K1 + 1)


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
        entity = self._entity_hits(query, type_, want + len(text), country, chain)
        return merge_ranked(query, type_, text, full, entity, limit, offset)

    # --- full text ----------------------------------------------------------------------
    def _ranked_rows(
        self, match: str, depth: int, country: str | None, chain: str | None
    ) -> list[tuple[int, float]]:
        """Return (page rowid, FTS5 rank) of the best pages for an FTS5 query."""
        where, params = page_filter(country, chain, "p.document_id", "p.number")
        if where:
            sql = (
                "SELECT pages_fts.rowid, pages_fts.rank FROM pages_fts JOIN pages p "
                f"ON p.rowid = pages_fts.rowid WHERE pages_fts MATCH ? {where} "
                "ORDER BY pages_fts.rank LIMIT ?"
            )
        else:
            sql = "SELECT rowid, rank FROM pages_fts WHERE pages_fts MATCH ? ORDER BY rank LIMIT ?"
        return [(r[0], r[1]) for r in self._fts(sql, [match, *params, depth])]

    def _fts(self, sql: str, params: list[Any]) -> list[sqlite3.Row]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" not in str(exc) and "syntax" not in str(exc):
                raise StoreError(f"cannot search {self.path} ({exc})") from exc
            raise QueryError(
                f"the query cannot be searched ({exc}); quote words that are not meant as "
                'syntax, such as "AND" or "("'
            ) from exc

    def _within(self, match: str, rowids: list[int]) -> list[sqlite3.Row]:
        """Return rowid, rank, page details and snippet of the given pages for an FTS5 query."""
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        return self._fts(
            "SELECT pages_fts.rowid AS rowid, pages_fts.rank AS rank, p.document_id, "
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
        if has_syntax(query):
            match = exact_fts5(query)
            if not match:
                return [], set()
            rows = self._within(
                match, [r for r, _ in self._ranked_rows(match, depth, country, chain)]
            )
            hits = sorted((self._hit(r, _bm25(r["rank"])) for r in rows), key=lambda h: -h.score)
            return hits, {(h.document_id, h.page) for h in hits}
        ranked = ranked_query(query)
        if ranked is None:
            return [], set()
        any_word = fts5_terms(ranked)
        found = [rowid for rowid, _ in self._ranked_rows(any_word, depth, country, chain)]
        boost: dict[int, float] = {}
        phrase = fts5_phrase(ranked)
        if phrase is not None:
            # A page holding the query as a phrase adds the phrase's own BM25 score, as a
            # `match_phrase` clause beside a `match` does on Elasticsearch.
            boost = {r: _bm25(k) for r, k in self._ranked_rows(phrase, depth, country, chain)}
        candidates = list(dict.fromkeys([*found, *boost]))
        scored = sorted(
            (
                (_bm25(r["rank"]) + boost.get(r["rowid"], 0.0), r)
                for r in self._within(any_word, candidates)
            ),
            key=lambda pair: -pair[0],
        )[:depth]
        every = {
            r["rowid"]
            for r in self._within(fts5_all_terms(ranked), [r["rowid"] for _, r in scored])
        }
        hits = [self._hit(r, score) for score, r in scored]
        full = {(r["document_id"], r["number"]) for _, r in scored if r["rowid"] in every}
        return hits, full

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
    def _named_entities(self, query: str) -> list[str]:
        """Return the canonical ids whose alias, wallet key or analyst's name the query is."""
        norm = normalise(query)
        if not norm:
            return []
        typed = query.strip().lower()
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT rm.canonical_id FROM resolved_mentions rm WHERE rm.entity_id IN "
                "(SELECT entity_id FROM entity_aliases WHERE norm IN (?, ?)) OR lower(rm.key) = ? "
                "OR rm.canonical_id IN "
                "(SELECT canonical_id FROM entity_names WHERE lower(name) = ?)",
                (norm, norm.replace(" ", ""), typed, typed),
            )
            if r[0] is not None
        ]

    def _entity_hits(
        self,
        query: str,
        type_: str | None,
        depth: int,
        country: str | None = None,
        chain: str | None = None,
    ) -> list[Hit]:
        """Return a hit per page (in source and page order, at most depth) that mentions an
        entity the query names; without a type, a page naming it otherwise is an alias hit."""
        ids = self._named_entities(query)
        if not ids:
            return []
        where = f"rm.canonical_id IN ({','.join('?' * len(ids))})"
        params: list[Any] = list(ids)
        if type_ is not None:
            where += " AND rm.type = ?"
            params.append(type_)
        filters, extra = page_filter(country, chain, "rm.document_id", "rm.page")
        # The bare columns come from the page's first mention (SQLite's min() rule).
        rows = self.db.execute(
            "SELECT rm.document_id, d.source, d.title, rm.page, rm.text, rm.sentence, "
            "rm.canonical_id, p.ocr, min(rm.start) FROM resolved_mentions rm "
            "JOIN documents d ON d.id = rm.document_id "
            "LEFT JOIN pages p ON p.document_id = rm.document_id AND p.number = rm.page "
            f"WHERE {where}{filters} GROUP BY rm.document_id, rm.page "
            "ORDER BY d.source, rm.page LIMIT ?",
            [*params, *extra, depth],
        ).fetchall()
        norm = normalise(query)
        briefs = {cid: self.brief(cid) for cid in {r["canonical_id"] for r in rows}}
        hits = []
        for r in rows:
            surface = " ".join(r["text"].split())
            other = type_ is None and normalise(surface) != norm
            hits.append(
                Hit(
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
            )
        return hits

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
            if has_syntax(query):
                match = exact_fts5(query)
            else:
                ranked = ranked_query(query)
                match = fts5_terms(ranked) if ranked is not None else ""
            if match:
                rowids = [r for r, _ in self._ranked_rows(match, FACET_DEPTH, country, chain)]
                pages = self._page_keys(rowids)
        named = self._entity_hits(query, type_, FACET_DEPTH, country, chain)
        pages = list(dict.fromkeys([*pages, *((h.document_id, h.page) for h in named)]))
        pages = pages[:FACET_DEPTH]
        if not pages:
            return {kind: [] for kind in FACET_KINDS}
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS facet_pages (document_id TEXT, page INTEGER, "
            "PRIMARY KEY (document_id, page)) WITHOUT ROWID"
        )
        self.db.execute("DELETE FROM facet_pages")
        self.db.executemany("INSERT OR IGNORE INTO facet_pages VALUES (?, ?)", pages)
        joined = (
            "FROM facet_pages fp JOIN resolved_mentions rm "
            "ON rm.document_id = fp.document_id AND rm.page = fp.page"
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for kind in ("actor", "casino"):
            out[kind] = [
                {"id": r[0], "name": r[2] or r[3], "type": r[4], "count": r[1]}
                for r in self.db.execute(
                    f"SELECT c.cid, c.n, n.name, e.name, e.type FROM (SELECT rm.canonical_id "
                    f"AS cid, count(*) AS n {joined} WHERE rm.type = ? AND rm.canonical_id IS "
                    "NOT NULL GROUP BY rm.canonical_id ORDER BY n DESC, cid LIMIT ?) c "
                    "LEFT JOIN entity_names n ON n.canonical_id = c.cid "
                    "LEFT JOIN entities e ON e.id = c.cid ORDER BY c.n DESC, c.cid",
                    (kind, size),
                )
            ]
        out["country"] = [
            {"code": r[0], "name": country_name(r[0]), "count": r[1]}
            for r in self.db.execute(
                f"SELECT json_extract(rm.value, '$.code') AS code, count(*) AS n {joined} "
                "WHERE rm.type = 'country' GROUP BY code ORDER BY n DESC, code LIMIT ?",
                (size,),
            )
        ]
        out["chain"] = [
            {"chain": r[0], "count": r[1]}
            for r in self.db.execute(
                f"SELECT json_extract(rm.value, '$.chains[0]') AS chain, count(*) AS n {joined} "
                "WHERE rm.type = 'wallet' AND NOT COALESCE(json_extract(rm.value, '$.suspect'), 0) "
                "GROUP BY chain ORDER BY n DESC, chain LIMIT ?",
                (size,),
            )
        ]
        return out

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
