"""Typed relations read from the rows of wallet annexes and transaction tables.

A row with a holder and an address says the holder `holds` the wallet; a row with a sender
and a recipient address says the first was `sent_to` the second, and one with a named
originator and beneficiary (in a table that also lists addresses) that the first `paid` the
second. The amount, date and chain
of the row go in the relation's attributes, the row's text is its evidence sentence, and
every cell keeps its page, row, column and bounding box.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pipeline.extract.money import find_amounts
from pipeline.extract.names import normalise
from pipeline.extract.tables import Cell, Row
from pipeline.ids import stable_id
from pipeline.records import Document, Mention, Relation

if TYPE_CHECKING:
    from pipeline.link import Linked


def _squeeze(text: str) -> str:
    return "".join(text.split()).lower()


def _wallet(cell: Cell | None, mentions: list[Mention]) -> Mention | None:
    if cell is None:
        return None
    address = _squeeze(cell.text)
    for m in mentions:
        if m.type == "wallet" and _squeeze(str(m.value.get("address", m.text))) == address:
            return m
    return None


def _named(cell: Cell | None, mentions: list[Mention]) -> Mention | None:
    """Return the actor or casino mention the holder cell names."""
    if cell is None:
        return None
    wanted = normalise(cell.text)
    named = [m for m in mentions if m.type in ("actor", "casino") and normalise(m.text)]
    exact = [m for m in named if normalise(m.text) == wanted]
    inside = [m for m in named if f" {normalise(m.text)} " in f" {wanted} "]
    found = exact or sorted(inside, key=lambda m: -len(m.text))
    return found[0] if found else None


def _amount(cell: Cell | None, chain: Cell | None) -> dict[str, Any]:
    if cell is None:
        return {}
    text = " ".join(cell.text.split())
    hits = find_amounts(text)
    if hits:
        hit = hits[0]
        value = {"value": hit.value, "min": hit.min, "max": hit.max, "currency": hit.currency}
        return {"amount": {k: v for k, v in value.items() if v is not None} | {"text": text}}
    number = text.replace(",", "").split(" ")[0]
    try:
        parsed: dict[str, Any] = {"value": float(number)}
    except ValueError:
        parsed = {}
    unit = text.split(" ", 1)[1] if " " in text else (chain.text.strip() if chain else "")
    if unit:
        parsed["currency"] = unit.upper()
    return {"amount": {**parsed, "text": text}}


def _cells(row: Row) -> dict[str, Any]:
    return {
        role: {
            "text": " ".join(cell.text.split()),
            "page": row.page,
            "table": row.table,
            "row": row.index,
            "column": cell.column,
            "bbox": [round(v, 1) for v in cell.bbox] if cell.bbox else None,
        }
        for role, cell in row.cells.items()
    }


def _attributes(row: Row) -> dict[str, Any]:
    cells = row.cells
    attributes: dict[str, Any] = {"source": "table", "cells": _cells(row)}
    attributes |= _amount(cells.get("amount"), cells.get("chain"))
    if "date" in cells:
        attributes["date"] = " ".join(cells["date"].text.split())
    if "chain" in cells:
        attributes["chain"] = " ".join(cells["chain"].text.split())
    return attributes


def _relation(
    document: Document, predicate: str, subject: Mention, obj: Mention, row: Row
) -> Relation:
    rid = stable_id(document.id, predicate, subject.entity_id, obj.entity_id, "table", row.text)
    return Relation(
        f"r-{rid}",
        str(subject.entity_id),
        predicate,
        str(obj.entity_id),
        (subject.id, obj.id),
        document.id,
        row.page,
        row.text,
        1,
        _attributes(row),
    )


def table_relations(document: Document, mentions: list[Mention], rows: list[Row]) -> list[Relation]:
    """Return the `holds`, `sent_to` and `paid` relations that the table rows state."""
    by_page: dict[int, list[Mention]] = {}
    for m in mentions:
        if m.entity_id and not m.value.get("suspect"):
            by_page.setdefault(m.page, []).append(m)
    found: dict[str, Relation] = {}
    for row in rows:
        near = by_page.get(row.page, [])
        wallet = _wallet(row.cells.get("address"), near)
        holder = _named(row.cells.get("holder"), near)
        if wallet is not None and holder is not None:
            rel = _relation(document, "holds", holder, wallet, row)
            found.setdefault(rel.id, rel)
        sender = _wallet(row.cells.get("from"), near)
        recipient = _wallet(row.cells.get("to"), near)
        predicate = "sent_to"
        if sender is None and recipient is None:
            # Originator and beneficiary named, not addressed: one party paid the other.
            sender, recipient = (
                _named(row.cells.get("from"), near),
                _named(row.cells.get("to"), near),
            )
            predicate = "paid"
        if sender is not None and recipient is not None and sender.entity_id != recipient.entity_id:
            rel = _relation(document, predicate, sender, recipient, row)
            found.setdefault(rel.id, rel)
    return list(found.values())


def add_table_relations(document: Document, data: bytes, linked: Linked) -> Linked:
    """Return the linked records with the relations read from the PDF's address tables."""
    from pipeline.extract.tables import find_rows, table_pages

    pages = table_pages(document, linked.mentions)
    if document.kind != "pdf" or not pages:
        return linked
    rows = find_rows(data, pages)
    extra = table_relations(document, linked.mentions, rows)
    return replace(linked, relations=[*linked.relations, *extra]) if extra else linked
