"""On-chain and sanctions records in Elasticsearch, mirrored table for table.

Each on-chain table has an index of its own: `{prefix}-onchain-<table>`, a versioned index
behind an alias with a strict mapping derived from the table's columns, one record per row
under an id made of the row's primary key.

An import writes to the cluster and copies no table from it. The importer is the embedded
store's own, run per file into an empty scratch store (`import_scratch`, a temporary SQLite
file removed after the file). `push_import` then sends the scratch's rows:
- records are created, so one the cluster holds already is counted as existing, not
  written again (a re-import changes nothing);
- token symbols and decimals are read from the cluster one token at a time as the readers
  ask for them (`token_lookup`), and written as upserts;
- for each UTXO transaction the file touched, the legs an earlier import stored and the
  edges derived from them are fetched (terms queries in batches), the edges are derived
  again from all legs, and edges no longer derived are deleted.
The file's report is corrected by what the cluster held.

Queries (`wallet`, `path`, `xref`) run in the cluster, step by step (onchain_paths.py).

Not verified against a live cluster on the machines this project is built on.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.errors import StoreError
from pipeline.onchain.importer import TOO_MANY_PAIRS, Progress, import_file
from pipeline.onchain.model import ImportReport, OnchainError, Token
from pipeline.store.sqlite.onchain import derive_utxo_edges, ensure_schema, token_info

# Table -> the columns that make a row's id (its primary key or unique id).
TABLES: dict[str, tuple[str, ...]] = {
    "transfers": ("id",),
    "utxo_legs": ("chain", "tx_hash", "side", "idx"),
    "utxo_edges": ("chain", "tx_hash", "transfer_id"),
    "tokens": ("chain", "address"),
    "sanctions_issues": ("publication", "issue_date"),
    "sanctions_listings": ("key", "publication", "issue_date", "profile_id", "label"),
    "address_tags": ("id",),
}
VERSION = 1
_TYPES = {"INTEGER": {"type": "long"}, "REAL": {"type": "double"}}
_PAGE = 5000
# Values one terms query carries: transaction hashes (stored legs and edges), token addresses.
TERMS_BATCH = 500
# Tables whose rows an import creates: a row the cluster holds is left as it is. Tokens are
# corrected in place, and UTXO edges are replaced whenever their transaction is derived again.
CREATED = ("transfers", "utxo_legs", "sanctions_issues", "sanctions_listings", "address_tags")


def alias(prefix: str, table: str) -> str:
    """Return the alias of one on-chain table's index."""
    return f"{prefix}-onchain-{table.replace('_', '-')}"


def columns(db: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """Return (name, declared type) of a table's columns, in order."""
    return [(r[1], str(r[2]).upper()) for r in db.execute(f"PRAGMA table_info({table})")]


def mapping(db: sqlite3.Connection, table: str) -> dict[str, Any]:
    """Return the strict mapping of a table: integers long, reals double, text keyword."""
    props = {name: _TYPES.get(kind, {"type": "keyword"}) for name, kind in columns(db, table)}
    return {"dynamic": "strict", "properties": props}


def row_id(table: str, row: dict[str, Any]) -> str:
    """Return the record id of a row: its key columns joined."""
    return "|".join(str(row[c]) for c in TABLES[table])


def _ensure(es: Any, db: sqlite3.Connection) -> None:
    for table in TABLES:
        name = alias(es.prefix, table)
        with es._errors(f"check the index {name}"):
            if es.client.indices.exists_alias(name=name):
                continue
            try:
                es.client.indices.create(
                    index=f"{name}-v{VERSION}",
                    aliases={name: {"is_write_index": True}},
                    settings={"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                    mappings=mapping(db, table),
                )
            except Exception as exc:  # another client creating it at the same moment is fine
                if "resource_already_exists" not in str(exc):
                    raise


def push(es: Any, db: sqlite3.Connection) -> dict[str, int]:
    """Index every on-chain row of a SQLite store into the cluster; return rows per table."""
    ensure_schema(db)
    _ensure(es, db)
    sent: dict[str, int] = {}
    for table in TABLES:
        index = alias(es.prefix, table)
        actions = (
            {"_op_type": "index", "_index": index, "_id": row_id(table, row), "_source": row}
            for row in _rows(db, table)
        )
        _send(es, actions, index, None)
        sent[table] = _count(db, table)
    _refresh(es)
    return sent


def pull(es: Any, db: sqlite3.Connection) -> dict[str, int]:
    """Copy the cluster's whole on-chain tables into a SQLite store where the counts differ.

    Nothing in moneytrail's commands does this: imports and queries copy no table. It is the
    way back for a cluster small enough to hold on one machine (and the tests' check that
    the mappings keep every value)."""
    ensure_schema(db)
    pulled: dict[str, int] = {}
    for table in TABLES:
        index = alias(es.prefix, table)
        with es._errors(f"count {index}"):
            if not es.client.indices.exists_alias(name=index):
                continue
            remote = int(es.client.count(index=index)["count"])
        local = _count(db, table)
        if remote == local:
            continue
        names = [c for c, _ in columns(db, table)]
        sql = (
            f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        if table == "transfers":  # its id is unique but not the primary key
            sql = sql.replace("INSERT OR REPLACE", "INSERT OR IGNORE")
        from elasticsearch import helpers

        count = 0
        with es._errors(f"read {index}"):
            for hit in helpers.scan(es.client, index=index, query={"query": {"match_all": {}}}):
                src = hit["_source"]
                db.execute(sql, [src.get(n) for n in names])
                count += 1
        pulled[table] = count
    db.commit()
    return pulled


def import_into(
    es: Any,
    path: str | Path,
    format: str | None = None,
    chain: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file into the cluster: into a scratch store, then only its rows sent."""
    with import_scratch(es) as scratch:
        lookup = token_lookup(es, scratch.db)
        try:
            report = import_file(scratch.db, path, format, chain, progress, token_lookup=lookup)
        except OnchainError:
            # A file that breaks off (truncated, a broken row in an atomic format) keeps what
            # was stored before the break, as on the embedded store: the error says so.
            push_import(es, scratch.db, ImportReport(str(path), format or ""))
            raise
        push_import(es, scratch.db, report)
    return report


@contextmanager
def import_scratch(es: Any) -> Iterator[Any]:
    """Yield an empty scratch store for importing one file into the cluster; remove it after."""
    from pipeline.store.sqlite.store import SqliteStore

    folder = Path(tempfile.mkdtemp(prefix="moneytrail-import-"))
    scratch = SqliteStore(folder / "import.db")
    try:
        ensure_schema(scratch.db)
        _ensure(es, scratch.db)
        yield scratch
    finally:
        scratch.close()
        shutil.rmtree(folder, ignore_errors=True)


def token_lookup(es: Any, db: sqlite3.Connection) -> Callable[[str, str], Token | None]:
    """Return the importer's token lookup: this import's scratch first, then the cluster."""

    def lookup(chain: str, address: str) -> Token | None:
        found = token_info(db, chain, address)
        if found is not None:
            return found
        query = {
            "bool": {"filter": [{"term": {"chain": chain}}, {"term": {"address": address.lower()}}]}
        }
        index = alias(es.prefix, "tokens")
        with es._errors(f"read {index}"):
            hits = es.client.search(index=index, query=query, size=1)["hits"]["hits"]
        if not hits:
            return None
        row = hits[0]["_source"]
        return Token(chain, address.lower(), row.get("symbol"), row.get("decimals"))

    return lookup


def push_import(es: Any, db: sqlite3.Connection, report: ImportReport) -> None:
    """Send one file's scratch store to the cluster, and correct its report.

    `report.added` becomes what the cluster did not hold, `existing` gains the rest, and the
    UTXO edges are counted as derived from every stored leg of the file's transactions.
    """
    own = {tuple(r) for r in db.execute("SELECT chain, tx_hash, side, idx FROM utxo_legs")}
    touched = sorted({(chain, tx) for chain, tx, _, _ in own})
    scratch_rows = {t: _count(db, t) for t in CREATED if t != "utxo_legs"}
    scratch_rows["utxo_legs"] = len(own)
    scratch_rows["transfers"] -= _count(db, "utxo_edges")  # derived, not read from the file
    stored_legs, old_edges = _stored_utxo(es, db, touched)
    # As the embedded store does: a transaction is derived again when the file brought one of
    # its legs that was not stored. The others keep the edges the cluster holds, so what the
    # importer derived here from this file's legs alone is dropped.
    fresh = {(chain, tx) for chain, tx, _, _ in own - stored_legs}
    for chain, tx in touched:
        if (chain, tx) not in fresh:
            _drop_edges(db, chain, tx)
    old_edges = {edge for edge in old_edges if edge[:2] in fresh}
    derived = too_many = 0
    for chain, tx in sorted(fresh):
        edges = derive_utxo_edges(db, chain, tx)
        if edges is None:
            too_many += 1
        else:
            derived += edges
    new_edges = {tuple(r) for r in db.execute("SELECT chain, tx_hash, transfer_id FROM utxo_edges")}
    stale = sorted(old_edges - new_edges)
    edge_ids = {r[2] for r in new_edges}
    db.commit()

    changed = _changed_tokens(es, db)
    present: dict[str, list[str]] = {}
    for table in TABLES:
        rows = _rows(db, table)
        if table == "utxo_legs":
            rows = (r for r in rows if (r["chain"], r["tx_hash"], r["side"], r["idx"]) in own)
        elif table == "tokens":
            rows = iter(changed)
        index = alias(es.prefix, table)
        present[table] = []
        actions = (
            {
                "_op_type": _operation(table, row, edge_ids),
                "_index": index,
                "_id": row_id(table, row),
                "_source": row,
            }
            for row in rows
        )
        _send(es, actions, index, present[table])
    if stale:
        deletes: list[dict[str, Any]] = []
        for chain, tx, transfer in stale:
            deletes.append(
                {
                    "_op_type": "delete",
                    "_index": alias(es.prefix, "transfers"),
                    "_id": str(transfer),
                }
            )
            edge = {"chain": chain, "tx_hash": tx, "transfer_id": transfer}
            deletes.append(
                {
                    "_op_type": "delete",
                    "_index": alias(es.prefix, "utxo_edges"),
                    "_id": row_id("utxo_edges", edge),
                }
            )
        _send(es, deletes, "the replaced UTXO edges", None)
    _refresh(es)

    derived_ids = {str(i) for i in edge_ids}
    held = sum(len(ids) for t, ids in present.items() if t != "transfers")
    held += sum(1 for i in present["transfers"] if i not in derived_ids)
    new = sum(scratch_rows.values()) - held
    report.existing += report.added - (new + len(changed))
    report.added = new + len(changed)
    report.derived_edges = derived
    if too_many:
        report.skipped[TOO_MANY_PAIRS] = too_many
    else:
        report.skipped.pop(TOO_MANY_PAIRS, None)


def _operation(table: str, row: dict[str, Any], derived: set[int]) -> str:
    if table == "transfers" and row["id"] in derived:
        return "index"  # an edge derived again: its share may have changed
    return "create" if table in CREATED else "index"


def _send(
    es: Any, actions: Iterable[dict[str, Any]], subject: str, present: list[str] | None
) -> None:
    problems = es._bulk(actions, f"on-chain records into {subject}", present)
    if problems:
        raise StoreError(
            f"{len(problems)} rows were refused by {subject} (first: {problems[0]}); "
            "the rest were indexed"
        )


def _rows(db: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    """Yield a table's rows as column -> value."""
    names = [c for c, _ in columns(db, table)]
    for values in db.execute(f"SELECT {', '.join(names)} FROM {table}"):
        yield dict(zip(names, values, strict=True))


def _refresh(es: Any) -> None:
    with es._errors("refresh the on-chain indices"):
        es.client.indices.refresh(index=",".join(alias(es.prefix, t) for t in TABLES))


def _count(db: sqlite3.Connection, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _changed_tokens(es: Any, db: sqlite3.Connection) -> list[dict[str, Any]]:
    """Return the file's token rows that the cluster lacks or holds with other values."""
    from elasticsearch import helpers

    rows = list(_rows(db, "tokens"))
    stored: dict[str, dict[str, Any]] = {}
    index = alias(es.prefix, "tokens")
    for start in range(0, len(rows), TERMS_BATCH):
        addresses = sorted({r["address"] for r in rows[start : start + TERMS_BATCH]})
        query = {"query": {"bool": {"filter": [{"terms": {"address": addresses}}]}}}
        with es._errors(f"read {index}"):
            for hit in helpers.scan(es.client, index=index, query=query):
                stored[row_id("tokens", hit["_source"])] = hit["_source"]
    return [r for r in rows if stored.get(row_id("tokens", r)) != r]


def _drop_edges(db: sqlite3.Connection, chain: str, tx: str) -> None:
    """Forget the edges the scratch derived for one transaction, and their transfers."""
    where = "WHERE chain = ? AND tx_hash = ?"
    ids = [(r[0],) for r in db.execute(f"SELECT transfer_id FROM utxo_edges {where}", (chain, tx))]
    db.executemany("DELETE FROM transfers WHERE id = ?", ids)
    db.execute(f"DELETE FROM utxo_edges {where}", (chain, tx))


def _stored_utxo(
    es: Any, db: sqlite3.Connection, touched: list[tuple[str, str]]
) -> tuple[set[tuple[Any, ...]], set[tuple[str, str, int]]]:
    """Copy into the scratch the stored legs of the file's UTXO transactions; return the keys
    of those legs and the stored edges, as (chain, tx_hash, transfer_id)."""
    from elasticsearch import helpers

    wanted = set(touched)
    legs: set[tuple[Any, ...]] = set()
    edges: set[tuple[str, str, int]] = set()
    names = [c for c, _ in columns(db, "utxo_legs")]
    sql = (
        f"INSERT OR IGNORE INTO utxo_legs ({', '.join(names)}) "
        f"VALUES ({', '.join('?' * len(names))})"
    )
    for start in range(0, len(touched), TERMS_BATCH):
        batch = touched[start : start + TERMS_BATCH]
        query = {
            "bool": {
                "filter": [
                    {"terms": {"tx_hash": sorted({tx for _, tx in batch})}},
                    {"terms": {"chain": sorted({chain for chain, _ in batch})}},
                ]
            }
        }
        for table in ("utxo_legs", "utxo_edges"):
            index = alias(es.prefix, table)
            with es._errors(f"read {index}"):
                for hit in helpers.scan(es.client, index=index, query={"query": query}):
                    row = hit["_source"]
                    if (row["chain"], row["tx_hash"]) not in wanted:
                        continue
                    if table == "utxo_legs":
                        db.execute(sql, [row.get(n) for n in names])
                        legs.add((row["chain"], row["tx_hash"], row["side"], row["idx"]))
                    else:
                        edges.add((row["chain"], row["tx_hash"], int(row["transfer_id"])))
    return legs, edges
