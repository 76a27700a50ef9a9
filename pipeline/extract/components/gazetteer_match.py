"""Phrase matching of gazetteer aliases, shared by the actor and casino components."""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from pipeline.extract.gazetteer import Entry, Gazetteer


def _acronym(surface: str) -> bool:
    """Say whether an alias is an acronym, which must match in capitals ("FBI", not "fbi")."""
    letters = [ch for ch in surface if ch.isalpha()]
    return len(surface) <= 8 and len(letters) >= 2 and all(ch.isupper() for ch in letters)


class AliasMatcher:
    """Find gazetteer aliases of one type in a Doc, case-insensitively unless an entry says not."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer, type_: str) -> None:
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.entries: dict[str, Entry] = {}
        for number, entry in enumerate(gazetteer.of_type(type_)):
            label = f"{type_}:{number}"
            self.entries[label] = entry
            exact = [
                s for s in entry.surfaces() if s.strip() and (entry.case_sensitive or _acronym(s))
            ]
            folded = [s for s in entry.surfaces() if s.strip() and s not in exact]
            if exact:
                self.exact.add(label, [nlp.make_doc(s) for s in exact])
            if folded:
                self.folded.add(label, [nlp.make_doc(s) for s in folded])

    def __call__(self, doc: Doc) -> list[tuple[int, int, Entry]]:
        """Return (start_char, end_char, entry) for every match, longest first on overlap."""
        found = []
        for matcher in (self.folded, self.exact):
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                entry = self.entries[doc.vocab.strings[match_id]]
                found.append((span.start_char, span.end_char, entry))
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        kept: list[tuple[int, int, Entry]] = []
        last_end = -1
        for start, end, entry in found:
            if start >= last_end:
                kept.append((start, end, entry))
                last_end = end
        return kept
