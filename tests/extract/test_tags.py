"""The tagger run only around names gives the tags a page-wide run gives, on those tokens."""

from __future__ import annotations

import itertools

import spacy

from pipeline.extract.components.tags import CONTEXT, name_ranges
from pipeline.extract.nlp import build_nlp, model_name

TEXT = (
    "On 3 March the court heard that Samuel Carter wired the proceeds to Northwind Holdings "
    "Ltd through an account at Meridian Bank. The prosecutors said the transfers were "
    "structured to stay below the reporting threshold, and that the money moved again within "
    "days. A spokesperson for the Financial Crimes Enforcement Network declined to comment, "
    "while Maria Lopez, a former compliance officer at Atlas Exchange, told reporters the "
    "warnings had been ignored for months. Nobody else was named in the filing, which runs "
    "to forty pages and lists several shell companies registered in three countries."
)


def test_name_tokens_get_the_full_runs_tags() -> None:
    full = spacy.load(model_name())(TEXT)
    lean = build_nlp()(TEXT)
    assert [(e.start, e.end, e.label_) for e in lean.ents] == [
        (e.start, e.end, e.label_) for e in full.ents
    ]
    names = [e for e in lean.ents if e.label_ in ("PERSON", "ORG")]
    assert len(names) >= 3
    for ent in names:
        assert [t.tag_ for t in ent] == [t.tag_ for t in full[ent.start : ent.end]], ent.text


def test_tokens_far_from_any_name_are_not_tagged() -> None:
    lean = build_nlp()(TEXT)
    covered = {i for a, b in name_ranges(lean) for i in range(a, b)}
    far = [t for t in lean if t.i not in covered]
    assert far, "the text should hold tokens more than CONTEXT tokens from every name"
    assert all(t.tag_ == "" for t in far)
    assert all(lean[i].tag_ for i in covered)


def test_ranges_merge_and_stay_inside_the_doc() -> None:
    lean = build_nlp()(TEXT)
    ranges = name_ranges(lean)
    assert ranges[0][0] >= 0 and ranges[-1][1] <= len(lean)
    assert all(b < c for (_, b), (c, _) in itertools.pairwise(ranges))
    first = next(e for e in lean.ents if e.label_ in ("PERSON", "ORG"))
    assert ranges[0][0] == max(first.start - CONTEXT, 0)
