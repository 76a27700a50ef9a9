"""On-chain and sanctions records in Elasticsearch, mirrored table for table.

An import into an Elasticsearch store runs the same importer as the embedded store, in a
local on-chain cache (`synced()`: a SQLite file under $MONEYTRAIL_CACHE, default
~/.cache/moneytrail, holding the on-chain tables only), then pushes every on-chain table to an
index of its own: `{prefix}-onchain-<table>`, a versioned index behind an alias with a strict
mapping derived from the table's columns, one record per row under an id made of the row's
primary key. A re-import overwrites the same records. The cache exists for the importer alone:
it counts what is new, and derives UTXO edges from legs an earlier import stored.

Queries (`wallet`, `path`, `xref`) never use the cache: they run in the cluster, step by step
(onchain_paths.py).

Not verified against a live cluster on the machines this project is built on.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.errors import StoreError
from pipeline.store.sqlite.onchain import ensure_schema

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


def cache_path(url: str, prefix: str) -> Path:
    """Return the local import cache file for one cluster and index prefix."""
    root = Path(os.environ.get("MONEYTRAIL_CACHE") or Path.home() / ".cache" / "moneytrail")
    digest = hashlib.sha256(f"{url}|{prefix}".encode()).hexdigest()[:16]
    return root / f"es-{prefix}-{digest}.db"


def cache(es: Any) -> Any:
    """Open the local on-chain cache of one cluster and index prefix."""
    from pipeline.store.sqlite.store import SqliteStore

    path = cache_path(es.url, es.prefix)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(path)


@contextmanager
def synced(es: Any) -> Iterator[Any]:
    """Yield the import cache with the cluster's current on-chain rows pulled in; close it after."""
    local = cache(es)
    try:
        pull(es, local.db)
        yield local
    finally:
        local.close()


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
    """Index every on-chain row of the cache into the cluster; return rows per table."""
    ensure_schema(db)
    _ensure(es, db)
    sent: dict[str, int] = {}
    for table in TABLES:
        names = [c for c, _ in columns(db, table)]
        cursor = db.execute(f"SELECT {', '.join(names)} FROM {table}")
        index = alias(es.prefix, table)
        actions = (
            {"_op_type": "index", "_index": index, "_id": row_id(table, row), "_source": row}
            for row in (dict(zip(names, values, strict=True)) for values in cursor)
        )
        problems = es._bulk(actions, f"on-chain records into {index}")
        if problems:
            raise StoreError(
                f"{len(problems)} rows were refused by {index} (first: {problems[0]}); "
                "the rest were indexed"
            )
        sent[table] = int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    with es._errors("refresh the on-chain indices"):
        es.client.indices.refresh(index=",".join(alias(es.prefix, t) for t in TABLES))
    return sent


def pull(es: Any, db: sqlite3.Connection) -> dict[str, int]:
    """Copy the cluster's on-chain tables into the import cache where the counts differ."""
    ensure_schema(db)
    pulled: dict[str, int] = {}
    for table in TABLES:
        index = alias(es.prefix, table)
        with es._errors(f"count {index}"):
            if not es.client.indices.exists_alias(name=index):
                continue
            remote = int(es.client.count(index=index)["count"])
        local = int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
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
