"""Candidates: what each spaCy component proposes before overlaps are resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc

CANDIDATES = "mt_candidates"
SELECTED = "mt"
# Lower wins an overlap first; among equals the longer span wins.
PRIORITY = {"wallet": 0, "amount": 1, "casino": 2, "actor": 3, "country": 4}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed mention: span in the Doc's text, type, normalised value and its grouping key."""

    start: int
    end: int
    type: str
    text: str
    key: str
    value: dict[str, Any] = field(default_factory=dict)
    extractor: str = ""
    score: float = 1.0


def text_of(doc: Doc) -> str:
    """Return the Doc's text, built once: spaCy rebuilds Doc.text on every access."""
    text: str | None = doc.user_data.get("mt_text")
    if text is None:
        text = doc.user_data["mt_text"] = doc.text
    return text


def carry_text(doc: Doc, text: str) -> None:
    """Record the string a Doc was made from, so text_of needs no rebuild.

    spaCy's tokeniser keeps every character, so that string is what Doc.text would give.
    """
    doc.user_data["mt_text"] = text


def raw_text_of(doc: Doc) -> str:
    """Return the window's text with its line breaks (the Doc itself has them flattened)."""
    raw: str | None = doc.user_data.get("mt_raw")
    return raw if raw is not None else text_of(doc)


def ents_of(doc: Doc) -> list[tuple[int, int, str]]:
    """Return (start_char, end_char, label) of the model's entities, built once per Doc."""
    ents: list[tuple[int, int, str]] | None = doc.user_data.get("mt_ents")
    if ents is None:
        ents = doc.user_data["mt_ents"] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    return ents


def add(doc: Doc, candidate: Candidate) -> None:
    """Record a candidate on the Doc."""
    doc.user_data.setdefault(CANDIDATES, []).append(candidate)


def candidates(doc: Doc, type_: str | None = None) -> list[Candidate]:
    """Return the candidates proposed so far, optionally of one type."""
    found: list[Candidate] = doc.user_data.get(CANDIDATES, [])
    return [c for c in found if type_ is None or c.type == type_]


def selected(doc: Doc) -> list[Candidate]:
    """Return the candidates kept after overlap resolution."""
    kept: list[Candidate] = doc.user_data.get(SELECTED, [])
    return kept
