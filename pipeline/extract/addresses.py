"""Find crypto wallet addresses in text and validate them per chain family.

Checked: Bitcoin-style base58check (BTC/BCH/BSV, LTC, DOGE/XVG, DASH, ZEC, BTG), TRON, XRP,
segwit bech32/bech32m (BTC, LTC), BNB Beacon bech32, EVM with EIP-55, BCH cashaddr and Monero.
Testnet forms (tb1, m/n/2 prefixes, testnet version bytes) are treated as not-an-address.
Solana has no checksum: a 32-byte base58 key counts only when the context names Solana/SOL,
and then it is reported valid although nothing could be verified.

scan() rejoins an address split by a line or page break (whitespace holding a newline or form
feed, optionally after a hyphen) or by zero-width characters and soft hyphens, but only when
the joined string passes its checksum. Plain spaces within a line and page-number lines
between fragments are not bridged.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

from pipeline.extract.codecs import (
    XRP_ALPHABET,
    b58decode,
    base58check,
    bech32_payload,
    cashaddr_decode,
    keccak256,
    segwit_decode,
    xmr_b58decode,
)

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # incl. the soft hyphen
HYPHENS = "-\u2010\u2011"
_ZW, _HY = re.escape(ZERO_WIDTH), re.escape(HYPHENS)  # escaped: "-" must not form a range
LEGACY_CHAINS = ("BTC", "BCH", "BSV")
EVM_CHAINS = ("ETH", "BSC", "POLYGON", "ARB", "OP", "AVAX", "BASE", "ETC")
# Version bytes of the base58check families we accept, with the chains each may belong to.
BASE58_VERSIONS: dict[bytes, tuple[str, tuple[str, ...]]] = {
    b"\x00": ("btc-base58", LEGACY_CHAINS),
    b"\x05": ("btc-base58", (*LEGACY_CHAINS, "LTC")),
    b"\x30": ("ltc-base58", ("LTC",)),
    b"\x32": ("ltc-base58", ("LTC",)),
    b"\x1e": ("doge-base58", ("DOGE", "XVG")),
    b"\x16": ("doge-base58", ("DOGE",)),
    b"\x4c": ("dash-base58", ("DASH",)),
    b"\x10": ("dash-base58", ("DASH",)),
    b"\x26": ("btg-base58", ("BTG",)),
    b"\x17": ("btg-base58", ("BTG",)),
    b"\x41": ("tron", ("TRX",)),
    b"\x1c\xb8": ("zec-base58", ("ZEC",)),
    b"\x1c\xbd": ("zec-base58", ("ZEC",)),
}
XRP_VERSION = ("xrp", ("XRP",))
SEGWIT_HRPS = {"bc": ("BTC",), "ltc": ("LTC",)}
XMR_NETWORKS = {0x12: 69, 0x2A: 69, 0x13: 77}  # network byte -> decoded length
MIN_LENGTH = 14  # the shortest valid segwit address, bc1 + 2-byte program
# Context of a scanned candidate: chain names usually come just before an address.
CONTEXT_BEFORE, CONTEXT_AFTER = 120, 40

_B58 = "[1-9A-HJ-NP-Za-km-z]"
_B32 = "[02-9ac-hj-np-z]"
_STRIP = re.compile(rf"[\s{_ZW}{_HY}]+")
_EVM = re.compile(r"0x[0-9a-fA-F]{40}")
_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]*")
_CID = re.compile(rf"Qm{_B58}{{44}}|baf[a-z2-7]{{50,}}")
_BECH = re.compile(rf"(bc|ltc|bnb|tb|bcrt|tltc|rltc|tbnb)1{_B32}+", re.I)
_CASH_PREFIX = re.compile("bitcoincash:", re.I)
_CASH = re.compile(rf"[qp]{_B32}{{41}}(?:{_B32}{{19}})?", re.I)
_XMR = re.compile(rf"[48]{_B58}{{94}}|4{_B58}{{105}}")
_BASE58 = re.compile(rf"{_B58}{{25,35}}")
_SOLANA = re.compile(rf"{_B58}{{32,44}}")
_SOLANA_CONTEXT = re.compile(r"(?i:\bsolana\b)|\bSOL\b")
_NAME_WORDS = re.compile(r"[A-Za-z]+")


def _vocabulary(spec: str) -> dict[str, str]:
    """Map every word of a 'CHAIN: word, word; CHAIN: word' spec to its chain."""
    table: dict[str, str] = {}
    for part in spec.split(";"):
        chain, words = part.split(":")
        table.update((word.strip(), chain.strip()) for word in words.split(","))
    return table


# Words that name a chain, for ranking: tickers (exact case), names (any case), name pairs.
_TICKERS = _vocabulary(
    "BTC: BTC, XBT; BCH: BCH; BSV: BSV; LTC: LTC; DOGE: DOGE; XVG: XVG, Verge; ETH: ETH, ERC;"
    "BSC: BSC, BEP; POLYGON: MATIC; ARB: ARB; AVAX: AVAX; ETC: ETC; OP: Optimism"
)
_NAMES = _vocabulary(
    "BTC: bitcoin; LTC: litecoin; DOGE: dogecoin; ETH: ethereum; ARB: arbitrum;"
    "AVAX: avalanche; POLYGON: polygon"
)
_PAIRS = _vocabulary(
    "BCH: bitcoin cash; BSV: bitcoin sv; BTG: bitcoin gold; ETC: ethereum classic;"
    "BSC: smart chain; BASE: base chain, base network, base mainnet; OP: op mainnet"
)


@dataclass(frozen=True, slots=True)
class AddressCheck:
    """The verdict on one candidate address: family, candidate chains and checksum result."""

    address: str
    key: str
    chains: tuple[str, ...]
    family: str
    valid: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AddressHit:
    """An address found in text; a repaired one spans all of its fragments."""

    start: int
    end: int
    raw: str
    check: AddressCheck
    repaired: bool


def rank(chains: tuple[str, ...], context: str, at: int = -1) -> tuple[str, ...]:
    """Put the chains the context names first, the one named nearest to `at` leading."""
    words = [(m.group(), m.start()) for m in _NAME_WORDS.finditer(context)]
    distance: dict[str, int] = {}
    skip = False
    for k, (word, pos) in enumerate(words):
        lower = word.lower()
        pair = _PAIRS.get(f"{lower} {words[k + 1][0].lower()}") if k + 1 < len(words) else None
        chain = None if skip else pair or _TICKERS.get(word) or _NAMES.get(lower)
        skip = pair is not None  # "Bitcoin Cash" names BCH, not BTC and then "cash"
        if chain is not None:
            gap = abs(pos - at) if at >= 0 else pos
            distance[chain] = min(gap, distance.get(chain, gap))
    # sorted() is stable: chains nobody names keep their default order at the back.
    return tuple(sorted(chains, key=lambda chain: distance.get(chain, len(context) + 1)))


def _mixed(text: str) -> bool:
    """Say whether text mixes digits with both letter cases and is not plain hex."""
    # Real base58 addresses mix digits and both cases; words and counters do not.
    return (
        any(c.isdigit() for c in text)
        and any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and _HEX.fullmatch(text) is None
    )


def _evm(address: str) -> AddressCheck:
    """Check 0x + 40 hex; EIP-55 applies only when the letters mix cases."""
    digits = address[2:]
    lower = digits.lower()
    valid, reason = True, ""
    if digits != lower and digits != digits.upper():
        digest = keccak256(lower.encode()).hex()
        expected = "".join(
            c.upper() if int(h, 16) >= 8 else c for c, h in zip(lower, digest[:40], strict=True)
        )
        if expected != digits:
            valid, reason = False, "EIP-55 checksum mismatch"
    return AddressCheck(address, "0x" + lower, EVM_CHAINS, "evm", valid, reason)


def _bech32(address: str, hrp: str) -> AddressCheck | None:
    """Check a segwit (bc, ltc) or BNB Beacon (bnb) bech32 address."""
    if hrp not in SEGWIT_HRPS and hrp != "bnb":
        return None  # a testnet or regtest prefix
    if len(address) < len(hrp) + 12 or len(address) > 90:
        return None
    if hrp == "bnb":
        payload = bech32_payload(address)
        reason = payload if isinstance(payload, str) else ""
        if not reason and len(payload) != 20:
            reason = "invalid program length"
        return AddressCheck(address, address.lower(), ("BNB",), "bech32", not reason, reason)
    result = segwit_decode(address)
    reason = result if isinstance(result, str) else ""
    return AddressCheck(address, address.lower(), SEGWIT_HRPS[hrp], "bech32", not reason, reason)


def _cashaddr(address: str, body: str) -> AddressCheck | None:
    """Check a BCH cashaddr body, written with or without its prefix."""
    if not _CASH.fullmatch(body):
        return None
    result = cashaddr_decode(body)
    reason = result if isinstance(result, str) else ""
    if not isinstance(result, str) and result[0] > 1:
        reason = "unsupported cashaddr type"
    single_case = body in (body.lower(), body.upper())
    if reason and address == body and not (single_case and any(c.isdigit() for c in body)):
        return None  # without its prefix, a q/p word is only a suspect if it looks like one
    return AddressCheck(address, body.lower(), ("BCH",), "cashaddr", not reason, reason)


def _monero(address: str) -> AddressCheck | None:
    """Check a Monero standard, integrated or subaddress by its Keccak checksum."""
    raw = xmr_b58decode(address)
    if raw is None or XMR_NETWORKS.get(raw[0]) != len(raw):
        return None
    ok = keccak256(raw[:-4])[:4] == raw[-4:]
    if not ok and not _mixed(address):
        return None
    reason = "" if ok else "monero checksum mismatch"
    return AddressCheck(address, address, ("XMR",), "monero", ok, reason)


def _base58(address: str) -> AddressCheck | None:
    """Check a base58check address of a family whose version bytes we know."""
    # XRP writes version 0 as "r" in its own alphabet; every other family uses Bitcoin's.
    xrp = address.startswith("r")
    decoded = base58check(address, XRP_ALPHABET) if xrp else base58check(address)
    if decoded is None or len(decoded[0]) not in (21, 22):
        return None
    payload, ok = decoded
    entry = XRP_VERSION if xrp else BASE58_VERSIONS.get(payload[: len(payload) - 20])
    if entry is None or (xrp and (len(payload) != 21 or payload[0])):
        return None
    family, chains = entry
    if not ok and not _mixed(address):
        return None
    reason = "" if ok else "base58check checksum mismatch"
    return AddressCheck(address, address, chains, family, ok, reason)


def _solana(address: str, context: str) -> AddressCheck | None:
    """Accept a 32-byte base58 key only where the context names Solana."""
    if not _mixed(address) or not _SOLANA_CONTEXT.search(context):
        return None
    raw = b58decode(address)
    if raw is None or len(raw) != 32:
        return None
    # No checksum exists for Solana keys: "valid" means shaped right and named in context.
    return AddressCheck(address, address, ("SOL",), "solana", True)


def validate(candidate: str, context: str = "") -> AddressCheck | None:
    """Classify and checksum one candidate; None when it is not an address at all."""
    check = _classify(candidate, context)
    if check is not None and context and len(check.chains) > 1:
        check = replace(check, chains=rank(check.chains, context, context.find(candidate)))
    return check


def _classify(candidate: str, context: str) -> AddressCheck | None:
    """Route a candidate to its family's check by shape."""
    if "..." in candidate or "\u2026" in candidate:
        return None  # a truncated form such as 0x098B716B8Aa...
    address = _STRIP.sub("", candidate)
    prefix = _CASH_PREFIX.match(address)
    if prefix:
        return _cashaddr(address, address[prefix.end() :])
    if _HEX.fullmatch(address):
        # Hashes and transaction ids are hex too; only 0x + 40 digits is an address.
        return _evm(address) if _EVM.fullmatch(address) else None
    if _CID.fullmatch(address):
        return None
    bech = _BECH.fullmatch(address)
    if bech:
        return _bech32(address, bech.group(1).lower())
    if _CASH.fullmatch(address):
        return _cashaddr(address, address)
    if _XMR.fullmatch(address):
        return _monero(address)
    check = _base58(address) if _BASE58.fullmatch(address) else None
    if (check is None or not check.valid) and _SOLANA.fullmatch(address):
        return _solana(address, context) or check
    return check


_NEWLINE = r"(?:\r\n|[\n\r\f\v\x85\u2028\u2029])"
_WORD = re.compile(r"[0-9A-Za-z_]+")
# A run of words joined by invisible characters or by line breaks (optionally hyphenated);
# underscores belong to words so that an address glued into an identifier is never split out.
_CHAIN = re.compile(
    rf"[0-9A-Za-z_]++(?:(?:[{_ZW}]++|[ \t{_ZW}]*+[{_HY}]?+[ \t{_ZW}]*+"
    rf"{_NEWLINE}[\s{_ZW}]*+)[0-9A-Za-z_]++)*+"
)


# Repairs: the first fragment's shape, the shape of each later fragment and the lengths the
# joined address may have (Solana shares the last row's base58 shape).
_B32_PART = re.compile(r"[02-9ac-hj-np-z1]+", re.I)
_B58_PART = re.compile(rf"{_B58}+")
_REPAIRS = (
    (re.compile(r"0x[0-9a-fA-F]*"), re.compile(r"[0-9a-fA-F]+"), frozenset({42})),
    (
        re.compile(rf"(?:bc|ltc|bnb)1{_B32}*|bc?|bnb?|lt?c?", re.I),
        _B32_PART,
        frozenset(range(14, 91)),
    ),
    (re.compile(rf"[qp]{_B32}*", re.I), _B32_PART, frozenset({42, 61})),
    (re.compile(rf"[48]{_B58}*"), _B58_PART, frozenset({95, 106})),
    (re.compile(rf"(?:[13LMD9AX7GTr]|t[13]?){_B58}*"), _B58_PART, frozenset(range(25, 36))),
    (re.compile(rf"{_B58}+"), _B58_PART, frozenset({43, 44})),
)
_REPAIR_STARTS = frozenset("0bBlLqQpP48r13MD9AX7GTt")
# Network names that PDF text extraction glues onto an address from the next table cell.
_GLUED_TAIL = re.compile(
    r"(?:Monero|Bitcoin|Ethereum|Litecoin|Zcash|Dash|Ripple|Solana|Tron|TRON|Dogecoin|Verge)$"
)
# Solana has no checksum: a join is accepted only where the text names Solana (validate checks
# that) and the first fragment is too short to be an address by itself, which rules out
# gluing a complete address to an unrelated word.
SOLANA_MIN_FRAGMENT = 32


def _cut_before(text: str, start: int) -> bool:
    """Say whether an ellipsis ends right before start (a truncated tail)."""
    return text.endswith(("...", "\u2026"), 0, start)


def _cut_after(text: str, end: int) -> bool:
    """Say whether an ellipsis starts right at end (a truncated head)."""
    return text.startswith(("...", "\u2026"), end)


def _hit(text: str, start: int, end: int, check: AddressCheck, repaired: bool) -> AddressHit:
    """Build a hit, taking in a "bitcoincash:" prefix written before a cashaddr."""
    if check.family == "cashaddr" and text[max(start - 12, 0) : start].lower() == "bitcoincash:":
        start -= 12
        check = replace(check, address=text[start : start + 12] + check.address)
    return AddressHit(start, end, text[start:end], check, repaired)


def _repair(text: str, spans: list[tuple[int, int]], i: int, context: str) -> AddressHit | None:
    """Join word i with the words after it when, and only when, the result validates."""
    start, end = spans[i]
    head = text[start:end]
    for head_shape, part_shape, lengths in _REPAIRS:
        if not head_shape.fullmatch(head):
            continue
        joined, longest = head, max(lengths)
        for s, e in itertools.islice(spans, i + 1, None):
            part = text[s:e]
            joined += part
            # PDF tables glue the next cell's word to the last fragment ("...FvSoxLMonero").
            glued = _GLUED_TAIL.search(joined)
            if glued and len(joined) - len(glued.group()) in lengths:
                check = validate(joined[: glued.start()], context)
                if check is not None and check.valid and check.family != "solana":
                    return _hit(text, start, e - len(glued.group()), check, True)
            if len(joined) > longest or not part_shape.fullmatch(part) or _cut_after(text, e):
                break
            check = validate(joined, context) if len(joined) in lengths else None
            if (
                check is not None
                and check.valid
                and (check.family != "solana" or len(head) < SOLANA_MIN_FRAGMENT)
            ):
                return _hit(text, start, e, check, True)
    return None


def _hit_at(text: str, spans: list[tuple[int, int]], i: int) -> AddressHit | None:
    """Return the address starting at word i: valid alone, valid when joined, or a suspect."""
    start, end = spans[i]
    word = text[start:end]
    if "_" in word or _cut_before(text, start):
        return None
    context = text[max(start - CONTEXT_BEFORE, 0) : end + CONTEXT_AFTER]
    single = None
    if len(word) >= MIN_LENGTH and not _cut_after(text, end):
        single = validate(word, context)
        if single is not None and single.valid:
            return _hit(text, start, end, single, False)
    if i + 1 < len(spans) and (word[0] in _REPAIR_STARTS or _SOLANA_CONTEXT.search(context)):
        repaired = _repair(text, spans, i, context)
        if repaired is not None:
            return repaired
    return None if single is None else _hit(text, start, end, single, False)


def scan(text: str) -> list[AddressHit]:
    """Return every address-shaped candidate in text, in order, with broken ones repaired."""
    hits: list[AddressHit] = []
    for chain in _CHAIN.finditer(text):
        if chain.end() - chain.start() < MIN_LENGTH:
            continue
        spans = [m.span() for m in _WORD.finditer(text, chain.start(), chain.end())]
        i = 0
        while i < len(spans):
            hit = _hit_at(text, spans, i)
            i += 1
            while hit is not None and i < len(spans) and spans[i][0] < hit.end:
                i += 1
            if hit is not None:
                hits.append(hit)
    return hits
