"""Lemmas computed on demand equal the ones spaCy's lemmatizer component writes."""

from __future__ import annotations

import spacy

from pipeline.extract.nlp import model_name
from pipeline.link.syntax import lemma_of, parse_sentences

SENTENCES = [
    "The Treasury designated the exchange, which had laundered funds for the hackers.",
    "Park Jin Hyok was working for Chosun Expo when he and others stole $81 million.",
    "I'd say they're believed to have been paid through casinos' junket accounts.",
    "OFAC's sanctions were imposed on the mixers; none of the wallets was frozen.",
]


def test_lemma_of_matches_the_lemmatizer_component() -> None:
    full = spacy.load(model_name(), exclude=["ner", "senter"])
    for parsed, reference in zip(parse_sentences(SENTENCES), full.pipe(SENTENCES), strict=True):
        assert [t.lemma == 0 for t in parsed].count(True) > 0  # nothing computed yet
        assert [lemma_of(t) for t in parsed] == [t.lemma_ for t in reference]
        # A lemma read once is kept on the token.
        assert [t.lemma_ for t in parsed] == [t.lemma_ for t in reference]
