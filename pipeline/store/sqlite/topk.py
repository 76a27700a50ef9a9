"""The best pages for a ranked query, from term postings kept in memory per store version.

FTS5's bm25() is exact, but it is recomputed for every page that holds a query word on every
query, and asked about a list of pages it recounts its whole-table statistics once per page.
On a store of 100,000 pages a common word is on half of them.

Here each term's postings (page, BM25 term-frequency part) are read from FTS5 once per store
version, with one one-term ranking query, and kept in memory as packed arrays. A query then
adds its terms' weighted postings: BM25 with Lucene's IDF, as Elasticsearch's `match` scores,
plus the query's phrase as one more posting list, the way `match_phrase` adds its score.
The sum is exact over every page, with no cut-off. Small sums run in Python; large ones in
numpy, which is imported only then, so commands on small stores start without it.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

# FTS5's bm25() keeps the (k1 + 1) factor Lucene dropped in version 8; dividing by it puts
# scores on Elasticsearch's scale.
K1 = 1.2
# Above this many postings in one query, the sum runs in numpy (imported only then, so a
# command on a small store starts without it).
VECTOR_FROM = 4_000
# How many of the best pages a filter is first asked about (four times more each round).
FILTER_DEPTH = 256
# How many postings the process keeps, over all stores, before dropping the oldest lists
# (16 bytes each: 64 MB).
CACHE_POSTINGS = 4_000_000


def varints(blob: bytes) -> list[int]:
    """Decode SQLite's big-endian varints (FTS5's size and statistics records)."""
    out: list[int] = []
    value, used = 0, 0
    for byte in blob:
        used += 1
        if used == 9:  # the ninth byte carries eight bits
            out.append((value << 8) | byte)
            value, used = 0, 0
        elif byte & 0x80:
            value = (value << 7) | (byte & 0x7F)
        else:
            out.append((value << 7) | byte)
            value, used = 0, 0
    return out


def fts5_idf(total: int, hits: int) -> float:
    """Return the IDF FTS5's bm25() gives a term on `hits` of `total` rows (floored at 1e-6)."""
    idf = math.log((total - hits + 0.5) / (hits + 0.5)) if total else 0.0
    return idf if idf > 0 else 1e-6


def lucene_idf(total: int, hits: int) -> float:
    """Return Lucene's (and so Elasticsearch's) BM25 IDF, positive even for common words."""
    return math.log(1 + (total - hits + 0.5) / (hits + 0.5))


@dataclass(frozen=True, slots=True)
class Table:
    """The page index's row count and highest rowid, and a key that changes on any write."""

    rows: int
    top: int
    version: tuple[object, ...]


def table(db: sqlite3.Connection, path: str) -> Table:
    """Read the page index's statistics record (FTS5 keeps it at id 1 of its data table).

    The version is FTS5's structure record (id 10), whose write counter goes up with every
    change to the index, so any write gives the postings a new key.
    """
    record = db.execute("SELECT block FROM pages_fts_data WHERE id = 1").fetchone()
    structure = db.execute("SELECT block FROM pages_fts_data WHERE id = 10").fetchone()
    top = db.execute("SELECT max(rowid) FROM pages").fetchone()[0] or 0
    numbers = varints(record[0]) if record else []
    return Table(numbers[0] if numbers else 0, top, (path, structure and structure[0]))


@dataclass(frozen=True, slots=True)
class Postings:
    """Every page an FTS5 query matches, with its BM25 term-frequency part on ES's scale."""

    rowids: array  # type: ignore[type-arg]  # array('q')
    parts: array  # type: ignore[type-arg]  # array('d')


class _Cache:
    """Postings and page counts per store version, shared by this process's connections."""

    def __init__(self) -> None:
        self.postings: OrderedDict[tuple[object, ...], Postings] = OrderedDict()
        self.size = 0
        self.counts: OrderedDict[tuple[object, ...], int] = OrderedDict()
        # The API answers requests on several threads; loads run outside the lock.
        self.lock = threading.Lock()

    def count(self, key: tuple[object, ...], load: Callable[[], int]) -> int:
        with self.lock:
            found = self.counts.get(key)
        if found is not None:
            return found
        made = load()
        with self.lock:
            self.counts[key] = made
            while len(self.counts) > 10_000:
                self.counts.popitem(last=False)
        return made

    def lists(self, key: tuple[object, ...], load: Callable[[], Postings]) -> Postings:
        with self.lock:
            found = self.postings.get(key)
            if found is not None:
                self.postings.move_to_end(key)
                return found
        made = load()
        with self.lock:
            if key not in self.postings:
                self.postings[key] = made
                self.size += len(made.rowids)
            while self.size > CACHE_POSTINGS and len(self.postings) > 1:
                _, old = self.postings.popitem(last=False)
                self.size -= len(old.rowids)
        return made


CACHE = _Cache()


def page_count(db: sqlite3.Connection, stats: Table, match: str) -> int:
    """Return how many pages an FTS5 query matches (FTS5 counts without reading the pages)."""
    sql = "SELECT count(*) FROM pages_fts WHERE pages_fts MATCH ?"
    return CACHE.count((*stats.version, match), lambda: db.execute(sql, (match,)).fetchone()[0])


def postings(db: sqlite3.Connection, stats: Table, match: str) -> Postings:
    """Return an FTS5 query's postings, read once per store version.

    FTS5's rank for a one-phrase query is its IDF times the term-frequency part, and the IDF
    follows from the page count, so one ranking query gives every page's part.
    """

    def load() -> Postings:
        scale = fts5_idf(stats.rows, page_count(db, stats, match)) * (K1 + 1)
        rowids, parts = array("q"), array("d")
        for rowid, rank in db.execute(
            "SELECT rowid, rank FROM pages_fts WHERE pages_fts MATCH ?", (match,)
        ):
            rowids.append(rowid)
            parts.append(-rank / scale)
        return Postings(rowids, parts)

    return CACHE.lists((*stats.version, match), load)


def matching(db: sqlite3.Connection, stats: Table, match: str) -> Postings:
    """Return the pages an FTS5 query matches (no scores), read once per store version."""

    def load() -> Postings:
        rowids = array(
            "q",
            (
                r[0]
                for r in db.execute("SELECT rowid FROM pages_fts WHERE pages_fts MATCH ?", (match,))
            ),
        )
        return Postings(rowids, array("d"))

    return CACHE.lists((*stats.version, "matching", match), load)


@dataclass(frozen=True, slots=True)
class Query:
    """A ranked query: its terms and its phrase, each an FTS5 match string; with `within`, an
    FTS5 query (search syntax) that a page must match to be ranked at all."""

    terms: tuple[str, ...]
    phrase: str | None
    within: str | None = None


@dataclass(frozen=True, slots=True)
class Ranking:
    """The best pages, (rowid, score) best first, and those among them holding every term."""

    pages: list[tuple[int, float]]
    every: set[int]


def rank(
    db: sqlite3.Connection,
    stats: Table,
    query: Query,
    k: int,
    keep: Callable[[list[int]], set[int]] | None = None,
) -> Ranking:
    """Return the k best pages: BM25 with Lucene's IDF over the optional terms, and the
    phrase scored as one more term weighted by the summed IDF of the terms.

    `keep` says which of a list of pages a filter lets through.
    """
    if not query.terms or k <= 0:
        return Ranking([], set())
    weights = [lucene_idf(stats.rows, page_count(db, stats, t)) for t in query.terms]
    lists = [(w, postings(db, stats, t)) for w, t in zip(weights, query.terms, strict=True)]
    if query.phrase:
        lists.append((sum(weights), postings(db, stats, query.phrase)))
    size = sum(len(p.rowids) for _, p in lists)
    add = _add_vector if size > VECTOR_FROM else _add_python
    best, held = add(lists, len(query.terms), stats.top)
    if query.within is not None:
        keep = _within(set(matching(db, stats, query.within).rowids), keep)
    pages: list[tuple[int, float]] = []
    start, depth = 0, max(4 * k, FILTER_DEPTH)
    while len(pages) < k:
        part = best(depth)[start:]
        if not part:
            break
        allowed = keep([r for r, _ in part]) if keep is not None else None
        pages.extend(p for p in part if allowed is None or p[0] in allowed)
        start, depth = depth, depth * 4
    pages = pages[:k]
    return Ranking(pages, {r for r, _ in pages if held(r)})


def _within(
    allowed: set[int], keep: Callable[[list[int]], set[int]] | None
) -> Callable[[list[int]], set[int]]:
    """Return a filter letting through the allowed pages that `keep` (if any) lets through."""

    def both(rowids: list[int]) -> set[int]:
        inside = [r for r in rowids if r in allowed]
        return set(inside) if keep is None or not inside else keep(inside)

    return both


Best = Callable[[int], list[tuple[int, float]]]


def _add_python(
    lists: list[tuple[float, Postings]], terms: int, top: int
) -> tuple[Best, Callable[[int], bool]]:
    """Sum the weighted postings in Python. Return the n best pages (best score first, then
    lowest rowid) on request, and a test for pages holding every term (the first `terms`
    lists are the terms)."""
    scores: dict[int, float] = {}
    seen: dict[int, int] = {}
    for i, (weight, found) in enumerate(lists):
        for rowid, part in zip(found.rowids, found.parts, strict=True):
            scores[rowid] = scores.get(rowid, 0.0) + weight * part
            if i < terms:
                seen[rowid] = seen.get(rowid, 0) + 1
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return (lambda n: ordered[:n]), (lambda rowid: seen.get(rowid, 0) == terms)


def _add_vector(
    lists: list[tuple[float, Postings]], terms: int, top: int
) -> tuple[Best, Callable[[int], bool]]:
    """Sum the weighted postings in numpy, over one dense array of the store's pages, and
    sort only as many of the best as are asked for."""
    import numpy as np

    scores = np.zeros(top + 1)
    seen = np.zeros(top + 1, dtype=np.int32)
    hit = np.zeros(top + 1, dtype=bool)
    for i, (weight, found) in enumerate(lists):
        rowids = np.frombuffer(found.rowids, dtype=np.int64)
        # Each page is on a list once, so fancy-index addition adds every posting.
        scores[rowids] += weight * np.frombuffer(found.parts, dtype=np.float64)
        hit[rowids] = True
        if i < terms:
            seen[rowids] += 1
    rows = np.flatnonzero(hit)
    values = scores[rows]

    def best(n: int) -> list[tuple[int, float]]:
        chosen, chosen_values = rows, values
        if n < len(rows):
            # Everything scoring at least the n-th best score, ties included, then sorted.
            floor = np.partition(values, len(values) - n)[len(values) - n]
            keep = values >= floor
            chosen, chosen_values = rows[keep], values[keep]
        order = np.lexsort((chosen, -chosen_values))[:n]
        return list(zip(chosen[order].tolist(), chosen_values[order].tolist(), strict=True))

    return best, lambda rowid: bool(seen[rowid] == terms)
