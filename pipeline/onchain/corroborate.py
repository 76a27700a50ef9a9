"""Check amounts and dates that documents state near a wallet against its transfers.

"1,580 BTC in August 2023" beside a wallet is matched when one of the wallet's transfers, or
the sum of its transfers in one direction within the date window, comes within AMOUNT_TOLERANCE
of the amount; the window is the stated day or month widened by DATE_TOLERANCE_DAYS.
"""

from __future__ import annotations

import calendar
import json
import re
import sqlite3
from datetime import date, timedelta
from typing import Any

from pipeline.onchain.lookups import fetch, marks
from pipeline.store.sqlite.onchain import ensure_schema

AMOUNT_TOLERANCE = 0.01
DATE_TOLERANCE_DAYS = 3
NEAR_CHARS = 300
# The transfers a verdict weighs, per direction: the earliest ones in the window.
VERDICT_ROWS = 10_000
ASSET_ALIASES = {"XBT": "BTC"}
_MONTHS = (
    {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
    | {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
_MONTH = (
    r"(January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_DATES = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})\b"), ("d", "M", "y")),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"), ("M", "d", "y")),
    (re.compile(rf"\b{_MONTH},?\s+(\d{{4}})\b"), ("M", "y")),
)


def find_dates(text: str) -> list[tuple[int, date, date, str]]:
    """Return (offset, first day, last day, text) for each day or month the text names."""
    found: list[tuple[int, date, date, str]] = []
    taken: list[range] = []
    for pattern, order in _DATES:  # most precise first; a month inside a full date is skipped
        for match in pattern.finditer(text):
            if any(match.start() in span for span in taken):
                continue
            # Taken even when invalid: "31 February 2023" must not be read as a month.
            taken.append(range(match.start(), match.end()))
            parts = dict(zip(order, match.groups(), strict=True))
            try:
                year = int(parts["y"])
                month = int(parts["m"]) if "m" in parts else _MONTHS[parts["M"].lower()]
                if "d" in parts:
                    first = last = date(year, month, int(parts["d"]))
                else:
                    first = date(year, month, 1)
                    last = date(year, month, calendar.monthrange(year, month)[1])
            except (ValueError, KeyError):
                continue
            found.append((match.start(), first, last, match.group()))
    return sorted(found)


def _window(amount: dict[str, Any], wallet: dict[str, Any]) -> tuple[date, date, str] | None:
    """Pick the date nearest the amount in its sentence, else in the wallet's sentence."""
    for sentence, anchor in ((amount["sentence"], amount["text"]), (wallet["sentence"], "")):
        dates = find_dates(sentence)
        if dates:
            at = max(sentence.find(anchor), 0) if anchor else 0
            _, first, last, text = min(dates, key=lambda d: abs(d[0] - at))
            pad = timedelta(days=DATE_TOLERANCE_DAYS)
            return first - pad, last + pad, text
    return None


def _gap(a: dict[str, Any], w: dict[str, Any]) -> int:
    return max(a["start"] - w["end"], w["start"] - a["end"], 0)


def _owners(amount: dict[str, Any], wallets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the wallet mentions an amount speaks of: every wallet of its sentence ("1,580
    ETH from A to B"), else the nearest one within NEAR_CHARS."""
    same = [w for w in wallets if w["document_id"] == amount["document_id"]]
    in_sentence = [w for w in same if w["sentence"] == amount["sentence"]]
    if in_sentence:
        return in_sentence
    nearby = [w for w in same if _gap(amount, w) <= NEAR_CHARS]
    return [min(nearby, key=lambda w: _gap(amount, w))] if nearby else []


def _bounds(value: dict[str, Any]) -> tuple[float, float] | None:
    low = value.get("value", value.get("min"))
    high = value.get("value", value.get("max"))
    if low is None or high is None:
        return None
    return float(low) * (1 - AMOUNT_TOLERANCE), float(high) * (1 + AMOUNT_TOLERANCE)


def corroborate(db: sqlite3.Connection, key: str) -> list[dict[str, Any]]:
    """Return one verdict per document amount stated near a mention of the wallet."""
    ensure_schema(db)
    fetch(db, "mentioned", [key])
    mine = db.execute(
        "SELECT DISTINCT document_id FROM mentions WHERE type = 'wallet' AND key = ?", (key,)
    ).fetchall()
    docs = sorted(r[0] for r in mine)
    if not docs:
        return []
    fetch(db, "in_documents", docs, ("wallet", "amount"))
    wallets = [
        dict(r)
        for r in db.execute(
            'SELECT key, document_id, page, start, "end", sentence FROM mentions '
            f"WHERE type = 'wallet' AND document_id IN ({marks(docs)})",
            docs,
        )
    ]
    amounts = [
        dict(r)
        for r in db.execute(
            'SELECT id, document_id, page, start, "end", text, sentence, value FROM mentions '
            f"WHERE type = 'amount' AND document_id IN ({marks(docs)}) ORDER BY document_id, start",
            docs,
        )
    ]
    fetch(db, "any_transfer", key)
    has_transfers = db.execute(
        "SELECT EXISTS (SELECT 1 FROM transfers WHERE from_key = ?) OR "
        "EXISTS (SELECT 1 FROM transfers WHERE to_key = ?)",
        (key, key),
    ).fetchone()[0]
    verdicts = []
    for amount in amounts:
        wallet = next((w for w in _owners(amount, wallets) if w["key"] == key), None)
        if wallet is not None:
            verdicts.append(_verdict(db, key, amount, wallet, bool(has_transfers)))
    return verdicts


def _verdict(
    db: sqlite3.Connection,
    key: str,
    amount: dict[str, Any],
    wallet: dict[str, Any],
    has_transfers: bool,
) -> dict[str, Any]:
    value = json.loads(amount["value"])
    currency = ASSET_ALIASES.get(str(value.get("currency", "")).upper(), value.get("currency"))
    window = _window(amount, wallet)
    verdict: dict[str, Any] = {
        "document_id": amount["document_id"],
        "page": amount["page"],
        "text": amount["text"],
        "amount": {k: value[k] for k in ("value", "min", "max") if k in value},
        "currency": currency,
        "date": window[2] if window else None,
        "window": [window[0].isoformat(), window[1].isoformat()] if window else None,
        "matched": False,
        "matched_by": None,
        "transfers": [],
    }
    bounds = _bounds(value)
    if not has_transfers:
        verdict["reason"] = "no transfers of this wallet are imported"
        return verdict
    if bounds is None or not currency:
        verdict["reason"] = "the amount has no single value or currency"
        return verdict
    column = "amount_usd" if currency == "USD" else "amount"
    asset = None if currency == "USD" else currency
    where = "asset = ? AND " if asset else "amount_usd IS NOT NULL AND "
    params: list[Any] = [asset] if asset else []
    period = None
    if window:
        period = (window[0].isoformat(), (window[1] + timedelta(days=1)).isoformat())
        where += "block_time >= ? AND block_time < ? AND "
        params += list(period)
    rows = []
    for direction, side in (("out", "from_key"), ("in", "to_key")):
        fetch(db, "weighed", side, key, asset, period, VERDICT_ROWS)
        for r in db.execute(
            "SELECT tx_hash, block_time, asset, amount, amount_usd FROM transfers "
            f"WHERE {side} = ? AND {where}1 ORDER BY block_time, tx_hash, leg LIMIT ?",
            [key, *params, VERDICT_ROWS],
        ):
            rows.append({**dict(r), "direction": direction})
    single = [r for r in rows if bounds[0] <= float(r[column]) <= bounds[1]]
    if single:
        verdict.update(matched=True, matched_by="transfer", transfers=single[:10])
    elif window:
        for direction in ("in", "out"):
            legs = [r for r in rows if r["direction"] == direction]
            total = sum(float(r[column]) for r in legs)
            if legs and bounds[0] <= total <= bounds[1]:
                verdict.update(matched=True, matched_by=f"sum_{direction}", transfers=legs[:10])
                break
    if not verdict["matched"]:
        span = f" between {verdict['window'][0]} and {verdict['window'][1]}" if window else ""
        verdict["reason"] = (
            f"no transfer{span} of {currency} within {AMOUNT_TOLERANCE:.0%} of the stated amount"
        )
    return verdict
