"""Write on-chain and sanctions records into the store's SQLite file, idempotently.

Every write is a small function over a batch, so an Elasticsearch version can mirror them one
for one. Ids come from content: re-importing a file adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from decimal import Context, Decimal
from importlib import resources

from pipeline.onchain.keys import address_key
from pipeline.onchain.model import Issue, Listing, Tag, Token, Transfer, UtxoLeg
from pipeline.onchain.units import PRECISION, amount_float, canonical

# A UTXO transaction with more input x output address pairs than this (a CoinJoin, a
# batched payout) is left without derived edges: the estimate would mean nothing.
MAX_UTXO_EDGES = 2500


class DecimalSum:
    """SQLite aggregate summing decimal strings exactly."""

    # One context for all sums: entering a local context per row would cost more than the add.
    context = Context(prec=PRECISION)

    def __init__(self) -> None:
        self.total = Decimal(0)

    def step(self, value: str | None) -> None:
        """Add one amount."""
        if value is not None:
            self.total = self.context.add(self.total, Decimal(value))

    def finalize(self) -> str:
        """Return the exact sum as a decimal string."""
        return canonical(self.total)


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the on-chain tables and indexes if missing, and register `decsum()`."""
    script = resources.files("pipeline.store.sqlite").joinpath("onchain.sql").read_text()
    db.executescript(script)
    db.create_aggregate("decsum", 1, DecimalSum)  # type: ignore[arg-type]


def drop_hop_indexes(db: sqlite3.Connection) -> None:
    """Drop the from/to indexes before a bulk load; ensure_schema builds them again."""
    # Random-order inserts into two large indexes rewrite most of their pages on every
    # commit; building them once, sorted, at the end is many times faster.
    db.execute("DROP INDEX IF EXISTS transfers_from")
    db.execute("DROP INDEX IF EXISTS transfers_to")


def transfer_count_estimate(db: sqlite3.Connection) -> int:
    """Return roughly how many transfers are stored (the highest rowid; cheap)."""
    return int(db.execute("SELECT coalesce(max(rowid), 0) FROM transfers").fetchone()[0])


def content_id(*parts: object) -> int:
    """Return a positive 63-bit id from content, usable as a rowid."""
    joined = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(joined).digest()[:8], "big") >> 1


def transfer_row(t: Transfer) -> tuple[object, ...]:
    """Return the transfers-table row of a transfer, keys normalised."""
    src = address_key(t.from_address, t.chain)
    dst = address_key(t.to_address, t.chain)
    return (
        content_id(t.chain, t.tx_hash, t.leg),
        t.chain,
        t.tx_hash,
        t.leg,
        t.block_time,
        t.block_number,
        src.key,
        dst.key,
        None if src.address == src.key else src.address,
        None if dst.address == dst.key else dst.address,
        t.asset,
        t.amount,
        amount_float(t.amount),
        t.amount_usd,
        t.approx,
        t.source,
    )


def _changes(db: sqlite3.Connection, sql: str, rows: Sequence[tuple[object, ...]]) -> int:
    before = db.total_changes
    db.executemany(sql, rows)
    return db.total_changes - before


def write_transfers(db: sqlite3.Connection, transfers: Iterable[Transfer]) -> int:
    """Insert transfers not stored yet; return how many were new."""
    rows = [transfer_row(t) for t in transfers]
    return _changes(
        db, "INSERT OR IGNORE INTO transfers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
    )


def write_issue(db: sqlite3.Connection, issue: Issue) -> int:
    """Record one issue of a sanctions list; return 1 when it was new."""
    return _changes(
        db,
        "INSERT OR IGNORE INTO sanctions_issues VALUES (?,?,?)",
        [(issue.publication, issue.issue_date, issue.source)],
    )


def write_listings(db: sqlite3.Connection, listings: Iterable[Listing]) -> int:
    """Insert sanctions listings not stored yet; return how many were new."""
    rows = []
    for item in listings:
        # The list's own label is only a hint: the key and chains come from the address.
        key = address_key(item.address, item.label)
        rows.append(
            (
                key.key,
                item.publication,
                item.issue_date,
                item.list,
                item.profile_id,
                item.name,
                item.label,
                item.address,
                json.dumps(list(key.chains)),
                item.program,
                item.designated,
            )
        )
    sql = "INSERT OR IGNORE INTO sanctions_listings VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    return _changes(db, sql, rows)


def write_tags(db: sqlite3.Connection, tags: Iterable[Tag]) -> int:
    """Insert attribution tags not stored yet; return how many were new."""
    rows = []
    for tag in tags:
        key = address_key(tag.address, tag.currency or "").key
        fields = (tag.label, tag.source, tag.actor, tag.category, tag.confidence, tag.currency)
        rows.append((content_id(key, *fields), key, tag.address, *fields, tag.pack))
    return _changes(db, "INSERT OR IGNORE INTO address_tags VALUES (?,?,?,?,?,?,?,?,?,?)", rows)


def write_tokens(db: sqlite3.Connection, tokens: Iterable[Token]) -> int:
    """Insert or correct token symbols and decimals; return how many rows changed."""
    rows = [(t.chain, t.address.lower(), t.symbol, t.decimals) for t in tokens]
    return _changes(
        db,
        "INSERT INTO tokens VALUES (?,?,?,?) ON CONFLICT(chain, address) DO UPDATE SET "
        "symbol = excluded.symbol, decimals = excluded.decimals "
        "WHERE symbol IS NOT excluded.symbol OR decimals IS NOT excluded.decimals",
        rows,
    )


def token_info(db: sqlite3.Connection, chain: str, address: str) -> Token | None:
    """Return a stored token's symbol and decimals, or None."""
    row = db.execute(
        "SELECT symbol, decimals FROM tokens WHERE chain = ? AND address = ?",
        (chain, address.lower()),
    ).fetchone()
    return None if row is None else Token(chain, address.lower(), row[0], row[1])


def write_utxo_legs(
    db: sqlite3.Connection, legs: Iterable[UtxoLeg]
) -> tuple[int, set[tuple[str, str]]]:
    """Insert UTXO inputs and outputs; return how many were new and the transactions touched."""
    added, touched = 0, set[tuple[str, str]]()
    for leg in legs:
        key = address_key(leg.address, leg.chain).key
        cursor = db.execute(
            "INSERT OR IGNORE INTO utxo_legs VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                leg.chain,
                leg.tx_hash,
                leg.side,
                leg.index,
                leg.address,
                key,
                leg.value,
                leg.block_time,
                leg.block_number,
                leg.source,
            ),
        )
        if cursor.rowcount > 0:
            added += 1
            touched.add((leg.chain, leg.tx_hash))
    return added, touched


def derive_utxo_edges(db: sqlite3.Connection, chain: str, tx_hash: str) -> int | None:
    """Replace one UTXO transaction's estimated from/to edges; None when it has too many."""
    rows = db.execute(
        "SELECT side, key, address, value, block_time, block_number, source FROM utxo_legs "
        "WHERE chain = ? AND tx_hash = ?",
        (chain, tx_hash),
    ).fetchall()
    inputs: dict[str, Decimal] = {}
    outputs: dict[str, Decimal] = {}
    written: dict[str, str] = {}
    for r in rows:
        side = inputs if r["side"] == "in" else outputs
        side[r["key"]] = side.get(r["key"], Decimal(0)) + Decimal(r["value"])
        written.setdefault(r["key"], r["address"])
    old = [
        r[0]
        for r in db.execute(
            "SELECT transfer_id FROM utxo_edges WHERE chain = ? AND tx_hash = ?", (chain, tx_hash)
        )
    ]
    db.executemany("DELETE FROM transfers WHERE id = ?", [(i,) for i in old])
    db.execute("DELETE FROM utxo_edges WHERE chain = ? AND tx_hash = ?", (chain, tx_hash))
    if len(inputs) * len(outputs) > MAX_UTXO_EDGES:
        return None
    total_in = sum(inputs.values(), Decimal(0))
    if not inputs or not outputs or total_in <= 0:
        return 0  # a coinbase, or a transaction whose other side is not imported yet
    first = next((r for r in rows if r["block_time"]), rows[0])
    transfers = []
    # Each output is paid by every input address in proportion to what it put in; change
    # back to an input address is no edge. This is an estimate, hence approx=1.
    for src, paid in sorted(inputs.items()):
        for dst, received in sorted(outputs.items()):
            if src == dst:
                continue
            share = (received * paid / total_in).quantize(Decimal("0.00000001"))
            if share <= 0:
                continue
            transfers.append(
                Transfer(
                    chain,
                    tx_hash,
                    f"utxo:{src}>{dst}",
                    first["block_time"],
                    first["block_number"],
                    written[src],
                    written[dst],
                    chain,
                    canonical(share),
                    None,
                    first["source"],
                    approx=1,
                )
            )
    write_transfers(db, transfers)
    db.executemany(
        "INSERT OR IGNORE INTO utxo_edges VALUES (?,?,?)",
        [(chain, tx_hash, content_id(chain, tx_hash, t.leg)) for t in transfers],
    )
    return len(transfers)
