"""Wallet reports and paths: documents, sanctions, activity, counterparties and hops, as dicts."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from typing import Any

from pipeline.onchain import graph, lookups
from pipeline.onchain.corroborate import corroborate
from pipeline.onchain.keys import address_key
from pipeline.store.sqlite.onchain import ensure_schema

DIRECTIONS = ("out", "in")
COUNTERPARTIES = 25


def listed_before(entries: list[dict[str, Any]], day: str | None) -> bool | None:
    """Say whether any imported issue dated before `day` listed the address; None if no day."""
    if day is None:
        return None
    return any(issue < day for entry in entries for issue in entry["listed_in"])


def documents_of(
    db: sqlite3.Connection, key: str, entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return the documents mentioning a key, each saying if a list named it beforehand."""
    docs = lookups.wallet_mentions(db, [key]).get(key, [])
    for doc in docs:
        doc["listed_before_document"] = listed_before(entries, lookups.document_day(doc["date"]))
    return docs


def flag_counterparties(
    db: sqlite3.Connection, items: list[dict[str, Any]], own_documents: set[str]
) -> None:
    """Mark counterparties that a list names or that documents mention, in place."""
    keys = [item["key"] for item in items]
    listed = lookups.sanctions(db, keys)
    mentioned = lookups.wallet_mentions(db, keys)
    tagged = lookups.tags(db, keys)
    for item in items:
        entries = listed.get(item["key"], [])
        item["sanctioned"] = any(e["current"] for e in entries)
        item["sanctions"] = [
            {k: e[k] for k in ("list", "name", "current", "status")} for e in entries
        ]
        item["mentioned_in"] = [
            {
                "id": d["id"],
                "source": d["source"],
                "pages": d["pages"],
                "other_document": d["id"] not in own_documents,
            }
            for d in mentioned.get(item["key"], [])
        ]
        item["tags"] = [t["label"] for t in tagged.get(item["key"], [])]


def _step(db: sqlite3.Connection, source: str, target: str) -> dict[str, Any]:
    transfers, count = lookups.transfers_between(db, source, target)
    return {"from": source, "to": target, "transfers": count, "transactions": transfers}


def describe_paths(
    db: sqlite3.Connection, found: graph.Search, names: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Spell out each path with its steps' transactions and what its end is listed as."""
    out = []
    for path in found.paths:
        end = path[-1] if found.direction == "out" else path[0]
        entries = names.get(end, [])
        out.append(
            {
                "direction": found.direction,
                "hops": len(path) - 1,
                "addresses": path,
                "sanctioned_address": end,
                "sanctioned_as": [
                    {k: e[k] for k in ("name", "list", "current", "status")} for e in entries
                ],
                "steps": [_step(db, a, b) for a, b in pairwise(path)],
            }
        )
    return out


def paths_to_sanctioned(
    db: sqlite3.Connection, key: str, max_hops: int, cap: int = graph.FRONTIER_CAP
) -> tuple[list[dict[str, Any]], bool]:
    """Return paths of at most max_hops between a key and any listed address, both ways."""
    paths: list[dict[str, Any]] = []
    truncated = False
    for direction in DIRECTIONS:
        found = graph.search(db, key, direction, max_hops, cap=cap)
        truncated = truncated or found.truncated
        ends = {p[-1] if direction == "out" else p[0] for p in found.paths}
        paths.extend(describe_paths(db, found, lookups.sanctions(db, ends)))
    paths.sort(key=lambda p: (p["hops"], p["direction"], p["addresses"]))
    return paths, truncated


def wallet_report(
    db: sqlite3.Connection,
    address: str,
    max_hops: int = 3,
    counterparties: int = COUNTERPARTIES,
    cap: int = graph.FRONTIER_CAP,
) -> dict[str, Any]:
    """Return everything the store knows about one address."""
    ensure_schema(db)
    norm = address_key(address)
    key = norm.key
    entries = lookups.sanctions(db, [key]).get(key, [])
    documents = documents_of(db, key, entries)
    parties, total = lookups.counterparties(db, key, counterparties)
    flag_counterparties(db, parties, {d["id"] for d in documents})
    paths, truncated = paths_to_sanctioned(db, key, max_hops, cap)
    return {
        "address": address.strip(),
        "key": key,
        "chains": list(norm.chains),
        "recognised": norm.valid,
        "documents": documents,
        "sanctions": entries,
        "sanctioned": any(e["current"] for e in entries),
        "tags": lookups.tags(db, [key]).get(key, []),
        "activity": lookups.activity(db, key),
        "counterparties": parties,
        "counterparties_total": total,
        "paths_to_sanctioned": paths,
        "max_hops": max_hops,
        "search_truncated": truncated,
        "corroboration": corroborate(db, key),
    }


def paths(
    db: sqlite3.Connection,
    a: str,
    b: str,
    max_hops: int = 3,
    cap: int = graph.FRONTIER_CAP,
) -> dict[str, Any]:
    """Return the shortest paths of at most max_hops from a to b and from b to a."""
    ensure_schema(db)
    start, end = address_key(a).key, address_key(b).key
    out: list[dict[str, Any]] = []
    truncated = False
    for direction in DIRECTIONS:
        found = graph.search(db, start, direction, max_hops, target=end, cap=cap)
        truncated = truncated or found.truncated
        for path in found.paths:
            out.append(
                {
                    "direction": "a_to_b" if direction == "out" else "b_to_a",
                    "hops": len(path) - 1,
                    "addresses": path,
                    "steps": [_step(db, x, y) for x, y in pairwise(path)],
                }
            )
    return {
        "a": a.strip(),
        "b": b.strip(),
        "a_key": start,
        "b_key": end,
        "max_hops": max_hops,
        "paths": out,
        "search_truncated": truncated,
    }
