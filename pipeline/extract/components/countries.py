"""Countries as ISO 3166-1 alpha-2 codes, with guards against names and common words."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.candidates import Candidate, add, ents_of, raw_text_of, text_of
from pipeline.extract.geo import CountryHit, find_countries, is_pronoun_us, lookup

PLACE_LABELS = {"GPE", "LOC", "NORP"}
NAME_LABELS = {"PERSON", "ORG", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT"}
_POSSESSIVE = ("'s", "’s", "'", "’")
_LOCATIVE = re.compile(r"\b(?:in|at|from|to|near|outside|via|into|around|based|across)\s+$", re.I)
_STATE_CONTEXT = re.compile(r"(?:\b[A-Z][\w'’-]+,\s*|\bDistrict\s+of\s+|\bState\s+of\s+)$")


def _capital_of(before: str, code: str) -> bool:
    """Say whether the words before the comma are the capital of the country `code`."""
    found = lookup(before.rstrip(" ,").strip())
    return found is not None and found == (code, "capital")


def _labels_over(doc: Doc, start: int, end: int) -> set[str]:
    return {label for s, e, label in ents_of(doc) if s < end and start < e}


def accept(doc: Doc, hit: CountryHit) -> bool:
    """Decide whether a gazetteer hit stands for a country in this sentence."""
    if hit.text == "US" and is_pronoun_us(raw_text_of(doc), hit.start):
        return False
    labels = _labels_over(doc, hit.start, hit.end)
    before = text_of(doc)[max(hit.start - 40, 0) : hit.start]
    if hit.form == "capital":
        # A capital counts only where the model reads it as a place acting as a government
        # ("Pyongyang denied"), not where it is a location ("reporting from Tokyo").
        if _LOCATIVE.search(before):
            return False
        return "GPE" in labels and not labels & {"PERSON", "ORG"}
    if hit.risky:
        # "Atlanta, Georgia" and "the Northern District of Georgia" are US states, while
        # "Tbilisi, Georgia" and "N'Djamena, Chad" name the country through its capital.
        state = _STATE_CONTEXT.search(before)
        if state and not _capital_of(state.group(), hit.code):
            return False
        return bool(labels & PLACE_LABELS) and not labels & {"PERSON"}
    # An unambiguous country name stays a country even where the small model glued it into
    # a person's name ("... and Vanuatu who was born").
    return True


class CountryFinder:
    """spaCy component proposing countries from the gazetteer and the model's place entities."""

    def __call__(self, doc: Doc) -> Doc:
        covered: list[tuple[int, int]] = []
        for hit in find_countries(text_of(doc)):
            # Judged once: the model's place entities below must not bring back a rejected hit.
            covered.append((hit.start, hit.end))
            if accept(doc, hit):
                add(
                    doc,
                    Candidate(
                        hit.start,
                        hit.end,
                        "country",
                        hit.text,
                        hit.code,
                        {"code": hit.code, "form": hit.form},
                        "countries",
                    ),
                )
        for ent in doc.ents:
            if ent.label_ not in ("GPE", "NORP"):
                continue
            if any(ent.start_char < e and s < ent.end_char for s, e in covered):
                continue
            text = ent.text.strip()
            if text == "US" and is_pronoun_us(raw_text_of(doc), ent.start_char):
                continue
            for suffix in _POSSESSIVE:
                if text.endswith(suffix):
                    text = text[: -len(suffix)]
                    break
            found = lookup(text.removeprefix("the ").strip())
            if found is None:
                continue
            code, form = found
            start = ent.start_char + ent.text.index(text) if text in ent.text else ent.start_char
            add(
                doc,
                Candidate(
                    start,
                    start + len(text),
                    "country",
                    text,
                    code,
                    {"code": code, "form": form},
                    "countries.ner",
                    0.8,
                ),
            )
        return doc


@Language.factory("mt_countries")
def make_countries(nlp: Language, name: str) -> CountryFinder:
    """Build the country component."""
    return CountryFinder()
