"""Part-of-speech tags only where the actor guard reads them: around the model's names.

The actor component asks whether a PERSON or ORG name holds a proper noun (NNP, NNPS).
Tagging every token of every page costs the shared tok2vec's whole run, about a third of
the pipeline, for tags read on a few tokens. This component tags each name with CONTEXT
tokens either side, as a Doc of its own, and copies the tags back onto the page's tokens.

The tags are the ones a full run gives: the small model's tok2vec is a window encoder
(window 1, depth 4), so a token's vector depends on 4 tokens either side and on nothing
further away. A piece's edge spoils one more layer's output per layer inward, so after four
layers the first 4 tokens inside the edge are off and the fifth is exact: CONTEXT = 4 is
enough. On the real PDFs in ../shared (7,700 name tokens) 4 and 8 give the same tags and 3
does not. The tagger itself looks at one token at a time.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

# Tokens either side of a name fed to the tagger with it: the receptive field, 4.
CONTEXT = 4
# The NER labels the actor guard reads tags for (pipeline.extract.components.actors).
LABELS = ("PERSON", "ORG")


def name_ranges(doc: Doc, context: int = CONTEXT) -> list[tuple[int, int]]:
    """Return merged token ranges covering each PERSON or ORG name with its context."""
    ranges: list[tuple[int, int]] = []
    for ent in doc.ents:
        if ent.label_ not in LABELS:
            continue
        start, end = max(ent.start - context, 0), min(ent.end + context, len(doc))
        if ranges and start <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
        else:
            ranges.append((start, end))
    return ranges


class NameTagger:
    """spaCy component: fine POS tags for the tokens of names, from a standalone tagger."""

    def __init__(self, tagger: Any = None) -> None:
        # Set by pipeline.extract.nlp.build_nlp: the model's tagger with its own tok2vec copy.
        self.tagger = tagger

    def __call__(self, doc: Doc) -> Doc:
        ranges = name_ranges(doc)
        if not ranges or self.tagger is None:
            return doc
        pieces = [
            Doc(
                doc.vocab,
                words=[t.text for t in doc[a:b]],
                spaces=[bool(t.whitespace_) for t in doc[a:b]],
            )
            for a, b in ranges
        ]
        for (start, _), piece in zip(ranges, self.tagger.pipe(pieces), strict=True):
            for token in piece:
                doc[start + token.i].tag = token.tag
        return doc


@Language.factory("mt_tags")
def make_tags(nlp: Language, name: str) -> NameTagger:
    """Build the name tagger; build_nlp hands it the model's tagger."""
    return NameTagger()
