"""An English word list, read from the installed spaCy model's lemmatizer tables."""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path

from spacy.lookups import Lookups


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Return the ~80k lower-case words of the model's lemma index (WordNet nouns, verbs...)."""
    # Imported here: nlp imports the components, which import this module.
    from pipeline.extract.nlp import model_name

    package = importlib.import_module(model_name())
    root = Path(package.__file__).resolve().parent
    for tables in root.glob("*/lemmatizer/lookups"):
        lookups = Lookups().from_disk(tables)
        if "lemma_index" in lookups.tables:
            index = lookups.get_table("lemma_index")
            return frozenset(word for key in index for word in index[key])
    return frozenset()


def is_english_word(word: str) -> bool:
    """Say whether a single word is an ordinary English word (so not a name on its own)."""
    return word.lower() in english_words()
