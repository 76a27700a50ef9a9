"""Wallet annexes and transaction tables in PDFs, read as rows of typed cells.

pdfplumber's table finder is slow, so it runs only on pages where the extractor already
found addresses or amounts clustering. A table counts when one of its columns holds valid
addresses; each cell keeps its page, row, column and bounding box, so every value read from
it can be cited.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass

from pipeline.extract.addresses import validate
from pipeline.records import Document, Mention

# A page is searched for tables when it holds this many wallet mentions, or this many amounts.
MIN_WALLETS = 3
MIN_AMOUNTS = 4
# Column roles from header words, tried in order. "Source" (of an attribution) and "Held at"
# (a custodian) are not holders; a sender or recipient header must start with its word.
_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "holder",
        re.compile(
            r"\b(?:holder|owner|person|individual|entity|attributed\s+to|controll?ed\s+by|"
            r"held\s+by|user|customer)\b",
            re.I,
        ),
    ),
    ("from", re.compile(r"^\s*(?:from|sender|originator|payer|remitter)\b", re.I)),
    ("to", re.compile(r"^\s*(?:to|recipient|receiver|beneficiary|payee|destination)\b", re.I)),
    ("amount", re.compile(r"\b(?:amount|value|sum|total|received|sent|balance|usd)\b", re.I)),
    ("date", re.compile(r"\b(?:date|time|day)\b", re.I)),
    ("chain", re.compile(r"\b(?:chain|network|blockchain|currency|asset|token|coin)\b", re.I)),
    ("address", re.compile(r"\b(?:address|wallet)", re.I)),
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text and where it is on the page (x0, top, x1, bottom, points)."""

    text: str
    column: int
    bbox: tuple[float, float, float, float] | None


@dataclass(frozen=True, slots=True)
class Row:
    """One data row of a table, its cells keyed by column role (address, holder, amount ...)."""

    page: int
    table: int
    index: int
    cells: dict[str, Cell]
    text: str


def table_pages(document: Document, mentions: list[Mention]) -> list[int]:
    """Return the pages where addresses or amounts cluster: the only ones worth a table search."""
    wallets = Counter(m.page for m in mentions if m.type == "wallet")
    amounts = Counter(m.page for m in mentions if m.type == "amount")
    return sorted(
        p.number
        for p in document.pages
        if wallets[p.number] >= MIN_WALLETS or amounts[p.number] >= MIN_AMOUNTS
    )


def _role(header: str) -> str | None:
    for role, pattern in _ROLES:
        if pattern.search(header):
            return role
    return None


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


def is_address(text: str) -> bool:
    """Say whether a cell holds one valid address (its line wraps removed)."""
    squeezed = "".join(text.split())
    check = validate(squeezed) if 20 <= len(squeezed) <= 110 else None
    return check is not None and check.valid


def _columns(header: list[str], body: list[list[str]]) -> dict[int, str]:
    """Give each column a role from its header; a column of addresses is an address column.

    A sender or recipient column of addresses keeps its role (a transaction table); one of
    names keeps it too (a payment between two parties).
    """
    roles: dict[int, str] = {}
    for column, name in enumerate(header):
        full = sum(1 for r in body if column < len(r) and is_address(r[column]))
        role = _role(name) or ""
        if body and full * 2 >= len(body):
            role = role if role in ("from", "to") else "address"
        elif role == "address":
            role = ""  # the header says address, the cells hold none
        if role and role not in roles.values():
            roles[column] = role
    return roles


def find_rows(data: bytes, pages: list[int]) -> list[Row]:
    """Return the rows of the address tables on the given pages of a PDF."""
    if not pages:
        return []
    import pdfplumber  # slow to import and to run: only for pages that need it

    rows: list[Row] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number in pages:
            page = pdf.pages[number - 1]
            for t_index, table in enumerate(page.find_tables()):
                rows.extend(_table_rows(number, t_index, table))
            page.close()
    return rows


def _table_rows(number: int, t_index: int, table: object) -> list[Row]:
    texts: list[list[str | None]] = table.extract()  # type: ignore[attr-defined]
    boxes = [row.cells for row in table.rows]  # type: ignore[attr-defined]
    if len(texts) < 2 or max(len(r) for r in texts) < 2:
        return []
    header = [_flat(c) for c in texts[0]]
    body = [[c or "" for c in r] for r in texts[1:]]
    roles = _columns(header, body)
    addressed = any(
        all(is_address(r[c]) for r in body if c < len(r) and r[c].strip())
        for c, role in roles.items()
        if role in ("address", "from", "to")
    )
    payments = {"from", "to", "amount"} <= set(roles.values())
    if not (addressed or payments):
        return []  # neither a wallet table nor a table of payments between parties
    out = []
    for i, (values, cells) in enumerate(zip(body, boxes[1:], strict=False), start=1):
        typed = {
            role: Cell(values[c], c, tuple(cells[c]) if cells[c] else None)  # type: ignore[arg-type]
            for c, role in roles.items()
            if c < len(values) and values[c].strip()
        }
        if typed:
            out.append(Row(number, t_index, i, typed, " | ".join(_flat(v) for v in values)))
    return out
