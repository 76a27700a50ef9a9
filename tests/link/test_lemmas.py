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


def test_the_parse_sharing_extractions_vocabulary_equals_a_model_of_its_own() -> None:
    from pipeline.extract.nlp import build_nlp
    from pipeline.link.syntax import build_parser

    parser = build_parser()
    assert parser.vocab is build_nlp().vocab and parser.tokenizer is build_nlp().tokenizer
    full = spacy.load(model_name(), exclude=["ner", "senter"])
    for parsed, reference in zip(parse_sentences(SENTENCES), full.pipe(SENTENCES), strict=True):
        assert [(t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.norm_, t.is_stop) for t in parsed] == [
            (t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.norm_, t.is_stop) for t in reference
        ]
