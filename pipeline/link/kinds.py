"""Correct actor kinds from the words around each name in its document.

The extractor sees a name in one window; a document says more: "Deltec, a bank that ...",
"the SamSam ransomware", "Ross Ulbricht" before a bare "Ulbricht", "the Virtual Assets Unit
(VAU)". Gazetteer kinds are kept as they are.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

from pipeline.extract.kinds import kind_words, name_kind
from pipeline.extract.names import normalise
from pipeline.records import Document, Mention

_DESCRIPTOR = re.compile(
    r"^[\s\"”’')]*(?:\([^()]{0,60}\)\s*)?,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}?([a-z]+)\b"
)
_NEXT_WORD = re.compile(r"^[\s\"”’']*(?:'s\s+|’s\s+)?([A-Za-z]+)")
_PREVIOUS_WORD = re.compile(r"([A-Za-z.]+)\s+$")
_SETTLED = ("actors.gazetteer",)
# Words that surround an armed or terrorist group in a report, not a firm, party or body.
_VIOLENCE = re.compile(
    r"\b(?:terrorists?|terrorism|attacks?|fighters|militants?|jihadists?|insurgents?|insurgency|"
    r"extremists?|armed groups?|affiliates?|suicide|bombings?|kidnapp\w*|recruits?)\b",
    re.I,
)
_NEAR = 80


def _space(text: str) -> str:
    return " ".join(text.split())


def _context_kind(text: str, m: Mention) -> str | None:
    """Return the kind the words right around one mention state, if any."""
    table = kind_words()
    after = text[m.end : m.end + 120]
    described = _DESCRIPTOR.match(after)
    if described and described.group(1) in table.descriptors:
        return table.descriptors[described.group(1)]
    following = _NEXT_WORD.match(after)
    word = following.group(1).lower() if following else ""
    if word in table.malware_cues:
        return "malware"
    before = _PREVIOUS_WORD.search(text[max(m.start - 12, 0) : m.start])
    if before and before.group(1) in table.person_titles:
        return "person"
    if word in table.group_cues:
        return "group"
    if word in table.company_cues:
        return "company"
    return None


def _defined_kind(text: str, acronym: str) -> str | None:
    """Return the kind of what an acronym stands for: "Virtual Assets Unit (VAU)"."""
    from pipeline.link.document import acronym_of

    found = _definition(text, acronym)
    if not found:
        return None
    words = found.group(1).split()
    for i in range(len(words)):
        tail = " ".join(words[i:])
        if acronym_of(tail).upper() == acronym.replace(".", "").upper():
            guess = name_kind(tail, "ORG")
            return guess if guess != "organization" else None
    # "a financial intelligence unit (JAFIO)": the common noun says what it is.
    last = words[-1].lower() if words else ""
    table = kind_words()
    if last in table.descriptors:
        return table.descriptors[last]
    if last.capitalize() in table.agency_heads:
        return "agency"
    return None


def _heads_a_company(name: str, companies: list[str]) -> bool:
    """Say whether another company name starts with this name and a comma or a space."""
    if not companies:
        return False
    # Compiled once per name: compiling it per company filled re's cache of 512 patterns,
    # which then compiled the static ones elsewhere again and again.
    pattern = re.compile(rf"(?:\w+\s+)?{re.escape(name)},?\s+\S")
    return any(c != name and pattern.match(c) for c in companies)


def _definition(text: str, acronym: str) -> re.Match[str] | None:
    """Find the first "Long Name (ACRONYM)" in the text.

    The pattern tries up to 120 characters from every position of the document, seconds on a
    long report, though most acronyms are never defined. The bracket is looked for first;
    the full pattern then starts where the earliest match could (the name before a bracket
    is at most 120 characters, then whitespace), so the match is the one a search of the
    whole text returns.
    """
    quoted = re.escape(acronym)
    pattern = rf"([^()\n]{{3,120}}?)\s*\(\s*(?:the\s+)?[\"“]?{quoted}[\"”]?\s*\)"
    if "(" in acronym:  # brackets could then overlap: search the plain way
        return re.search(pattern, text)
    lowest = None
    for bracket in re.finditer(rf"\(\s*(?:the\s+)?[\"“]?{quoted}[\"”]?\s*\)", text):
        at = bracket.start()
        while at > 0 and text[at - 1].isspace():
            at -= 1
        lowest = at - 120 if lowest is None else min(lowest, at - 120)
    if lowest is None:
        return None
    return re.compile(pattern).search(text, max(lowest, 0))


def settle_kinds(document: Document, mentions: list[Mention]) -> list[Mention]:
    """Return the mentions with kinds corrected from their document's context."""
    actors = [m for m in mentions if m.type == "actor" and m.extractor not in _SETTLED]
    if not actors:
        return mentions
    text = document.text
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in actors:
        kind = _context_kind(text, m)
        if kind:
            votes[normalise(m.text)][kind] += 1
    violent: dict[str, list[bool]] = defaultdict(list)
    for m in actors:
        window = text[max(m.start - _NEAR, 0) : m.end + _NEAR]
        violent[normalise(m.text)].append(bool(_VIOLENCE.search(window)))
    persons = [_space(m.text) for m in mentions if m.value.get("kind") == "person"]
    companies = [_space(m.text) for m in mentions if m.value.get("kind") == "company"]
    decided: dict[str, str] = {}
    for m in actors:
        key, name = normalise(m.text), _space(m.text)
        if key in decided:
            continue
        kind = str(m.value.get("kind"))
        if name.lower() in kind_words().malware:
            decided[key] = "malware"
        elif votes.get(key):
            decided[key] = votes[key].most_common(1)[0][0]
        elif name.isupper() and 2 <= len(name) <= 10 and _defined_kind(text, name):
            decided[key] = str(_defined_kind(text, name))
        elif kind in ("person", "organization") and _heads_a_company(name, companies):
            # "Nibi" beside "Plaintiff Nibi, Inc.".
            decided[key] = "company"
        elif kind != "person" and any(
            p != name and p.lower().endswith(" " + name.lower()) for p in persons
        ):
            # "Ulbricht" after "Ross Ulbricht", "BANKMAN-FRIED" after "SAMUEL BANKMAN-FRIED".
            decided[key] = "person"
        elif (
            kind == "organization"
            and sum(violent[key]) >= 2
            and 2 * sum(violent[key]) >= len(violent[key])
        ):
            # A name with no kind of its own that the report keeps beside attacks and
            # fighters is an armed group: "Katiba Macina", "Hurras al-Din".
            decided[key] = "group"
    if not decided:
        return mentions
    out = []
    for m in mentions:
        kind = decided.get(normalise(m.text)) if m.type == "actor" else None
        if kind and m.extractor not in _SETTLED and kind != m.value.get("kind"):
            m = replace(m, value={**m.value, "kind": kind})
        out.append(m)
    return out
