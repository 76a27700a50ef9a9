"""Exact decimal amounts and UTC timestamps, parsed the same way by every importer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation, localcontext

_DECIMAL = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_INTEGER = re.compile(r"\d+")
_EPOCH = re.compile(r"\d{9,10}(?:\.\d+)?|\d{12,13}")
# Enough digits for any token amount: 78-digit uint256 values scaled by up to 36 decimals.
PRECISION = 100


class FieldError(ValueError):
    """A field could not be read; the message says which and why."""


def canonical(value: Decimal) -> str:
    """Write a decimal without exponent or trailing zeros ('1.50' -> '1.5')."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def parse_amount(text: str, field: str = "amount", grouped: bool = False) -> str:
    """Read a non-negative decimal string exactly; `grouped` allows thousands separators."""
    raw = text.strip()
    if grouped:
        raw = raw.replace(",", "").replace(" ", "")
    if not _DECIMAL.fullmatch(raw):
        raise FieldError(f"{field} {text!r} is not a non-negative decimal number")
    return canonical(Decimal(raw))


def scale(raw: str, decimals: int, field: str = "value") -> str:
    """Divide an integer count of base units by 10**decimals, exactly."""
    text = raw.strip()
    if text.endswith(".0"):  # some exporters write integers as floats
        text = text[:-2]
    if not _INTEGER.fullmatch(text):
        raise FieldError(f"{field} {raw!r} is not a whole number of base units")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return canonical(Decimal(text).scaleb(-decimals))


def amount_float(amount: str) -> float:
    """Return an amount as a float, for ranking and tolerance checks (sums stay exact)."""
    try:
        return float(Decimal(amount))
    except InvalidOperation as exc:
        raise FieldError(f"amount {amount!r} is not a number") from exc


def parse_time(text: str, field: str = "time") -> str:
    """Read a timestamp (ISO 8601, 'YYYY-MM-DD HH:MM:SS UTC' or Unix seconds) as ISO UTC."""
    raw = text.strip()
    if not raw:
        raise FieldError(f"{field} is empty")
    if _EPOCH.fullmatch(raw):
        seconds = float(raw) / (1000 if len(raw) >= 12 else 1)
        moment = datetime.fromtimestamp(seconds, UTC)
    else:
        cleaned = raw.removesuffix(" UTC").removesuffix("UTC").strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(cleaned)
        except ValueError as exc:
            raise FieldError(f"{field} {text!r} is not a date and time") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # exports write UTC without saying so
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_int(text: str, field: str) -> int | None:
    """Read an optional whole number; empty means absent."""
    raw = text.strip()
    if not raw:
        return None
    if not _INTEGER.fullmatch(raw):
        raise FieldError(f"{field} {text!r} is not a whole number")
    return int(raw)
