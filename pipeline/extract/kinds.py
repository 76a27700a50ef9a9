"""An actor's kind from the words of its name: court, malware, company, agency, bank, group ...

The word lists live in models/gazetteer/kinds.json; the names OFAC lists as individuals,
terrorist or criminal groups and other entities in models/gazetteer/ofac_kinds.json.
pipeline.link.kinds then corrects the kind from the words around a name in its document.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.resources import model_file

_COURT = re.compile(
    r"\bCourts?\b|\bTribunal\b|\bSandiganbayan\b|\bBankr\.|\bCir\.|"
    r"^(?:[NSEWCM]\.\s?D\.|D\.)\s?[A-Z][a-z]{1,5}\.?$|^[NSEWCM]\.\s?D\.\s?N\.\s?Y\.?$",
)
_AGENCY = re.compile(
    r"\b(Department|Ministry|Bureau|Agency|Office|Commission|Police|Council|Committee|"
    r"Authority|Treasury|Government|United Nations|Security Council|Directorate|Service|Embassy|"
    r"Prosecutor|Attorney|Administration|Parliament|Senate|Congress|Regulator|Central Bank|FBI|"
    r"Interpol|Europol|Panel of Experts|Task Force|Army|Navy|Military|General Staff|Division|"
    r"Section|Board|Registry|Center|Centre|Unit|Inspectorate)\b"
)
# Words of a state's or the UN's bodies; a council or committee named after an armed group
# ("ISIL Delegated Committee") is part of the group, a ministry or a sanctions committee
# ("Al-Qaida Sanctions Committee") is not.
_STATE = re.compile(
    r"\b(Ministry|Department|Government|Embassy|Police|Treasury|Parliament|Sanctions|"
    r"Monitoring|Counter|Panel|United Nations|Security|Resolution)\b"
)
_MIXER = re.compile(r"\b(Mixer|Tumbler)\b", re.I)
_EXCHANGE = re.compile(r"\b(Exchange|Exchanger|OTC desk)\b")
_BANK = re.compile(r"\b(Bank|Banking)\b")
_GROUP = re.compile(r"\b(Group|Gang|Syndicate|Cartel|Triad|Team|Chollima|Sleet|Brigades?)\b")
# The head of "Committee on Banking Supervision" or "Bank of France" is the word before "of".
_HEAD_CUT = re.compile(r"\s+(?:of|on|for|against|to|in)\s+|\s*\(")
_WORD = re.compile(r"[A-Za-z][\w.&'’-]*|&")


@dataclass(frozen=True, slots=True)
class KindWords:
    """The word lists kinds are decided from."""

    malware: frozenset[str]
    malware_cues: frozenset[str]
    agency_heads: frozenset[str]
    agency_group_qualifiers: frozenset[str]
    agency_words: frozenset[str]
    company_suffixes: frozenset[str]
    company_words: frozenset[str]
    company_cues: frozenset[str]
    group_cues: frozenset[str]
    descriptors: dict[str, str]
    person_titles: frozenset[str]
    group_words: frozenset[str]


@lru_cache(maxsize=1)
def kind_words() -> KindWords:
    """Load the kind word lists once."""
    data = json.loads(model_file("gazetteer", "kinds.json").read_text(encoding="utf-8"))
    return KindWords(
        frozenset(w.lower() for w in data["malware"]),
        frozenset(data["malware_cues"]),
        frozenset(data["agency_heads"]),
        frozenset(data["agency_group_qualifiers"]),
        frozenset(data["agency_words"]),
        frozenset(data["company_suffixes"]),
        frozenset(data["company_words"]),
        frozenset(data["company_cues"]),
        frozenset(data["group_cues"]),
        dict(data["descriptors"]),
        frozenset(data["person_titles"]),
        frozenset(data["group_words"]),
    )


@lru_cache(maxsize=1)
def listed_kinds() -> dict[str, str]:
    """Load the kinds OFAC's list gives names (person, group, entity), keyed by name_key."""
    data = json.loads(model_file("gazetteer", "ofac_kinds.json").read_text(encoding="utf-8"))
    return {name: kind for kind in ("person", "group", "entity") for name in data[kind]}


_PARTICLES = frozenset({"al", "el", "ul", "ud", "ad", "ar", "as", "ash", "e", "i", "wa", "wal"})


_VOWELS = str.maketrans("", "", "aeiouy")
_RUNS = re.compile(r"(.)\1+")


def skeleton(key: str) -> str:
    """Return a name key without Arabic particles, vowels and doubled letters.

    Transliterations differ in vowels and doubling ("Hurras al-Din", "Huras ad-Din"); the
    consonants stay.
    """
    words = [w for w in key.split() if w not in _PARTICLES]
    return _RUNS.sub(r"\1", "".join(words).translate(_VOWELS))


@lru_cache(maxsize=1)
def listed_acronyms() -> frozenset[str]:
    """Load the initials of OFAC group names that no other listed name shares ("iswap")."""
    data = json.loads(model_file("gazetteer", "ofac_kinds.json").read_text(encoding="utf-8"))
    return frozenset(data["group_acronyms"])


def loosely_listed_group(key: str) -> bool:
    """Say whether a name key spells an OFAC group's name that no listed person or entity's
    name spells, vowels, particles and doubling aside."""
    loose = skeleton(key)
    # The group names' skeletons answer almost every name; the 49,000 others' are worked
    # out (0.2 s) only once a name matches a group's.
    return loose in _group_skeletons() and loose not in _other_skeletons()


@lru_cache(maxsize=1)
def _group_skeletons() -> frozenset[str]:
    # Short skeletons collide by chance; seven consonants is a long name.
    found = (skeleton(n) for n, kind in listed_kinds().items() if kind == "group")
    return frozenset(s for s in found if len(s) >= 7)


@lru_cache(maxsize=1)
def _other_skeletons() -> frozenset[str]:
    return frozenset(skeleton(n) for n, kind in listed_kinds().items() if kind != "group")


def name_key(text: str) -> str:
    """Return a name as the lower-case words OFAC names are keyed by ("al shabaab")."""
    words = re.findall(r"\w+", re.sub(r"['’‘ʼ`]", "", text.lower()))
    return " ".join(words[1:] if words[:1] == ["the"] else words)


def _head(words: list[str]) -> tuple[str, str]:
    """Return the head word of a name and the word before it."""
    if not words:
        return "", ""
    return words[-1], words[-2] if len(words) > 1 else ""


def name_kind(text: str, label: str) -> str:
    """Guess the kind of a name from its words; `label` is the model's PERSON or ORG."""
    table = kind_words()
    name = " ".join(text.split())
    if name.lower() in table.malware:
        return "malware"
    if _COURT.search(name):
        return "court"
    key = name_key(name)
    listed = listed_kinds().get(key)
    if listed is None and name.replace("-", "").isupper() and key in listed_acronyms():
        listed = "group"  # "ISWAP", "TTP": the initials of a listed group's name
    if listed == "group" or (listed is None and loosely_listed_group(key)):
        # OFAC lists it as a terrorist or criminal group: "ISIL", "Al-Shabaab".
        return "group"
    if listed == "entity" and label == "PERSON":
        label = "ORG"  # a listed entity is not a person; its words decide the rest
    words = _WORD.findall(name)
    head, before = _head(_WORD.findall(_HEAD_CUT.split(name, maxsplit=1)[0]))
    governmental = (
        head in table.agency_heads
        or any(w in table.agency_words for w in words)
        or (head in ("Group", "Team", "Force") and before in table.agency_group_qualifiers)
    )
    if any(w in table.company_suffixes or w.rstrip(".,") in table.company_suffixes for w in words):
        # A legal suffix outweighs the model's PERSON: "Celsius Network LLC".
        return "company"
    if not governmental and len(words) <= 3 and any(w in table.company_words for w in words):
        # "Cere Network", "Jin Wallet", "ZG Top Tech": product words, not people.
        return "company"
    if "DAO" in words:
        return "organization"
    if (
        not _STATE.search(name)
        and set(name_key(name).split()) & table.group_words
        and not (_BANK.search(name) or _EXCHANGE.search(name))
    ):
        # "Harakat al-Shabaab al-Mujahidin", "ISIL-Sahel", "Tehrik-e Taliban Pakistan".
        return "group"
    if label == "PERSON" or (listed == "person" and not governmental):
        return "person"
    if _MIXER.search(name):
        return "mixer"
    if governmental:
        return "agency"
    if _EXCHANGE.search(name):
        return "exchange"
    if _BANK.search(name):
        return "bank"
    if _AGENCY.search(name):
        return "agency"
    if head in ("Force", "Forces") or _GROUP.search(name):
        return "group"
    return "organization"
