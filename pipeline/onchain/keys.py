"""Normalised address keys and chain names, shared by every importer and query.

A key is the one the extractor gives document wallets (pipeline/extract/addresses.py), so that
a wallet in a report, a transfer and a sanctions entry meet on the same string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.addresses import EVM_CHAINS, validate

_EVM = re.compile(r"0x[0-9a-fA-F]{40}")
# Chains whose address shapes the extractor knows. BNB is left out: exports use it both for
# the Beacon chain (bnb1...) and for BNB Smart Chain (0x...).
SHAPED_CHAINS = frozenset(
    (*EVM_CHAINS, "BTC", "BCH", "BSV", "LTC", "DOGE", "XVG", "DASH", "BTG", "ZEC", "TRX", "XRP")
)
_HEXISH = re.compile(r"(?:0[xX])?[0-9a-fA-F]+")

# Names chains go by in exports, explorers and sanctions lists; anything else is upper-cased.
CHAIN_NAMES = {
    "BITCOIN": "BTC",
    "XBT": "BTC",
    "ETHEREUM": "ETH",
    "TRON": "TRX",
    "LITECOIN": "LTC",
    "DOGECOIN": "DOGE",
    "BITCOIN_CASH": "BCH",
    "BITCOIN-CASH": "BCH",
    "BINANCE": "BSC",
    "BNB_SMART_CHAIN": "BSC",
    "MATIC": "POLYGON",
    "POL": "POLYGON",
    "ARBITRUM": "ARB",
    "OPTIMISM": "OP",
    "AVALANCHE": "AVAX",
    "SOLANA": "SOL",
    "MONERO": "XMR",
    "RIPPLE": "XRP",
    "ZCASH": "ZEC",
}


@dataclass(frozen=True, slots=True)
class AddressKey:
    """An address as written, its normalised key and the chains its shape allows."""

    address: str
    key: str
    chains: tuple[str, ...]
    valid: bool


def chain_name(value: str) -> str:
    """Return the canonical short name of a chain ('ethereum' -> 'ETH')."""
    upper = value.strip().upper()
    return CHAIN_NAMES.get(upper, upper)


def address_key(address: str, hint: str = "") -> AddressKey:
    """Normalise an address; `hint` names a chain or ticker that may help (never trusted)."""
    return _address_key(address.strip(), hint)


@lru_cache(maxsize=1 << 18)
def _address_key(address: str, hint: str) -> AddressKey:
    if _EVM.fullmatch(address):
        # Skip the EIP-55 check: the key is lower case either way, and it costs a Keccak.
        return AddressKey(address, address.lower(), EVM_CHAINS, True)
    # The hint goes in as context: it ranks candidate chains and lets a Solana key through.
    check = validate(address, hint)
    if check is not None:
        return AddressKey(address, check.key, check.chains, check.valid)
    # Not an address we can classify (a 64-hex value, a nonstandard script): keep it as
    # written, case-folded only when it is hex, so it still matches itself elsewhere.
    key = address.lower() if _HEXISH.fullmatch(address) else address
    return AddressKey(address, key, (), False)


def address_problem(address: str, chain: str) -> str | None:
    """Say why `address` cannot be an address on `chain`; None when it can, or when
    moneytrail does not know the chain's address shapes."""
    if chain not in SHAPED_CHAINS:
        return None
    norm = address_key(address, chain)
    if not norm.chains:
        return f"is not an address on {chain}"
    if not norm.valid:
        return "fails its checksum"
    if chain not in norm.chains:
        return f"is a {'/'.join(norm.chains)} address, not {chain}"
    return None
