"""Money amounts with value (or range), currency and qualifier (see pipeline/extract/money.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.candidates import Candidate, add, raw_text_of
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


# "more than $3,500,000 but not more than $9,500,000": the sentencing guidelines' loss range.
_BOUNDED = re.compile(
    r"\s+but\s+(?:not\s+)?(?:more|less)\s+than\s+$|\s+(?:and|but)\s+(?:up\s+to|"
    r"at\s+most|no\s+more\s+than)\s+$"
)


_LEADING_NUMBER = re.compile(r"\d[\d,.]*\s+")
_NUMBER_NEXT = re.compile(r"[ \t]+\d")


def code_first(text: str, hits: list[MoneyHit]) -> list[MoneyHit]:
    """Read "96 KES 150,000" (a count column, then an amount) as KES 150,000."""
    out: list[MoneyHit] = []
    for hit in hits:
        lead = _LEADING_NUMBER.match(hit.text)
        if lead and _NUMBER_NEXT.match(text, hit.end):
            start = hit.start + lead.end()
            again = find_amounts(text[start : start + 80])
            if again and again[0].start == 0:
                first = again[0]
                hit = replace(
                    first, start=start, end=start + first.end, text=text[start : start + first.end]
                )
        out.append(hit)
    return out


_GLOSS = re.compile(r"\s*\(([A-Za-z][A-Za-z .$]{1,30})\)")
_GLOSSES = {
    "yuan": "CNY",
    "renminbi": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "yen": "JPY",
    "jpy": "JPY",
    "won": "KRW",
    "krw": "KRW",
    "kpw": "KPW",
    "pesos": "PHP",
    "php": "PHP",
    "us dollars": "USD",
    "usd": "USD",
    "hong kong dollars": "HKD",
    "hkd": "HKD",
    "singapore dollars": "SGD",
    "sgd": "SGD",
    "australian dollars": "AUD",
    "aud": "AUD",
}


def glossed(text: str, hits: list[MoneyHit]) -> list[MoneyHit]:
    """Settle an ambiguous symbol named in brackets right after: "¥3.2 million (yuan)"."""
    out = []
    for hit in hits:
        gloss = _GLOSS.match(text, hit.end) if hit.ambiguous else None
        code = _GLOSSES.get(gloss.group(1).strip().lower()) if gloss else None
        if code is not None and code in hit.candidates:
            hit = replace(hit, currency=code, ambiguous=False, candidates=(code,))
        out.append(hit)
    return out


def bounded_ranges(text: str, hits: list[MoneyHit]) -> list[MoneyHit]:
    """Merge a lower and an upper bound written as two amounts into one range."""
    out: list[MoneyHit] = []
    for hit in hits:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.value is not None
            and hit.value is not None
            and prev.currency == hit.currency
            and prev.value < hit.value
            and prev.qualifier in ("more than", "at least")
            and _BOUNDED.search(text[prev.end : hit.start] + " ")
        ):
            out[-1] = replace(
                prev,
                end=hit.end,
                text=text[prev.start : hit.end],
                value=None,
                min=prev.value,
                max=hit.value,
                qualifier=None,
            )
            continue
        out.append(hit)
    return out


# "the value had risen from $289 to $1,039": a change between two amounts, not a range.
_CHANGE = re.compile(
    r"\b(?:rose|risen|rising|increased|grew|grown|jumped|climbed|soared|fell|"
    r"fallen|dropped|declined|decreased|went|gone|moved)\s+(?:\w+\s+){0,2}from\s*$",
    re.I,
)
_RANGE_JOIN = re.compile(r"\s*(?:to|-|–|—)\s*")


def changes(text: str, hits: list[MoneyHit]) -> list[MoneyHit]:
    """Split a "from X to Y" change into its two amounts when both have a currency."""
    out: list[MoneyHit] = []
    for hit in hits:
        if hit.value is None and _CHANGE.search(text[max(hit.start - 40, 0) : hit.start]):
            parts = []
            for part in _RANGE_JOIN.split(hit.text, maxsplit=1):
                at = text.find(part, hit.start, hit.end)
                found = find_amounts(part) if at >= 0 else []
                if len(found) == 1 and found[0].text == part:
                    parts.append(replace(found[0], start=at, end=at + len(part)))
            if len(parts) == 2:
                out.extend(parts)
                continue
        out.append(hit)
    return out


class AmountFinder:
    """spaCy component proposing money amounts."""

    def __call__(self, doc: Doc) -> Doc:
        text = raw_text_of(doc)
        found = code_first(text, find_amounts(text))
        for hit in glossed(text, changes(text, bounded_ranges(text, found))):
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
