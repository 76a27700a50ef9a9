"""Address codecs: base58(check), Monero base58, bech32/bech32m, cashaddr, Keccak-256."""

from __future__ import annotations

import hashlib

from Crypto.Hash import keccak

BTC_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
XRP_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32 = 1
BECH32M = 0x2BC830A3

_INDEX = {
    alphabet: {ch: i for i, ch in enumerate(alphabet)} for alphabet in (BTC_ALPHABET, XRP_ALPHABET)
}
_BECH32_INDEX = {ch: i for i, ch in enumerate(BECH32_CHARSET)}
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_CASH_GEN = (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)
# Monero encodes 8-byte blocks as 11 characters; a shorter tail block of n bytes
# takes _XMR_BLOCK_CHARS[n] characters.
_XMR_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)
_CASH_SIZES = {0: 20, 1: 24, 2: 28, 3: 32, 4: 40, 5: 48, 6: 56, 7: 64}


def keccak256(data: bytes) -> bytes:
    """Return the Keccak-256 digest (pre-SHA3 padding, as Ethereum and Monero use)."""
    return keccak.new(digest_bits=256, data=data).digest()


def b58decode(text: str, alphabet: str = BTC_ALPHABET) -> bytes | None:
    """Decode base58 text, keeping leading zero bytes; None on a foreign character."""
    index = _INDEX[alphabet]
    number = 0
    for ch in text:
        digit = index.get(ch)
        if digit is None:
            return None
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip(alphabet[0]))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def base58check(text: str, alphabet: str = BTC_ALPHABET) -> tuple[bytes, bool] | None:
    """Return (payload, checksum ok) for base58check text, or None if it does not decode."""
    raw = b58decode(text, alphabet)
    if raw is None or len(raw) < 5:
        return None
    payload, check = raw[:-4], raw[-4:]
    return payload, hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == check


def xmr_b58decode(text: str) -> bytes | None:
    """Decode Monero's block-wise base58; None when a block length or value is impossible."""
    out = bytearray()
    index = _INDEX[BTC_ALPHABET]
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        if len(block) not in _XMR_BLOCK_CHARS:
            return None
        size = _XMR_BLOCK_CHARS.index(len(block))
        number = 0
        for ch in block:
            digit = index.get(ch)
            if digit is None:
                return None
            number = number * 58 + digit
        if number >= 1 << (8 * size):
            return None
        out += number.to_bytes(size, "big")
    return bytes(out)


def _bech32_polymod(values: list[int]) -> int:
    """Run the BIP-173 BCH code over 5-bit values."""
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_BECH32_GEN):
            if top >> i & 1:
                check ^= gen
    return check


def bech32_decode(text: str) -> tuple[str, list[int], int] | str:
    """Return (hrp, data without checksum, constant) per BIP-173/350, or a reason string."""
    if any(ord(ch) < 33 or ord(ch) > 126 for ch in text):
        return "character out of range"
    if text.lower() != text and text.upper() != text:
        return "mixed case"
    if len(text) > 90:
        return "too long"
    text = text.lower()
    sep = text.rfind("1")
    if sep < 1:
        return "missing separator or human-readable part"
    if len(text) - sep - 1 < 6:
        return "checksum too short"
    hrp, digits = text[:sep], text[sep + 1 :]
    data = [_BECH32_INDEX.get(ch, -1) for ch in digits]
    if -1 in data:
        return "invalid bech32 character"
    expanded = [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]
    const = _bech32_polymod(expanded + data)
    if const not in (BECH32, BECH32M):
        return "bech32 checksum mismatch"
    return hrp, data[:-6], const


def convertbits(data: list[int], frombits: int, tobits: int, pad: bool) -> list[int] | None:
    """Regroup bits; None when unpadded input leaves over-long or non-zero padding."""
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits | value) & 0xFFFFFFFF
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append(acc >> bits & maxv)
    if pad:
        if bits:
            out.append(acc << (tobits - bits) & maxv)
    elif bits >= frombits or acc << (tobits - bits) & maxv:
        return None
    return out


def bech32_payload(text: str) -> bytes | str:
    """Return the bytes of a plain bech32 string (no witness version), or a reason string."""
    decoded = bech32_decode(text)
    if isinstance(decoded, str):
        return decoded
    payload = convertbits(decoded[1], 5, 8, False)
    if decoded[2] != BECH32:
        return "bech32m used where bech32 is required"
    return "invalid padding" if payload is None else bytes(payload)


def segwit_decode(text: str) -> tuple[str, int, bytes] | str:
    """Return (hrp, witness version, program) for a segwit address, or a reason string."""
    decoded = bech32_decode(text)
    if isinstance(decoded, str):
        return decoded
    hrp, data, const = decoded
    if not data:
        return "empty data section"
    version = data[0]
    if version > 16:
        return "invalid witness version"
    program = convertbits(data[1:], 5, 8, False)
    if program is None:
        return "invalid padding"
    if not 2 <= len(program) <= 40:
        return "invalid program length"
    if version == 0 and len(program) not in (20, 32):
        return "invalid program length for witness v0"
    if (version == 0) != (const == BECH32):
        return "bech32m used for v0" if version == 0 else "bech32 used for v1+"
    return hrp, version, bytes(program)


def _cash_polymod(values: list[int]) -> int:
    """Run the cashaddr 40-bit BCH code over 5-bit values; 0 means the checksum holds."""
    check = 1
    for value in values:
        top = check >> 35
        check = (check & 0x07FFFFFFFF) << 5 ^ value
        for i, gen in enumerate(_CASH_GEN):
            if top >> i & 1:
                check ^= gen
    return check ^ 1


def cashaddr_decode(text: str, prefix: str = "bitcoincash") -> tuple[int, bytes] | str:
    """Return (type, hash) for a cashaddr body without its prefix, or a reason string."""
    if text.lower() != text and text.upper() != text:
        return "mixed case"
    data = [_BECH32_INDEX.get(ch, -1) for ch in text.lower()]
    if -1 in data or len(data) < 9:
        return "invalid cashaddr character"
    if _cash_polymod([ord(ch) & 31 for ch in prefix] + [0] + data):
        return "cashaddr checksum mismatch"
    payload = convertbits(data[:-8], 5, 8, False)
    if not payload:
        return "invalid padding"
    version, digest = payload[0], bytes(payload[1:])
    if version & 0x80 or _CASH_SIZES[version & 7] != len(digest):
        return "hash size does not match version"
    return version >> 3 & 0x0F, digest
