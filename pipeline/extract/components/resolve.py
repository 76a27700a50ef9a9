"""Resolve overlapping candidates: wallets and amounts first, then the longest span."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.candidates import CANDIDATES, PRIORITY, SELECTED, Candidate


def resolve(found: list[Candidate]) -> list[Candidate]:
    """Keep a non-overlapping subset of candidates, in text order."""
    ranked = sorted(
        found,
        key=lambda c: (
            PRIORITY.get(c.type, 9) > 1,
            -(c.end - c.start),
            PRIORITY.get(c.type, 9),
            -c.score,
            c.start,
        ),
    )
    taken: list[tuple[int, int]] = []
    kept: list[Candidate] = []
    for cand in ranked:
        if cand.end <= cand.start:
            continue
        if any(cand.start < end and start < cand.end for start, end in taken):
            continue
        taken.append((cand.start, cand.end))
        kept.append(cand)
    return sorted(kept, key=lambda c: (c.start, c.end))


class Resolver:
    """spaCy component that writes the resolved mentions to doc.user_data and doc.spans."""

    def __call__(self, doc: Doc) -> Doc:
        kept = resolve(doc.user_data.get(CANDIDATES, []))
        doc.user_data[SELECTED] = kept
        spans = []
        for cand in kept:
            span = doc.char_span(cand.start, cand.end, label=cand.type, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[SELECTED] = spans
        return doc


@Language.factory("mt_resolve")
def make_resolver(nlp: Language, name: str) -> Resolver:
    """Build the resolver component."""
    return Resolver()
