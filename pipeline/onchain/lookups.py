"""Read primitives over the store: sanctions, tags, mentions, activity, counterparties.

Each returns plain dicts keyed by normalised address key; an Elasticsearch version mirrors
these functions, and the report assembly in queries.py stays the same.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

# SQLite's default limit on bound parameters is 999 (older builds); stay well under it.
CHUNK = 500
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    """Yield lists of at most CHUNK distinct keys."""
    batch: list[str] = []
    for key in dict.fromkeys(keys):
        batch.append(key)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def marks(items: list[Any]) -> str:
    """Return '?,?,?' for a list of parameters."""
    return ",".join("?" * len(items))


def document_day(value: str | None) -> str | None:
    """Return a document date as YYYY-MM-DD, or None when it has no day."""
    if value and _ISO_DAY.match(value):
        return value[:10]
    return None


def earliest(a: str | None, b: str | None) -> str | None:
    """Return the earlier of two optional ISO times."""
    return min(a, b) if a and b else a or b


def latest(a: str | None, b: str | None) -> str | None:
    """Return the later of two optional ISO times."""
    return max(a, b) if a and b else a or b


def fetch(db: sqlite3.Connection, hook: str, *args: Any) -> None:
    """Let an Elasticsearch working set load the rows the next statement reads.

    The embedded store has every row already; a working set (pipeline/store/elasticsearch/
    onchain_paths.py) fetches exactly these from the cluster, so the SQL below runs on both.
    """
    load = getattr(db, hook, None)
    if load is not None:
        load(*args)


def latest_issues(db: sqlite3.Connection) -> dict[str, str]:
    """Return each sanctions publication's latest imported issue date."""
    if hasattr(db, "latest_issues"):  # an Elasticsearch working set (onchain_paths.py)
        return db.latest_issues()  # type: ignore[no-any-return]
    return {
        r[0]: r[1]
        for r in db.execute(
            "SELECT publication, max(issue_date) FROM sanctions_issues GROUP BY publication"
        )
    }


def sanctions(db: sqlite3.Connection, keys: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Return, per key, one entry per list and profile, with every issue that listed it."""
    latest = latest_issues(db)
    grouped: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for batch in chunks(keys):
        fetch(db, "listed", batch)
        for r in db.execute(
            "SELECT key, publication, list, profile_id, name, label, issue_date, program, "
            "designated, address FROM sanctions_listings "
            f"WHERE key IN ({marks(batch)}) ORDER BY issue_date",
            batch,
        ):
            entry = grouped.setdefault(
                (r["key"], r["publication"], r["list"], r["profile_id"]),
                {
                    "list": f"{r['publication']}: {r['list']}",
                    "profile_id": r["profile_id"],
                    "name": r["name"],
                    "program": r["program"],
                    "designated": r["designated"],
                    "address": r["address"],
                    "labels": [],
                    "listed_in": [],
                    "latest_issue": latest.get(r["publication"]),
                },
            )
            entry["name"] = r["name"]  # the newest issue's spelling wins
            if r["label"] not in entry["labels"]:
                entry["labels"].append(r["label"])
            if r["issue_date"] not in entry["listed_in"]:
                entry["listed_in"].append(r["issue_date"])
    out: dict[str, list[dict[str, Any]]] = {}
    for (key, *_), entry in grouped.items():
        entry["current"] = entry["latest_issue"] in entry["listed_in"]
        entry["status"] = _status(entry)
        out.setdefault(key, []).append(entry)
    return out


def _status(entry: dict[str, Any]) -> str:
    listed = ", ".join(entry["listed_in"])
    if entry["current"]:
        return f"listed in {listed} (current)"
    return f"listed in {listed}, absent from the latest ({entry['latest_issue']})"


def tags(db: sqlite3.Connection, keys: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Return the attribution tags of each key."""
    out: dict[str, list[dict[str, Any]]] = {}
    for batch in chunks(keys):
        fetch(db, "tagged", batch)
        for r in db.execute(
            "SELECT key, label, actor, category, source, confidence, currency, pack "
            f"FROM address_tags WHERE key IN ({marks(batch)}) ORDER BY label",
            batch,
        ):
            item = dict(r)
            del item["key"]
            out.setdefault(r["key"], []).append(item)
    return out


def wallet_mentions(db: sqlite3.Connection, keys: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Return, per key, the documents whose (non-suspect) wallet mentions have that key."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for batch in chunks(keys):
        fetch(db, "mentioned", batch)
        for r in db.execute(
            "SELECT m.key, m.document_id, m.page, m.sentence, m.value, d.source, d.title, "
            "d.date FROM mentions m JOIN documents d ON d.id = m.document_id "
            f"WHERE m.type = 'wallet' AND m.key IN ({marks(batch)}) "
            "ORDER BY d.source, m.page, m.start",
            batch,
        ):
            value = json.loads(r["value"])
            if value.get("suspect"):
                continue
            docs = out.setdefault(r["key"], {})
            doc = docs.setdefault(
                r["document_id"],
                {
                    "id": r["document_id"],
                    "source": r["source"],
                    "title": r["title"],
                    "date": r["date"],
                    "address": value.get("address"),
                    "chains": value.get("chains", []),
                    "pages": [],
                    "sentences": [],
                },
            )
            if r["page"] not in doc["pages"]:
                doc["pages"].append(r["page"])
            if r["sentence"] not in doc["sentences"]:
                doc["sentences"].append(r["sentence"])
    return {key: list(docs.values()) for key, docs in out.items()}


Group = tuple[str, dict[str, Any]]  # (direction, one group's sums), as the SQL below gives


def _asset_groups(db: sqlite3.Connection, key: str) -> Iterator[Group]:
    for direction, column in (("out", "from_key"), ("in", "to_key")):
        for r in db.execute(
            "SELECT asset, decsum(amount) AS total, count(*) AS n, min(block_time) AS first, "
            "max(block_time) AS last, max(approx) AS approx, decsum(amount_usd) AS usd "
            f"FROM transfers WHERE {column} = ? GROUP BY asset",
            (key,),
        ):
            yield direction, dict(r)


def activity(db: sqlite3.Connection, key: str) -> dict[str, Any]:
    """Return first and last seen, and exact totals in and out per asset."""
    in_cluster = getattr(db, "asset_groups", None)  # an Elasticsearch working set sums there
    groups = in_cluster(key) if in_cluster else _asset_groups(db, key)
    assets: dict[str, dict[str, Any]] = {}
    first, last, count, approx = None, None, 0, False
    for direction, r in groups:
        item = assets.setdefault(
            r["asset"],
            {"asset": r["asset"], "in": "0", "out": "0", "transfers_in": 0, "transfers_out": 0},
        )
        item[direction] = r["total"]
        item[f"transfers_{direction}"] = r["n"]
        if r["usd"] != "0":
            item[f"usd_{direction}"] = r["usd"]
        count += r["n"]
        approx = approx or bool(r["approx"])
        first, last = earliest(first, r["first"]), latest(last, r["last"])
    return {
        "transfers": count,
        "first_seen": first,
        "last_seen": last,
        "approximate": approx,
        "assets": sorted(assets.values(), key=lambda a: a["asset"]),
    }


def _ranked_counterparties(db: sqlite3.Connection, key: str, limit: int) -> tuple[list[str], int]:
    total = db.execute(
        "SELECT count(*) FROM (SELECT to_key FROM transfers WHERE from_key = ? "
        "UNION SELECT from_key FROM transfers WHERE to_key = ?)",
        (key, key),
    ).fetchone()[0]
    top = [
        r[0]
        for r in db.execute(
            "SELECT cp FROM (SELECT to_key AS cp, count(*) AS n FROM transfers WHERE from_key = ? "
            "GROUP BY to_key UNION ALL SELECT from_key, count(*) FROM transfers WHERE to_key = ? "
            "GROUP BY from_key) GROUP BY cp ORDER BY sum(n) DESC, cp LIMIT ?",
            (key, key, limit),
        )
    ]
    return top, int(total)


def _counterparty_groups(db: sqlite3.Connection, key: str, top: list[str]) -> Iterator[Group]:
    for direction, mine, theirs in (("sent", "from", "to"), ("received", "to", "from")):
        for batch in chunks(top):
            for r in db.execute(
                f"SELECT {theirs}_key AS cp, coalesce(max({theirs}_address), {theirs}_key) "
                "AS address, asset, decsum(amount) AS total, count(*) AS n, "
                "min(block_time) AS first, max(block_time) AS last FROM transfers "
                f"WHERE {mine}_key = ? AND {theirs}_key IN ({marks(batch)}) "
                f"GROUP BY {theirs}_key, asset",
                [key, *batch],
            ):
                yield direction, dict(r)


def counterparties(
    db: sqlite3.Connection, key: str, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Return the busiest direct counterparties with sums per asset, and how many there are."""
    # An Elasticsearch working set ranks and sums in the cluster.
    ranked = getattr(db, "ranked_counterparties", None)
    top, total = ranked(key, limit) if ranked else _ranked_counterparties(db, key, limit)
    in_cluster = getattr(db, "counterparty_groups", None)
    groups = in_cluster(key, top) if in_cluster else _counterparty_groups(db, key, top)
    found: dict[str, dict[str, Any]] = {}
    for direction, r in groups:
        item = found.setdefault(
            r["cp"],
            {
                "key": r["cp"],
                "address": r["address"],
                "sent": {},
                "received": {},
                "transfers": 0,
                "first": None,
                "last": None,
            },
        )
        item[direction][r["asset"]] = r["total"]
        item["transfers"] += r["n"]
        item["first"] = earliest(item["first"], r["first"])
        item["last"] = latest(item["last"], r["last"])
    return [found[cp] for cp in top if cp in found], total


def transfers_between(
    db: sqlite3.Connection, source: str, target: str, limit: int = 5
) -> tuple[list[dict[str, Any]], int]:
    """Return the earliest transfers from one key to another, and how many there are."""
    if hasattr(db, "between"):  # an Elasticsearch working set (onchain_paths.py)
        return db.between(source, target, limit)  # type: ignore[no-any-return]
    rows = db.execute(
        "SELECT chain, tx_hash, leg, block_time, asset, amount, amount_usd, approx FROM transfers "
        "WHERE from_key = ? AND to_key = ? ORDER BY block_time, tx_hash, leg LIMIT ?",
        (source, target, limit),
    ).fetchall()
    count = db.execute(
        "SELECT count(*) FROM transfers WHERE from_key = ? AND to_key = ?", (source, target)
    ).fetchone()[0]
    return [_transfer(r) for r in rows], count


def _transfer(r: sqlite3.Row) -> dict[str, Any]:
    item = dict(r)
    item["approx"] = bool(item["approx"])
    return item
