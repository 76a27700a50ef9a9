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
    pages = ruled_pages(data, pages)
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


# --- Which pages have ruled tables at all -------------------------------------------------
# pdfplumber lays out every character of a page (pdfminer) before its table finder looks at
# the ruling lines: about 0.1 s a page, on pages that mostly hold prose with amounts. The
# finder's "lines" strategy builds cells from the page's straight path segments alone, so
# the same steps run first on segments read with pypdfium2 (milliseconds), and pdfplumber
# runs only on pages where they form a table of two rows and two columns or more, the least
# `_table_rows` keeps. Every segment pdfplumber turns into an edge is taken, plus near-level
# and near-plumb ones it drops, so a page it would find a table on is not skipped: more edges
# only add intersections and cells. On the 419 real pages in ../shared the check kept the 37
# pages where pdfplumber finds such a table and no other.
_EPSILON = 0.01  # points: a segment this close to level or plumb counts as either
_Affine = tuple[float, float, float, float, float, float]
_IDENTITY: _Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def ruled_pages(data: bytes, pages: list[int]) -> list[int]:
    """Return the pages whose ruling lines could make a table pdfplumber's finder keeps."""
    if not pages:
        return []
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return pages  # let pdfplumber say what is wrong, as before
    try:
        kept = []
        for number in pages:
            if not 1 <= number <= len(pdf):
                continue
            page = pdf[number - 1]
            try:
                if _has_grid(_page_edges(page)):
                    kept.append(number)
            finally:
                page.close()
        return kept
    finally:
        pdf.close()


def _compose(outer: _Affine, inner: _Affine) -> _Affine:
    a, b, c, d, e, f = inner
    oa, ob, oc, od, oe, of = outer
    return (
        oa * a + oc * b,
        ob * a + od * b,
        oa * c + oc * d,
        ob * c + od * d,
        oa * e + oc * f + oe,
        ob * e + od * f + of,
    )


def _page_edges(page: object) -> list[dict[str, object]]:
    """Return the page's level and plumb path segments as pdfplumber edge records (top-down)."""
    import pypdfium2.raw as raw

    height = page.get_height()  # type: ignore[attr-defined]
    handle = page.raw  # type: ignore[attr-defined]
    edges: list[dict[str, object]] = []
    for i in range(raw.FPDFPage_CountObjects(handle)):
        _object_edges(raw.FPDFPage_GetObject(handle, i), _IDENTITY, height, edges)
    return edges


def _object_edges(obj: object, outer: _Affine, height: float, out: list[dict[str, object]]) -> None:
    import ctypes

    import pypdfium2.raw as raw

    kind = raw.FPDFPageObj_GetType(obj)
    if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
        return
    matrix = raw.FS_MATRIX()
    own = _IDENTITY
    if raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix)):
        own = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
    m = _compose(outer, own)
    if kind == raw.FPDF_PAGEOBJ_FORM:
        for i in range(raw.FPDFFormObj_CountObjects(obj)):
            _object_edges(raw.FPDFFormObj_GetObject(obj, i), m, height, out)
        return
    a, b, c, d, e, f = m
    x, y = ctypes.c_float(), ctypes.c_float()
    count = raw.FPDFPath_CountSegments(obj)
    previous: tuple[float, float] | None = None
    # A closepath (h) comes back as a segment to the subpath's start, flagged as closing.
    for i in range(count):
        segment = raw.FPDFPath_GetPathSegment(obj, i)
        raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
        if previous is not None and raw.FPDFPathSegment_GetType(segment) != raw.FPDF_SEGMENT_MOVETO:
            _segment_edge(previous, point, out, slanted=count == 2)
        previous = point


def _segment_edge(
    p: tuple[float, float], q: tuple[float, float], out: list[dict[str, object]], slanted: bool
) -> None:
    """Add one segment as an edge; a lone slanted line counts as plumb, as pdfplumber has it."""
    x0, x1 = min(p[0], q[0]), max(p[0], q[0])
    top, bottom = min(p[1], q[1]), max(p[1], q[1])
    if bottom - top <= _EPSILON:
        out.append(
            {
                "x0": x0,
                "x1": x1,
                "top": top,
                "bottom": top,
                "width": x1 - x0,
                "height": 0.0,
                "orientation": "h",
            }
        )
    if x1 - x0 <= _EPSILON or slanted:
        out.append(
            {
                "x0": x0,
                "x1": x0 if not slanted else x1,
                "top": top,
                "bottom": bottom,
                "width": 0.0,
                "height": bottom - top,
                "orientation": "v",
            }
        )


def _has_grid(edges: list[dict[str, object]]) -> bool:
    """Say whether pdfplumber's default lines settings would build a 2 x 2 table from edges."""
    try:
        from pdfplumber.table import (
            TableSettings,
            cells_to_tables,
            edges_to_intersections,
            intersections_to_cells,
            merge_edges,
        )
        from pdfplumber.utils import filter_edges
    except ImportError:
        return True  # a pdfplumber without these steps: let its finder look, as before

    settings = TableSettings.resolve(None)  # find_tables() with no settings
    edges = filter_edges(edges, min_length=settings.edge_min_length_prefilter)
    level = [e for e in edges if e["orientation"] == "h"]
    plumb = [e for e in edges if e["orientation"] == "v"]
    if len(level) < 3 or len(plumb) < 3:
        return False  # two rows and two columns need three lines each way
    merged = merge_edges(
        edges,
        snap_x_tolerance=settings.snap_x_tolerance,
        snap_y_tolerance=settings.snap_y_tolerance,
        join_x_tolerance=settings.join_x_tolerance,
        join_y_tolerance=settings.join_y_tolerance,
    )
    merged = filter_edges(merged, min_length=settings.edge_min_length)
    points = edges_to_intersections(
        merged, settings.intersection_x_tolerance, settings.intersection_y_tolerance
    )
    for cells in cells_to_tables(intersections_to_cells(points)):
        if len({c[1] for c in cells}) >= 2 and len({c[0] for c in cells}) >= 2:
            return True
    return False
