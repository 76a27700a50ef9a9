"""Etherscan-style CSV exports (normal, internal and token transfers), headers mapped by pattern.

Explorers rename columns over time and between chains ("Txhash" / "Transaction Hash",
"DateTime (UTC)" / "UnixTimestamp", "Value_IN(ETH)" / "Value_IN(BNB)" / "TokenValue"), so
each header is reduced to lower-case letters and digits and matched against patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from pipeline.onchain.keys import chain_name
from pipeline.onchain.model import OnchainError, Record, RowError, Skip, Transfer
from pipeline.onchain.reading import ReadContext, guarded
from pipeline.onchain.source import ROW_ERROR, Input, csv_table
from pipeline.onchain.units import FieldError, canonical, parse_amount, parse_int, parse_time

# Field -> patterns over the squashed header ("Value_IN(ETH)" -> "valueineth").
PATTERNS: dict[str, tuple[str, ...]] = {
    "hash": (r"txhash", r"transactionhash", r"hash", r"txnhash"),
    "block": (r"blockno", r"blocknumber", r"block"),
    "unix": (r"unixtimestamp", r"timestamp"),
    "datetime": (r"datetime\w*", r"date\w*time\w*"),
    "from": (r"from",),
    "to": (r"to", r"txto"),
    "contract": (r"contractaddress", r"tokenaddress"),
    "value_in": (r"valuein\w*",),
    "value_out": (r"valueout\w*",),
    "value": (r"tokenvalue", r"value", r"value\w+", r"amount", r"quantity"),
    "symbol": (r"tokensymbol", r"symbol"),
    "usd": (r"usdvaluedayoftx", r"valueusd", r"usdvalue"),
    "price": (r"historical\w*price\w*",),
    "status": (r"status",),
    "errcode": (r"errcode", r"iserror"),
    "parent": (r"parenttxfrom",),
}
# Explorer units and the chains whose native coin they are.
NATIVE = {
    "ETH": "ETH",
    "BNB": "BSC",
    "MATIC": "POLYGON",
    "POL": "POLYGON",
    "AVAX": "AVAX",
    "FTM": "FTM",
    "CELO": "CELO",
    "GLMR": "GLMR",
    "CRO": "CRO",
    "XDAI": "GNOSIS",
}
_UNIT = re.compile(r"\(([A-Za-z]+)\)")


def squash(header: str) -> str:
    """Reduce a header to lower-case letters and digits."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def map_headers(header: list[str]) -> dict[str, str]:
    """Return field -> the header that holds it, first matching pattern wins."""
    found: dict[str, str] = {}
    squashed = {h: squash(h) for h in header}
    for name, patterns in PATTERNS.items():
        for pattern in patterns:
            hit = next(
                (
                    h
                    for h in header
                    if h not in found.values() and re.fullmatch(pattern, squashed[h])
                ),
                None,
            )
            if hit is not None:
                found[name] = hit
                break
    return found


def looks_like(header: list[str]) -> bool:
    """Say whether a CSV header is an explorer export this module reads."""
    fields = map_headers(header)
    has_value = "value" in fields or "value_in" in fields
    return (
        {"hash", "from", "to"} <= set(fields)
        and has_value
        and ("unix" in fields or "datetime" in fields)
    )


def _kind(fields: dict[str, str]) -> str:
    if "symbol" in fields or squash(fields.get("value", "")) == "tokenvalue":
        return "token"
    if "parent" in fields or squash(fields.get("to", "")) == "txto":
        return "internal"
    return "normal"


def _unit(fields: dict[str, str]) -> str:
    for name in ("value_in", "value_out", "value"):
        unit = _UNIT.search(fields.get(name, ""))
        if unit:
            return unit.group(1).upper()
    return "ETH"


def read(handle: Input, ctx: ReadContext) -> Iterator[Record]:
    """Read an explorer CSV export into transfers."""
    header, rows = csv_table(handle.text())
    fields = map_headers(header)
    if not looks_like(header):
        raise OnchainError(
            f"{ctx.source}: not an explorer export (need a hash, From, To, a value and a time "
            f"column; found {', '.join(header)})"
        )
    kind, unit = _kind(fields), _unit(fields)
    chain = ctx.chain or NATIVE.get(unit, unit)
    for line, row in rows:
        if ROW_ERROR in row:
            yield RowError(line, row[ROW_ERROR])
            continue
        yield from guarded(
            line,
            lambda row=row: _build(row, fields, kind, chain, unit, ctx),  # type: ignore[misc]
        )


def _get(row: dict[str, str], fields: dict[str, str], name: str) -> str:
    column = fields.get(name)
    return row.get(column, "").strip() if column else ""


def _build(
    row: dict[str, str],
    fields: dict[str, str],
    kind: str,
    chain: str,
    unit: str,
    ctx: ReadContext,
) -> Iterator[Record]:
    status = _get(row, fields, "status").lower()
    if "error" in status or "fail" in status or _get(row, fields, "errcode") not in ("", "0"):
        yield Skip("failed transaction")
        return
    tx_hash = _get(row, fields, "hash").lower()
    source, target = _get(row, fields, "from"), _get(row, fields, "to")
    if not tx_hash or not source or not target:
        raise FieldError("the hash, From or To field is empty")
    amount = _amount(row, fields)
    if amount == "0":
        yield Skip("zero amount")
        return
    unix = _get(row, fields, "unix")
    when = parse_time(unix, "UnixTimestamp") if unix else None
    if when is None and _get(row, fields, "datetime"):
        when = parse_time(_get(row, fields, "datetime"), "DateTime")
    if kind == "normal":
        asset, leg = unit, "tx"
    else:
        contract = _get(row, fields, "contract").lower()
        asset = (_get(row, fields, "symbol") or contract or unit).upper()
        # No log or trace index in these exports: the leg is named by its content, so the
        # same transfer exported from the sender's and the receiver's page is stored once.
        leg = ctx.legs(kind, tx_hash, contract, source, target, amount)
    yield Transfer(
        chain=chain_name(chain),
        tx_hash=tx_hash,
        leg=leg,
        block_time=when,
        block_number=parse_int(_get(row, fields, "block"), "Blockno"),
        from_address=source,
        to_address=target,
        asset=asset,
        amount=amount,
        amount_usd=_usd(row, fields, amount),
        source=ctx.source,
    )


def _amount(row: dict[str, str], fields: dict[str, str]) -> str:
    values = [_get(row, fields, name) for name in ("value_in", "value_out", "value")]
    amounts = [parse_amount(v, "value", grouped=True) for v in values if v]
    if not amounts:
        raise FieldError("no value field is filled")
    # Normal exports fill Value_IN or Value_OUT, seen from the exported address; one is 0.
    return max(amounts, key=lambda a: float(a))


def _usd(row: dict[str, str], fields: dict[str, str], amount: str) -> str | None:
    usd = _get(row, fields, "usd").lstrip("$")
    if usd:
        try:
            return parse_amount(usd, "USD value", grouped=True)
        except FieldError:
            return None
    price = _get(row, fields, "price").lstrip("$")
    if price:
        try:
            value = Decimal(amount) * Decimal(parse_amount(price, "price", grouped=True))
            return canonical(value.quantize(Decimal("0.01")))
        except FieldError:
            return None
    return None
