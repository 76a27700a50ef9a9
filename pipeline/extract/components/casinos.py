"""Casinos, casino resorts, online casinos and junket operators: gazetteer plus patterns."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.candidates import Candidate, add, raw_text_of, text_of
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


# A section number before a heading: "E.", "IV.", "3.", "(b)".
_ENUMERATOR = re.compile(
    r"^\s*(?:\(?[A-Za-z]\)|\(?\d{1,3}\)|[A-Z]\.|[IVXLC]{1,6}\.|\d{1,3}(?:\.\d+)*\.?)\s+"
)
_HEADING_WORDS = 8
_OPEN_WORDS = {"a", "an", "in", "at", "by", "to", "with", "from", "through", "via"}


def _line_at(text: str, at: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return start, end if end >= 0 else len(text)


def _heading_shape(line: str) -> bool:
    """Say whether one line looks like a heading: short, capitalised, not ending a clause."""
    line = _ENUMERATOR.sub("", line, count=1).strip()
    words = line.split()
    if not words or len(words) > _HEADING_WORDS or not line[0].isupper():
        return False
    return line[-1] not in ".,;:" and words[-1].lower() not in _CONNECTORS | _OPEN_WORDS


def heading_line(text: str, at: int) -> bool:
    """Say whether the line holding position `at` is a section heading, not prose.

    A heading has a heading's shape and follows nothing, a blank line, a line that ended a
    sentence, or another heading; after a line that stops mid-sentence it is wrapped prose.
    """
    start, end = _line_at(text, at)
    if not _heading_shape(text[start:end]):
        return False
    if start == 0:
        return True
    p_start, p_end = _line_at(text, start - 1)
    before = text[p_start:p_end].rstrip()
    return not before.strip() or before.endswith((".", ":", "?", "!")) or _heading_shape(before)


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
        raw = raw_text_of(doc)
        for pattern, kind in PATTERNS:
            for match in pattern.finditer(text):
                # "E. Casinos", "Cash-out" under "D. Junkets": a heading names a topic.
                if any(heading_line(raw, at) for at in _line_starts(raw, *match.span())):
                    continue
                self._propose(doc, match.start("name"), match.group("name"), kind)
        return doc

    def _propose(self, doc: Doc, start: int, name: str, kind: str) -> None:
        words = name.split()
        # A sentence end inside the name ("DPRK. E. Casinos"): the name starts after it.
        for i in range(len(words) - 1, 0, -1):
            if _SENTENCE_END_WORD.match(words[i - 1]):
                cut = _nth_word_start(name, i)
                start, name, words = start + cut, name[cut:], words[i:]
                break
        while words and (
            words[0].lower() in _LEADING_NOISE
            or lookup(words[0]) is not None
            or _ENUMERATOR.match(words[0] + " ")
        ):
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


# A word that ends a sentence or numbers a section, not part of a name: "DPRK.", "E.", "IV.".
_SENTENCE_END_WORD = re.compile(r"^(?:[A-Z]{2,}|[A-Z]|[IVXLC]{1,6}|\d{1,3}|[a-z]{3,})\.$")


def _nth_word_start(text: str, n: int) -> int:
    """Return the offset of the n-th (from 0) whitespace-separated word of `text`."""
    return [m.start() for m in re.finditer(r"\S+", text)][n]


def _line_starts(text: str, start: int, end: int) -> list[int]:
    """Return a position on each line that the span [start, end) touches."""
    return [start] + [i + 1 for i in range(start, min(end, len(text))) if text[i] == "\n"]


@Language.factory("mt_casinos")
def make_casinos(nlp: Language, name: str) -> CasinoFinder:
    """Build the casino component."""
    return CasinoFinder(nlp, load_gazetteer())
