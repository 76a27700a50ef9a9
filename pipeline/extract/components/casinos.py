"""Casinos, casino resorts, online casinos and junket operators: gazetteer plus patterns."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.candidates import Candidate, add, text_of
from pipeline.extract.components.gazetteer_match import AliasMatcher
from pipeline.extract.gazetteer import Gazetteer, load_gazetteer
from pipeline.extract.geo import lookup
from pipeline.extract.names import normalise

_WORD = r"(?:[A-Z][\w'’&.\-]*|of|de|la|and|&)"
_NAME = rf"(?:[A-Z][\w'’&.\-]*(?:[ \t]+{_WORD}){{0,4}})"
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "Okada Manila Resort and Casino", "Midas Hotel and Casino", "Jin Bei Casino"
    (
        re.compile(
            rf"\b(?P<name>{_NAME}[ \t]+(?:(?:Hotel|Resort|Resorts)[ \t]+(?:and|&)[ \t]+)?"
            rf"Casino(?:[ \t]+(?:(?:and|&)[ \t]+)?(?:Resort|Hotel)s?)?)\b"
        ),
        "casino",
    ),
    (
        re.compile(
            rf"\bjunket(?:[ \t]+operator)?s?,?[ \t]+(?:known[ \t]+as[ \t]+|called[ \t]+|named[ \t]+)?"  # noqa: E501
            rf"(?P<name>{_NAME})"
        ),
        "junket",
    ),
    (
        re.compile(rf"\b(?P<name>{_NAME})[ \t]+junket(?:[ \t]+(?:operator|group|company))?\b"),
        "junket",
    ),
    (
        re.compile(rf"\bonline[ \t]+casino[ \t]+(?:platform[ \t]+)?(?P<name>{_NAME})"),
        "online_casino",
    ),
)
_LEADING_NOISE = {
    "the",
    "a",
    "an",
    "and",
    "of",
    "in",
    "at",
    "by",
    "from",
    "casino",
    "this",
    "that",
    "its",
    "their",
    "his",
    "her",
    "our",
    "these",
    "those",
    "said",
    "new",
    "major",
    "licensed",
    "illegal",
    "large",
    "several",
    "other",
    "local",
    "online",
}


_OPERATOR_SUFFIX = re.compile(
    r",?\s*(?:S\.A\.|Ltd\.?|Limited|Inc\.?|LLC|Pte|Co\.,?\s*Ltd|"
    r"Corp\.?|PLC|Sdn\.?\s*Bhd)(?![\w])"
)
_CONNECTORS = {"and", "of", "&", "de", "la", "the"}
_GENERIC = {
    "casino",
    "casinos",
    "resort",
    "resorts",
    "hotel",
    "hotels",
    "and",
    "&",
    "junket",
    "junkets",
    "operator",
    "operators",
    "gaming",
    "vip",
    "the",
    "of",
    "online",
}


class CasinoFinder:
    """spaCy component proposing casinos and junkets, known or not."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.matcher = AliasMatcher(nlp, gazetteer, "casino")

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        for start, end, entry in self.matcher(doc):
            add(
                doc,
                Candidate(
                    start,
                    end,
                    "casino",
                    text[start:end],
                    entry.key,
                    {"kind": entry.kind, "name": entry.name},
                    "casinos.gazetteer",
                ),
            )
        for pattern, kind in PATTERNS:
            for match in pattern.finditer(text):
                self._propose(doc, match.start("name"), match.group("name"), kind)
        return doc

    def _propose(self, doc: Doc, start: int, name: str, kind: str) -> None:
        words = name.split()
        while words and (words[0].lower() in _LEADING_NOISE or lookup(words[0]) is not None):
            cut = name.index(words[0]) + len(words[0])
            start += cut + (len(name[cut:]) - len(name[cut:].lstrip()))
            name = name[cut:].lstrip()
            words = name.split()
        name = name.rstrip(".,;:'’ ")
        after = start + len(name)
        if _OPERATOR_SUFFIX.match(text_of(doc), after) or name.lower().endswith("-based"):
            # "Galaxy Casino, S.A." is the operating company, an actor; "Macau-based" no name.
            return
        while name.split() and name.split()[-1].lower() in _CONNECTORS:
            name = name[: name.rfind(name.split()[-1])].rstrip(".,;:'’ ")
        core = [w for w in name.split() if w.lower() not in _GENERIC and len(w.strip(".")) > 1]
        if not core:
            return
        entry = self.gazetteer.find(name)
        if entry is not None and entry.type == "actor":
            return
        if kind == "casino" and "resort" in name.lower():
            kind = "casino_resort"
        key = entry.key if entry is not None else f"n:{normalise(name)}"
        value = {"kind": entry.kind if entry else kind, "name": entry.name if entry else name}
        add(
            doc,
            Candidate(start, start + len(name), "casino", name, key, value, "casinos.pattern", 0.8),
        )


@Language.factory("mt_casinos")
def make_casinos(nlp: Language, name: str) -> CasinoFinder:
    """Build the casino component."""
    return CasinoFinder(nlp, load_gazetteer())
