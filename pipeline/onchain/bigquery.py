"""Google BigQuery public-dataset exports: crypto_bitcoin and crypto_ethereum tables.

Bitcoin rows become inputs and outputs (UtxoLeg); storage derives approximate from/to edges
once both sides of a transaction are in. Ethereum transactions and token transfers become
transfers directly; token values are scaled by the token's decimals when the row has a
`decimals` field or the tokens table was imported first, and kept in base units otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pipeline.onchain.keys import chain_name
from pipeline.onchain.model import Record, RowError, Skip, Token, Transfer, UtxoLeg
from pipeline.onchain.reading import ReadContext, field_of, guarded
from pipeline.onchain.source import Input, records
from pipeline.onchain.units import FieldError, parse_int, parse_time, scale

NATIVE_ASSET = {"ETH": "ETH", "POLYGON": "MATIC", "BSC": "BNB", "ETC": "ETC", "AVAX": "AVAX"}
SATOSHI_DECIMALS = 8
WEI_DECIMALS = 18

RowBuilder = Callable[[dict[str, Any], ReadContext], Iterator[Record]]


def _read_with(build: RowBuilder) -> Callable[[Input, ReadContext], Iterator[Record]]:
    def read(handle: Input, ctx: ReadContext) -> Iterator[Record]:
        for line, row in records(handle):
            if isinstance(row, str):
                yield RowError(line, row)
                continue
            yield from guarded(line, lambda row=row: build(row, ctx))  # type: ignore[misc]

    read.__doc__ = build.__doc__
    return read


def _time(row: dict[str, Any]) -> str | None:
    value = field_of(row, "block_timestamp", required=False)
    return parse_time(value, "block_timestamp") if value else None


def _block(row: dict[str, Any]) -> int | None:
    return parse_int(field_of(row, "block_number", required=False), "block_number")


def _single_address(item: dict[str, Any]) -> str | None:
    addresses = item.get("addresses") or []
    if isinstance(addresses, str):  # a CSV cell, or an exporter that flattened the list
        addresses = [a for a in addresses.strip("[]").replace('"', "").split(",") if a]
    return str(addresses[0]).strip() if len(addresses) == 1 else None


def _leg(
    item: dict[str, Any],
    side: str,
    tx: str,
    when: str | None,
    block: int | None,
    ctx: ReadContext,
    chain: str,
) -> Record:
    address = _single_address(item)
    if address is None:
        return Skip(f"{side}put without a single address (multisig or nonstandard)")
    index = parse_int(str(item.get("index", "")), f"{side}put index")
    if index is None:
        raise FieldError(f"{side}put index is missing")
    value = scale(str(item.get("value", "")), SATOSHI_DECIMALS, f"{side}put value")
    return UtxoLeg(chain, tx, side, index, address, value, when, block, ctx.source)


def btc_transactions(row: dict[str, Any], ctx: ReadContext) -> Iterator[Record]:
    """Read crypto_bitcoin.transactions rows with nested inputs and outputs."""
    chain = chain_name(ctx.chain or "BTC")
    tx = field_of(row, "hash").lower()
    when, block = _time(row), _block(row)
    inputs, outputs = row.get("inputs") or [], row.get("outputs") or []
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise FieldError("inputs and outputs must be lists")
    for item in inputs:
        yield _leg(item, "in", tx, when, block, ctx, chain)
    for item in outputs:
        yield _leg(item, "out", tx, when, block, ctx, chain)


def btc_inputs(row: dict[str, Any], ctx: ReadContext) -> Iterator[Record]:
    """Read crypto_bitcoin.inputs rows."""
    chain = chain_name(ctx.chain or "BTC")
    tx = field_of(row, "transaction_hash").lower()
    yield _leg(row, "in", tx, _time(row), _block(row), ctx, chain)


def btc_outputs(row: dict[str, Any], ctx: ReadContext) -> Iterator[Record]:
    """Read crypto_bitcoin.outputs rows."""
    chain = chain_name(ctx.chain or "BTC")
    tx = field_of(row, "transaction_hash").lower()
    yield _leg(row, "out", tx, _time(row), _block(row), ctx, chain)


def eth_transactions(row: dict[str, Any], ctx: ReadContext) -> Iterator[Record]:
    """Read crypto_ethereum.transactions rows: the native value each one moved."""
    chain = chain_name(ctx.chain or "ETH")
    if field_of(row, "receipt_status", required=False) == "0":
        yield Skip("failed transaction")
        return
    amount = scale(field_of(row, "value"), WEI_DECIMALS)
    if amount == "0":
        yield Skip("zero amount")
        return
    target = field_of(row, "to_address", required=False) or field_of(
        row, "receipt_contract_address"
    )
    yield Transfer(
        chain,
        field_of(row, "hash").lower(),
        "tx",
        _time(row),
        _block(row),
        field_of(row, "from_address"),
        target,
        NATIVE_ASSET.get(chain, chain),
        amount,
        None,
        ctx.source,
    )


def eth_token_transfers(row: dict[str, Any], ctx: ReadContext) -> Iterator[Record]:
    """Read crypto_ethereum.token_transfers rows, scaled by token decimals where known."""
    chain = chain_name(ctx.chain or "ETH")
    token = field_of(row, "token_address").lower()
    raw = field_of(row, "value")
    decimals_text = field_of(row, "decimals", required=False)
    known = ctx.token(chain, token)
    symbol = field_of(row, "symbol", required=False) or (known.symbol if known else None)
    decimals = parse_int(decimals_text, "decimals") if decimals_text else None
    if decimals is None and known is not None:
        decimals = known.decimals
    if decimals is None:
        ctx.note(
            "some token transfers had no decimals: they are stored in base units under the "
            "asset RAW:<token address>; export them joined with crypto_ethereum.tokens "
            "(decimals, symbol), or import the tokens table first, to scale them"
        )
        asset, amount = f"RAW:{token}", scale(raw, 0)
    else:
        asset, amount = (symbol or token).upper(), scale(raw, decimals)
    if amount == "0":
        yield Skip("zero amount")
        return
    tx_hash = field_of(row, "transaction_hash").lower()
    source, target = field_of(row, "from_address"), field_of(row, "to_address")
    # Named by content, not log_index, so that the same transfer from an explorer export
    # (which has no log index) is recognised and stored once.
    leg = ctx.legs("token", tx_hash, token, source, target, amount)
    yield Transfer(
        chain,
        tx_hash,
        leg,
        _time(row),
        _block(row),
        source,
        target,
        asset,
        amount,
        None,
        ctx.source,
    )


def eth_tokens(row: dict[str, Any], ctx: ReadContext) -> Iterator[Record]:
    """Read crypto_ethereum.tokens rows: symbol and decimals per token contract."""
    chain = chain_name(ctx.chain or "ETH")
    decimals = field_of(row, "decimals", required=False)
    yield Token(
        chain,
        field_of(row, "address").lower(),
        field_of(row, "symbol", required=False) or None,
        parse_int(decimals, "decimals") if decimals else None,
    )


read_btc_transactions = _read_with(btc_transactions)
read_btc_inputs = _read_with(btc_inputs)
read_btc_outputs = _read_with(btc_outputs)
read_eth_transactions = _read_with(eth_transactions)
read_eth_token_transfers = _read_with(eth_token_transfers)
read_eth_tokens = _read_with(eth_tokens)
