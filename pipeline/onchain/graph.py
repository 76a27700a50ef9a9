"""Bounded breadth-first search over transfers, run inside SQLite.

The graph is never loaded into Python. Each hop is one INSERT ... SELECT that joins the
current frontier (a temp table of addresses and their depth) with the indexed transfers.
Three bounds keep a hop cheap in a graph where exchanges have millions of counterparties:
each address contributes at most FANOUT transfer rows, a hop scans at most SCAN_CAP rows,
and at most FRONTIER_CAP new addresses join. Paths are then spelled out backwards from each
target through the transfers table, keeping only steps between consecutive depths, so every
path reported is made of real transfers.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

FRONTIER_CAP = 10_000
FANOUT = 200
SCAN_CAP = 100_000
PATHS_PER_TARGET = 5
MAX_PATHS = 50

_SETUP = (
    "CREATE TEMP TABLE IF NOT EXISTS hop_nodes (key TEXT PRIMARY KEY, depth INTEGER NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS hop_frontier (key TEXT PRIMARY KEY, bound TEXT)",
)
# direction -> (column joined to the frontier, column reached)
_COLUMNS = {"out": ("from_key", "to_key"), "in": ("to_key", "from_key")}


@dataclass(slots=True)
class Search:
    """The result of one search: the paths found and whether a bound cut the search short."""

    direction: str
    paths: list[list[str]] = field(default_factory=list)  # each in money-flow order
    truncated: bool = False
    visited: int = 0


def _reset(db: sqlite3.Connection, start: str) -> None:
    for statement in _SETUP:
        db.execute(statement)
    db.execute("DELETE FROM temp.hop_nodes")
    db.execute("INSERT INTO temp.hop_nodes VALUES (?, 0)", (start,))


def _hop(db: sqlite3.Connection, direction: str, depth: int, cap: int) -> tuple[int, bool]:
    """Expand the frontier by one hop; return how many addresses joined and if a bound bit."""
    near, far = _COLUMNS[direction]
    expand = getattr(db, "expand", None)
    if expand is not None:  # an ES working set (onchain_paths.py) loads the hop's rows first
        keys = db.execute("SELECT key FROM temp.hop_nodes WHERE depth = ?", (depth - 1,))
        expand(direction, [r[0] for r in keys])
    # SQLite has no LATERAL join, so the per-address fanout is a bound instead: the FANOUT-th
    # neighbour in index order (NULL when there are fewer), found by a short index walk.
    db.execute("DELETE FROM temp.hop_frontier")
    db.execute(
        f"INSERT INTO temp.hop_frontier SELECT n.key, (SELECT b.{far} FROM transfers b "
        f"WHERE b.{near} = n.key ORDER BY b.{far} LIMIT 1 OFFSET ?) "
        "FROM temp.hop_nodes n WHERE n.depth = ?",
        (FANOUT, depth - 1),
    )
    fanned = db.execute(
        "SELECT EXISTS (SELECT 1 FROM temp.hop_frontier WHERE bound IS NOT NULL)"
    ).fetchone()[0]
    scanned = db.execute(
        "INSERT OR IGNORE INTO temp.hop_nodes (key, depth) "
        # CROSS JOIN fixes the loop order: the planner has no statistics for temp tables
        # and would otherwise scan all of transfers' index once per hop.
        f"SELECT t.{far}, ? FROM temp.hop_frontier f CROSS JOIN transfers t ON t.{near} = f.key "
        f"AND (f.bound IS NULL OR t.{far} < f.bound) "
        f"WHERE NOT EXISTS (SELECT 1 FROM temp.hop_nodes h WHERE h.key = t.{far}) LIMIT ?",
        (depth, SCAN_CAP),
    ).rowcount
    joined = db.execute("SELECT count(*) FROM temp.hop_nodes WHERE depth = ?", (depth,))
    count = int(joined.fetchone()[0])
    if count > cap:
        # Keep the first `cap` that joined; the rest would only widen the next hop.
        db.execute(
            "DELETE FROM temp.hop_nodes WHERE depth = ? AND rowid > (SELECT rowid FROM "
            "temp.hop_nodes WHERE depth = ? ORDER BY rowid LIMIT 1 OFFSET ?)",
            (depth, depth, cap - 1),
        )
        count = cap
    return count, bool(fanned) or scanned >= SCAN_CAP or count >= cap


def _previous(db: sqlite3.Connection, direction: str, key: str, depth: int) -> list[str]:
    """Return the addresses one depth nearer the start that have a transfer to `key`."""
    near, far = _COLUMNS[direction]
    toward = getattr(db, "toward", None)
    if toward is not None:
        toward(direction, key, depth - 1)
    return [
        r[0]
        for r in db.execute(
            f"SELECT DISTINCT t.{near} FROM transfers t CROSS JOIN temp.hop_nodes n "
            f"ON n.key = t.{near} AND n.depth = ? WHERE t.{far} = ? ORDER BY 1 LIMIT ?",
            (depth - 1, key, PATHS_PER_TARGET),
        )
    ]


def _walk_back(
    db: sqlite3.Connection, direction: str, key: str, depth: int, limit: int
) -> list[list[str]]:
    """Return up to `limit` shortest chains from the start to `key`, start first."""
    if depth == 0:
        return [[key]]
    chains: list[list[str]] = []
    for previous in _previous(db, direction, key, depth):
        for chain in _walk_back(db, direction, previous, depth - 1, limit - len(chains)):
            chains.append([*chain, key])
            if len(chains) >= limit:
                return chains
    return chains


def search(
    db: sqlite3.Connection,
    start: str,
    direction: str,
    max_hops: int,
    target: str | None = None,
    cap: int = FRONTIER_CAP,
) -> Search:
    """Find shortest paths of at most max_hops from `start` to `target`, or to any listed
    address when no target is given; direction 'in' follows transfers backwards."""
    result = Search(direction)
    _reset(db, start)
    for depth in range(1, max_hops + 1):
        joined, bounded = _hop(db, direction, depth, cap)
        result.truncated = result.truncated or bounded
        if (
            target is not None
            and db.execute(
                "SELECT 1 FROM temp.hop_nodes WHERE key = ? AND depth = ?", (target, depth)
            ).fetchone()
        ):
            break  # shortest paths only
        if not joined:
            break
    if target is not None:
        row = db.execute(
            "SELECT key, depth FROM temp.hop_nodes WHERE key = ? AND depth > 0", (target,)
        ).fetchone()
        found = [(row[0], row[1])] if row else []
    else:
        listed = getattr(db, "listed", None)
        if listed is not None:
            keys = db.execute("SELECT key FROM temp.hop_nodes WHERE depth > 0 ORDER BY key")
            listed([r[0] for r in keys])
        found = [
            (r[0], r[1])
            for r in db.execute(
                "SELECT key, depth FROM temp.hop_nodes WHERE depth > 0 AND key IN "
                "(SELECT key FROM sanctions_listings) ORDER BY depth, key"
            )
        ]
    result.visited = int(db.execute("SELECT count(*) FROM temp.hop_nodes").fetchone()[0])
    for key, depth in found:
        for chain in _walk_back(db, direction, key, depth, PATHS_PER_TARGET):
            result.paths.append(chain if direction == "out" else chain[::-1])
            if len(result.paths) >= MAX_PATHS:
                result.truncated = True
                return result
    return result
