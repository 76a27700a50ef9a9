"""Resolve entities across documents into clusters: one canonical entity per real-world thing.

Per-document linking already gives every mention an entity id from its type and normalised
key, so the same name in two documents is one entity. This step joins what keys cannot:
an acronym and its expansion, an alias the gazetteer or a document defined, spelling variants.
Cost stays near linear: candidates meet only inside blocks of entities that share a token.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz

from pipeline.extract.geo import lookup
from pipeline.extract.names import normalise as normalise_text
from pipeline.resources import model_file

# Only names of these types are resolved; wallets and countries are keyed exactly, and amounts
# are statements of one document.
RESOLVED_TYPES = ("actor", "casino")
# token_sort_ratio needed to join two names, by kind: people are stricter (shared surnames).
THRESHOLDS = {"person": 94.0, "default": 91.0}
# A token shared by more entities than this is too common to block on ("bank", "group").
MAX_BLOCK = 200
_DIGITS = re.compile(r"\d+")
_STOP_TOKENS = {
    "the",
    "of",
    "and",
    "for",
    "in",
    "on",
    "de",
    "la",
    "group",
    "company",
    "bank",
    "international",
    "holdings",
    "limited",
    "ltd",
    "inc",
    "co",
    "corp",
    "national",
    "office",
    "department",
    "ministry",
    "united",
    "states",
    "us",
    "casino",
    "resort",
    "hotel",
    "club",
    "vip",
    "trading",
    "technology",
    "services",
}


# Words a fragment may add to a name without naming something else: legal forms (normalise
# already drops "Ltd", "Inc" ...), and the generic nouns that follow them.
_LEGAL_WORDS = {
    "company",
    "co",
    "corporation",
    "corp",
    "limited",
    "ltd",
    "inc",
    "llc",
    "plc",
    "pte",
    "sdn",
    "bhd",
    "gmbh",
    "sa",
    "ag",
    "jsc",
    "llp",
    "lp",
}
# A fragment's core must keep this many words, so "Kim" or "Park" alone joins nothing.
MIN_CORE_WORDS = 2


@lru_cache(maxsize=1 << 16)
def normalise(name: str) -> str:
    """Return the name's comparison key (names.normalise), remembered: resolution compares
    each name with many others, and normalising was most of its time."""
    return normalise_text(name)


@cache
def _places() -> frozenset[str]:
    data = json.loads(model_file("places.json").read_text(encoding="utf-8"))
    return frozenset(data["places"])


def _is_place(word: str) -> bool:
    return word in _places() or lookup(word.title()) is not None


def _core(name: str, legal: bool = True) -> tuple[str, ...]:
    """Return a normalised name without trailing initials (and legal words)."""
    words = normalise(name).split()
    while words and (len(words[-1]) == 1 or (legal and words[-1] in _LEGAL_WORDS)):
        words.pop()
    return tuple(words)


def fragments_match(a: EntityRow, b: EntityRow) -> bool:
    """Say whether two names are fragments of one: extra initials, legal words, or place.

    "Jin Wallet" and "Jin Wallet B."; "Dandong Hongxiang Industrial Development" and
    "Hongxiang Industrial Development Company Ltd". A person's name never loses a leading
    word: "Kim Wong" and "Kim Jong Un", "Park Jin Hyok" and "Park Il" stay apart.
    """
    if a.type != b.type:
        return False
    if (a.kind == "person") != (b.kind == "person"):
        # A person and a company named after them differ by a legal word; an initial only
        # ("Jin Wallet" read as a person, "Jin Wallet B." as an organisation) does not.
        ca, cb = _core(a.name, legal=False), _core(b.name, legal=False)
        return len(ca) >= MIN_CORE_WORDS and ca == cb
    ca, cb = _core(a.name), _core(b.name)
    if min(len(ca), len(cb)) < MIN_CORE_WORDS:
        return False
    if ca == cb:
        return True
    if a.kind == "person":
        return False
    short, long = sorted((ca, cb), key=len)
    # Only a leading place name may be left over: "Dandong" Hongxiang Industrial Development.
    extra = long[: len(long) - len(short)]
    if long[len(extra) :] != short or len(short) < MIN_CORE_WORDS + 1:
        return False
    return all(_is_place(w) for w in extra) or _is_place(" ".join(extra))


@dataclass(frozen=True, slots=True)
class EntityRow:
    """What resolution needs of one stored entity."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    kind: str | None
    mentions: int
    gazetteer: bool


class _Clusters:
    """Union-find over entity ids."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, item: str) -> str:
        # An id seen for the first time is its own cluster (blocks meet ids as they come).
        root = self.parent.setdefault(item, item)
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def acronym(name: str) -> str:
    """Return the initials of a name's capitalised words ("Office of Foreign..." -> OFAC)."""
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w'-]*", name) if w[0].isupper())


def _is_acronym(name: str) -> bool:
    letters = name.replace(".", "")
    return 2 <= len(letters) <= 8 and letters.isalpha() and letters.isupper()


def _forms(row: EntityRow) -> set[str]:
    """Return the normalised forms that may join this entity to another."""
    forms = {normalise(row.name)} | {normalise(a) for a in row.aliases}
    if row.kind == "person":
        # A surname alone joins within a document only, never across documents.
        forms = {f for f in forms if " " in f}
    return {f for f in forms if f}


def _digits_agree(a: str, b: str) -> bool:
    return set(_DIGITS.findall(a)) == set(_DIGITS.findall(b))


def _fuzzy_match(a: EntityRow, b: EntityRow) -> bool:
    if a.type != b.type or (a.kind == "person") != (b.kind == "person"):
        return False
    na, nb = normalise(a.name), normalise(b.name)
    if not _digits_agree(na, nb) or min(len(na), len(nb)) < 5:
        return False
    threshold = THRESHOLDS["person" if a.kind == "person" else "default"]
    if a.kind == "person":
        # "Park Jin Hyok" and "Park Ji-won" share a surname, not a person: every token must
        # have a close counterpart.
        ta, tb = na.split(), nb.split()
        if len(ta) != len(tb):
            return False
    return fuzz.token_sort_ratio(na, nb) >= threshold


def cluster(rows: list[EntityRow]) -> dict[str, str]:
    """Map every entity id to the id of its cluster's canonical entity."""
    clusters = _Clusters(r.id for r in rows)
    by_type: dict[str, list[EntityRow]] = defaultdict(list)
    for row in rows:
        by_type[row.type].append(row)
    for members in by_type.values():
        _join_exact(members, clusters)
        _join_acronyms(members, clusters)
        _join_fuzzy(members, clusters)
    return _canonical(rows, clusters)


def _join_exact(rows: list[EntityRow], clusters: _Clusters) -> None:
    owner: dict[str, str] = {}
    for row in rows:
        for form in _forms(row):
            if form in owner:
                clusters.union(owner[form], row.id)
            else:
                owner[form] = row.id


def _join_acronyms(rows: list[EntityRow], clusters: _Clusters) -> None:
    expansions: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.kind != "person" and len(row.name.split()) >= 2:
            expansions[acronym(row.name).upper()].add(clusters.find(row.id))
    for row in rows:
        if _is_acronym(row.name):
            found = expansions.get(row.name.replace(".", ""), set())
            if len(found) == 1:  # an acronym that expands two ways joins neither
                clusters.union(next(iter(found)), row.id)


def _join_fuzzy(rows: list[EntityRow], clusters: _Clusters) -> None:
    blocks: dict[str, list[EntityRow]] = defaultdict(list)
    for row in rows:
        for token in set(normalise(row.name).split()) - _STOP_TOKENS:
            if len(token) > 2:
                blocks[token].append(row)
    for block in blocks.values():
        if len(block) > MAX_BLOCK:
            continue
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                if clusters.find(a.id) != clusters.find(b.id) and (
                    _fuzzy_match(a, b) or fragments_match(a, b)
                ):
                    clusters.union(a.id, b.id)


def _canonical(rows: list[EntityRow], clusters: _Clusters) -> dict[str, str]:
    groups: dict[str, list[EntityRow]] = defaultdict(list)
    for row in rows:
        groups[clusters.find(row.id)].append(row)
    mapping: dict[str, str] = {}
    for members in groups.values():
        # A gazetteer entry names the cluster; otherwise the most mentioned member.
        best = min(members, key=lambda r: (not r.gazetteer, -r.mentions, r.id))
        for member in members:
            mapping[member.id] = best.id
    return mapping
