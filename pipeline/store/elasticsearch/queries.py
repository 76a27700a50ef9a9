"""Elasticsearch request bodies for search, facets and counts, and readers of the answers.

Pure functions over the query DSL and response JSON: nothing here talks to a server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pipeline.extract.names import normalise
from pipeline.onchain.keys import chain_name
from pipeline.store.base import Hit, SearchResult
from pipeline.store.ranking import has_syntax, merge_ranked, ranked_query

# The embedded store's snippet for an entity hit, reused so both stores mark the same text.
from pipeline.store.sqlite.search import _highlight as mark_sentence

_OPERATORS = {"AND", "OR", "NOT"}
# index.max_result_window: the most hits one request returns without paging.
MAX_WINDOW = 10_000
# Counts below this are exact in a cardinality aggregation (the most Elasticsearch allows).
PRECISION = 40_000

HIGHLIGHT: dict[str, Any] = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "fields": {
        "text": {
            "type": "unified",
            # About the 20 tokens the embedded store's snippet() shows.
            "fragment_size": 160,
            "number_of_fragments": 1,
            "no_match_size": 160,
        }
    },
}
TEXT_HIT_FIELDS = ["document_id", "source", "title", "number", "ocr"]
ENTITY_HIT_FIELDS = [
    "document_id",
    "source",
    "title",
    "page",
    "start",
    "text",
    "sentence",
    "entity_id",
]
# The embedded store orders entity hits by document id, page and offset; the first mention wins.
ENTITY_HIT_SORT: list[dict[str, str]] = [
    {"document_id": "asc"},
    {"page": "asc"},
    {"start": "asc"},
]
FACETS = ("actor", "casino", "country", "chain")
# The name of the clause matching pages that hold every query word.
ALL_WORDS = "all_words"
# How many of a query's best pages (per shard) the facets count, as the embedded store does.
FACET_DEPTH = 1000
_BY_COUNT = [{"_count": "desc"}, {"_key": "asc"}]


def _clause(token: str, field: str) -> dict[str, Any] | None:
    """Return the clause for one word, "phrase" or prefix* (each a phrase, as in FTS5)."""
    if token.startswith('"') and token.endswith('"') and len(token) > 1:
        inner = token[1:-1].replace('"', " ").strip()
        return {"match_phrase": {field: inner}} if inner else None
    prefix = token.endswith("*")
    word = token.rstrip("*").replace('"', " ").strip()
    if not word:
        return None
    if prefix:
        return {"match_phrase_prefix": {field: {"query": word}}}
    return {"match_phrase": {field: word}}


def exact_query(query: str, field: str = "text") -> dict[str, Any] | None:
    """Turn search syntax into a query: words ANDed, "phrases", word*, OR, NOT and -word.

    The same grammar as the embedded store's exact_parts(); NOT binds to the next term and
    OR separates groups. Returns None when nothing searchable is left.
    """
    groups: list[list[tuple[bool, dict[str, Any]]]] = [[]]
    negate = False
    for token in re.findall(r'-?"[^"]*"|\S+', query):
        if token in _OPERATORS:
            if token == "OR":
                groups.append([])
            negate = token == "NOT"
            continue
        minus = token.startswith("-") and len(token) > 1
        clause = _clause(token[1:] if minus else token, field)
        if clause is not None:
            groups[-1].append((negate or minus, clause))
        negate = False
    alternatives: list[dict[str, Any]] = []
    for group in groups:
        must = [c for neg, c in group if not neg]
        must_not = [c for neg, c in group if neg]
        if not must:
            continue  # a bare NOT excludes from nothing, as FTS5's binary NOT does
        if len(must) == 1 and not must_not:
            alternatives.append(must[0])
            continue
        body: dict[str, Any] = {"must": must}
        if must_not:
            body["must_not"] = must_not
        alternatives.append({"bool": body})
    if not alternatives:
        return None
    if len(alternatives) == 1:
        return alternatives[0]
    return {"bool": {"should": alternatives, "minimum_should_match": 1}}


def text_query(query: str) -> dict[str, Any] | None:
    """Return the ranked query for what an analyst typed (None: nothing searchable).

    Natural language: a `match` of the content words, any of them (BM25 ranks pages with more
    and rarer words higher), plus a `match_phrase` of the whole query whose score adds up,
    plus a zero-weight `match` of every word named ALL_WORDS, which tells the pages holding
    them all. Search syntax is taken exactly (exact_query).
    """
    if has_syntax(query):
        exact = exact_query(query)
        if exact is None:
            return None
        return {"bool": {"must": [exact], "should": [{"match_all": {"_name": ALL_WORDS}}]}}
    ranked = ranked_query(query)
    if ranked is None:
        return None
    should: list[dict[str, Any]] = [
        {"match": {"text": {"query": ranked.text, "operator": "or"}}},
        {"match": {"text": {"query": ranked.text, "operator": "and", "boost": 0}}},
    ]
    should[1]["match"]["text"]["_name"] = ALL_WORDS
    if ranked.phrase:
        should.append({"match_phrase": {"text": {"query": " ".join(ranked.phrase)}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def body_query(query: str) -> dict[str, Any] | None:
    """Return what text_query() must match, asked of `body`: the page text without furniture.

    Search syntax exactly; natural language as any of its content words (a page text_query
    ranks matches at least one of them).
    """
    if has_syntax(query):
        return exact_query(query, "body")
    ranked = ranked_query(query)
    if ranked is None:
        return None
    return {"match": {"body": {"query": ranked.text, "operator": "or"}}}


def outside_furniture(body: dict[str, Any]) -> dict[str, Any]:
    """Return the page filter that drops pages matching only inside their furniture.

    A page with furniture must match `body`; a page without any (or written before mapping
    version 3) has no `body` and passes, so its match in `text` stands.
    """
    bare = {"bool": {"must_not": [{"exists": {"field": "furniture.start"}}]}}
    return {"bool": {"should": [body, bare], "minimum_should_match": 1}}


def full_pages(hits: Iterable[Mapping[str, Any]]) -> set[tuple[str, int]]:
    """Return the pages among text hits that hold every query word (the ALL_WORDS clause)."""
    return {
        (h["_source"]["document_id"], h["_source"]["number"])
        for h in hits
        if ALL_WORDS in h.get("matched_queries", ())
    }


def text_hits(hits: Iterable[Mapping[str, Any]]) -> list[Hit]:
    """Read full-text page hits with their highlighted snippets."""
    out = []
    for hit in hits:
        src = hit["_source"]
        # A page with furniture has `body`, highlighted from outside the furniture.
        marked = hit.get("highlight", {})
        fragments = marked.get("body") or marked.get("text") or [""]
        out.append(
            Hit(
                src["document_id"],
                src["source"],
                src.get("title"),
                src["number"],
                " ".join(" … ".join(fragments).split()),
                float(hit.get("_score") or 0.0),
                "text",
                ocr=bool(src.get("ocr")),
            )
        )
    return out


def entity_lookup(query: str) -> tuple[list[str], str] | None:
    """Return the alias norms and the lowercased key an entity search looks for."""
    norm = normalise(query)
    if not norm:
        return None
    return sorted({norm, norm.replace(" ", "")}), query.strip().lower()


def text_request(
    dsl: dict[str, Any], size: int, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the page search for full-text hits with highlighted snippets.

    Given body_query(), pages with furniture are highlighted from `body` with it, so their
    snippets never show a running header or footer.
    """
    highlight = HIGHLIGHT
    if body is not None:
        fields = {**HIGHLIGHT["fields"], "body": {**HIGHLIGHT["fields"]["text"]}}
        fields["body"]["highlight_query"] = body
        highlight = {**HIGHLIGHT, "fields": fields}
    return {
        "query": dsl,
        "size": min(size, MAX_WINDOW),
        "highlight": highlight,
        "source_includes": TEXT_HIT_FIELDS,
    }


def alias_request(norms: list[str]) -> dict[str, Any]:
    """Return the entity search for names whose normalised form is one of these."""
    return {
        "query": {"terms": {"alias_norms": norms}},
        "size": MAX_WINDOW,
        "source_includes": ["id", "type", "name"],
    }


def key_request(key: str) -> dict[str, Any]:
    """Return the mention search listing the entities whose mentions have this key, any case."""
    where = [{"term": {"key.lower": key}}, {"exists": {"field": "entity_id"}}]
    return {
        "query": {"bool": {"filter": where}},
        "size": 0,
        "aggs": {"entities": {"terms": {"field": "entity_id", "size": MAX_WINDOW}}},
    }


def entity_hits_request(entity_ids: list[str], type_: str | None) -> dict[str, Any]:
    """Return the mention search for one hit per page mentioning the entities, in order."""
    filters: list[dict[str, Any]] = [{"terms": {"entity_id": entity_ids}}]
    if type_ is not None:
        filters.append({"term": {"type": type_}})
    return {
        "query": {"bool": {"filter": filters}},
        "collapse": {"field": "doc_page"},
        "sort": ENTITY_HIT_SORT,
        "size": MAX_WINDOW,
        "source_includes": ENTITY_HIT_FIELDS,
    }


def entity_hits(
    hits: Iterable[Mapping[str, Any]],
    entities: Mapping[str, Mapping[str, Any]],
    query: str | None = None,
) -> list[Hit]:
    """Read collapsed mention hits (one per page) as entity hits, in document and page order.

    Given the query (a search without a type), a page that names the entity otherwise is an
    alias hit that says the name it uses.
    """
    norm = normalise(query) if query is not None else None
    out = []
    for hit in hits:
        src = hit["_source"]
        entity = entities.get(src["entity_id"])
        if entity is None:
            continue  # the entity record is gone: the embedded store's join drops it too
        surface = " ".join(src["text"].split())
        other = norm is not None and normalise(surface) != norm
        out.append(
            Hit(
                src["document_id"],
                src["source"],
                src.get("title"),
                src["page"],
                mark_sentence(src["sentence"], src["text"]),
                1.0,  # merge_ranked places entity hits relative to the text hits
                "alias" if other else "entity",
                {"id": entity["id"], "type": entity["type"], "name": entity["name"]},
                alias=surface if other else None,
            )
        )
    return out


def page_filters(country: str | None, chain: str | None) -> list[dict[str, Any]]:
    """Return the page filters for a country code and a chain (the pages' denormalised sets)."""
    filters: list[dict[str, Any]] = []
    if country:
        filters.append({"term": {"countries": country.strip().upper()}})
    if chain:
        filters.append({"term": {"chains": chain_name(chain)}})
    return filters


def merge_hits(
    query: str,
    type_: str | None,
    text: list[Hit],
    entity: list[Hit],
    limit: int,
    offset: int,
    full: set[tuple[str, int]] | None = None,
) -> SearchResult:
    """Combine text and entity hits as the embedded store does: one hit per page, best first."""
    every = {(h.document_id, h.page) for h in text} if full is None else full
    return merge_ranked(query, type_, text, every, entity, limit, offset)


def facet_query(query: str, type_: str | None, page_ids: list[str]) -> dict[str, Any] | None:
    """Return the query for the pages a search matches: its text, or its entities' pages."""
    clauses: list[dict[str, Any]] = []
    matched = text_query(query) if type_ is None else None
    if matched is not None:
        clauses.append(matched)
    if page_ids:
        clauses.append({"ids": {"values": page_ids}})
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def facets_request(dsl: dict[str, Any], size: int) -> dict[str, Any]:
    """Return the page search whose aggregations are the facets, counted on the best
    FACET_DEPTH pages per shard (a sampler), so they cost the same however many match."""
    sample = {"sampler": {"shard_size": FACET_DEPTH}, "aggs": facet_aggs(size)}
    return {"query": dsl, "size": 0, "aggs": {"sample": sample}}


def facet_aggs(size: int) -> dict[str, Any]:
    """Return the aggregations behind the facets: mentions summed over the matching pages.

    Each page holds one nested entry per facet value with its mention count; the top values
    are those with the most mentions, ties by value.
    """
    per_facet = {
        name: {
            "filter": {"term": {"facets.facet": name}},
            "aggs": {
                "top": {
                    "terms": {
                        "field": "facets.key",
                        "size": size,
                        "order": [{"mentions": "desc"}, {"_key": "asc"}],
                    },
                    "aggs": {"mentions": {"sum": {"field": "facets.n"}}},
                }
            },
        }
        for name in FACETS
    }
    return {"facets": {"nested": {"path": "facets"}, "aggs": per_facet}}


def empty_facets() -> dict[str, list[dict[str, Any]]]:
    """Return facets with no values."""
    return {name: [] for name in FACETS}


def facet_entity_ids(aggs: Mapping[str, Any]) -> list[str]:
    """Return the entity ids among the actor and casino facet values."""
    return [
        b["key"] for name in ("actor", "casino") for b in aggs["facets"][name]["top"]["buckets"]
    ]


def facets_from_aggs(
    aggs: Mapping[str, Any],
    entities: Mapping[str, Mapping[str, Any]],
    country_name: Callable[[str], str],
) -> dict[str, list[dict[str, Any]]]:
    """Read facet buckets: actors and casinos by entity, countries by code, chains."""

    def buckets(name: str) -> list[tuple[str, int]]:
        found = aggs["facets"][name]["top"]["buckets"]
        return [(str(b["key"]), int(b["mentions"]["value"])) for b in found]

    def brief(entity_id: str) -> dict[str, Any]:
        src = entities.get(entity_id, {})
        return {"id": entity_id, "name": src.get("name"), "type": src.get("type")}

    return {
        "actor": [{**brief(k), "count": n} for k, n in buckets("actor")],
        "casino": [{**brief(k), "count": n} for k, n in buckets("casino")],
        "country": [
            {"code": k, "name": country_name(k), "count": n} for k, n in buckets("country")
        ],
        "chain": [{"chain": k, "count": n} for k, n in buckets("chain")],
    }


def months_request() -> dict[str, Any]:
    """Return the document search behind documents_by_month(): complete documents per date."""
    return {
        "size": 0,
        "query": {"term": {"complete": True}},
        # Dates are keywords ("2024", "2024-03", "2024-03-05"), so months are cut client-side
        # from the distinct dates, which stay few even in a large corpus.
        "aggs": {"dates": {"terms": {"field": "date", "size": 65536, "missing": "undated"}}},
    }


def stats_request() -> dict[str, Any]:
    """Return the mention search behind stats(): the total, and entities overall and per type."""
    return {"size": 0, "track_total_hits": True, "aggs": stats_aggs()}


def stats_aggs() -> dict[str, Any]:
    """Return the mention aggregations behind stats(): entities overall and per type."""
    distinct = {"cardinality": {"field": "entity_id", "precision_threshold": PRECISION}}
    return {
        "entities": distinct,
        "by_type": {
            "terms": {"field": "type", "size": 100, "order": {"_key": "asc"}},
            "aggs": {"entities": distinct},
        },
    }


def by_type_from_aggs(aggs: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Read mention and entity counts per type, in type order."""
    return {
        b["key"]: {"mentions": int(b["doc_count"]), "entities": int(b["entities"]["value"])}
        for b in aggs["by_type"]["buckets"]
    }


def ranking_request(type_: str | None, size: int) -> dict[str, Any]:
    """Return the mention search counting mentions and documents per entity, top first."""
    filters: list[dict[str, Any]] = [{"exists": {"field": "entity_id"}}]
    if type_:
        filters.append({"term": {"type": type_}})
    distinct = {"cardinality": {"field": "document_id", "precision_threshold": PRECISION}}
    return {
        "query": {"bool": {"filter": filters}},
        "size": 0,
        "aggs": {
            "entities": {
                "terms": {"field": "entity_id", "size": size, "order": _BY_COUNT},
                "aggs": {"documents": distinct},
            }
        },
    }


def composite_request(after: dict[str, Any] | None, size: int = 1000) -> dict[str, Any]:
    """Return the mention search paging through every linked entity id in id order."""
    composite: dict[str, Any] = {
        "size": size,
        "sources": [{"id": {"terms": {"field": "entity_id"}}}],
    }
    if after:
        composite["after"] = after
    return {"size": 0, "aggs": {"ids": {"composite": composite}}}


def document_request(prefix: str) -> dict[str, Any]:
    """Return the search for a complete document by id or id prefix, in any case."""
    where = [
        {"prefix": {"id": {"value": prefix, "case_insensitive": True}}},
        {"term": {"complete": True}},
    ]
    return {"query": {"bool": {"filter": where}}, "size": 2, "source_excludes": ["children"]}


DOCUMENT_ROW_FIELDS = ["id", "title", "date", "page_count", "source", "kind"]


def document_list_request(limit: int, offset: int) -> dict[str, Any]:
    """Return the search listing complete documents in source order, as the embedded store."""
    return {
        "query": {"bool": {"filter": [{"term": {"complete": True}}]}},
        "sort": [{"source": "asc"}, {"id": "asc"}],
        "size": min(limit, MAX_WINDOW),
        "from": offset,
        "source_includes": DOCUMENT_ROW_FIELDS,
    }


def find_documents_request(ref: str) -> dict[str, Any]:
    """Return the search for documents an id prefix or a source path names."""
    names = [
        {"prefix": {"id": {"value": ref, "case_insensitive": True}}},
        {"term": {"sources": ref}},
    ]
    return {
        "query": {
            "bool": {
                "filter": [{"term": {"complete": True}}],
                "should": names,
                "minimum_should_match": 1,
            }
        },
        "sort": [{"id": "asc"}],
        "size": 50,
        "source_includes": DOCUMENT_ROW_FIELDS,
    }


def document_rows(hits: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Read document hits as the embedded store's rows: id, title, date, pages, source, kind."""
    return [
        {
            "id": h["_source"]["id"],
            "title": h["_source"].get("title"),
            "date": h["_source"].get("date"),
            "pages": h["_source"].get("page_count"),
            "source": h["_source"]["source"],
            "kind": h["_source"].get("kind"),
        }
        for h in hits
    ]


def ranked_entities(
    aggs: Mapping[str, Any], entities: Mapping[str, Mapping[str, Any]], limit: int
) -> list[dict[str, Any]]:
    """Read entity rows, most mentioned first and then by name, as the embedded store sorts."""
    rows = []
    for bucket in aggs["entities"]["buckets"]:
        src = entities.get(bucket["key"])
        if src is None:
            continue
        rows.append(
            {
                "id": src["id"],
                "type": src["type"],
                "name": src["name"],
                "kind": src.get("kind"),
                "attributes": dict(src.get("attributes") or {}),
                "mentions": int(bucket["doc_count"]),
                "documents": int(bucket["documents"]["value"]),
            }
        )
    rows.sort(key=lambda r: (-r["mentions"], r["name"]))
    return rows[:limit]


def document_entities(
    mentions: Iterable[tuple[str, int]], entities: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Group a document's (entity id, page) pairs into rows by type, count and name."""
    counts: dict[str, int] = {}
    pages: dict[str, set[int]] = {}
    for entity_id, page in mentions:
        counts[entity_id] = counts.get(entity_id, 0) + 1
        pages.setdefault(entity_id, set()).add(page)
    rows = []
    for entity_id, n in counts.items():
        src = entities.get(entity_id)
        if src is None:
            continue
        rows.append(
            {
                "id": entity_id,
                "type": src["type"],
                "name": src["name"],
                "kind": src.get("kind"),
                "mentions": n,
                "pages": sorted(pages[entity_id]),
            }
        )
    rows.sort(key=lambda r: (r["type"], -r["mentions"], r["name"]))
    return rows


def document_view(
    doc: Mapping[str, Any], pages: Sequence[Mapping[str, Any]], entities: list[dict[str, Any]]
) -> dict[str, Any]:
    """Return show's document dict with the embedded store's keys, in its order."""
    fields = ("id", "source", "kind", "title", "date", "byline", "size", "page_count")
    out: dict[str, Any] = {k: doc.get(k) for k in fields}
    out["warnings"] = list(doc.get("warnings") or ())
    out["ingested_at"] = doc.get("ingested_at")
    out["sources"] = sorted(doc.get("sources") or [doc["source"]])
    out["pages"] = [
        {
            "number": p["number"],
            "start": p["start"],
            "end": p["end"],
            # The embedded store returns SQLite integers here; the JSON stays the same.
            "has_text": int(bool(p["has_text"])),
            "ocr": int(bool(p["ocr"])),
            "chars": p["chars"],
        }
        for p in pages
    ]
    out["entities"] = entities
    return out
