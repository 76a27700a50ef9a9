"""Actors (people, organisations, groups, agencies, companies, exchanges, mixers) with a kind."""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.extract.candidates import Candidate, add, raw_text_of, text_of
from pipeline.extract.components.gazetteer_match import AliasMatcher
from pipeline.extract.gazetteer import Gazetteer, load_gazetteer
from pipeline.extract.geo import lookup
from pipeline.extract.kinds import name_kind
from pipeline.extract.lexicon import is_english_word
from pipeline.extract.money import CurrencyTable, load_currencies
from pipeline.extract.names import clean_surface, normalise

_NOT_NAME = re.compile(r"^[\W\d_]+$|^(?:[a-z][\w-]*\s*)+$")
_PLACE_WORDS = {
    "pacific",
    "asia",
    "southeast",
    "east",
    "west",
    "europe",
    "africa",
    "americas",
    "region",
    "regional",
}
NER_LABELS = {"PERSON": "person", "ORG": "organization"}
_DIRECTION = r"(?:(?:NORTHERN|SOUTHERN|EASTERN|WESTERN|CENTRAL|MIDDLE)\s+)?"
# Names the small model misses: court captions in capitals, prosecutors' offices, and
# signature-block names written in capitals with a middle initial.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:UNITED\s+STATES|U\.S\.)\s+(?:DISTRICT|BANKRUPTCY)\s+COURT"
            rf"(?:,?\s+(?:FOR\s+THE\s+)?{_DIRECTION}DISTRICT\s+OF\s+[A-Z]+(?:\s+[A-Z]+)??"
            r"(?=\s*(?:\n|$|[,.;:)]|\s{2})))?",
            re.I,
        ),
        "court",
    ),
    (
        re.compile(
            r"\b(?:United\s+States|U\.S\.)\s+Court\s+of\s+Appeals\s+for\s+the\s+"
            r"(?:[A-Z][a-z]+|D\.C\.)\s+Circuit\b"
        ),
        "court",
    ),
    (
        re.compile(
            r"\b(?:United\s+States|U\.S\.)\s+Attorney['’]s\s+Office\s+for\s+the\s+"
            r"(?:(?:Northern|Southern|Eastern|Western|Central|Middle)\s+)?District\s+of\s+"
            r"(?:the\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b"
        ),
        "agency",
    ),
    (
        re.compile(
            r"\b(?:REGIONAL\s+TRIAL\s+COURT|Regional\s+Trial\s+Court|FEDERAL\s+COURT\s+OF"
            r"\s+AUSTRALIA|Federal\s+Court\s+of\s+Australia|Court\s+of\s+Final\s+Appeal|"
            r"Sandiganbayan)\b"
        ),
        "court",
    ),
    (
        re.compile(
            r"(?<![\w.])[A-Z][A-Z'’-]+(?:\s[A-Z][A-Z'’-]+)?\s[A-Z]\.\s[A-Z][A-Z'’-]{2,}\b"
            r"(?!\s+(?:DISTRICT|COURT|STATES))"
        ),
        "person",
    ),
)
# A corporate suffix the model leaves outside the name: "Heng Tai Trading Co., Ltd."
# Only places: "(FTB)" after a name is an acronym the text defines, not part of the name.
_JURISDICTION = (
    r"\s*\((?:HK|H\.K\.|BVI|Macau|Macao|Cambodia|Singapore|Labuan|Hong\s+Kong|"
    r"Philippines|Thailand|Malaysia|Vietnam|Laos|Myanmar|Seychelles|Cayman)\)"
)
_CORPORATE = (
    r",?\s*(?:Co\.,?\s*)?(?:Ltd\.?|Limited|Inc\.?|LLC|L\.L\.C\.|Corp\.?|Pte\.?\s*Ltd\.?|"
    r"PLC|S\.A\.|GmbH|OÜ|AG|N\.V\.|B\.V\.|Sdn\.?\s*Bhd\.?|JSC|LLP)(?![\w])"
)
_SUFFIX_AFTER = re.compile(rf"(?:{_JURISDICTION}(?:{_CORPORATE})?|{_CORPORATE})")
_CORPORATE_TAIL = re.compile(_CORPORATE)
_JUNKET_NAME = re.compile(r"\bVIP(?:\s+(?:Club|Room|Rooms|Gaming|Hall))?$|\bGaming\s+Promotions?$")
# Laws, currencies and numbered things the model reads as organisations.
_NOT_ACTOR = re.compile(
    r"\b(?:Act|Bitcoin|Ethereum|Ether|Tether|Monero|Litecoin|USDT|USDC)$|\b\w*\d\w*\b|"
    r"^(?:Stolen|Ethereum|Bitcoin)\b|^(?:the\s+)?(?:Royal\s+)?Government\s+of\b|\bGovernment$|"
    r"^this\b|^(?:Specially\s+Designated\s+Nationals)"
)
_JUNK = re.compile(r"[/§²³¹\[\]{}<>@#=|]|\bNo\.?$|^\d|\(\w*$")
_ENUMERATOR = re.compile(r"^(?:[A-Z]|[IVX]{1,4}|\d{1,2})\.\s+(?=[A-Z])")


_TRAILING = re.compile(
    r"(?:\s+(?:[a-z][\w-]*|\d+|(?i:a\.?k\.?a\.?|f\.?k\.?a\.?)|DOB|POB|Gender|Nationality|"
    r"Passport))+$"
)
# Titles and roles seen glued to names in police, court and press texts ("Pol Lt Gen ...").
_MORE_TITLES = {
    "pol",
    "lt",
    "gen",
    "maj",
    "col",
    "capt",
    "sgt",
    "brig",
    "adm",
    "boss",
    "atty",
    "defendant",
    "defendants",
    "accused",
    "witness",
    "victim",
    "suspect",
    "mr",
    "mrs",
    "ms",
    "dr",
    "police",
    "commander",
    "spokesman",
    "spokeswoman",
    "spokesperson",
}
# Labels of sanctions notices read as names ("POB Hubei", "Gender Male").
_FIELD_LABEL = re.compile(
    r"^(?:DOB|POB|Gender|Nationality|Passport|Organization\s+Established|"
    r"Digital\s+Currency\s+Address|Identification|Website|Email)\b",
    re.I,
)
_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]+")


def _lower_words(doc: Doc) -> frozenset[str]:
    """Return the words written in lower case somewhere in the Doc (cached on it)."""
    cached = doc.user_data.get("mt_lower_words")
    if cached is None:
        cached = frozenset(w for w in _WORDS.findall(text_of(doc)) if w.islower())
        doc.user_data["mt_lower_words"] = cached
    return cached


def all_common(text: str, lower: frozenset[str]) -> bool:
    """Say whether every word of a name also occurs in lower case in the text."""
    words = _WORDS.findall(text)
    return bool(words) and all(w.lower() in lower for w in words)


@lru_cache(maxsize=1)
def _currencies() -> CurrencyTable:
    return load_currencies()


def _is_currency(text: str) -> bool:
    """Say whether a name is a currency or crypto ticker the model took for an organisation."""
    table = _currencies()
    return text in table.exact or text.lower() in table.folded


def _has_proper_noun(ent: Span, start: int, end: int) -> bool:
    """Say whether any token inside [start, end) is tagged as a proper noun."""
    return any(t.tag_ in ("NNP", "NNPS") for t in ent if t.idx >= start and t.idx + len(t) <= end)


_SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "into",
    "of",
    "on",
    "or",
    "the",
    "to",
    "with",
    "v",
    "vs",
    "via",
    "over",
    "under",
    "against",
    "after",
}
_LINE_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CITATION = re.compile(r"^\s*\d{1,3}\s+\S|[:“”\"]|\bPress Release\b")


def title_case_line(text: str, at: int) -> bool:
    """Say whether the line holding position `at` is a cited title written in Title Case."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)]
    words = [w for w in _LINE_WORD.findall(line) if w.lower() not in _SMALL_WORDS]
    if len(words) < 6:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    if capitalised / len(words) < 0.85 or line.isupper():
        return False
    # Only cited titles: a footnote number first, or a colon or quotation marks in the line.
    # Lines of names and titles in a press release are Title Case too, and must stay.
    return bool(_CITATION.search(line))


def actor_kind(text: str, label: str) -> str:
    """Guess the kind of a name the model found, from its words."""
    return name_kind(text, label)


def trim_person(span: Span, titles: tuple[str, ...]) -> tuple[int, str]:
    """Drop titles and place words the small model glues in front of a person's name."""
    tokens = [t for t in span if not t.is_space]
    lowered_titles = {w.lower().rstrip(".") for t in titles for w in t.split()} | _MORE_TITLES
    while len(tokens) > 1 and (
        tokens[0].lower_.rstrip(".") in lowered_titles
        or tokens[0].lower_ in _PLACE_WORDS
        or tokens[0].lower_ == "the"
        or tokens[0].text == "."
    ):
        tokens = tokens[1:]
    start = tokens[0].idx
    return start, text_of(span.doc)[start : span.end_char]


class ActorFinder:
    """spaCy component: gazetteer aliases first, then the model's PERSON and ORG names, cleaned."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.matcher = AliasMatcher(nlp, gazetteer, "actor")

    def __call__(self, doc: Doc) -> Doc:
        known: list[tuple[int, int]] = []
        for start, end, entry in self.matcher(doc):
            known.append((start, end))
            add(
                doc,
                Candidate(
                    start,
                    end,
                    "actor",
                    text_of(doc)[start:end],
                    entry.key,
                    {"kind": entry.kind, "name": entry.name},
                    "actors.gazetteer",
                ),
            )
        # Captions end at a line break: the patterns read the text with its line breaks.
        text = raw_text_of(doc)
        for pattern, kind in PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(start < e and s < end for s, e in known):
                    continue
                known.append((start, end))
                name = " ".join(match.group().split())
                add(
                    doc,
                    Candidate(
                        start,
                        end,
                        "actor",
                        match.group(),
                        f"n:{normalise(name)}",
                        {"kind": kind},
                        "actors.pattern",
                        0.9,
                    ),
                )
        for ent in doc.ents:
            if ent.label_ not in NER_LABELS:
                continue
            if any(ent.start_char < e and s < ent.end_char for s, e in known):
                continue
            candidate = self.from_entity(ent)
            if candidate is not None:
                add(doc, candidate)
        return doc

    def from_entity(self, ent: Span) -> Candidate | None:
        """Clean one model entity into an actor candidate, or reject it."""
        if title_case_line(raw_text_of(ent.doc), ent.start_char):
            # Headings and cited press-release titles: the model calls every run of capitals
            # a name there ("Federal Court Enters Order Against"); real names recur in prose.
            return None
        start, raw = (
            trim_person(ent, self.gazetteer.titles)
            if ent.label_ == "PERSON"
            else (ent.start_char, ent.text)
        )
        enumerator = _ENUMERATOR.match(raw)
        if enumerator:
            # "C. Laundering through casinos": a heading's letter, not an initial.
            start, raw = start + enumerator.end(), raw[enumerator.end() :]
        text = _TRAILING.sub("", clean_surface(raw))
        if _FIELD_LABEL.match(text) or _NOT_ACTOR.search(text):
            return None
        if text.count("(") != text.count(")"):
            # "Tribunal de Segunda Instância (Court of Second Instance": keep the name only.
            text = text[: text.index("(")].rstrip() if "(" in text else text
            if not text:
                return None
        comma = text.find(",")
        if (
            (comma >= 0 and not _CORPORATE_TAIL.fullmatch(text[comma:]))
            or _JUNK.search(text)
            or not _has_proper_noun(ent, start, start + len(raw))
        ):
            return None
        if " " not in text and (ent.label_ == "ORG" or text.isupper()) and is_english_word(text):
            # "Excerpt", "ANALYSIS", "Office": a lone dictionary word is a heading, not a name.
            return None
        if all_common(text, _lower_words(ent.doc)) or _is_currency(text):
            # Table labels and headings ("Blocked Persons", "Defendant Address 1"): every word
            # also occurs in lower case in this text, so none of them is a name.
            return None
        if len(text) < 2 or _NOT_NAME.match(text) or "\n\n" in text:
            return None
        key = normalise(text)
        if not key or key in self.gazetteer.stopwords or lookup(text) is not None:
            return None
        if "casino" in key or "junket" in key:
            return None
        # The cleaned name has single spaces; the text may break it across a line.
        found = re.compile(r"\s+".join(map(re.escape, text.split()))).search(
            text_of(ent.doc), start, ent.end_char
        )
        if found is None:
            return None
        offset, end = found.span()
        surface = found.group()
        entry = self.gazetteer.find(text)
        if entry is not None and entry.type == "casino":
            return None
        if entry is not None:
            return Candidate(
                offset,
                end,
                "actor",
                surface,
                entry.key,
                {"kind": entry.kind, "name": entry.name},
                "actors.gazetteer",
            )
        kind = actor_kind(text, ent.label_)
        if _JUNKET_NAME.search(text):
            # "Golden Lotus VIP Club", "Lucky Star Gaming Promotions": VIP-room operators.
            return Candidate(
                offset,
                end,
                "casino",
                surface,
                f"n:{key}",
                {"kind": "junket", "name": text},
                "casinos.ner",
                0.7,
            )
        suffix = _SUFFIX_AFTER.match(text_of(ent.doc), end)
        if suffix and suffix.end() > end and ent.label_ == "ORG":
            end = suffix.end()
            surface = text_of(ent.doc)[offset:end]
            kind = "company" if kind == "organization" else kind
        return Candidate(
            offset, end, "actor", surface, f"n:{key}", {"kind": kind}, "actors.ner", 0.7
        )


@Language.factory("mt_actors")
def make_actors(nlp: Language, name: str) -> ActorFinder:
    """Build the actor component."""
    return ActorFinder(nlp, load_gazetteer())
