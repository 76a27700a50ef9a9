"""Group one document's mentions into entities: one per distinct real-world thing."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from itertools import pairwise
from typing import Any

from pipeline.extract.components.actors import all_common
from pipeline.extract.components.amounts import amount_key
from pipeline.extract.geo import country_name
from pipeline.extract.lexicon import is_english_word
from pipeline.extract.names import normalise
from pipeline.ids import entity_id
from pipeline.records import Document, Entity, Mention

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
# "Office of Foreign Assets Control (OFAC)": a long form with its acronym in brackets.
_DEFINED = re.compile(
    r"((?:[A-Z][\w'’&.-]*[ \t]+(?:(?:of|for|on|and|the|de)[ \t]+)*){1,9})"
    r"\((?:the[ \t]+)?[\"“]?([A-Z][A-Za-z&.]{1,9})[\"”]?\)"
)


def acronym_of(words: str) -> str:
    """Return the initials of the capitalised words of a name."""
    return "".join(w[0] for w in words.split() if w[:1].isupper())


def defined_acronyms(text: str) -> dict[str, str]:
    """Map each acronym defined in brackets to the normalised long form it abbreviates."""
    found: dict[str, str] = {}
    for match in _DEFINED.finditer(text):
        long_form, short = match.group(1).strip(), match.group(2).replace(".", "")
        words = long_form.split()
        # Keep the shortest tail of the long form whose initials spell the acronym.
        for i in range(len(words)):
            tail = " ".join(words[i:])
            if acronym_of(tail).upper() == short.upper():
                found[short] = normalise(tail)
                break
    return found


# Where each currency that shares a symbol is at home; "¥" in a Macau story is the yuan.
CURRENCY_HOMES = {
    "USD": ("US",),
    "AUD": ("AU",),
    "HKD": ("HK",),
    "SGD": ("SG",),
    "TWD": ("TW",),
    "CAD": ("CA",),
    "NZD": ("NZ",),
    "JPY": ("JP",),
    "CNY": ("CN", "MO"),
    "INR": ("IN",),
    "PKR": ("PK",),
    "LKR": ("LK",),
    "NPR": ("NP",),
    "PHP": ("PH",),
    "MXN": ("MX",),
    "KRW": ("KR",),
    "KPW": ("KP",),
    "GBP": ("GB",),
    "EGP": ("EG",),
}


def _settle_currencies(mentions: list[Mention]) -> list[Mention]:
    """Pick an ambiguous amount's currency by the country the document names most."""
    counts = Counter(str(m.value.get("code")) for m in mentions if m.type == "country")
    if not counts:
        return mentions

    def weight(code: str) -> int:
        return sum(counts[c] for c in CURRENCY_HOMES.get(code, ()))

    total = sum(counts.values())
    out = []
    for m in mentions:
        options = m.value.get("candidates") if m.type == "amount" else None
        if options and m.value.get("ambiguous"):
            # Only a document that is mostly about one place moves "$" off the US dollar
            # (an Australian judgment); the North Korean won is never a guess.
            best = max(
                (c for c in options if c != "KPW"), key=lambda c: (weight(c), c == options[0])
            )
            dominant = weight(best) >= 3 and weight(best) * 2 >= total
            if (
                best != m.value["currency"]
                and dominant
                and weight(best) > 2 * weight(m.value["currency"])
            ):
                value = {**m.value, "currency": best}
                m = replace(m, value=value, key=amount_key(value))
        out.append(m)
    return out


def _casinos_first(mentions: list[Mention]) -> list[Mention]:
    """Report a name the document also uses for a casino as that casino, never as an actor."""
    casinos: dict[str, Mention] = {}
    for m in mentions:
        if m.type == "casino":
            casinos.setdefault(normalise(m.text), m)
            if m.value.get("name"):
                casinos.setdefault(normalise(str(m.value["name"])), m)
    if not casinos:
        return mentions
    out = []
    for m in mentions:
        twin = casinos.get(normalise(m.text)) if m.type == "actor" else None
        out.append(replace(m, type="casino", key=twin.key, value=dict(twin.value)) if twin else m)
    return out


_FILLERS = {"of", "and", "the", "for", "on", "in", "to", "&"}


def _generic(mention: Mention, lower: frozenset[str], acronyms: dict[str, str]) -> bool:
    """Say whether a model-found name is a heading, a label or an unexplained acronym."""
    if mention.extractor != "actors.ner":
        return False
    kind = mention.value.get("kind")
    words = mention.text.split()
    if kind in ("organization", "person") and all_common(mention.text, lower):
        # Every word also occurs in lower case here: "Defendant Property", "Blocked Persons".
        return True
    if kind == "organization" and all(w.lower() in _FILLERS or is_english_word(w) for w in words):
        # Only dictionary words and no organisation keyword: "Statement of Facts".
        return True
    if (
        mention.text.isupper()
        and " ".join(mention.sentence.split()) == " ".join(words)
        and all(w.lower() in _FILLERS or is_english_word(w) for w in words)
    ):
        # A capitalised heading alone on its line, all dictionary words: "FORFEITURE ALLEGATION".
        return True
    bare = mention.text.strip()
    # A short acronym the document never spells out is more often a label than an actor.
    return len(words) == 1 and bare.isupper() and len(bare) <= 4 and bare not in acronyms


def _drop_generic(mentions: list[Mention], text: str) -> list[Mention]:
    """Drop model-found names that are headings, table labels or unexplained acronyms."""
    lower = frozenset(w for w in _WORD.findall(text) if w.islower())
    acronyms = defined_acronyms(text)
    return [m for m in mentions if not _generic(m, lower, acronyms)]


# "Cheil Credit Bank, also known as First Credit Bank", "WU, Huihui (a.k.a. ...)".
_AKA = re.compile(
    r"^\s*[,(]?\s*(?:also\s+known\s+as|a\.?\s?k\.?\s?a\.?|f\.?\s?k\.?\s?a\.?|"
    r"formerly(?:\s+known\s+as)?|d/b/a|doing\s+business\s+as|trading\s+as|"
    r"previously\s+known\s+as)[:\s]*[\"“']?\s*$",
    re.I,
)


def _aka(mentions: list[Mention], text: str) -> list[Mention]:
    """Give a name that a sentence says is another's alias the key of the first name."""
    names = sorted((m for m in mentions if m.type in ("actor", "casino")), key=lambda m: m.start)
    mapping: dict[str, str] = {}
    for first, second in pairwise(names):
        gap = text[first.end : second.start]
        if first.type == second.type and len(gap) < 40 and _AKA.match(gap):
            mapping[second.key] = mapping.get(first.key, first.key)
    if not mapping:
        return mentions
    return [
        replace(m, key=mapping.get(m.key, m.key)) if m.type in ("actor", "casino") else m
        for m in mentions
    ]


def _rekey(mentions: list[Mention], text: str) -> list[Mention]:
    """Merge keys within the document: defined acronyms, aliases, surnames used alone."""
    mentions = _settle_currencies(_casinos_first(_drop_generic(mentions, text)))
    mentions = _aka(mentions, text)
    acronyms = defined_acronyms(text)
    actor_keys = {m.key for m in mentions if m.type == "actor"}
    by_norm = {k.removeprefix("n:"): k for k in actor_keys}
    gz_by_norm = {
        normalise(str(m.value.get("name", ""))): m.key
        for m in mentions
        if m.type == "actor" and m.key.startswith("gz:")
    }
    people = [k for k in actor_keys if k.startswith(("n:", "gz:")) and " " in k]
    surname_owner: dict[str, set[str]] = defaultdict(set)
    for key in people:
        kind = next((m.value.get("kind") for m in mentions if m.key == key), None)
        if kind == "person":
            parts = key.split(":", 1)[1].split()
            surname_owner[parts[-1]].add(key)
            surname_owner[parts[0]].add(key)  # Korean and Chinese names put the surname first
    mapping: dict[str, str] = {}
    for key in actor_keys:
        if not key.startswith("n:"):
            continue
        bare = key[2:]
        long_form = acronyms.get(bare.upper()) or acronyms.get(bare)
        if long_form is not None:
            target = gz_by_norm.get(long_form) or by_norm.get(long_form)
            if target and target != key:
                mapping[key] = target
                continue
        owners = surname_owner.get(bare, set())
        if " " not in bare and len(owners) == 1:
            mapping[key] = next(iter(owners))
    # A one-word "person" that names nobody else in the document is usually a misread word.
    lone = {
        m.key
        for m in mentions
        if m.type == "actor"
        and m.extractor == "actors.ner"
        and m.value.get("kind") == "person"
        and " " not in m.key
        and m.key not in mapping
    }
    return [
        replace(m, key=mapping.get(m.key, m.key)) if m.type == "actor" else m
        for m in mentions
        if m.key not in lone
    ]


def _entity_key(document: Document, mention: Mention) -> str:
    # Amounts are facts of one document: the same figure elsewhere is another statement.
    return f"{document.id}:{mention.key}" if mention.type == "amount" else mention.key


def _name(type_: str, group: list[Mention]) -> str:
    first = group[0]
    if type_ == "wallet":
        return str(first.value.get("address", first.text))
    if type_ == "country":
        return country_name(str(first.value.get("code")))
    named = [str(m.value["name"]) for m in group if m.value.get("name")]
    if named:
        return Counter(named).most_common(1)[0][0]
    counts = Counter(" ".join(m.text.split()) for m in group)
    return max(counts, key=lambda s: (counts[s], len(s)))


def _attributes(type_: str, group: list[Mention]) -> dict[str, Any]:
    value = group[0].value
    if type_ == "wallet":
        keep = ("address", "key", "chains", "family", "suspect", "reason")
        return {k: value[k] for k in keep if k in value}
    if type_ == "amount":
        keep = ("value", "min", "max", "currency", "qualifier", "ambiguous", "candidates")
        return {k: value[k] for k in keep if k in value}
    if type_ == "country":
        return {"code": value.get("code")}
    kinds = Counter(str(m.value.get("kind")) for m in group if m.value.get("kind"))
    return {"kind": kinds.most_common(1)[0][0] if kinds else "organization"}


def link_document(
    document: Document, mentions: list[Mention]
) -> tuple[list[Mention], list[Entity]]:
    """Assign entity ids to a document's mentions and return its entities."""
    mentions = _rekey(mentions, document.text)
    groups: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for mention in mentions:
        groups[(mention.type, _entity_key(document, mention))].append(mention)
    entities: list[Entity] = []
    ids: dict[tuple[str, str], str] = {}
    for (type_, key), group in groups.items():
        eid = entity_id(type_, key)
        ids[(type_, key)] = eid
        name = _name(type_, group)
        aliases = sorted({" ".join(m.text.split()) for m in group} - {name})
        entities.append(Entity(eid, type_, name, tuple(aliases), _attributes(type_, group)))
    linked = [replace(m, entity_id=ids[(m.type, _entity_key(document, m))]) for m in mentions]
    return linked, entities
