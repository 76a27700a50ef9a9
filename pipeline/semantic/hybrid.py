"""Reciprocal rank fusion: merge ranked lists from several retrievers into one."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

# The constant from Cormack, Clarke and Buettcher (2009): it damps the weight of top ranks so
# that one retriever's first hit cannot outvote agreement between retrievers further down.
RRF_K = 60

# Words too common to help a ranked full-text match; dropped when a query is loosened.
_STOPWORDS = frozenset(  # a word list reads better as text than as a list
    """a an and are as at be by for from has have how in into is it its of on or that the their
    them they this to was were what when where which who whom why will with through across
    after before about over under via than then there these those been being do does
    did""".split()  # noqa: SIM905
)
_FTS_SYNTAX = re.compile(r'["*]|\b(?:AND|OR|NOT|NEAR)\b')
_WORD = re.compile(r"[\w$€£¥₱]+(?:[-'.][\w]+)*", re.UNICODE)


@dataclass(slots=True)
class Fused(Generic[K]):
    """One fused result: its key, the summed reciprocal ranks and the retrievers that found it."""

    key: K
    score: float = 0.0
    retrievers: list[str] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)


def reciprocal_rank_fusion(rankings: Mapping[str, Sequence[K]], k: int = RRF_K) -> list[Fused[K]]:
    """Fuse ranked key lists (best first, per retriever name): score = sum of 1 / (k + rank).

    A key repeated within one list counts at its best rank only. Ties keep the order in which
    the keys were first seen, retriever by retriever, so the output is deterministic.
    """
    fused: dict[K, Fused[K]] = {}
    for name, keys in rankings.items():
        for rank, key in enumerate(keys, start=1):
            entry = fused.setdefault(key, Fused(key))
            if name in entry.ranks:
                continue
            entry.ranks[name] = rank
            entry.retrievers.append(name)
            entry.score += 1.0 / (k + rank)
    order = {key: i for i, key in enumerate(fused)}
    return sorted(fused.values(), key=lambda f: (-f.score, order[f.key]))


def loosened_query(query: str) -> str | None:
    """Return the query's content words joined with OR, or None when the analyst wrote syntax.

    Full-text search ANDs every word, so a question phrased as a sentence rarely matches any
    page. For fusion a ranked "any of these words" list is what is wanted; phrases, OR and
    prefixes that the analyst typed are kept as they are instead.
    """
    if _FTS_SYNTAX.search(query):
        return None
    words = [w for w in _WORD.findall(query) if w.lower() not in _STOPWORDS]
    unique = list(dict.fromkeys(words))
    if len(unique) < 2:
        return None
    return " OR ".join(unique)
