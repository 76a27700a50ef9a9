"""How a typed query becomes a ranked full-text query, the same way on both stores.

A query with no search syntax is natural language: every content word is optional (an OR of
terms, stopwords dropped), BM25 ranks pages with more of the rarer words higher, and pages
that hold the query's words as a phrase get the phrase's own score on top. A query with
syntax (`"phrase"`, `OR`, `AND`, `NOT`, `word*`, `-word`) is taken exactly as written.
Pure functions: nothing here touches a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.store.base import Hit, SearchResult

# Words too common to rank a page by; dropped from a natural-language query.
STOPWORDS = frozenset(  # a word list reads better as text than as a list
    """a about across after all also an and any are as at be been before being between both
    but by can could did do does for from had has have how i if in into is it its me more
    most my no nor not of on or other our over should so some such than that the their them
    then there these they this those through to under until up via was we were what when
    where which while who whom why will with would you your""".split()  # noqa: SIM905
)
_SYNTAX = re.compile(r'["*]|\b(?:AND|OR|NOT)\b|(?:^|\s)-\w')
_WORD = re.compile(r"\w+", re.UNICODE)
# BM25 as FTS5 computes it keeps the (k1 + 1) factor that Lucene dropped in version 8;
# dividing by it puts the embedded store's scores on Elasticsearch's scale.
K1 = 1.2
# An alias-only page scores this share of the weakest page that holds every query word.
ALIAS_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class RankedQuery:
    """A natural-language query split into the terms it ORs and the phrase it boosts."""

    terms: tuple[str, ...]
    phrase: tuple[str, ...]

    @property
    def text(self) -> str:
        """Return the terms as one line, for an Elasticsearch `match`."""
        return " ".join(self.terms)


def has_syntax(query: str) -> bool:
    """Say whether the analyst wrote search syntax, to be taken exactly."""
    return bool(_SYNTAX.search(query))


def ranked_query(query: str) -> RankedQuery | None:
    """Return the optional terms and the phrase of a natural-language query (None: no words).

    A query of stopwords only keeps them, so "the who" still searches something.
    """
    words = [w.lower() for w in _WORD.findall(query)]
    if not words:
        return None
    content = [w for w in words if w not in STOPWORDS] or words
    terms = tuple(dict.fromkeys(content))
    phrase = tuple(words) if len(words) > 1 else ()
    return RankedQuery(terms, phrase)


def fts5_terms(ranked: RankedQuery) -> str:
    """Return the FTS5 OR of a ranked query's terms, each quoted so no word acts as syntax."""
    return " OR ".join(f'"{t}"' for t in ranked.terms)


def fts5_phrase(ranked: RankedQuery) -> str | None:
    """Return the FTS5 phrase of the whole query, or None for a one-word query."""
    return f'"{" ".join(ranked.phrase)}"' if ranked.phrase else None


def exact_parts(query: str) -> tuple[str, tuple[str, ...]]:
    """Turn search syntax into a safe FTS5 query (words ANDed, "phrases", word*, OR, AND, NOT,
    and -word as NOT word), and return it with its phrases that can score a page (each a
    quoted FTS5 phrase or prefix; words after NOT or a minus are left out)."""
    parts: list[str] = []
    excluded: list[str] = []
    for token in re.findall(r'-?"[^"]*"|\S+', query):
        if token in {"AND", "OR", "NOT"}:
            parts.append(token)
            continue
        negate = token.startswith("-") and len(token) > 1
        body = token[1:] if negate else token
        if body.startswith('"') and body.endswith('"') and len(body) > 1:
            inner = body[1:-1].replace('"', " ").strip()
            term = f'"{inner}"' if inner else ""
        else:
            prefix = body.endswith("*")
            word = body.rstrip("*").replace('"', " ").strip()
            term = f'"{word}"' + ("*" if prefix else "") if word else ""
        if term:
            (excluded if negate else parts).append(term)
    while parts and parts[0] in {"AND", "OR", "NOT"}:
        parts.pop(0)
    while parts and parts[-1] in {"AND", "OR", "NOT"}:
        parts.pop()
    if not parts:
        return "", ()
    match = " ".join(parts)
    if excluded:
        match = f"({match})" + "".join(f" NOT {term}" for term in excluded)
    scoring = [
        term
        for i, term in enumerate(parts)
        if term not in {"AND", "OR", "NOT"} and (i == 0 or parts[i - 1] != "NOT")
    ]
    return match, tuple(dict.fromkeys(scoring))


def merge_ranked(
    query: str,
    type_: str | None,
    text: list[Hit],
    full: set[tuple[str, int]],
    entity: list[Hit],
    limit: int,
    offset: int,
) -> SearchResult:
    """Combine ranked text hits and entity hits, one hit per page, best first.

    `full` holds the text hits' pages that contain every content word. A page reached only
    through an entity the query names ranks below every such page, and above pages that
    hold only some of the words; it keeps the name the page uses (`alias`).
    """
    if type_ is not None:
        return SearchResult(query, type_, entity[offset : offset + limit])
    by_page = {(h.document_id, h.page): h for h in entity}
    hits: list[Hit] = []
    for hit in text:
        named = by_page.pop((hit.document_id, hit.page), None)
        hits.append(replace(hit, entity=named.entity) if named is not None else hit)
    full_scores = [h.score for h in text if (h.document_id, h.page) in full]
    if full_scores:
        alias_score = min(full_scores) * ALIAS_SHARE
    elif text:
        alias_score = max(h.score for h in text) * (1 + ALIAS_SHARE)
    else:
        alias_score = 1.0
    hits.extend(replace(h, score=alias_score) for h in by_page.values())
    hits.sort(key=lambda h: -h.score)  # stable: alias hits keep document and page order
    return SearchResult(query, type_, hits[offset : offset + limit])
