"""Loading the model builds its tokenizer once, from the saved one, and the result is the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pipeline.extract.nlp import _builds_default_tokenizer, load_model, model_name

# Special cases, affixes, a URL and an e-mail address: every part of the saved tokenizer.
TEXT = (
    "Mr. Kim didn't say; U.S. officials (FBI) wrote to ops@example.org about "
    "https://example.com/a?b=1 on Jan. 5th -- $1.2m vs. 3,000 USDT, e.g. at 10:30 a.m. :-)"
)


def test_the_tokenizer_equals_the_one_spacy_builds() -> None:
    name = model_name()
    assert _builds_default_tokenizer(name), "the installed model takes the quicker load"
    ours, theirs = load_model(name), spacy.load(name)
    assert ours.tokenizer.rules, "the saved special cases were loaded"
    assert ours.tokenizer.to_bytes(exclude=["vocab"]) == theirs.tokenizer.to_bytes(
        exclude=["vocab"]
    )
    assert [t.text for t in ours(TEXT)] == [t.text for t in theirs(TEXT)]
    assert len(ours.vocab.strings) == len(theirs.vocab.strings)
    assert [(t.tag_, t.dep_, t.ent_type_) for t in ours(TEXT)] == [
        (t.tag_, t.dep_, t.ent_type_) for t in theirs(TEXT)
    ]


def test_a_model_with_its_own_tokenizer_keeps_it(tmp_path: Path) -> None:
    @spacy.registry.tokenizers("test.whitespace_tokenizer.v1")
    def whitespace() -> Callable[[Language], Any]:
        return lambda nlp: WhitespaceTokenizer(nlp.vocab)

    own = {"nlp": {"tokenizer": {"@tokenizers": "test.whitespace_tokenizer.v1"}}}
    nlp = spacy.blank("en", config=own)
    nlp.to_disk(tmp_path / "spaces")
    loaded = load_model(str(tmp_path / "spaces"))
    assert isinstance(loaded.tokenizer, WhitespaceTokenizer)
    assert [t.text for t in loaded("Mr. Kim didn't pay.")] == ["Mr.", "Kim", "didn't", "pay."]


def test_a_plain_blank_model_loads_as_spacy_loads_it(tmp_path: Path) -> None:
    spacy.blank("en").to_disk(tmp_path / "blank")
    nlp = load_model(str(tmp_path / "blank"))
    assert [t.text for t in nlp("Mr. Kim didn't pay.")] == ["Mr.", "Kim", "did", "n't", "pay", "."]


class WhitespaceTokenizer:
    """A tokenizer of a model's own, as a Chinese or Japanese pipeline has."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        return Doc(self.vocab, words=text.split())

    def to_disk(self, path: Path, **kwargs: Any) -> None:
        path.write_text("")

    def from_disk(self, path: Path, **kwargs: Any) -> WhitespaceTokenizer:
        return self
