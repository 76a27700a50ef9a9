"""Money amounts with value (or range), currency and qualifier (see pipeline/extract/money.py)."""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.candidates import Candidate, add, text_of
from pipeline.extract.money import MoneyHit, find_amounts


def amount_value(hit: MoneyHit) -> dict[str, Any]:
    """Return the normalised value of a money hit."""
    value: dict[str, Any] = {"currency": hit.currency}
    if hit.value is not None:
        value["value"] = hit.value
    else:
        value["min"] = hit.min
        value["max"] = hit.max
    if hit.qualifier:
        value["qualifier"] = hit.qualifier
    if hit.ambiguous:
        value["ambiguous"] = True
        value["candidates"] = list(hit.candidates)
    return value


def amount_key(value: dict[str, Any]) -> str:
    """Return the grouping key of an amount: currency and number(s)."""
    if "value" in value:
        return f"{value['currency']}:{value['value']:g}"
    return f"{value['currency']}:{value['min']:g}-{value['max']:g}"


class AmountFinder:
    """spaCy component proposing money amounts."""

    def __call__(self, doc: Doc) -> Doc:
        for hit in find_amounts(text_of(doc)):
            value = amount_value(hit)
            add(
                doc,
                Candidate(
                    hit.start,
                    hit.end,
                    "amount",
                    hit.text,
                    amount_key(value),
                    value,
                    "amounts",
                    0.6 if hit.ambiguous else 1.0,
                ),
            )
        return doc


@Language.factory("mt_amounts")
def make_amounts(nlp: Language, name: str) -> AmountFinder:
    """Build the amount component."""
    return AmountFinder()
