"""Wallet address validation and scanning: published vectors, negatives, repairs, OFAC."""

from __future__ import annotations

import bz2
import hashlib
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.extract.addresses import EVM_CHAINS, LEGACY_CHAINS, scan, validate
from pipeline.extract.codecs import (
    BECH32,
    BECH32M,
    BTC_ALPHABET,
    base58check,
    bech32_decode,
    cashaddr_decode,
    segwit_decode,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests/fixtures/addresses/segwit_vectors.json").read_text())
OFAC_DIR = ROOT / ".." / "shared" / "data" / "ofac"
# OFAC entries that are not addresses at all, whatever their label says.
OFAC_MALFORMED = {
    # Filed as "Digital Currency Address - XMR", but it is 64 hex digits: a hash or key.
    # Monero addresses are 95 or 106 base58 characters.
    "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320",
}

BTC_GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
EIP55 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TRON_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
XRP_GENESIS = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
XMR_STANDARD = (
    "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2"
    "684Rge"
)
SOL_OFAC = "42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi"


def b58check_encode(payload: bytes) -> str:
    """Encode base58check independently of the decoder under test."""
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number, out = int.from_bytes(raw, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = BTC_ALPHABET[digit] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def flip_case(address: str, index: int) -> str:
    """Swap the case of the first letter at or after index."""
    while not address[index].isalpha():
        index += 1
    return address[:index] + address[index].swapcase() + address[index + 1 :]


# --- segwit / bech32 ---------------------------------------------------------------------


@pytest.mark.parametrize(("address", "script"), VECTORS["valid"])
def test_segwit_decode_bip_vectors_give_script(address: str, script: str) -> None:
    decoded = segwit_decode(address)
    assert not isinstance(decoded, str), decoded
    _, version, program = decoded
    opcode = 0 if version == 0 else 0x50 + version
    assert bytes([opcode, len(program)]).hex() + program.hex() == script


@pytest.mark.parametrize("address", [a for a, _ in VECTORS["valid"] if a[:2].lower() == "bc"])
def test_validate_bip_mainnet_vectors_are_btc(address: str) -> None:
    check = validate(address)
    assert check is not None and check.valid
    assert (check.family, check.chains, check.key) == ("bech32", ("BTC",), address.lower())


@pytest.mark.parametrize("address", [a for a, _ in VECTORS["valid"] if a.startswith("tb1")])
def test_validate_testnet_is_not_an_address(address: str) -> None:
    assert validate(address) is None


@pytest.mark.parametrize(("address", "why", "expect"), VECTORS["invalid"])
def test_validate_bip_invalid_vectors_rejected(address: str, why: str, expect: str) -> None:
    check = validate(address)
    if expect == "none":
        assert check is None, why
    else:
        assert check is not None and not check.valid and expect in check.reason, why


@pytest.mark.parametrize(
    ("text", "const"),
    [(s, BECH32) for s in VECTORS["bech32_strings"]]
    + [(s, BECH32M) for s in VECTORS["bech32m_strings"]],
)
def test_bech32_decode_bip_strings_valid(text: str, const: int) -> None:
    decoded = bech32_decode(text)
    assert not isinstance(decoded, str) and decoded[2] == const


@pytest.mark.parametrize("text", VECTORS["invalid_strings"])
def test_bech32_decode_bip_strings_invalid(text: str) -> None:
    assert isinstance(bech32_decode(text), str)


@pytest.mark.parametrize(
    ("address", "chains"),
    [
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", ("BTC",)),
        ("ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfea", ("LTC",)),
        ("bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23", ("BNB",)),
    ],
)
def test_validate_bech32_hrp_gives_chain(address: str, chains: tuple[str, ...]) -> None:
    check = validate(address)
    assert check is not None and check.valid and check.chains == chains
    broken = validate(address[:-1] + ("q" if address[-1] != "q" else "p"))
    assert broken is not None and not broken.valid


def test_validate_bech32_mixed_case_is_suspect() -> None:
    check = validate("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mDq")
    assert check is not None and (check.valid, check.reason) == (False, "mixed case")


# --- EVM -------------------------------------------------------------------------------------

EIP55_VECTORS = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize(
    "address",
    [
        *EIP55_VECTORS,
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
    ],
)
def test_validate_evm_eip55_examples_valid(address: str) -> None:
    check = validate(address)
    assert check is not None and check.valid
    assert (check.family, check.chains, check.key) == ("evm", EVM_CHAINS, address.lower())


@pytest.mark.parametrize("address", [flip_case(a, 10) for a in EIP55_VECTORS])
def test_validate_evm_bad_checksum_is_suspect(address: str) -> None:
    check = validate(address)
    assert check is not None and not check.valid
    assert check.reason == "EIP-55 checksum mismatch"


# --- cashaddr ------------------------------------------------------------------------------

# The BCH cashaddr specification's translation examples: legacy form -> cashaddr form.
CASHADDR_PAIRS = [
    (
        "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
        "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
    ),
    (
        "1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR",
        "bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy",
    ),
    ("16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r"),
    (
        "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC",
        "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq",
    ),
    (
        "3LDsS579y7sruadqu11beEJoTjdFiFCdX4",
        "bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e",
    ),
    (
        "31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw",
        "bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37",
    ),
]


@pytest.mark.parametrize(("legacy", "cash"), CASHADDR_PAIRS)
def test_cashaddr_spec_examples_match_legacy_hash(legacy: str, cash: str) -> None:
    body = cash.split(":")[1]
    decoded, legacy_decoded = cashaddr_decode(body), base58check(legacy)
    assert not isinstance(decoded, str) and legacy_decoded is not None
    (kind, digest), (payload, ok) = decoded, legacy_decoded
    assert ok and digest == payload[1:] and kind == (0 if legacy[0] == "1" else 1)
    for written in (cash, body, cash.upper(), body.upper()):
        check = validate(written)
        assert check is not None and check.valid, written
        assert (check.family, check.chains, check.key, check.address) == (
            "cashaddr",
            ("BCH",),
            body,
            written,
        )


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6c", "cashaddr checksum mismatch"),
        ("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6c", "cashaddr checksum mismatch"),
        ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdX6a", "mixed case"),
        # Without the prefix a mixed-case or digit-free q/p word is too weak to be a suspect.
        ("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdX6a", None),
        ("qwertyzxcvnmasdfghjkqwertyzxcvnmasdfghjkqw", None),
    ],
)
def test_validate_cashaddr_broken(address: str, reason: str | None) -> None:
    check = validate(address)
    if reason is None:
        assert check is None
    else:
        assert check is not None and (check.valid, check.reason) == (False, reason)


# --- Monero ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [  # standard, integrated and subaddress examples from the Monero documentation
        XMR_STANDARD,
        "4LL9oSLmtpccfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2b"
        "YXZKKQePHES9khPK",
        "8BTd81B7syWcfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv25"
        "pnJx6",
    ],
)
def test_validate_monero_forms_valid(address: str) -> None:
    check = validate(address)
    assert check is not None and check.valid
    assert (check.family, check.chains, check.key) == ("monero", ("XMR",), address)


def test_validate_monero_bad_checksum_is_suspect() -> None:
    check = validate(XMR_STANDARD[:50] + "z" + XMR_STANDARD[51:])
    assert check is not None and (check.valid, check.reason) == (False, "monero checksum mismatch")


# --- base58 families -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "family", "chains"),
    [
        (BTC_GENESIS, "btc-base58", LEGACY_CHAINS),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "btc-base58", (*LEGACY_CHAINS, "LTC")),
        (TRON_USDT, "tron", ("TRX",)),
        ("LaizKtS5DUhPuP1nTQcc83MS7HwK6vk85z", "ltc-base58", ("LTC",)),
        ("M8yFL6SFC6TreATegTyuSYkDfDRbisdpT3", "ltc-base58", ("LTC",)),
        ("DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z", "doge-base58", ("DOGE", "XVG")),
        ("XpESxaUmonkq8RaLLp46Brx2K39ggQe226", "dash-base58", ("DASH",)),
        ("7fePc8Mf7RYghdxkSp5yaWfT9WR4F2Dsqa", "dash-base58", ("DASH",)),
        ("t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy", "zec-base58", ("ZEC",)),
        (b58check_encode(b"\x1c\xbd" + bytes(range(20))), "zec-base58", ("ZEC",)),
        ("GPwg61XoHqQPNmAucFACuQ5H9sGCDv9TpS", "btg-base58", ("BTG",)),
        (b58check_encode(b"\x17" + bytes(range(20))), "btg-base58", ("BTG",)),
        (XRP_GENESIS, "xrp", ("XRP",)),
        ("rnXyVQzgxZe7TR1EPzTkGj2jxH4LMJYh66", "xrp", ("XRP",)),
    ],
)
def test_validate_base58_family_and_chains(
    address: str, family: str, chains: tuple[str, ...]
) -> None:
    check = validate(address)
    assert check is not None and check.valid
    assert (check.family, check.chains, check.key) == (family, chains, address)


@pytest.mark.parametrize(
    "address", [BTC_GENESIS, TRON_USDT, XRP_GENESIS, "t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy"]
)
def test_validate_base58_bad_checksum_is_suspect(address: str) -> None:
    typo = address[:-2] + ("b" if address[-2] != "b" else "c") + address[-1]
    check = validate(typo)
    assert check is not None and (check.valid, check.reason) == (
        False,
        "base58check checksum mismatch",
    )


@pytest.mark.parametrize(
    ("context", "first"),
    [
        ("the Bitcoin Cash address", "BCH"),
        ("paid in BSV to", "BSV"),
        ("a Litecoin P2SH address", "LTC"),
        ("its bitcoin wallet", "BTC"),
        ("", "BTC"),
    ],
)
def test_validate_context_ranks_shared_chains(context: str, first: str) -> None:
    check = validate("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", context)
    assert check is not None and check.chains[0] == first
    assert sorted(check.chains) == sorted((*LEGACY_CHAINS, "LTC"))


def test_validate_context_ranks_evm_chain() -> None:
    check = validate(EIP55, f"deposited on BNB Smart Chain at {EIP55}")
    assert check is not None and check.chains[0] == "BSC"


# --- Solana ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "found"),
    [
        ("a Solana wallet", True),
        ("swapped 40 SOL into", True),
        ("", False),
        ("el sol de la tarde", False),
        ("a Bitcoin wallet", False),
    ],
)
def test_validate_solana_needs_context(context: str, found: bool) -> None:
    check = validate(SOL_OFAC, context)
    if found:
        # No checksum exists: valid means shaped right and named as Solana.
        assert check is not None and check.valid and check.chains == ("SOL",)
    else:
        assert check is None


# --- negatives -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    [
        "0x" + "3f" * 32,  # transaction hash
        "3f" * 32,  # the same without 0x (also SHA-256)
        "d41d8cd98f00b204e9800998ecf8427e",  # MD5
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # SHA-1
        "ab" * 64,  # SHA-512
        "0x" + "ab" * 19,  # 38 digits, too short for EVM
        "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",  # IPFS CIDv0
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",  # IPFS CIDv1
        "0x098B716B8Aa...",
        "0x098B716B8Aaf2cd0a6e1fd3c5fb6bd8f5bC1e7D2...",
        "bc1qxy...",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\u2026",
        "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",  # testnet P2PKH
        "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc",  # testnet P2SH
        "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet segwit
        "abc" + BTC_GENESIS,  # glued into a longer run
        BTC_GENESIS + "x",
        BTC_GENESIS + "\u00e9",  # only joins are removed, never other characters
        "internationalization",
        "Supercalifragilisticexpialidocious",
        "TransactionsProcessedByTheMixer",
        "1111111111111111111111111111111111",
        "123456789123456789123456789123456",
        SOL_OFAC,  # Solana without context
    ],
)
def test_validate_not_an_address(candidate: str) -> None:
    assert validate(candidate) is None


def test_validate_strips_joins() -> None:
    check = validate("1A1zP1eP5QGefi2D-\n  MPTfTL5SL\u200bmv7Div\u00adfNa")
    assert check is not None and check.valid and check.address == BTC_GENESIS


# --- scan ------------------------------------------------------------------------------------


def test_scan_finds_addresses_in_order_with_offsets() -> None:
    text = (
        f"Funds left {BTC_GENESIS}, crossed to {EIP55} (Ethereum) and ended at "
        f"bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a; TRC-20 wallet {TRON_USDT}."
    )
    hits = scan(text)
    assert [h.check.family for h in hits] == ["btc-base58", "evm", "cashaddr", "tron"]
    for hit in hits:
        assert hit.raw == text[hit.start : hit.end] and not hit.repaired and hit.check.valid
    assert hits[2].raw.startswith("bitcoincash:")
    assert all(a.end <= b.start for a, b in itertools.pairwise(hits))


@pytest.mark.parametrize(
    ("address", "cut", "joint"),
    [
        (BTC_GENESIS, 12, "\n"),
        (BTC_GENESIS, 20, "-\n"),
        (EIP55, 25, "\n    "),
        (EIP55, 21, " -\r\n  "),
        (TRON_USDT, 9, "\n\f\n"),
        (XRP_GENESIS, 17, "\u200b"),
        (XMR_STANDARD, 50, "\u200c"),
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", 30, "\u200d"),
        ("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", 5, "\u2060"),
        ("LaizKtS5DUhPuP1nTQcc83MS7HwK6vk85z", 16, "\ufeff"),
        ("t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy", 2, "\u00ad"),
        ("DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z", 30, "\u00ad\n"),
    ],
)
def test_scan_repairs_broken_address(address: str, cut: int, joint: str) -> None:
    text = f"Wallet {address[:cut]}{joint}{address[cut:]} was listed."
    hits = scan(text)
    assert len(hits) == 1
    hit = hits[0]
    assert hit.repaired and hit.check.valid and hit.check.address == address
    assert (hit.start, hit.raw) == (7, address[:cut] + joint + address[cut:])


def test_scan_repairs_across_zero_width_runs() -> None:
    text = "to " + "\u200b".join(EIP55[i : i + 6] for i in range(0, 42, 6)) + " now"
    (hit,) = scan(text)
    assert hit.repaired and hit.check.address == EIP55 and hit.raw == text[3:-4]


@pytest.mark.parametrize(
    "text",
    [
        "sent 1A1zP1eP5QGefi2D\nMPTfTL5SLmv7DivfNb back",  # joined fails its checksum
        "sent 0x5aAeb6053F3E94C9b9A0-\n9f33669435E7Ef1BeAeD back",
        "the wallet\n1A1zP1eP5QGefi2DMPTf listed by OFAC",  # fragment alone too short
        "rHb9CJAWyB4rj91V\u200bRWn96DkukG4bwdtyTx",
    ],
)
def test_scan_leaves_fragments_when_join_fails(text: str) -> None:
    assert scan(text) == []


def test_scan_keeps_whole_address_before_line_break() -> None:
    text = f"{EIP55}\n1234abcd next line"
    (hit,) = scan(text)
    assert (hit.raw, hit.repaired) == (EIP55, False)


def test_scan_reports_suspect_without_joining() -> None:
    typo = BTC_GENESIS[:-1] + "b"
    (hit,) = scan(f"listed wallet {typo}\nthen more")
    assert (hit.raw, hit.check.valid, hit.repaired) == (typo, False, False)
    assert hit.check.reason == "base58check checksum mismatch"


@pytest.mark.parametrize(
    "text",
    [
        "tx 0x" + "3f" * 32 + " confirmed",
        "hash 3f" + "3f" * 31 + " and md5 d41d8cd98f00b204e9800998ecf8427e",
        "pinned at ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG today",
        "truncated 0x098B716B8Aa... and bc1qxy2kgdygjrsqtzq2n0yrf2493p83kk…",
        "see …SLmv7DivfNa1A1zP1eP5QGefi2DMPTfTL5 in the report",
        f"identifier wallet_{BTC_GENESIS} and {EIP55}_old",
        f"glued X{TRON_USDT}Y and 9{EIP55}",
        "Counter-intelligence internationalization supercalifragilistic\nexpialidocious words",
    ],
)
def test_scan_ignores_non_addresses(text: str) -> None:
    assert scan(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"The Solana account {SOL_OFAC} received it.", True),
        (f"The account {SOL_OFAC} received it.", False),
    ],
)
def test_scan_solana_only_near_mention(text: str, found: bool) -> None:
    assert [h.check.chains for h in scan(text)] == ([("SOL",)] if found else [])


def test_scan_ranks_chain_named_nearby() -> None:
    (hit,) = scan(f"an address on the Bitcoin Cash chain, {BTC_GENESIS}, was used")
    assert hit.check.chains[0] == "BCH"


def test_scan_does_not_flood_on_random_tokens() -> None:
    rng = random.Random(7)
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(14, 50))) for _ in range(2000)]
    words += [
        hashlib.sha256(bytes([i])).hexdigest()[: rng.choice((32, 40, 64))] for i in range(256)
    ]
    assert scan(" ".join(words) + "\n" + "\n".join(words)) == []


def _prose(size: int) -> str:
    rng = random.Random(3)
    vocab = re.findall(
        r"\S+",
        "the casino junket laundered funds through exchanges in Macau and Manila while "
        "Lazarus operators moved USDT across chains Treasury designated 2019 wallets "
        "transactions internationalization of remittances",
    )
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(vocab) for _ in range(11)) + "."
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)


def test_scan_megabyte_of_prose_is_linear() -> None:
    text = _prose(1_000_000)
    assert scan(text) == []
    assert _linear(scan, text[:100_000], text) < 30


def test_scan_one_word_lines_stay_linear() -> None:
    # Every line break is a possible repair point here: the worst case for joining.
    text = "\n".join(_prose(300_000).split())
    assert scan(text) == []
    assert _linear(scan, text[:30_000], text) < 30


# --- OFAC SDN list ---------------------------------------------------------------------------


def _ofac_addresses(path: Path) -> dict[str, set[str]]:
    """Return each digital currency address in an sdn_advanced.xml.bz2 with its labels."""
    text = bz2.decompress(path.read_bytes()).decode("utf-8")
    # FeatureType ids come from the ReferenceValueSets section, not from a hard-coded list.
    types = dict(
        re.findall(r'<FeatureType ID="(\d+)"[^>]*>Digital Currency Address - ([^<]+)<', text)
    )
    found: dict[str, set[str]] = {}
    for type_id, body in re.findall(
        r'<Feature ID="\d+" FeatureTypeID="(\d+)">(.*?)</Feature>', text, re.S
    ):
        if type_id in types:
            for value in re.findall(r"<VersionDetail[^>]*>([^<]+)</VersionDetail>", body):
                found.setdefault(value.strip(), set()).add(types[type_id])
    return found


@pytest.fixture(
    scope="module", params=["sdn_advanced-2025-11-19.xml.bz2", "sdn_advanced-2024-09-26.xml.bz2"]
)
def ofac(request: pytest.FixtureRequest) -> tuple[str, dict[str, set[str]]]:
    path = OFAC_DIR / request.param
    if not path.exists():
        pytest.skip(f"OFAC data not present at {path} (the shared data folder is absent)")
    return request.param, _ofac_addresses(path)


# (distinct addresses, addresses that validate) per issue of the list; the README of the
# shared data states 745 distinct addresses for 2025-11-19.
OFAC_COUNTS = {
    "sdn_advanced-2025-11-19.xml.bz2": (745, 744),
    "sdn_advanced-2024-09-26.xml.bz2": (641, 640),
}


def test_ofac_addresses_validate(ofac: tuple[str, dict[str, set[str]]]) -> None:
    name, addresses = ofac
    failed = set()
    for address, labels in addresses.items():
        # A bare Solana key is only an address when named as one; OFAC's label names it.
        check = validate(address, "Solana" if "SOL" in labels else "")
        if check is None or not check.valid:
            failed.add(address)
    assert failed == OFAC_MALFORMED
    assert (len(addresses), len(addresses) - len(failed)) == OFAC_COUNTS[name]


def test_ofac_chains_come_from_the_address(ofac: tuple[str, dict[str, set[str]]]) -> None:
    _, addresses = ofac
    # OFAC files this TRON address under XBT; the address itself says TRON.
    assert addresses["TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"] == {"XBT"}
    check = validate("TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")
    assert check is not None and check.chains == ("TRX",)


def test_ofac_addresses_found_by_scan(ofac: tuple[str, dict[str, set[str]]]) -> None:
    _, addresses = ofac
    wanted = sorted(set(addresses) - OFAC_MALFORMED)
    text = "\n".join(
        f"{i}. The {'Solana ' if 'SOL' in addresses[a] else ''}wallet {a} (listed)."
        for i, a in enumerate(wanted)
    )
    hits = scan(text)
    assert [h.check.address for h in hits] == wanted
    assert all(h.check.valid and not h.repaired for h in hits)


XMR_SOUTHFRONT = (
    "884Bz8UH63aYsjVdkfWfScRYWZGGNbjFL7pztqvWNSrtYT4reFSwyvkCj9KEGUtheHhhMU"
    "j87ciTBFyzoesrMJ4L1FvSoxL"
)
SOL_SOKOLOVSKI = "42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi"


def test_scan_drops_a_network_name_glued_by_a_pdf_table() -> None:
    text = f"8 {XMR_SOUTHFRONT[:40]}-\n{XMR_SOUTHFRONT[40:]}Monero 310.6 XMR"
    hits = scan(text)
    assert [h.check.address for h in hits] == [XMR_SOUTHFRONT]
    assert hits[0].raw.endswith("FvSoxL")


@pytest.mark.parametrize(("context", "found"), [("Solana 1,130 SOL", True), ("Bank 12", False)])
def test_scan_joins_a_wrapped_solana_key_only_where_solana_is_named(
    context: str, found: bool
) -> None:
    text = f"14 {SOL_SOKOLOVSKI[:27]}\n{SOL_SOKOLOVSKI[27:]}\n{context}"
    addresses = [h.check.address for h in scan(text)]
    assert (SOL_SOKOLOVSKI in addresses) is found


def _linear(fn: Callable[[str], object], small: str, large: str) -> float:
    """Return how many times longer `fn` takes on `large` than on `small` (best of three)."""

    def best(text: str) -> float:
        runs = []
        for _ in range(3):
            began = time.perf_counter()
            fn(text)
            runs.append(time.perf_counter() - began)
        return min(runs)

    return best(large) / max(best(small), 1e-6)
