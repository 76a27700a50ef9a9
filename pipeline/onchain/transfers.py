"""The normalised transfers format, as CSV with a header or as JSON lines.

Columns: chain, tx_hash, leg, block_time, block_number, from_address, to_address, asset,
amount, amount_usd, source. `amount` is a decimal string in asset units; `amount_usd`,
`block_number` and `source` may be empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pipeline.onchain.keys import address_problem, chain_name
from pipeline.onchain.model import OnchainError, Record, RowError, Skip, Transfer
from pipeline.onchain.reading import ReadContext, field_of, guarded
from pipeline.onchain.source import ROW_ERROR, Input, csv_table, json_lines
from pipeline.onchain.units import FieldError, parse_amount, parse_int, parse_time

COLUMNS = (
    "chain",
    "tx_hash",
    "leg",
    "block_time",
    "block_number",
    "from_address",
    "to_address",
    "asset",
    "amount",
    "amount_usd",
    "source",
)
REQUIRED = ("chain", "tx_hash", "leg", "from_address", "to_address", "asset", "amount")
OPTIONAL_COLUMNS = frozenset({"amount_usd", "block_number", "source"})
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]+")


def tx_hash_key(value: str) -> str:
    """Return a transaction hash in one case: hex hashes are lower case."""
    return value.lower() if _HEX.fullmatch(value) else value


def build_transfer(row: dict[str, Any], source: str) -> Iterator[Record]:
    """Validate one normalised row into a Transfer (or a Skip for a zero amount)."""
    amount = parse_amount(field_of(row, "amount"))
    if amount == "0":
        # Zero-value transfers move nothing; they are also how address poisoning works.
        yield Skip("zero amount")
        return
    usd = field_of(row, "amount_usd", required=False)
    when = field_of(row, "block_time", required=False)
    chain = chain_name(field_of(row, "chain"))
    for name in ("from_address", "to_address"):
        value = field_of(row, name)
        problem = address_problem(value, chain)
        if problem:
            # What cannot be an address on the row's chain means a broken export, not money.
            raise FieldError(f"{name} {value!r} {problem}")
    yield Transfer(
        chain=chain,
        tx_hash=tx_hash_key(field_of(row, "tx_hash")),
        leg=field_of(row, "leg"),
        block_time=parse_time(when, "block_time") if when else None,
        block_number=parse_int(field_of(row, "block_number", required=False), "block_number"),
        from_address=field_of(row, "from_address"),
        to_address=field_of(row, "to_address"),
        asset=field_of(row, "asset").upper(),
        amount=amount,
        amount_usd=parse_amount(usd, "amount_usd") if usd else None,
        source=field_of(row, "source", required=False) or source,
    )


def read_csv(handle: Input, ctx: ReadContext) -> Iterator[Record]:
    """Read the normalised CSV; the header must name every column except optional ones."""
    header, rows = csv_table(handle.text())
    _check_header(header, ctx)
    for line, row in rows:
        if ROW_ERROR in row:
            yield RowError(line, row[ROW_ERROR])
            continue
        yield from guarded(line, lambda row=row: build_transfer(row, ctx.source))  # type: ignore[misc]


def _check_header(names: list[str], ctx: ReadContext) -> None:
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL_COLUMNS]
    if missing:
        raise OnchainError(
            f"{ctx.source}: the header lacks {', '.join(missing)}; a transfers CSV has the "
            f"columns {','.join(COLUMNS)}"
        )
    extra = [n for n in names if n not in COLUMNS]
    if extra:
        ctx.note(f"columns not in the transfers format were ignored: {', '.join(extra)}")


def read_jsonl(handle: Input, ctx: ReadContext) -> Iterator[Record]:
    """Read normalised transfers as one JSON object per line."""
    for line, item in json_lines(handle.text()):
        if isinstance(item, str):
            yield RowError(line, item)
            continue
        yield from guarded(line, lambda item=item: build_transfer(item, ctx.source))  # type: ignore[misc]
