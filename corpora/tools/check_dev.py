"""Check the annotated development set in corpora/dev/ against its documents.

Run `python corpora/tools/check_dev.py` (optionally with another folder). For every
`*.gold.json` it validates the shape, loads the document text (.txt, the <article> of an
.html, every page of a .pdf through pypdfium2), and checks that each annotated surface form
really occurs, that true wallets pass their checksum and suspect ones fail it, and that
addresses marked as wrapped are broken in the PDF text layer. Exits 1 when anything is wrong.
"""

# Longer than the house's ~300 lines would suggest only because the address checksums are
# written out here: the checker must not depend on the extractor it is meant to judge.

from __future__ import annotations

import argparse
import hashlib
import html
import itertools
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from Crypto.Hash import keccak

DEV = Path(__file__).resolve().parents[1] / "dev"
STYLES = {"un-report", "court-filing", "press-release", "news"}
ACTOR_KINDS = {"person", "organization", "group", "agency", "company", "exchange", "mixer", "bank"}
CASINO_KINDS = {"casino", "casino_resort", "online_casino", "junket"}
MARKER = "SYNTHETIC"
SKIP_TAGS = {"script", "style", "nav", "header", "footer", "aside", "noscript"}


class _ArticleText(HTMLParser):
    """Collect the text inside <article>, leaving out scripts and navigation within it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1
        elif self.depth and tag in SKIP_TAGS:
            self.skip += 1
        elif self.depth and tag in {"p", "h1", "h2", "h3", "li", "br", "tr", "div", "figcaption"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth -= 1
        elif self.depth and tag in SKIP_TAGS:
            self.skip -= 1
        elif self.depth and tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RIPPLE = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def b58decode(text: str, alphabet: str = B58) -> bytes | None:
    """Decode base58 text, or return None when a character is outside the alphabet."""
    number = 0
    for char in text:
        if char not in alphabet:
            return None
        number = number * 58 + alphabet.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip(alphabet[0]))) + body


def base58check_ok(text: str, alphabet: str = B58) -> bool:
    """Return whether a Base58Check string carries a valid double-sha256 checksum."""
    raw = b58decode(text, alphabet)
    if raw is None or len(raw) < 5:
        return False
    digest = hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()
    return digest[:4] == raw[-4:]


def bech32_ok(text: str) -> bool:
    """Return whether a bech32 or bech32m string has a valid checksum."""
    text = text.lower()
    hrp, _, data = text.rpartition("1")
    if not hrp or len(data) < 6 or any(c not in BECH for c in data):
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    values += [BECH.index(c) for c in data]
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
            check ^= gen if (top >> i) & 1 else 0
    return check in {1, 0x2BC830A3}


def cashaddr_ok(text: str, prefix: str = "bitcoincash") -> bool:
    """Return whether a Bitcoin Cash cashaddr (prefix optional) has a valid checksum."""
    data = text.lower().rpartition(":")[2]
    if any(c not in BECH for c in data):
        return False
    check = 1
    for value in [ord(c) & 31 for c in prefix] + [0] + [BECH.index(c) for c in data]:
        top = check >> 35
        check = ((check & 0x07FFFFFFFF) << 5) ^ value
        for i, gen in enumerate(
            (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)
        ):
            check ^= gen if (top >> i) & 1 else 0
    return check ^ 1 == 0


def keccak256(data: bytes) -> bytes:
    """Return the Keccak-256 digest used by Ethereum and Monero."""
    return keccak.new(digest_bits=256, data=data).digest()


def eip55_ok(text: str) -> bool:
    """Return whether a 0x address is well formed and, when mixed-case, EIP-55 checksummed."""
    body = text[2:]
    if not re.fullmatch(r"[0-9a-fA-F]{40}", body):
        return False
    if body == body.lower() or body == body.upper():
        return True
    digest = keccak256(body.lower().encode()).hex()[:40]
    return all(
        c.isdigit() or c.isupper() == (int(h, 16) >= 8) for c, h in zip(body, digest, strict=True)
    )


def monero_ok(text: str) -> bool:
    """Return whether a Monero address decodes block-wise and its Keccak checksum matches."""
    sizes = {2: 1, 3: 2, 5: 3, 6: 4, 7: 5, 9: 6, 10: 7, 11: 8}
    raw = b""
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        value = b58decode("2" + block)  # a leading non-zero digit keeps leading "1"s counted
        if value is None or len(block) not in sizes:
            return False
        number = int.from_bytes(value, "big") - 58 ** len(block)
        raw += number.to_bytes(sizes[len(block)], "big")
    return len(raw) > 4 and keccak256(raw[:-4])[:4] == raw[-4:]


def address_ok(address: str) -> bool:
    """Return whether an address of any chain in the set passes its format's checksum."""
    if address.startswith("0x"):
        return eip55_ok(address)
    if re.match(r"(bc|ltc|bnb|tb)1", address):
        return bech32_ok(address)
    if re.match(r"(bitcoincash:)?[qp][qpzry9x8gf2tvdw0s3jn54khce6mua7l]{41}$", address):
        return cashaddr_ok(address)
    if address.startswith("r"):
        return base58check_ok(address, RIPPLE)
    if re.fullmatch(r"[48][1-9A-HJ-NP-Za-km-z]{94}", address):
        return monero_ok(address)
    raw = b58decode(address)
    if len(address) in {43, 44} and raw is not None and len(raw) == 32:
        return True  # Solana: a bare 32-byte key, no checksum to test
    return base58check_ok(address)


def pdf_pages(path: Path) -> list[str]:
    """Return the text layer of every page of a PDF."""
    import pypdfium2 as pdfium  # imported here so that checking .txt files needs no PDF library

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf))]
    finally:
        pdf.close()


def document_texts(path: Path) -> tuple[str, str, list[str]]:
    """Return (annotated text, full text, pages) of a document."""
    if path.suffix == ".pdf":
        pages = pdf_pages(path)
        return "\n".join(pages), "\n".join(pages), pages
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        parser = _ArticleText()
        parser.feed(raw)
        full = html.unescape(re.sub(r"<[^>]+>", " ", raw))
        return "".join(parser.parts), full, []
    return raw, raw, []


def squash(text: str) -> str:
    """Collapse every run of whitespace (no-break spaces included) into one space."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def surfaces(entity: dict[str, Any]) -> list[str]:
    """Return every surface form an entity claims to have in its document."""
    kind = entity["type"]
    if kind in {"actor", "casino"}:
        return [entity["name"], *entity.get("aliases", [])]
    if kind == "amount":
        return [entity["text"], *entity.get("aliases", [])]
    if kind == "country":
        return list(entity["text"])
    return []


def shape_errors(entity: dict[str, Any]) -> list[str]:
    """Return what is wrong with the fields of one entity."""
    kind = entity.get("type")
    errors: list[str] = []
    if kind == "actor":
        if entity.get("kind") not in ACTOR_KINDS:
            errors.append(f"actor kind {entity.get('kind')!r}")
    elif kind == "casino":
        if entity.get("kind") not in CASINO_KINDS:
            errors.append(f"casino kind {entity.get('kind')!r}")
    elif kind == "amount":
        has_value = isinstance(entity.get("value"), int | float)
        has_range = isinstance(entity.get("min"), int | float) and isinstance(
            entity.get("max"), int | float
        )
        if has_value == has_range:
            errors.append("amount needs value or min/max, not both")
        if has_range and entity["min"] >= entity["max"]:
            errors.append("amount min >= max")
        if not re.fullmatch(r"[A-Z][A-Z0-9]{2,5}", str(entity.get("currency", ""))):
            errors.append(f"currency {entity.get('currency')!r}")
        if not isinstance(entity.get("text"), str):
            errors.append("amount text must be a string")
    elif kind == "country":
        if not re.fullmatch(r"[A-Z]{2}", str(entity.get("code", ""))):
            errors.append(f"country code {entity.get('code')!r}")
        if not isinstance(entity.get("text"), list) or not entity["text"]:
            errors.append("country text must be a non-empty list")
    elif kind == "wallet":
        if not isinstance(entity.get("address"), str):
            errors.append("wallet without address")
        if not entity.get("suspect") and not entity.get("chains"):
            errors.append("true wallet without chains")
    else:
        errors.append(f"unknown type {kind!r}")
    return errors


def identity(entity: dict[str, Any]) -> tuple[Any, ...]:
    """Return what makes an entity distinct within its document."""
    kind = entity["type"]
    if kind == "wallet":
        return (kind, entity["address"])
    if kind == "amount":
        return (kind, entity.get("value"), entity.get("min"), entity.get("max"), entity["currency"])
    if kind == "country":
        return (kind, entity["code"])
    return (kind, entity["name"])


def wrap_errors(entity: dict[str, Any], raw: str, pages: list[str]) -> list[str]:
    """Check that an address marked as wrapped is really broken in the PDF text."""
    address, how = entity["address"], entity.get("wrapped")
    if how is None:
        return []
    if address in raw:
        return [f"{address} is marked wrapped but occurs unbroken"]
    if how == "page":
        # The running footer and header sit between the halves, so look for a prefix that
        # ends one page and the matching suffix that opens the next.
        bare = [re.sub(r"\s", "", page) for page in pages]
        for first, second in itertools.pairwise(bare):
            for cut in range(6, len(address) - 5):
                if address[:cut] in first and address[cut:] in second[: len(address) + 40]:
                    return []
        return [f"{address} is not split across a page break"]
    return []


def check_gold(gold_path: Path) -> list[str]:
    """Return every problem found in one gold file and its document."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    problems: list[str] = []
    for key in ("source", "style", "synthetic", "entities"):
        if key not in gold:
            problems.append(f"missing {key}")
    if problems:
        return problems
    doc_path = gold_path.with_name(gold["source"])
    if not doc_path.exists() or gold_path.name != doc_path.stem + ".gold.json":
        return [f"source {gold['source']} missing or misnamed"]
    if gold["style"] not in STYLES or gold["synthetic"] is not True:
        problems.append(f"style {gold['style']!r} / synthetic {gold['synthetic']!r}")
    text, full, pages = document_texts(doc_path)
    flat, flat_full = squash(text), squash(full)
    bare = re.sub(r"\s", "", text)
    words = len(re.findall(r"\w+", text))
    if not 200 <= words <= 1200:
        problems.append(f"{words} words (want 200-1200)")
    if MARKER not in text:
        problems.append("no SYNTHETIC marker in the annotated text")
    seen: dict[tuple[Any, ...], int] = {}
    owners: dict[tuple[str, str], str] = {}
    for entity in gold["entities"]:
        shown = entity.get("name") or entity.get("address") or entity.get("text")
        label = f"{entity.get('type')} {shown}"
        problems += [f"{label}: {e}" for e in shape_errors(entity)]
        if shape_errors(entity):
            continue
        ident = identity(entity)
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] == 2:
            problems.append(f"{label}: annotated twice")
        for form in surfaces(entity):
            if squash(form) not in flat:
                problems.append(f"{label}: form {form!r} not in text")
            owner = owners.setdefault((entity["type"], form), label)
            if owner != label:
                problems.append(f"{label}: form {form!r} also claimed by {owner}")
        if entity["type"] == "wallet":
            address = entity["address"]
            if address not in bare and entity.get("wrapped") != "page":
                problems.append(f"{label}: address not in text")
            if address_ok(address) == bool(entity.get("suspect")):
                verdict = "passes" if entity.get("suspect") else "fails"
                problems.append(f"{label}: checksum {verdict}")
            problems += wrap_errors(entity, text, pages)
    bare_full = re.sub(r"\s", "", full)
    for negative in gold.get("negatives", []):
        found = squash(negative["text"]) in flat_full
        if negative["type"] == "wallet":  # hashes wrap in PDF cells just as addresses do
            found = found or re.sub(r"\s", "", negative["text"]) in bare_full
        if not found:
            problems.append(f"negative {negative['text']!r} not in text")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check every gold file in a folder and report problems; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEV)
    args = parser.parse_args(argv)
    golds = sorted(args.folder.glob("*.gold.json"))
    counts: dict[str, int] = {}
    bad = 0
    for gold_path in golds:
        problems = check_gold(gold_path)
        style = json.loads(gold_path.read_text(encoding="utf-8")).get("style", "?")
        counts[style] = counts.get(style, 0) + 1
        for problem in problems:
            print(f"{gold_path.name}: {problem}")
        bad += bool(problems)
    print(f"{len(golds)} gold files, {bad} with problems; by style: {dict(sorted(counts.items()))}")
    return 1 if bad or not golds else 0


if __name__ == "__main__":
    sys.exit(main())
