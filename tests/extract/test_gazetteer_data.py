"""Validate the actor and casino gazetteers and the stopword lists under models/gazetteer."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from spacy.lang.en.stop_words import STOP_WORDS

GAZETTEER = Path(__file__).resolve().parents[2] / "models" / "gazetteer"

KINDS = {
    "actors.jsonl": frozenset(
        {"person", "organization", "group", "agency", "company", "exchange", "mixer", "bank"}
    ),
    "casinos.jsonl": frozenset({"casino", "casino_resort", "online_casino", "junket"}),
}
REQUIRED: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "kind": str,
    "aliases": list,
    "country": (str, type(None)),
    "note": str,
}
OPTIONAL: dict[str, type | tuple[type, ...]] = {"case_sensitive": bool}
COUNTRY = re.compile(r"^[A-Z]{2}$")
STOPWORD_KEYS = ("not_actor", "titles", "corporate_suffixes")

# Plain English words that show up as (parts of) names in this domain. A lower-case alias that is
# one of these would match ordinary prose; a capitalised one-word alias needs case_sensitive.
_COMMON_WORDS_TEXT = """
    harmony circle prince zinc tether stake kraken ronin swift treasury blender storm tornado
    whirlpool reaper archipelago thallium plutonium cerium nickel elliptic safe cash group bank
    exchange police court panel committee council government state states agency bureau office
    service department ministry team unit lab labs network bridge wallet pay guarantee crypto
    bitcoin token coin market capital global international union united national federal central
    royal golden star sun moon sky city dreams dream vegas world resort resorts palace grand galaxy
    casino junket army party trust fund holdings holding company corporation partners ventures
    solutions technology systems security intelligence research digital finance financial payment
    payments asia pacific ocean eagle phoenix dragon tiger lion horse angel ghost shadow cobra
    hidden peace guardians red blue black green white gold silver diamond jade sapphire emerald
    onyx ruby citrine moonstone jasper velvet famous silent labyrinth stardust ricochet apple
    fortune lucky happy victory king kings queen crown river mountain prime first one alpha beta
    delta omega summit apex atlas titan legend paradise future studio mirage venetian parisian
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())


@cache
def _load(filename: str) -> tuple[dict[str, Any], ...]:
    """Parse one JSON-lines gazetteer file into its entries."""
    entries = []
    for number, line in enumerate((GAZETTEER / filename).read_text("utf-8").splitlines(), 1):
        assert line.strip(), f"{filename}:{number}: blank line"
        entry = json.loads(line)
        assert isinstance(entry, dict), f"{filename}:{number}: not a JSON object"
        entries.append(entry)
    return tuple(entries)


@cache
def _stopwords() -> dict[str, Any]:
    """Parse stopwords.json."""
    return json.loads((GAZETTEER / "stopwords.json").read_text("utf-8"))


def _all_entries() -> list[tuple[str, dict[str, Any]]]:
    """Return every entry of both gazetteers with the file it came from."""
    return [(filename, entry) for filename in KINDS for entry in _load(filename)]


def _surfaces(entry: dict[str, Any]) -> list[str]:
    """Return the name and aliases of an entry: every string a matcher would look for."""
    return [entry["name"], *entry["aliases"]]


def _label(filename: str, entry: dict[str, Any]) -> str:
    """Return a short identifier for failure messages."""
    return f"{filename}:{entry['name']} ({entry['kind']})"


@pytest.mark.parametrize("filename", sorted(KINDS))
def test_gazetteer_lines_parse_as_objects(filename: str) -> None:
    text = (GAZETTEER / filename).read_text("utf-8")
    assert text.endswith("\n"), f"{filename} must end with a newline"
    assert _load(filename), f"{filename} is empty"


@pytest.mark.parametrize("filename", sorted(KINDS))
def test_gazetteer_entry_has_required_fields(filename: str) -> None:
    problems = []
    for entry in _load(filename):
        name = entry.get("name", "?")
        missing = REQUIRED.keys() - entry.keys()
        unknown = entry.keys() - REQUIRED.keys() - OPTIONAL.keys()
        if missing or unknown:
            problems.append(f"{name}: missing {sorted(missing)}, unknown {sorted(unknown)}")
            continue
        for field, types in {**REQUIRED, **OPTIONAL}.items():
            if field in entry and not isinstance(entry[field], types):
                problems.append(f"{name}: {field} has type {type(entry[field]).__name__}")
        strings = [entry["name"], entry["note"], *entry["aliases"]]
        if not all(isinstance(s, str) and s and s == s.strip() for s in strings):
            problems.append(f"{name}: empty, padded or non-string name, alias or note")
        if entry["country"] is not None and not COUNTRY.match(entry["country"]):
            problems.append(f"{name}: country {entry['country']!r} is not an ISO alpha-2 code")
        # Absence already means False, so an explicit false is noise.
        if entry.get("case_sensitive") is False:
            problems.append(f"{name}: drop case_sensitive rather than setting it false")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("filename", sorted(KINDS))
def test_gazetteer_kind_in_allowed_set(filename: str) -> None:
    bad = [_label(filename, e) for e in _load(filename) if e.get("kind") not in KINDS[filename]]
    assert not bad, f"kinds outside {sorted(KINDS[filename])}: {bad}"


def test_gazetteer_alias_not_shared_across_kinds() -> None:
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for _, entry in _all_entries():
        for surface in _surfaces(entry):
            owners[surface.casefold()].add((entry["name"], entry["kind"]))
    conflicts = {
        surface: sorted(found)
        for surface, found in owners.items()
        if len({kind for _, kind in found}) > 1
    }
    assert not conflicts, f"surface forms claimed by entries of different kinds: {conflicts}"


def test_gazetteer_has_no_duplicates() -> None:
    problems = []
    owner: dict[str, str] = {}
    for filename, entry in _all_entries():
        label = _label(filename, entry)
        folded = [s.casefold() for s in _surfaces(entry)]
        if len(folded) != len(set(folded)):
            problems.append(f"{label}: repeats its name or an alias (ignoring case)")
        for surface in set(folded):
            if surface in owner:
                problems.append(f"{label}: {surface!r} already belongs to {owner[surface]}")
            owner[surface] = label
    assert not problems, "\n".join(problems)


def test_gazetteer_alias_not_lowercase_common_word() -> None:
    bad = []
    for filename, entry in _all_entries():
        for surface in _surfaces(entry):
            if surface.casefold() in STOP_WORDS:
                bad.append(f"{_label(filename, entry)}: {surface!r} is a stop word")
            elif surface.islower() and surface in COMMON_WORDS:
                bad.append(f"{_label(filename, entry)}: {surface!r} is a lower-case common word")
    assert not bad, "\n".join(bad)


def test_gazetteer_word_like_alias_requires_case_sensitive() -> None:
    bad = [
        f"{_label(filename, entry)}: {surface!r}"
        for filename, entry in _all_entries()
        for surface in _surfaces(entry)
        if " " not in surface
        and surface.casefold() in COMMON_WORDS
        and not entry.get("case_sensitive")
    ]
    assert not bad, f"one-word aliases that are English words need case_sensitive: {bad}"


def test_gazetteer_person_alias_not_name_part() -> None:
    # A surname or given name alone would match every namesake in a document.
    bad: list[str] = []
    for entry in _load("actors.jsonl"):
        if entry["kind"] != "person":
            continue
        name_parts = {part.casefold() for part in re.split(r"[\s-]+", entry["name"])}
        bad.extend(
            f"{entry['name']}: {alias!r}"
            for alias in entry["aliases"]
            if " " not in alias and alias.casefold() in name_parts
        )
    assert not bad, f"person aliases that are one part of the name: {bad}"


@pytest.mark.parametrize(
    ("surface", "name", "kind", "country"),
    [
        ("Hidden Cobra", "Lazarus Group", "group", "KP"),
        ("APT38", "Lazarus Group", "group", "KP"),
        ("Stardust Chollima", "Lazarus Group", "group", "KP"),
        ("Andariel", "Lazarus Group", "group", "KP"),
        ("Jade Sleet", "Lazarus Group", "group", "KP"),
        ("APT43", "Kimsuky", "group", "KP"),
        ("RGB", "Reconnaissance General Bureau", "agency", "KP"),
        ("Kim Jong-un", "Kim Jong Un", "person", "KP"),
        ("Chau Cheok Wa", "Alvin Chau", "person", "MO"),
        ("OFAC", "Office of Foreign Assets Control", "agency", "US"),
        ("Justice Department", "US Department of Justice", "agency", "US"),
        ("1718 Committee", "1718 Committee", "agency", None),
        ("PAGCOR", "Philippine Amusement and Gaming Corporation", "agency", "PH"),
        ("Huione Guarantee", "Haowang Guarantee", "company", "KH"),
        ("Prince Holding Group", "Prince Group", "company", "KH"),
        ("Tornado Cash", "Tornado Cash", "mixer", None),
        ("Huobi", "HTX", "exchange", None),
        ("Suncity", "Suncity Group", "junket", "MO"),
        ("NagaWorld", "NagaWorld", "casino_resort", "KH"),
        ("Kings Romans", "Kings Romans Casino", "casino_resort", "LA"),
        ("Shwe Kokko", "Yatai New City", "casino_resort", "MM"),
        ("Stake.com", "Stake.com", "online_casino", "CW"),
    ],
)
def test_gazetteer_resolves_known_alias(
    surface: str, name: str, kind: str, country: str | None
) -> None:
    index = {s.casefold(): e for _, e in _all_entries() for s in _surfaces(e)}
    entry = index.get(surface.casefold())
    assert entry is not None, f"{surface!r} is not in any gazetteer"
    assert (entry["name"], entry["kind"], entry["country"]) == (name, kind, country)


@pytest.mark.parametrize(("filename", "minimum"), [("actors.jsonl", 150), ("casinos.jsonl", 40)])
def test_gazetteer_keeps_its_coverage(filename: str, minimum: int) -> None:
    assert len(_load(filename)) >= minimum, f"{filename} shrank below {minimum} entries"


def test_stopwords_lists_well_formed() -> None:
    data = _stopwords()
    assert sorted(data) == sorted(STOPWORD_KEYS)
    for key in STOPWORD_KEYS:
        items = data[key]
        assert items and all(isinstance(i, str) and i and i == i.strip() for i in items), key
        folded = [i.casefold() for i in items]
        repeated = sorted({i for i in folded if folded.count(i) > 1})
        assert not repeated, f"{key} repeats {repeated}"


def test_stopwords_not_actor_disjoint_from_gazetteer() -> None:
    surfaces = {s.casefold(): e["name"] for _, e in _all_entries() for s in _surfaces(e)}
    clashes = {
        w: surfaces[w.casefold()] for w in _stopwords()["not_actor"] if w.casefold() in surfaces
    }
    assert not clashes, f"not_actor words that are gazetteer names or aliases: {clashes}"


@pytest.mark.parametrize(
    ("key", "word"),
    [
        # Group ends many threat-actor and conglomerate names; stripping it loses meaning.
        ("corporate_suffixes", "Group"),
        # Committee is often the 1718 Committee, left for linking to decide.
        ("not_actor", "Committee"),
        ("not_actor", "the Committee"),
        ("not_actor", "Treasury"),
        ("titles", "Kim"),
    ],
)
def test_stopwords_leave_meaningful_words_out(key: str, word: str) -> None:
    assert word.casefold() not in {w.casefold() for w in _stopwords()[key]}


@pytest.mark.parametrize(
    ("key", "word"),
    [
        ("not_actor", "Member States"),
        ("not_actor", "Bitcoin"),
        ("not_actor", "Tether"),
        ("not_actor", "AML/CFT"),
        ("titles", "Special Agent"),
        ("titles", "Oknha"),
        ("corporate_suffixes", "Co., Ltd."),
        ("corporate_suffixes", "Sdn Bhd"),
    ],
)
def test_stopwords_hold_expected_word(key: str, word: str) -> None:
    assert word in _stopwords()[key]
