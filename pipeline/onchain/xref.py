"""Cross-reference every wallet the corpus mentions with sanctions, transfers and entities."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from pipeline.onchain import graph, lookups
from pipeline.onchain.corroborate import corroborate
from pipeline.onchain.queries import documents_of, flag_counterparties, paths_to_sanctioned
from pipeline.store.sqlite.onchain import ensure_schema

LINKED_TYPES = ("actor", "casino")
FLAGGED_LIMIT = 200


def mentioned_wallets(db: sqlite3.Connection) -> Iterator[str]:
    """Yield the key of every non-suspect wallet the corpus mentions, in first-seen order."""
    if hasattr(db, "wallet_keys"):  # an Elasticsearch working set pages them from the cluster
        yield from db.wallet_keys()
        return
    seen: set[str] = set()
    for r in db.execute(
        "SELECT m.key, m.value FROM mentions m JOIN documents d ON d.id = m.document_id "
        "WHERE m.type = 'wallet' ORDER BY d.source, m.page, m.start"
    ):
        if r["key"] in seen or json.loads(r["value"]).get("suspect"):
            continue
        seen.add(r["key"])
        yield r["key"]


def linked_entities(db: sqlite3.Connection, key: str) -> list[dict[str, Any]]:
    """Return the actors and casinos named in the same sentence as the wallet."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    lookups.fetch(db, "mentioned", [key])
    # In reading order, so the answer does not hang on the order rows were stored in.
    places = db.execute(
        "SELECT m.document_id, m.page, m.sentence FROM mentions m "
        "JOIN documents d ON d.id = m.document_id WHERE m.type = 'wallet' AND m.key = ? "
        "GROUP BY m.document_id, m.page, m.sentence ORDER BY min(d.source), m.page, min(m.start)",
        (key,),
    ).fetchall()
    lookups.fetch(db, "on_pages", [(w["document_id"], w["page"]) for w in places], LINKED_TYPES)
    for w in places:
        for r in db.execute(
            "SELECT m.type, m.text, coalesce(e.name, m.text) AS name, e.kind, m.entity_id "
            "FROM mentions m LEFT JOIN entities e ON e.id = m.entity_id "
            f"WHERE m.document_id = ? AND m.page = ? AND m.sentence = ? "
            f"AND m.type IN ({lookups.marks(list(LINKED_TYPES))}) ORDER BY m.start",
            (w["document_id"], w["page"], w["sentence"], *LINKED_TYPES),
        ):
            item = found.setdefault(
                (r["type"], r["name"]),
                {
                    "type": r["type"],
                    "name": r["name"],
                    "kind": r["kind"],
                    "entity_id": r["entity_id"],
                    "documents": [],
                },
            )
            if w["document_id"] not in item["documents"]:
                item["documents"].append(w["document_id"])
    return list(found.values())


def wallet_record(db: sqlite3.Connection, key: str, max_hops: int, cap: int) -> dict[str, Any]:
    """Return the cross-reference record of one mentioned wallet."""
    entries = lookups.sanctions(db, [key]).get(key, [])
    documents = documents_of(db, key, entries)
    first = documents[0] if documents else {}
    parties, _ = lookups.counterparties(db, key, FLAGGED_LIMIT)
    flag_counterparties(db, parties, {d["id"] for d in documents})
    flagged = [
        {
            k: p[k]
            for k in (
                "key",
                "address",
                "sanctioned",
                "sanctions",
                "mentioned_in",
                "tags",
                "sent",
                "received",
            )
        }
        for p in parties
        if p["sanctions"] or any(m["other_document"] for m in p["mentioned_in"])
    ]
    found, truncated = paths_to_sanctioned(db, key, max_hops, cap)
    return {
        "address": first.get("address") or key,
        "key": key,
        "chains": first.get("chains", []),
        "documents": documents,
        "sanctions": entries,
        "sanctioned": any(e["current"] for e in entries),
        "tags": lookups.tags(db, [key]).get(key, []),
        "activity": lookups.activity(db, key),
        "paths_to_sanctioned": found,
        "search_truncated": truncated,
        "flagged_counterparties": flagged,
        "linked_entities": linked_entities(db, key),
        "corroboration": corroborate(db, key),
    }


def iter_xref(
    db: sqlite3.Connection, max_hops: int = 3, cap: int = graph.FRONTIER_CAP
) -> Iterator[dict[str, Any]]:
    """Yield one cross-reference record per wallet mentioned in the corpus."""
    ensure_schema(db)
    for key in list(mentioned_wallets(db)):
        yield wallet_record(db, key, max_hops, cap)
        lookups.fetch(db, "forget")  # a working set drops this wallet's rows before the next


def xref(
    db: sqlite3.Connection, max_hops: int = 3, cap: int = graph.FRONTIER_CAP
) -> dict[str, Any]:
    """Return every mentioned wallet's cross-reference record, with the issues consulted."""
    ensure_schema(db)
    wallets = list(iter_xref(db, max_hops, cap))
    return {
        "wallets": wallets,
        "latest_sanctions_issues": lookups.latest_issues(db),
        "max_hops": max_hops,
    }
