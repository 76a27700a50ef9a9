"""Gazetteers of actors and casinos (models/gazetteer/*.jsonl), loaded once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.extract.names import normalise
from pipeline.settings import MODELS_DIR

# Government bodies are written with any of these; the gazetteer lists one.
_US_PREFIXES = ("US ", "U.S. ", "United States ")


@dataclass(frozen=True, slots=True)
class Entry:
    """One known actor or casino with its aliases."""

    type: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    case_sensitive: bool = False

    @property
    def key(self) -> str:
        """Return the grouping key shared by every alias of this entry."""
        return f"gz:{normalise(self.name)}"

    def surfaces(self) -> tuple[str, ...]:
        """Return the name and all aliases, with the US / U.S. / United States spellings."""
        forms = [self.name, *self.aliases]
        for form in list(forms):
            for prefix in _US_PREFIXES:
                if form.startswith(prefix):
                    forms += [other + form[len(prefix) :] for other in _US_PREFIXES]
        return tuple(dict.fromkeys(forms))


@dataclass(frozen=True)
class Gazetteer:
    """Entries by type, with an index from normalised alias to entry."""

    entries: tuple[Entry, ...]
    index: dict[str, Entry]
    stopwords: frozenset[str]
    titles: tuple[str, ...]

    def find(self, text: str) -> Entry | None:
        """Return the entry a surface form names, if any."""
        return self.index.get(normalise(text))

    def of_type(self, type_: str) -> list[Entry]:
        """Return the entries of one type."""
        return [e for e in self.entries if e.type == type_]


def _read(path: Path, type_: str) -> list[Entry]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        entries.append(
            Entry(
                type_,
                row["name"],
                row.get("kind", "organization"),
                tuple(row.get("aliases", ())),
                row.get("country"),
                bool(row.get("case_sensitive", False)),
            )
        )
    return entries


@lru_cache(maxsize=4)
def load_gazetteer(models_dir: Path = MODELS_DIR) -> Gazetteer:
    """Load the actor and casino gazetteers and the stop lists."""
    folder = models_dir / "gazetteer"
    entries = _read(folder / "actors.jsonl", "actor") + _read(folder / "casinos.jsonl", "casino")
    index: dict[str, Entry] = {}
    for entry in entries:
        for surface in entry.surfaces():
            index.setdefault(normalise(surface), entry)
    stop_path = folder / "stopwords.json"
    stops = json.loads(stop_path.read_text(encoding="utf-8")) if stop_path.exists() else {}
    return Gazetteer(
        entries=tuple(entries),
        index=index,
        stopwords=frozenset(normalise(s) for s in stops.get("not_actor", [])),
        titles=tuple(stops.get("titles", [])),
    )
