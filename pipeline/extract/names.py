"""Name normalisation shared by extraction and linking."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_POSSESSIVE = re.compile(r"(?:'s|s')$|'$")
_PUNCT = re.compile(r"[^\w&\s-]+")
_SPACES = re.compile(r"[\s\-]+")
CORPORATE_SUFFIXES = (
    "co ltd",
    "company limited",
    "limited",
    "ltd",
    "inc",
    "incorporated",
    "llc",
    "l l c",
    "corp",
    "corporation",
    "co",
    "pte",
    "pte ltd",
    "plc",
    "sa",
    "s a",
    "gmbh",
    "ag",
    "sdn bhd",
    "bv",
    "nv",
)
_SUFFIX = re.compile(r"(?:\s+(?:" + "|".join(re.escape(s) for s in CORPORATE_SUFFIXES) + r"))+$")


def fold(text: str) -> str:
    """Strip diacritics and unify quotes and dashes."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def clean_surface(text: str) -> str:
    """Trim what the small model glues to names: quotes, brackets, dashes, possessives."""
    text = " ".join(text.split())
    text = text.strip(" \t\n\"'“”‘’()[]{}<>,;:-–—•*")
    text = re.sub(r"(?:'s|’s)$", "", text)
    if text.lower().startswith("the "):
        text = text[4:]
    return text.strip(" ,;:-–—")


def normalise(text: str, drop_suffix: bool = True) -> str:
    """Return a comparison key: folded, lower case, no possessive, punctuation or leading 'the'."""
    text = fold(text).lower().strip()
    text = _POSSESSIVE.sub("", text)
    text = _PUNCT.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    if drop_suffix:
        stripped = _SUFFIX.sub("", text).strip()
        text = stripped or text
    return text
