"""Map country names, aliases, demonyms and capitals to ISO 3166-1 alpha-2 codes.

The table is models/countries.json (rebuilt by models/tools/build_countries.py); this
module needs nothing but the standard library. Matching rules, shared by lookup() and
find_countries():

- Abbreviations (US, U.S., UK, UAE, DPRK, ROK, PRC ...) match only exactly as spelled.
- Other one-word surfaces must start with a capital letter, so "china", "turkey",
  "jordan" and "us" are never countries; ALL CAPS is accepted.
- Multi-word surfaces: lookup() ignores case; find_countries() still wants a capital
  first letter, which keeps "central African region" out.
- "Korea", "Korean", "Congo", "Congolese", "Dominican" and "Virgin Islands" name more
  than one country. lookup() returns None for them and find_countries() skips them: in
  this domain the surrounding document decides, so callers resolve them from context
  (ambiguous_codes() lists the candidates).
- Phrases such as "New Guinea", "New Mexico" or "Latin America" are matched first and
  dropped, so the country word inside them is not reported.
- A leading "the" and a trailing possessive are never part of a span.
- find_countries() drops "US" where is_pronoun_us() says it is the pronoun, and any
  abbreviation glued to "$" (US$), which is a currency, not a place.
- Capitals and words with an everyday sense (Jordan, Chad, Georgia, Turkey, Guinea,
  America, all-caps US ...) come back with risky=True: confirm them with NER context.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.resources import model_file

DATA_PATH = model_file("countries.json")

_APOSTROPHES = re.compile("[\u2018\u2019\u02bc`]")
_DASHES = re.compile("[\u2010-\u2014]")
_SPACES = re.compile(r"\s+")
_CHAR_PATTERNS = {" ": r"\s+", "'": "['\u2018\u2019\u02bc`]", "-": "[-\u2010-\u2014]"}
_EDGE_JUNK = " \t\r\n\"'()[]{}<>,;:\u2018\u2019\u201c\u201d"
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# Words that take "us" as their object; brief, because in running text the pronoun is
# written lower case and only headings and buttons ("LET US", "CONTACT US") need them.
_PRONOUN_HEADS = frozenset(
    {"LET", "FOR", "WITH", "TO", "OF", "JOIN", "CONTACT", "ABOUT", "HELP", "TELL", "GIVE"}
    | {"EMAIL", "CALL", "FOLLOW", "ASK", "SEND", "SHOW", "VISIT", "WRITE"}
)
_Trie = dict[str, "_Trie"]
_PREVIOUS_WORD = re.compile(r"([A-Za-z]+)\W*$")


@dataclass(frozen=True, slots=True)
class CountryHit:
    """A country mention found in text."""

    start: int
    end: int
    text: str
    code: str
    form: str
    risky: bool


@dataclass(frozen=True, slots=True)
class _Entry:
    text: str
    code: str
    form: str
    risky: bool


def _norm(text: str) -> str:
    """Return the case-free lookup key for a surface (must match the generator's)."""
    text = unicodedata.normalize("NFC", text)
    text = _DASHES.sub("-", _APOSTROPHES.sub("'", text))
    return _SPACES.sub(" ", text).strip().lower()


def _trie_pattern(keys: list[str]) -> str:
    """Compile keys into one nested alternation, longest spelling tried first."""
    root: _Trie = {}
    for key in keys:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [
            _CHAR_PATTERNS.get(ch, re.escape(ch)) + emit(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A greedy optional group makes the engine try the longer name before stopping.
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def is_pronoun_us(text: str, start: int) -> bool:
    """Say whether the "US" at start is the pronoun (LET US, CONTACT US, all-caps line)."""
    if text[start : start + 2] != "US":
        return False
    before = _PREVIOUS_WORD.search(text[max(0, start - 40) : start])
    if before and not before.group(1).islower() and before.group(1).upper() in _PRONOUN_HEADS:
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    words = re.findall(r"[^\W\d_]+", line)
    return len(words) > 1 and all(word.isupper() for word in words)


class Gazetteer:
    """The country table with its compiled scanner."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.names: dict[str, str] = dict(data["names"])
        self.entries: dict[str, list[_Entry]] = {}
        for row in data["entries"]:
            entry = _Entry(row["text"], row["code"], row["form"], bool(row["risky"]))
            self.entries.setdefault(_norm(entry.text), []).append(entry)
        self.ambiguous = {_norm(k): tuple(v) for k, v in data["ambiguous"].items()}
        self.blockers = {_norm(text) for text in data["blockers"]}
        keys = set(self.entries) | set(self.ambiguous) | self.blockers
        self.pattern = re.compile(
            r"(?<!\w)" + _trie_pattern(sorted(keys)) + r"(?!\w)", re.IGNORECASE
        )

    @classmethod
    def from_path(cls, path: Path) -> Gazetteer:
        """Load a gazetteer from a countries.json file."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def _pick(self, surface: str, key: str, any_case_phrases: bool) -> _Entry | None:
        """Return the entry whose case rule the surface satisfies, if any."""
        for entry in self.entries.get(key, ()):
            if entry.form == "abbreviation":
                ok = _SPACES.sub(" ", surface) == entry.text
            elif any_case_phrases and " " in key:
                ok = True
            else:
                ok = surface[:1].isupper()
            if ok:
                return entry
        return None

    def lookup(self, text: str) -> tuple[str, str] | None:
        """Return (code, form) for an exact name, alias, demonym or capital, else None."""
        surface = _LEADING_THE.sub("", text.strip(_EDGE_JUNK))
        # Try the text as given first: "St. John's" ends in what looks like a possessive.
        for candidate in (surface, _POSSESSIVE.sub("", surface)):
            entry = self._pick(candidate, _norm(candidate), any_case_phrases=True)
            if entry:
                return entry.code, entry.form
        return None

    def find(self, text: str) -> list[CountryHit]:
        """Scan text for country mentions, longest match first, never overlapping."""
        hits: list[CountryHit] = []
        pos = 0
        while match := self.pattern.search(text, pos):
            start, end = match.span()
            surface = match.group()
            key = _norm(surface)
            if key in self.ambiguous or key in self.blockers:
                pos = end
                continue
            entry = self._pick(surface, key, any_case_phrases=False)
            if entry is None:
                # Wrong case for the longest name here; let the next word have its turn.
                pos = start + 1
                continue
            pos = end
            if entry.form == "abbreviation" and text[end : end + 1] == "$":
                continue  # US$, a currency prefix rather than a country mention
            if entry.text == "US" and is_pronoun_us(text, start):
                continue
            hits.append(CountryHit(start, end, surface, entry.code, entry.form, entry.risky))
        return hits


@cache
def default_gazetteer() -> Gazetteer:
    """Load models/countries.json once per process."""
    return Gazetteer.from_path(DATA_PATH)


def lookup(text: str) -> tuple[str, str] | None:
    """Return (code, form) for an exact name, alias, demonym or capital, else None."""
    return default_gazetteer().lookup(text)


def find_countries(text: str) -> list[CountryHit]:
    """Scan raw text for country mentions, longest match first, never overlapping."""
    return default_gazetteer().find(text)


def country_name(code: str) -> str:
    """Return the preferred English short name for an alpha-2 code; KeyError if unknown."""
    return default_gazetteer().names[code.upper()]


def ambiguous_codes(text: str) -> tuple[str, ...]:
    """Return the candidate codes for a name that means several countries ("Korea")."""
    surface = _POSSESSIVE.sub("", _LEADING_THE.sub("", text.strip(_EDGE_JUNK)))
    return default_gazetteer().ambiguous.get(_norm(surface), ())
