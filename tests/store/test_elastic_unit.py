"""The Elasticsearch backend without a server: mappings, queries, bulk actions, errors, secrets.

No Elasticsearch runs on the team's machines or CI; the store contract suite runs against a
real cluster where MONEYTRAIL_ES_URL is set. These tests cover the pure parts, and build
client exception objects as the official client would raise them (no fake server).
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pipeline.errors import ConfigError, StoreError
from pipeline.ids import entity_id, mention_id
from pipeline.link.corpus import Resolution
from pipeline.records import Document, Entity, Failure, Mention, Page, Relation
from pipeline.store.base import Hit, Store
from pipeline.store.elasticsearch import mappings as maps
from pipeline.store.elasticsearch import queries as q

ADDRESS = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
LAZARUS = entity_id("actor", "gz:lazarus group")
WALLET = entity_id("wallet", ADDRESS.lower())
NAMES = {name: maps.alias_name("mt", name) for name in maps.INDICES}


@pytest.fixture
def conn() -> ModuleType:
    return pytest.importorskip(
        "pipeline.store.elasticsearch.connection", reason="the elasticsearch client is absent"
    )


@pytest.fixture
def ent() -> ModuleType:
    return pytest.importorskip(
        "pipeline.store.elasticsearch.entities", reason="the elasticsearch client is absent"
    )


def _ent() -> ModuleType:
    import importlib

    return importlib.import_module("pipeline.store.elasticsearch.entities")


@pytest.fixture
def elastic() -> ModuleType:
    return pytest.importorskip(
        "pipeline.store.elasticsearch.store", reason="the elasticsearch client is absent"
    )


def _doc() -> Document:
    pages = ["The Lazarus Group laundered funds in Macau.", f"APT38 used {ADDRESS} in Laos."]
    text = "\n\n".join(pages)
    second = len(pages[0]) + 2
    return Document(
        "d" * 64, "report.pdf", "pdf", text,
        (Page(1, 0, len(pages[0])), Page(2, second, len(text), has_text=False)),
        title="A report", date="2024-03", size=123, warnings=("page 2 has no text layer",),
    )  # fmt: skip


def _mention(doc: Document, surface: str, type_: str, eid: str | None, **value: Any) -> Mention:
    start = doc.text.index(surface)
    return Mention(
        mention_id(doc.id, type_, start, start + len(surface)), doc.id, doc.page_at(start),
        start, start + len(surface), type_, surface, value, surface.lower(),
        f"Sentence with {surface}.", "test", 0.5, eid,
    )  # fmt: skip


def _records(doc: Document) -> tuple[list[Mention], list[Entity]]:
    suspect = entity_id("wallet", "suspect:0xbad")
    entities = [
        Entity(LAZARUS, "actor", "Lazarus Group", ("APT38",), {"kind": "group"}),
        Entity(WALLET, "wallet", ADDRESS, (), {"chains": ["ETH", "BSC"]}),
        Entity(suspect, "wallet", "Laos", (), {"suspect": True}),
    ]
    mentions = [
        _mention(doc, "Lazarus Group", "actor", LAZARUS, kind="group"),
        _mention(doc, "Macau", "country", None, code="MO"),
        _mention(doc, "APT38", "actor", LAZARUS, kind="group"),
        _mention(doc, ADDRESS, "wallet", WALLET, chains=["ETH", "BSC"]),
        _mention(doc, "Laos", "wallet", suspect, chains=["BTC"], suspect=True),
    ]
    return mentions, entities


# --- mappings -------------------------------------------------------------------------------
def _assert_mapped(source: dict[str, Any], properties: dict[str, Any]) -> None:
    """Fail where `dynamic: strict` would reject a document: a field the mapping lacks."""
    assert set(source) <= set(properties), set(source) - set(properties)
    for key, value in source.items():
        field = properties[key]
        if field.get("type") in ("nested", "object") and "properties" in field:
            for item in value:
                _assert_mapped(item, field["properties"])


@pytest.mark.parametrize("name", maps.INDICES)
def test_index_body_is_strict_versioned_and_uses_defined_analysis(name: str) -> None:
    body = maps.index_body(name)
    mappings = body["mappings"]
    assert mappings["dynamic"] == "strict"
    assert mappings["_meta"] == {"moneytrail_mapping": maps.MAPPING_VERSION, "index": name}
    assert body["settings"]["number_of_shards"] == 1
    analysis = body["settings"]["analysis"]

    def walk(fields: dict[str, Any]) -> None:
        for field in fields.values():
            assert "type" in field
            if "analyzer" in field:
                assert field["analyzer"] in analysis["analyzer"]
            if "normalizer" in field:
                assert field["normalizer"] in analysis["normalizer"]
            walk(field.get("fields", {}))
            walk(field.get("properties", {}))

    walk(mappings["properties"])


def test_names_put_a_version_behind_each_alias() -> None:
    assert maps.alias_name("team", "pages") == "team-pages"
    assert maps.index_name("team", "pages") == f"team-pages-v{maps.MAPPING_VERSION}"
    assert maps.index_name("team", "pages", 2) == "team-pages-v2"


def test_page_text_is_highlightable_and_keys_match_in_any_case() -> None:
    pages = maps.index_body("pages")["mappings"]["properties"]
    assert pages["text"]["index_options"] == "offsets"
    assert pages["text"]["analyzer"] == "folded_english"
    filters = maps.ANALYSIS["analyzer"]["folded_english"]["filter"]
    assert filters == ["lowercase", "asciifolding", "porter_stem"]  # no stop words, as FTS5
    key = maps.index_body("mentions")["mappings"]["properties"]["key"]
    assert key["fields"]["lower"]["normalizer"] == "lower"


def test_every_document_shape_fits_its_strict_mapping() -> None:
    doc = _doc()
    mentions, entities = maps.keep_linked(*_records(doc))
    props = {name: maps.index_body(name)["mappings"]["properties"] for name in maps.INDICES}
    for page in maps.page_sources(doc, mentions, doc.source):
        _assert_mapped(page, props["pages"])
    for m in mentions:
        _assert_mapped(maps.mention_source(m, doc.source, doc.title), props["mentions"])
    for e in entities:
        _assert_mapped(maps.entity_source(e), props["entities"])
    rel = Relation("r1", LAZARUS, "holds", WALLET, ("m1",), doc.id, 2, "s", 1, {"x": 1})
    _assert_mapped(maps.relation_source(rel, doc.id), props["relations"])
    _assert_mapped(maps.document_source(doc, None, {}, True, "now"), props["documents"])
    failure = Failure("a.pdf", "parse", "ParseError", "a.pdf: bad", "")
    _assert_mapped(maps.failure_source(failure, "now"), props["failures"])


@pytest.mark.parametrize("name", maps.INDICES)
def test_every_field_is_one_the_official_client_knows(name: str) -> None:
    # The client's DSL builds a field class per type and refuses unknown types or options.
    field_module = pytest.importorskip("elasticsearch.dsl.field", reason="client without its DSL")
    for spec in maps.index_body(name)["mappings"]["properties"].values():
        assert field_module.construct_field(dict(spec)).to_dict() == spec


# --- records to documents and back ----------------------------------------------------------
def test_suspect_entities_are_dropped_and_their_mentions_unlinked() -> None:
    mentions, entities = maps.keep_linked(*_records(_doc()))
    assert [e.type for e in entities] == ["actor", "wallet"]
    assert [m.entity_id for m in mentions] == [LAZARUS, None, LAZARUS, WALLET, None]


def test_pages_summarise_their_mentions_for_filters_and_facets() -> None:
    doc = _doc()
    mentions, _ = maps.keep_linked(*_records(doc))
    first, second = maps.page_sources(doc, mentions, "first-name.pdf")
    assert first["text"] == doc.page_text(doc.pages[0]) and first["chars"] == len(first["text"])
    assert (first["id"], first["source"], second["has_text"]) == (
        f"{doc.id}:1",
        "first-name.pdf",
        False,
    )
    assert first["countries"] == ["MO"] and first["entity_ids"] == [LAZARUS]
    # Every candidate chain of the wallets that are not suspect, for filtering (search's
    # --chain and the embedded store leave suspect wallets out too).
    assert second["chains"] == ["BSC", "ETH"]
    # Facets count mentions: linked actors by entity, the likeliest chain of a wallet that is
    # not suspect, countries by code whether linked or not.
    assert first["facets"] == [
        {"facet": "actor", "key": LAZARUS, "n": 1},
        {"facet": "country", "key": "MO", "n": 1},
    ]
    assert second["facets"] == [
        {"facet": "actor", "key": LAZARUS, "n": 1},
        {"facet": "chain", "key": "ETH", "n": 1},
    ]


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("actor", {"kind": "group"}, ("actor", "ac-1")),
        ("casino", {"kind": "junket"}, ("casino", "ac-1")),
        ("country", {"code": "KP"}, ("country", "KP")),
        ("country", {}, None),
        ("wallet", {"chains": ["BTC", "BCH"]}, ("chain", "BTC")),
        ("wallet", {"chains": ["BTC"], "suspect": True}, None),
        ("wallet", {"chains": []}, None),
        ("amount", {"value": 5.0, "currency": "USD"}, None),
    ],
)
def test_facet_key_counts_what_the_embedded_store_counts(
    type_: str, value: dict[str, Any], expected: tuple[str, str] | None
) -> None:
    mention = Mention("m", "d", 1, 0, 1, type_, "x", value, "k", "s", "t", 1.0, "ac-1")
    assert maps.facet_key(mention) == expected


def test_mention_lifts_keyword_fields_from_its_value() -> None:
    amount = Mention("m", "d", 3, 5, 9, "amount", "$5m", {"value": 5e6, "currency": "USD"},
                     "usd:5000000", "s", "t", 1.0, None)  # fmt: skip
    src = maps.mention_source(amount, "a.pdf", "T")
    assert (src["amount"], src["currency"], src["doc_page"], src["chains"]) == (
        5e6,
        "USD",
        "d:3",
        [],
    )
    ranged = replace(amount, value={"min": 1.0, "max": 2.0, "currency": "USD"})
    assert maps.mention_source(ranged, "a.pdf", "T")["amount"] is None


def test_records_survive_the_round_trip() -> None:
    doc = _doc()
    mentions, entities = maps.keep_linked(*_records(doc))
    record = maps.document_source(doc, None, {}, True, "2026-01-01T00:00:00+00:00")
    assert maps.document_from_sources(record, maps.page_sources(doc, mentions, doc.source)) == doc
    for m in mentions:
        assert maps.mention_from_source(maps.mention_source(m, doc.source, doc.title)) == m
    for e in entities:
        assert maps.entity_from_source(maps.entity_source(e)) == e
    rel = Relation("r1", LAZARUS, "holds", WALLET, ("m1", "m2"), doc.id, 2, "s", 3, {"x": 1})
    assert maps.relation_from_source(maps.relation_source(rel, "other")) == rel
    failure = Failure("a.pdf", "parse", "ParseError", "a.pdf: bad", "t", None)
    assert maps.failure_from_source(maps.failure_source(failure, "now")) == failure
    assert maps.failure_source(replace(failure, time=""), "now")["time"] == "now"


def test_reingest_keeps_first_source_and_time_and_adds_the_name() -> None:
    doc = _doc()
    prior = {"source": "first.pdf", "sources": ["first.pdf", "copy.pdf"], "ingested_at": "t0"}
    record = maps.document_source(replace(doc, source="third.pdf"), prior, {}, True, "t1")
    assert record["source"] == "first.pdf" and record["ingested_at"] == "t0"
    assert record["sources"] == ["copy.pdf", "first.pdf", "third.pdf"]


def test_entity_is_created_or_gains_aliases_by_script() -> None:
    entity = Entity(
        LAZARUS, "actor", "Lazarus Group", ("APT38", "Lazarus Group"), {"kind": "group"}
    )
    action = maps.entity_action(entity, "mt-entities")
    assert (action["_op_type"], action["_id"], action["_index"]) == (
        "update",
        LAZARUS,
        "mt-entities",
    )
    assert action["upsert"]["aliases"] == ["APT38", "Lazarus Group"]
    assert action["upsert"]["alias_norms"] == ["apt38", "lazarus group"]
    params = action["script"]["params"]
    assert params == {
        "aliases": ["APT38", "Lazarus Group"],
        "norms": ["apt38", "lazarus group"],
        # Block keys of the names, for either stored kind: a person's one-word forms join none.
        "forms": ["x:actor:apt38", "x:actor:lazarus group"],
        "person_forms": ["x:actor:lazarus group"],
    }
    assert "t:actor:lazarus" in action["upsert"]["blocks"]
    assert "params.aliases" in action["script"]["source"] and "ctx.op = 'noop'" in maps.ALIAS_UNION


def test_first_write_indexes_everything_and_clears_the_failure() -> None:
    doc = _doc()
    mentions, entities = maps.keep_linked(*_records(doc))
    actions = maps.document_actions(NAMES, doc, mentions, entities, [], None)
    ops = [(a["_op_type"], a["_index"]) for a in actions]
    assert ops.count(("index", "mt-pages")) == 2 and ops.count(("index", "mt-mentions")) == 5
    assert ops.count(("update", "mt-entities")) == 2
    assert ops[-1] == ("delete", "mt-failures")
    assert actions[-1]["_id"] == maps.failure_id(doc.source)
    assert all(a["_id"] for a in actions)  # deterministic ids: a re-run overwrites


def test_reingest_deletes_exactly_what_the_old_copy_had_extra() -> None:
    doc = _doc()
    mentions, entities = maps.keep_linked(*_records(doc))
    prior = {
        "source": doc.source,
        "page_count": 4,
        "children": {"mentions": [mentions[0].id, "m-gone"], "relations": ["r-gone", "r1"]},
    }
    rel = Relation("r1", LAZARUS, "holds", WALLET, (), doc.id, 2, "s")
    actions = maps.document_actions(NAMES, doc, mentions, entities, [rel], prior)
    deletes = [(a["_index"], a["_id"]) for a in actions if a["_op_type"] == "delete"]
    assert deletes == [
        ("mt-pages", f"{doc.id}:3"),
        ("mt-pages", f"{doc.id}:4"),
        ("mt-mentions", "m-gone"),
        ("mt-relations", "r-gone"),
        ("mt-failures", maps.failure_id(doc.source)),
    ]


def test_an_interrupted_write_leaves_what_the_retry_must_delete() -> None:
    doc = _doc()
    mentions, _ = maps.keep_linked(*_records(doc))
    prior = {
        "page_count": 3,
        "children": {"mentions": ["m-old"], "relations": ["r-old"], "pages": 5},
    }
    assert maps.children(doc, mentions, []) == {
        "mentions": sorted(m.id for m in mentions),
        "relations": [],
        "pages": 2,
    }
    both = maps.children(doc, mentions, [], prior)
    assert both["pages"] == 5 and "m-old" in both["mentions"] and both["relations"] == ["r-old"]
    # The record written before the bulk lists both copies, marked incomplete; a retry after
    # a crash reads it as its prior and deletes everything the new copy lacks.
    interim = maps.document_source(doc, None, both, False, "t")
    assert interim["complete"] is False
    ids = {m.id for m in mentions}
    deletes = [(a["_index"], a["_id"]) for a in maps.stale_deletes(NAMES, doc, interim, ids, set())]
    assert deletes == [
        ("mt-pages", f"{doc.id}:3"),
        ("mt-pages", f"{doc.id}:4"),
        ("mt-pages", f"{doc.id}:5"),
        ("mt-mentions", "m-old"),
        ("mt-relations", "r-old"),
    ]


def test_add_source_updates_by_script_and_clears_that_failure() -> None:
    update, delete = maps.add_source_actions(NAMES, "doc1", "copy.pdf")
    assert (update["_op_type"], update["_id"]) == ("update", "doc1")
    assert update["script"]["params"] == {"source": "copy.pdf"} and "upsert" not in update
    assert (delete["_index"], delete["_id"]) == ("mt-failures", maps.failure_id("copy.pdf"))


def test_failure_id_is_short_and_stable_for_long_paths() -> None:
    long = "/data/" + "x" * 5000 + ".pdf"
    assert maps.failure_id(long) == maps.failure_id(long) and len(maps.failure_id(long)) == 40


# --- queries --------------------------------------------------------------------------------
def _phrase(word: str) -> dict[str, Any]:
    return {"match_phrase": {"text": word}}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("casinos", _phrase("casinos")),
        ("casinos Macau", {"bool": {"must": [_phrase("casinos"), _phrase("Macau")]}}),
        ('"junket operator"', _phrase("junket operator")),
        ("launder*", {"match_phrase_prefix": {"text": {"query": "launder"}}}),
        ("Ronin-theft", _phrase("Ronin-theft")),
        ('"unbalanced', _phrase("unbalanced")),
        (
            "Macau OR Manila",
            {"bool": {"should": [_phrase("Macau"), _phrase("Manila")], "minimum_should_match": 1}},
        ),
        (
            "casino NOT Macau",
            {"bool": {"must": [_phrase("casino")], "must_not": [_phrase("Macau")]}},
        ),
        ("casino AND Macau", {"bool": {"must": [_phrase("casino"), _phrase("Macau")]}}),
        ("OR Macau AND", _phrase("Macau")),
        ("NOT OR", None),
        ("AND", None),
        ('""', None),
        ("   ", None),
        ("NOT Macau", None),
        ("casino -Macau", {"bool": {"must": [_phrase("casino")], "must_not": [_phrase("Macau")]}}),
        ('-"junket operator" casino', {"bool": {"must": [_phrase("casino")],
                                                "must_not": [_phrase("junket operator")]}}),
    ],
)  # fmt: skip
def test_exact_query_follows_the_embedded_grammar(typed: str, expected: Any) -> None:
    assert q.exact_query(typed) == expected


def test_text_query_ranks_any_word_and_boosts_the_phrase() -> None:
    dsl = q.text_query("Which casinos in Macau laundered the money?")
    should = dsl["bool"]["should"]
    terms = "casinos macau laundered money"
    assert should[0] == {"match": {"text": {"query": terms, "operator": "or"}}}
    assert should[1]["match"]["text"] == {
        "query": terms,
        "operator": "and",
        "boost": 0,
        "_name": q.ALL_WORDS,
    }
    phrase = "which casinos in macau laundered the money"
    assert should[2] == {"match_phrase": {"text": {"query": phrase}}}
    assert dsl["bool"]["minimum_should_match"] == 1
    assert len(q.text_query("casinos")["bool"]["should"]) == 2, "one word: no phrase clause"


def test_text_query_keeps_syntax_exact() -> None:
    dsl = q.text_query('"junket operator" OR casino')
    assert dsl["bool"]["must"] == [q.exact_query('"junket operator" OR casino')]
    assert q.text_query("NOT OR") is None and q.text_query("   ") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Lazarus Group", (["lazarus group", "lazarusgroup"], "lazarus group")),
        ("  APT38 ", (["apt38"], "apt38")),
        (ADDRESS, ([ADDRESS.lower()], ADDRESS.lower())),
        ("(", None),
        ("", None),
    ],
)
def test_entity_lookup_uses_the_embedded_alias_norms(typed: str, expected: Any) -> None:
    assert q.entity_lookup(typed) == expected


@pytest.mark.parametrize("type_", [None, "actor"])
def test_entity_hits_request_collapses_to_one_mention_per_page(type_: str | None) -> None:
    request = q.entity_hits_request(["ac-1", "ac-2"], type_)
    filters = request["query"]["bool"]["filter"]
    assert filters[0] == {"terms": {"entity_id": ["ac-1", "ac-2"]}}
    assert filters[1:] == ([] if type_ is None else [{"term": {"type": "actor"}}])
    assert request["collapse"] == {"field": "doc_page"}
    assert request["sort"] == [{"document_id": "asc"}, {"page": "asc"}, {"start": "asc"}]
    assert request["size"] <= q.MAX_WINDOW


def test_key_request_matches_linked_mentions_in_any_case() -> None:
    request = q.key_request(ADDRESS.lower())
    assert {"term": {"key.lower": ADDRESS.lower()}} in request["query"]["bool"]["filter"]
    assert request["aggs"]["entities"]["terms"]["field"] == "entity_id"


def test_text_request_highlights_with_mark_tags() -> None:
    request = q.text_request(_phrase("casino"), 50_000)
    assert request["size"] == q.MAX_WINDOW
    assert (request["highlight"]["pre_tags"], request["highlight"]["post_tags"]) == (
        ["<mark>"],
        ["</mark>"],
    )


def test_text_hits_read_pages_with_highlighted_snippets() -> None:
    response = {
        "hits": {
            "hits": [
                {
                    "_id": "d1:2",
                    "_score": 3.5,
                    "_source": {"document_id": "d1", "source": "a.pdf", "title": None, "number": 2},
                    "highlight": {"text": ["funds through\n <mark>casinos</mark>  in Macau"]},
                }
            ]
        }
    }
    [hit] = q.text_hits(response["hits"]["hits"])
    assert hit == Hit(
        "d1", "a.pdf", None, 2, "funds through <mark>casinos</mark> in Macau", 3.5, "text"
    )


def test_entity_hits_mark_the_mention_in_its_sentence() -> None:
    hits = [
        {"_source": {"document_id": "d1", "source": "a.pdf", "title": "T", "page": 2, "start": 9,
                     "text": "APT38", "sentence": "APT38 used the wallet.", "entity_id": "ac-1"}},
        {"_source": {"document_id": "d1", "source": "a.pdf", "title": "T", "page": 3, "start": 1,
                     "text": "x", "sentence": "x", "entity_id": "ac-gone"}},
    ]  # fmt: skip
    entities = {"ac-1": {"id": "ac-1", "type": "actor", "name": "Lazarus Group"}}
    [hit] = q.entity_hits(hits, entities)
    assert hit.snippet == "<mark>APT38</mark> used the wallet."
    assert (hit.matched, hit.entity, hit.alias) == ("entity", entities["ac-1"], None)
    [named] = q.entity_hits(hits, entities, "Lazarus Group")
    assert (named.matched, named.alias) == ("alias", "APT38")
    assert named.to_json()["alias"] == "APT38"


def test_merge_ranks_alias_pages_below_pages_with_every_word() -> None:
    text = [
        Hit("d1", "a", None, 1, "t1", 4.0, "text"),
        Hit("d1", "a", None, 2, "t2", 3.0, "text"),
        Hit("d1", "a", None, 4, "t4", 1.0, "text"),
    ]
    entity = [
        Hit("d1", "a", None, 2, "e2", 1.0, "alias", {"id": "ac-1"}, alias="APT38"),
        Hit("d1", "a", None, 3, "e3", 1.0, "alias", {"id": "ac-1"}, alias="APT38"),
    ]
    full = {("d1", 1), ("d1", 2)}
    untyped = q.merge_hits("x", None, text, entity, 10, 0, full)
    # A page found both ways keeps its text hit and learns the entity.
    assert [(h.page, h.matched) for h in untyped.hits] == [
        (1, "text"),
        (2, "text"),
        (3, "alias"),
        (4, "text"),
    ]
    assert untyped.hits[1].entity == {"id": "ac-1"}
    assert untyped.hits[2].score == 3.0 * 0.5, "half the weakest page holding every word"
    typed = q.merge_hits("x", "actor", [], entity, 1, 1)
    assert [h.page for h in typed.hits] == [3] and typed.type == "actor"


@pytest.mark.parametrize(
    ("query", "type_", "pages", "expected"),
    [
        ("casino", None, [], q.text_query("casino")),
        ("casino", "actor", [], None),
        ("casino", "actor", ["d:1"], {"ids": {"values": ["d:1"]}}),
        ("NOT OR", None, [], None),
        (
            "casino",
            None,
            ["d:1"],
            {"bool": {"should": [q.text_query("casino"), {"ids": {"values": ["d:1"]}}],
                      "minimum_should_match": 1}},
        ),
    ],
)  # fmt: skip
def test_facet_query_matches_the_pages_search_would(
    query: str, type_: str | None, pages: list[str], expected: Any
) -> None:
    assert q.facet_query(query, type_, pages) == expected


def test_facet_aggs_sum_nested_mention_counts_per_facet() -> None:
    sample = q.facets_request(_phrase("x"), 7)["aggs"]["sample"]
    assert sample["sampler"] == {"shard_size": q.FACET_DEPTH}, "the best pages only"
    aggs = sample["aggs"]
    assert aggs["facets"]["nested"] == {"path": "facets"}
    actor = aggs["facets"]["aggs"]["actor"]
    assert actor["filter"] == {"term": {"facets.facet": "actor"}}
    terms = actor["aggs"]["top"]["terms"]
    assert (terms["field"], terms["size"]) == ("facets.key", 7)
    assert terms["order"] == [{"mentions": "desc"}, {"_key": "asc"}]
    assert actor["aggs"]["top"]["aggs"]["mentions"] == {"sum": {"field": "facets.n"}}
    assert set(aggs["facets"]["aggs"]) == {"actor", "casino", "country", "chain"}


def _buckets(*pairs: tuple[str, float]) -> dict[str, Any]:
    return {
        "top": {"buckets": [{"key": k, "doc_count": 1, "mentions": {"value": v}} for k, v in pairs]}
    }


def test_facets_read_the_embedded_store_shape() -> None:
    aggs = {
        "facets": {
            "actor": _buckets(("ac-1", 3.0)),
            "casino": _buckets(),
            "country": _buckets(("KP", 2.0), ("XX", 1.0)),
            "chain": _buckets(("ETH", 1.0)),
        }
    }
    assert q.facet_entity_ids(aggs) == ["ac-1"]
    names = {"KP": "North Korea"}
    facets = q.facets_from_aggs(
        aggs, {"ac-1": {"name": "Lazarus Group", "type": "actor"}}, lambda c: names.get(c, c)
    )
    assert facets == {
        "actor": [{"id": "ac-1", "name": "Lazarus Group", "type": "actor", "count": 3}],
        "casino": [],
        "country": [
            {"code": "KP", "name": "North Korea", "count": 2},
            {"code": "XX", "name": "XX", "count": 1},
        ],
        "chain": [{"chain": "ETH", "count": 1}],
    }
    assert q.empty_facets() == {"actor": [], "casino": [], "country": [], "chain": []}


def test_stats_read_counts_per_type_in_type_order() -> None:
    request = q.stats_request()
    assert request["track_total_hits"] is True
    assert request["aggs"]["by_type"]["terms"]["order"] == {"_key": "asc"}
    aggs = {
        "by_type": {
            "buckets": [
                {"key": "actor", "doc_count": 2, "entities": {"value": 1}},
                {"key": "wallet", "doc_count": 1, "entities": {"value": 1}},
            ]
        }
    }
    assert q.by_type_from_aggs(aggs) == {
        "actor": {"mentions": 2, "entities": 1},
        "wallet": {"mentions": 1, "entities": 1},
    }


def test_documents_by_month_folds_dates_into_months() -> None:
    request = q.months_request()
    assert request["query"] == {"term": {"complete": True}}
    assert request["aggs"]["dates"]["terms"]["missing"] == "undated"
    buckets = [
        {"key": "2024-03-05", "doc_count": 2},
        {"key": "2024-03", "doc_count": 1},
        {"key": "2023", "doc_count": 4},
        {"key": "undated", "doc_count": 3},
    ]

    class Answers:  # the one search documents_by_month sends, answered as a cluster would
        def _search(self, name: str, doing: str, **body: object) -> dict[str, object]:
            assert name == "documents" and body == q.months_request()
            return {"aggregations": {"dates": {"buckets": buckets}}}

    from pipeline.store.elasticsearch.store import ElasticStore

    assert ElasticStore.documents_by_month(Answers()) == [  # type: ignore[arg-type]
        ("2023", 4),
        ("2024-03", 3),
        ("undated", 3),
    ]


@pytest.mark.parametrize("type_", [None, "casino"])
def test_ranking_counts_mentions_and_documents_per_entity(type_: str | None) -> None:
    request = q.ranking_request(type_, 123)
    filters = request["query"]["bool"]["filter"]
    assert ({"term": {"type": "casino"}} in filters) == (type_ is not None)
    terms = request["aggs"]["entities"]["terms"]
    assert (terms["field"], terms["size"]) == ("entity_id", 123)


def test_ranked_entities_break_ties_by_name_then_cut() -> None:
    aggs = {
        "entities": {
            "buckets": [
                {"key": "e1", "doc_count": 5, "documents": {"value": 2}},
                {"key": "e2", "doc_count": 3, "documents": {"value": 1}},
                {"key": "e3", "doc_count": 3, "documents": {"value": 1}},
                {"key": "gone", "doc_count": 9, "documents": {"value": 1}},
            ]
        }
    }
    stored: dict[str, dict[str, Any]] = {
        "e1": {"id": "e1", "type": "actor", "name": "Zed", "kind": "group", "attributes": {}},
        "e2": {"id": "e2", "type": "actor", "name": "Bee", "kind": None, "attributes": {"k": 1}},
        "e3": {"id": "e3", "type": "actor", "name": "Ant", "kind": None, "attributes": {}},
    }
    rows = q.ranked_entities(aggs, stored, 2)
    assert [(r["name"], r["mentions"], r["documents"]) for r in rows] == [
        ("Zed", 5, 2),
        ("Ant", 3, 1),
    ]
    assert set(rows[0]) == {"id", "type", "name", "kind", "attributes", "mentions", "documents"}


def test_document_view_has_the_embedded_keys_in_order() -> None:
    prior = {"source": "a.pdf", "sources": ["a.pdf", "b.pdf"], "ingested_at": "t"}
    doc = maps.document_source(_doc(), prior, {}, True, "t")
    pages = [{"number": 1, "start": 0, "end": 5, "has_text": True, "ocr": False, "chars": 5}]
    entities = q.document_entities(
        [("ac-1", 2), ("ac-1", 1), ("wa-1", 2), ("ac-1", 2)],
        {"ac-1": {"type": "actor", "name": "Lazarus Group", "kind": "group"},
         "wa-1": {"type": "wallet", "name": ADDRESS}},
    )  # fmt: skip
    view = q.document_view(doc, pages, entities)
    assert list(view) == [
        "id", "source", "kind", "title", "date", "byline", "size", "page_count", "warnings",
        "ingested_at", "sources", "pages", "entities",
    ]  # fmt: skip
    assert view["sources"] == ["a.pdf", "b.pdf", "report.pdf"]
    assert view["pages"] == [
        {"number": 1, "start": 0, "end": 5, "has_text": 1, "ocr": 0, "chars": 5}
    ]
    assert view["entities"] == [
        {"id": "ac-1", "type": "actor", "name": "Lazarus Group", "kind": "group", "mentions": 3,
         "pages": [1, 2]},
        {"id": "wa-1", "type": "wallet", "name": ADDRESS, "kind": None, "mentions": 1,
         "pages": [2]},
    ]  # fmt: skip


def test_document_request_finds_a_complete_document_by_prefix_in_any_case() -> None:
    request = q.document_request("3F2A")
    prefix, complete = request["query"]["bool"]["filter"]
    assert prefix == {"prefix": {"id": {"value": "3F2A", "case_insensitive": True}}}
    assert complete == {"term": {"complete": True}} and request["size"] == 2


_REQUESTS = {
    "documents by month": q.months_request,
    "text": lambda: q.text_request(
        q.text_query('wire "junket operator" laund* OR Macau NOT Taipa') or {}, 30
    ),
    "text outside furniture": lambda: q.text_request(
        {
            "bool": {
                "must": [q.text_query("junket operator Macau") or {}],
                "filter": [q.outside_furniture(q.body_query("junket operator Macau") or {})],
            }
        },
        30,
        q.body_query("junket operator Macau"),
    ),
    "alias": lambda: q.alias_request(["lazarus group", "lazarusgroup"]),
    "key": lambda: q.key_request(ADDRESS.lower()),
    "entity hits": lambda: q.entity_hits_request(["ac-1"], "actor"),
    "facets": lambda: q.facets_request(q.facet_query("Ronin", None, ["d:1"]) or {}, 10),
    "stats": q.stats_request,
    "ranking": lambda: q.ranking_request("casino", 100),
    "composite": lambda: q.composite_request({"id": "ac-1"}),
    "document": lambda: q.document_request("3f2a"),
    "entity counts": lambda: _ent().entity_counts_request({"id": "ac-1"}),
    "clusters": lambda: _ent().canonical_terms_request(
        _ent().direct_query("entity_id", "ac-1"), True
    ),
    "moved text": lambda: _ent().canonical_terms_request(_ent().moved_text_query("APT38"), False),
    "alias mentions": lambda: _ent().canonical_terms_request(
        _ent().alias_mentions_query(["ac-1", "ac-2"], "apt38"), True
    ),
    "neighbours": lambda: _ent().neighbours_request(
        {"ac-2", "ac-1"}, {"s": "a", "p": "b", "o": "c"}
    ),
    "moved elsewhere": lambda: {"query": _ent().moved_elsewhere_query("ac-1")},
    "resolution blocks": lambda: _res().blocks_request({"key": "t:actor:lazarus"}),
    "block members": lambda: {"query": _res().members_query(["t:actor:lazarus"])},
    "block counts": lambda: _res().counts_request(["ac-1", "ac-2"]),
    "unkeyed entities": lambda: {"query": _res().unkeyed_query()},
    "stale mentions": lambda: {"query": _res().stale_mentions_query({"ac-1": ["ac-1", "ac-2"]})},
    "touching relations": lambda: {"query": _res().touching_relations_query(["ac-1"], ["m-1"])},
}


def _res() -> ModuleType:
    import importlib

    return importlib.import_module("pipeline.store.elasticsearch.resolution")


@pytest.mark.parametrize("name", sorted(_REQUESTS))
def test_every_request_body_parses_in_the_official_client_dsl(name: str) -> None:
    # Search.from_dict builds each query and aggregation by its registered name, so a
    # misspelt query, aggregation or option fails here rather than on a live cluster.
    dsl = pytest.importorskip("elasticsearch.dsl", reason="client without its DSL")
    body = _REQUESTS[name]()
    params = {k: body.pop(k) for k in ("source_includes", "source_excludes") if k in body}
    assert all(isinstance(v, list) for v in params.values())
    assert dsl.Search.from_dict(dict(body)).to_dict() == body


# --- page furniture ----------------------------------------------------------------------------
HEADER = "ACME QUARTERLY REVIEW"


def _furnished() -> Document:
    """Two pages under a running header, each ending in its page number: all furniture."""
    bodies = ["The Lazarus Group laundered funds in Macau.", "APT38 moved the rest."]
    pages, parts, offset = [], [], 0
    for number, body in enumerate(bodies, start=1):
        if number > 1:
            parts.append("\n\n")
            offset += 2
        text = f"{HEADER}\n{body}\n{number}"
        spans = (
            (offset, offset + len(HEADER), "running"),
            (offset + len(text) - 1, offset + len(text), "page_number"),
        )
        pages.append(Page(number, offset, offset + len(text), furniture=spans))
        parts.append(text)
        offset += len(text)
    text = "".join(parts)
    return Document("f" * 64, "furnished.pdf", "pdf", text, tuple(pages), size=len(text))


def test_pages_keep_their_furniture_and_a_body_without_it() -> None:
    doc = _furnished()
    props = maps.index_body("pages")["mappings"]["properties"]
    for page, src in zip(doc.pages, maps.page_sources(doc, [], doc.source), strict=True):
        _assert_mapped(src, props)
        header = {"start": page.start, "end": page.start + len(HEADER), "kind": "running"}
        assert src["furniture"][0] == header
        assert src["text"].startswith(HEADER) and HEADER not in src["body"]
        assert len(src["body"]) == len(src["text"])  # blanked, not cut: highlight offsets hold
        assert src["body"].split() == src["text"].split()[3:-1]
    plain = maps.page_sources(_doc(), [], "report.pdf")
    assert all("furniture" not in p and "body" not in p for p in plain)


def test_furniture_spans_survive_the_round_trip() -> None:
    doc = _furnished()
    record = maps.document_source(doc, None, {}, True, "2026-12-05T00:00:00+00:00")
    back = maps.document_from_sources(record, maps.page_sources(doc, [], doc.source))
    assert back == doc
    assert [p.furniture for p in back.pages] == [p.furniture for p in doc.pages]
    assert all(p.furniture for p in back.pages)


def test_body_is_analysed_and_highlighted_as_text_is() -> None:
    pages = maps.index_body("pages")["mappings"]["properties"]
    assert pages["body"] == pages["text"]
    assert pages["furniture"]["properties"]["start"] == {"type": "integer"}


def test_an_older_pages_index_gains_furniture_and_body_in_place(elastic: ModuleType) -> None:
    from contextlib import nullcontext

    put: list[dict[str, Any]] = []
    older = {"_meta": {"moneytrail_mapping": 2, "index": "pages"}, "properties": {}}

    class Indices:
        def get_mapping(self, index: list[str]) -> Any:
            return type("Answer", (), {"body": {"mt-pages-v2": {"mappings": older}}})()

        def put_mapping(self, index: str, **body: Any) -> None:
            put.append({"index": index, **body})

    class Stub:  # the two calls _upgrade_mappings makes, answered as a version 2 cluster would
        url = "http://es:9200"
        client = type("Client", (), {"indices": Indices()})()

        def _errors(self, doing: str) -> Any:
            return nullcontext()

    elastic.ElasticStore._upgrade_mappings(Stub(), ["mt-pages"])
    [upgrade] = put
    assert (
        upgrade["index"] == "mt-pages-v2"
        and upgrade["meta"]["moneytrail_mapping"] == maps.MAPPING_VERSION
    )
    assert {"furniture", "body", "text"} <= set(upgrade["properties"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("casinos in Macau", {"match": {"body": {"query": "casinos macau", "operator": "or"}}}),
        ('"junket operator" -Taipa', {"bool": {
            "must": [{"match_phrase": {"body": "junket operator"}}],
            "must_not": [{"match_phrase": {"body": "Taipa"}}],
        }}),
        ("?!", None),
    ],
)  # fmt: skip
def test_body_query_asks_body_what_the_text_query_asks_text(typed: str, expected: Any) -> None:
    assert q.body_query(typed) == expected
    if q.has_syntax(typed):
        assert q.exact_query(typed, "body") == expected
    elif expected is not None:  # the text query's any-word clause, asked of body
        assert (q.text_query(typed) or {})["bool"]["should"][0]["match"]["text"] == (
            expected["match"]["body"]
        )


def test_a_page_with_furniture_must_match_outside_it() -> None:
    body = {"match": {"body": {"query": "quarterly", "operator": "or"}}}
    should = q.outside_furniture(body)["bool"]["should"]
    assert should[0] == body
    assert should[1] == {"bool": {"must_not": [{"exists": {"field": "furniture.start"}}]}}
    request = q.text_request(_phrase("quarterly"), 10, body)
    fields = request["highlight"]["fields"]
    assert fields["body"]["highlight_query"] == body
    assert fields["body"]["fragment_size"] == fields["text"]["fragment_size"]
    assert "highlight_query" not in q.HIGHLIGHT["fields"]["text"]  # the shared default untouched
    assert "body" not in q.text_request(_phrase("quarterly"), 10)["highlight"]["fields"]


def test_a_page_with_furniture_is_snippeted_from_its_body() -> None:
    hits = [
        {
            "_score": 2.0,
            "_source": {"document_id": "d1", "source": "a.pdf", "number": 1},
            "highlight": {
                "text": ["ACME QUARTERLY REVIEW The <mark>Lazarus</mark>"],
                "body": ["                      The <mark>Lazarus</mark> Group"],
            },
        },
        {
            "_score": 1.0,
            "_source": {"document_id": "d2", "source": "b.pdf", "number": 3},
            "highlight": {"text": ["<mark>Lazarus</mark> again"]},
        },
    ]
    assert [h.snippet for h in q.text_hits(hits)] == [
        "The <mark>Lazarus</mark> Group",
        "<mark>Lazarus</mark> again",
    ]


def test_search_ranks_on_text_and_needs_a_match_outside_furniture(elastic: ModuleType) -> None:
    sent: list[dict[str, Any]] = []

    class Answers:  # the page search that search() sends, answered as a cluster would
        def _entity_hits(self, query: str, type_: str | None) -> list[Hit]:
            return []

        def _search(self, name: str, doing: str, text: str | None, **body: Any) -> Any:
            sent.append(body)
            hit = {
                "_score": 1.5,
                "_source": {"document_id": "d1", "source": "a.pdf", "number": 1},
                "highlight": {"body": ["moved <mark>funds</mark>"], "text": ["REVIEW funds"]},
            }
            return {"hits": {"hits": [hit]}}

    result = elastic.ElasticStore.search(Answers(), "funds", country="KP")
    [request] = sent
    must, where = request["query"]["bool"]["must"], request["query"]["bool"]["filter"]
    assert must == [q.text_query("funds")]  # ranked on the whole text, as the embedded store
    assert where == [{"term": {"countries": "KP"}}, q.outside_furniture(q.body_query("funds"))]
    assert request["highlight"]["fields"]["body"]["highlight_query"] == q.body_query("funds")
    assert [h.snippet for h in result.hits] == ["moved <mark>funds</mark>"]


# --- connection, errors and secrets ----------------------------------------------------------
@pytest.mark.parametrize(
    ("location", "url", "prefix", "user", "password"),
    [
        ("http://localhost:9200", "http://localhost:9200", None, None, None),
        ("https://es.example.org", "https://es.example.org:443", None, None, None),
        ("http://es:9200/?prefix=team", "http://es:9200", "team", None, None),
        ("http://bob:p%40ss@es:9200", "http://es:9200", None, "bob", "p@ss"),
        ("http://[::1]:9200/proxy/", "http://[::1]:9200/proxy", None, None, None),
    ],
)
def test_parse_url_splits_address_prefix_and_user(
    conn: ModuleType, location: str, url: str, prefix: str | None, user: str | None,
    password: str | None,
) -> None:  # fmt: skip
    assert conn.parse_url(location) == conn.Endpoint(url, prefix, user, password)


@pytest.mark.parametrize("location", ["ftp://es:21", "http://", "http://es:port"])
def test_parse_url_refuses_what_is_no_elasticsearch_url(conn: ModuleType, location: str) -> None:
    with pytest.raises(ConfigError):
        conn.parse_url(location)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET http://bob:hunter2pass@es:9200/_search failed", "hunter2pass"),
        ("refused key c2VjcmV0LWFwaS1rZXk= at es", "c2VjcmV0LWFwaS1rZXk="),
        ("header Basic Ym9iOmh1bnRlcjJwYXNz sent", "Ym9iOmh1bnRlcjJwYXNz"),
        ("key id:supersecretkey was refused", "supersecretkey"),
        ("encoded aWQ6c3VwZXJzZWNyZXRrZXk= was refused", "aWQ6c3VwZXJzZWNyZXRrZXk="),
    ],
)
def test_redact_removes_every_form_of_a_secret(conn: ModuleType, text: str, secret: str) -> None:
    secrets = conn.secrets_of("c2VjcmV0LWFwaS1rZXk=", "bob", "hunter2pass")
    secrets += conn.secrets_of("id:supersecretkey", None, None)
    shown = conn.redact(text, secrets)
    assert secret not in shown and "***" in shown


def _api_error(cls: type, status: int, body: Any) -> Exception:
    from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig

    node = NodeConfig("http", "es", 9200)
    meta = ApiResponseMeta(status, "1.1", HttpHeaders(), 0.0, node)
    return cls(message=str(status), meta=meta, body=body)  # type: ignore[no-any-return]


def _error(type_: str, reason: str) -> dict[str, Any]:
    return {"error": {"type": type_, "reason": reason}}


@pytest.mark.parametrize(
    ("kind", "status", "body", "says"),
    [
        ("AuthenticationException", 401, _error("security_exception", "unable to authenticate"),
         "refused the credentials (401); set MONEYTRAIL_ES_API_KEY"),
        ("AuthorizationException", 403, _error("security_exception", "action denied"),
         "may not index records at http://es:9200 (403: security_exception: action denied)"),
        ("BadRequestError", 400, _error("media_type_header_exception", "Accept version must be 8"),
         "pip install 'moneytrail[es8]'"),
        ("NotFoundError", 404, _error("index_not_found_exception", "no such index [mt-pages]"),
         "could not index records (404 index_not_found_exception: no such index [mt-pages])"),
        ("ApiError", 503, "upstream gone", "could not index records (503 upstream gone)"),
    ],
)  # fmt: skip
def test_describe_error_says_what_is_wrong_and_what_to_do(
    conn: ModuleType, kind: str, status: int, body: Any, says: str
) -> None:
    exc = _api_error(getattr(conn.es, kind), status, body)
    assert says in conn.describe_error(exc, "http://es:9200", "index records")


def test_describe_error_for_a_dead_or_untrusted_server(conn: ModuleType) -> None:
    refused = conn.es.ConnectionError("NewConnectionError(...): [Errno 111] Connection refused")
    assert conn.describe_error(refused, "http://es:9200", "answer") == (
        "cannot reach Elasticsearch at http://es:9200 (Connection refused); start it with "
        "`docker compose up -d` or check --store"
    )
    tls = conn.es.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    assert "MONEYTRAIL_ES_CA_CERTS" in conn.describe_error(tls, "https://es:9200", "answer")


@pytest.mark.parametrize(
    ("server", "client", "says"),
    [
        ("9.1.0", (9, 5, 1), None),
        ("8.19.2", (8, 18, 0), None),
        ("8.19.2", (9, 5, 1), "pip install 'moneytrail[es8]'"),
        ("9.0.0", (8, 18, 0), "pip install 'moneytrail[es]'"),
        ("7.17.0", (9, 5, 1), "supports Elasticsearch 8 and 9"),
        ("weird", (9, 5, 1), "unreadable version"),
    ],
)
def test_version_problem_names_the_matching_extra(
    conn: ModuleType, server: str, client: tuple[int, ...], says: str | None
) -> None:
    problem = conn.version_problem(server, client)
    assert problem is None if says is None else says in problem


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"delete": {"_id": "m1", "status": 404, "result": "not_found"}}, None),
        (
            {"index": {"_id": "m1", "status": 400,
                       "error": {"type": "strict_dynamic_mapping_exception", "reason": "no [x]"}}},
            "index m1: 400 strict_dynamic_mapping_exception: no [x]",
        ),
        ({"update": {"_id": "ac-1", "status": 429, "error": "rejected execution"}},
         "update ac-1: 429 rejected execution"),
    ],
)  # fmt: skip
def test_bulk_problem_reports_rejections_but_not_deletes_of_gone_records(
    conn: ModuleType, item: dict[str, Any], expected: str | None
) -> None:
    assert conn.bulk_problem(item) == expected


def test_bulk_retries_429_and_5xx(elastic: ModuleType) -> None:
    assert elastic.RETRY_STATUS == (429, 502, 503, 504)
    assert elastic._BULK_RETRY_STATUS  # the installed client retries per item on these


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"MONEYTRAIL_ES_USER": "bob"}, "MONEYTRAIL_ES_PASSWORD is not"),
        ({"MONEYTRAIL_ES_CA_CERTS": "/no/such/ca.pem"}, "does not exist"),
        ({"MONEYTRAIL_ES_PREFIX": "Bad Prefix"}, "index prefix 'Bad Prefix' is unusable"),
    ],
)
def test_from_env_refuses_unusable_settings_before_connecting(
    elastic: ModuleType, environ: dict[str, str], says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        elastic.from_env("http://127.0.0.1:1", environ)


@pytest.mark.parametrize(
    ("url", "environ"),
    [
        ("http://bob:hunter2pass@127.0.0.1:1", {}),
        (
            "http://127.0.0.1:1",
            {"MONEYTRAIL_ES_USER": "bob", "MONEYTRAIL_ES_PASSWORD": "hunter2pass"},
        ),
        ("http://127.0.0.1:1", {"MONEYTRAIL_ES_API_KEY": "hunter2pass"}),
    ],
)
def test_unreachable_cluster_is_one_store_error_without_secrets(
    elastic: ModuleType, url: str, environ: dict[str, str]
) -> None:
    # A real connection attempt to a closed loopback port: refused at once.
    with pytest.raises(StoreError) as caught:
        elastic.from_env(url, environ, request_timeout=2, max_retries=0)
    message = str(caught.value)
    assert message.startswith("cannot reach Elasticsearch at http://127.0.0.1:1 (")
    assert "docker compose up -d" in message and "hunter2pass" not in message


def test_open_store_without_the_client_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.store import open_store

    monkeypatch.setitem(sys.modules, "elasticsearch", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "pipeline.store.elasticsearch.store", raising=False)
    with pytest.raises(ConfigError) as caught:
        open_store("http://bob:hunter2pass@localhost:9200")
    assert "pip install 'moneytrail[es]'" in str(caught.value)
    assert "hunter2pass" not in str(caught.value)


def test_elastic_store_has_every_store_method_with_its_parameters(elastic: ModuleType) -> None:
    for name, member in inspect.getmembers(Store, inspect.isfunction):
        if name.startswith("_"):
            continue
        mine = getattr(elastic.ElasticStore, name)
        wanted = list(inspect.signature(member).parameters)
        assert list(inspect.signature(mine).parameters)[: len(wanted)] == wanted, name


def test_page_filters_use_the_pages_denormalised_sets() -> None:
    assert q.page_filters(None, None) == []
    assert q.page_filters(" kp", "eth") == [
        {"term": {"countries": "KP"}},
        {"term": {"chains": "ETH"}},
    ]


# --- entity resolution written to and read from the cluster ---------------------------------
def test_resolved_ids_fit_the_strict_mappings_and_start_as_the_stored_ids(ent: ModuleType) -> None:
    doc = _doc()
    mentions, _ = maps.keep_linked(*_records(doc))
    props = {name: maps.index_body(name)["mappings"]["properties"] for name in maps.INDICES}
    sources = [maps.mention_source(m, doc.source, doc.title) for m in mentions]
    assert [s["canonical_id"] for s in sources] == [m.entity_id for m in mentions]
    rel = Relation("r1", LAZARUS, "holds", WALLET, ("m1", "m2"), doc.id, 2, "s", 1, {})
    src = maps.relation_source(rel, doc.id)
    assert (src["subject_canonical"], src["object_canonical"]) == (LAZARUS, WALLET)
    res = Resolution({LAZARUS: "ac-other"}, {"m1": "sp-1"}, {"ac-other": "Lazarus (DPRK)"})
    for update in (
        ent.entity_update("e", {"id": LAZARUS}, res),
        ent.mention_update("m", {"id": "m1", "entity_id": LAZARUS}, res),
        ent.relation_update("r", src, res),
    ):
        assert update is not None
        kind = {"e": "entities", "m": "mentions", "r": "relations"}[update["_index"]]
        _assert_mapped(update["doc"], props[kind])
    _assert_mapped(ent.state_source(res.names, 3, True, "now"), props["resolution"])


def test_write_back_updates_only_what_changed(ent: ModuleType) -> None:
    res = Resolution({"ac-b": "ac-a", "ac-a": "ac-a"}, {"m9": "sp-1"}, {})
    # An entity joined into another cluster records it; the cluster's head records nothing.
    assert ent.entity_update("e", {"id": "ac-b"}, res) == {
        "_op_type": "update", "_index": "e", "_id": "ac-b",
        "doc": {"canonical_id": "ac-a"}, "retry_on_conflict": 3,
    }  # fmt: skip
    assert ent.entity_update("e", {"id": "ac-a"}, res) is None
    assert ent.entity_update("e", {"id": "ac-b", "canonical_id": "ac-a"}, res) is None
    # An entity no longer merged goes back to being its own cluster.
    assert ent.entity_update("e", {"id": "ac-c", "canonical_id": "ac-a"}, res)["doc"] == {  # type: ignore[index]
        "canonical_id": None
    }
    stored = {"id": "m1", "entity_id": "ac-b", "canonical_id": "ac-b"}
    assert ent.mention_update("m", stored, res)["doc"] == {"canonical_id": "ac-a", "moved": False}  # type: ignore[index]
    assert ent.mention_update("m", {**stored, "canonical_id": "ac-a"}, res) is None
    split = {"id": "m9", "entity_id": "ac-b", "canonical_id": "ac-a"}
    assert ent.mention_update("m", split, res)["doc"] == {"canonical_id": "sp-1", "moved": True}  # type: ignore[index]
    assert ent.mention_update("m", {**split, "canonical_id": "sp-1", "moved": True}, res) is None


def test_relation_ends_follow_a_split_evidence_mention_first(ent: ModuleType) -> None:
    res = Resolution({"ac-b": "ac-a"}, {"m1": "sp-1"}, {})
    rel = {"id": "r", "subject": "ac-b", "object": "ca-1", "evidence": ["m1", "m2"]}
    assert ent.relation_ends(rel, res) == ("sp-1", "ca-1")
    assert ent.relation_ends({**rel, "evidence": ["m2"]}, res) == ("ac-a", "ca-1")
    assert ent.relation_ends({**rel, "evidence": []}, res) == ("ac-a", "ca-1")
    done = {**rel, "subject_canonical": "sp-1", "object_canonical": "ca-1"}
    assert ent.relation_update("r", done, res) is None


def test_state_keeps_cluster_names_and_reads_them_back(ent: ModuleType) -> None:
    state = ent.state_source({"sp-2": "APT38", "ac-1": "Lazarus (DPRK)"}, 7, True, "t")
    assert state["names"] == [
        {"id": "ac-1", "name": "Lazarus (DPRK)"},
        {"id": "sp-2", "name": "APT38"},
    ]
    assert ent.names_of(state) == {"ac-1": "Lazarus (DPRK)", "sp-2": "APT38"}
    assert ent.names_of(None) == {}
    # Every change bumps the generation, even when already stale, so a resolution that
    # raced a change fails its if_seq_no write instead of claiming to be current.
    assert "generation" in ent.BUMP and "resolved = false" in ent.BUMP


def test_lookups_skip_mentions_a_split_moved(ent: ModuleType) -> None:
    direct = ent.direct_query("canonical_id", "ac-1")
    assert direct["bool"]["must_not"] == [{"term": {"moved": True}}]
    moved = ent.moved_text_query("apt38")["bool"]["filter"]
    assert {"term": {"text.raw": {"value": "apt38", "case_insensitive": True}}} in moved
    alias = ent.alias_mentions_query(["ac-1"], "0xabc")["bool"]
    assert alias["minimum_should_match"] == 1
    assert alias["should"][1] == {"term": {"key.lower": "0xabc"}}
    mentions = maps.index_body("mentions")["mappings"]["properties"]
    assert "raw" in mentions["text"]["fields"] and "lower" in mentions["key"]["fields"]
    ordered = ent.canonical_terms_request(direct, by_count=True)["aggs"]["ids"]["terms"]
    assert ordered["field"] == "canonical_id"
    assert ordered["order"] == [{"_count": "desc"}, {"_key": "asc"}]


def test_entity_counts_page_through_actors_and_casinos_with_gazetteer_flag(ent: ModuleType) -> None:
    first = ent.entity_counts_request(None)
    composite = first["aggs"]["ids"]["composite"]
    assert "after" not in composite and first["size"] == 0
    assert first["aggs"]["ids"]["aggs"]["gazetteer"] == {"filter": {"prefix": {"key": "gz:"}}}
    assert {"terms": {"type": ["actor", "casino"]}} in first["query"]["bool"]["filter"]
    later = ent.entity_counts_request({"id": "ac-9"})
    assert later["aggs"]["ids"]["composite"]["after"] == {"id": "ac-9"}


def test_neighbours_sum_counts_by_resolved_ends(ent: ModuleType) -> None:
    request = ent.neighbours_request({"b", "a"}, None)
    should = request["query"]["bool"]["should"]
    assert should == [
        {"terms": {"subject_canonical": ["a", "b"]}},
        {"terms": {"object_canonical": ["a", "b"]}},
    ]
    edges = request["aggs"]["edges"]
    fields = [next(iter(s.values()))["terms"]["field"] for s in edges["composite"]["sources"]]
    assert fields == ["subject_canonical", "predicate", "object_canonical"]
    assert edges["aggs"]["count"] == {"sum": {"field": "count"}}


def test_group_relations_matches_the_embedded_shape(ent: ModuleType) -> None:
    rows = [
        {"s": "a", "o": "b", "predicate": "co_occurs", "count": 3, "document_id": "d",
         "source": "x.pdf", "page": 1, "sentence": "A and B.", "attributes": {}},
        {"s": "c", "o": "a", "predicate": "sanctioned", "count": 1, "document_id": "d",
         "source": "x.pdf", "page": 2, "sentence": "C sanctioned A.", "attributes": {"k": 1}},
    ] + [
        {"s": "a", "o": "b", "predicate": "co_occurs", "count": 1, "document_id": "d",
         "source": "y.pdf", "page": n, "sentence": f"S{n}.", "attributes": {}}
        for n in range(6)
    ]  # fmt: skip
    briefs = {k: {"id": k, "name": k.upper(), "type": "actor"} for k in "abc"}
    grouped = ent.group_relations(rows, "a", briefs)
    # Typed relations first, co-occurrence last; evidence capped at five per group.
    assert [(g["predicate"], g["direction"], g["other"]["id"], g["count"]) for g in grouped] == [
        ("sanctioned", "in", "c", 1),
        ("co_occurs", "out", "b", 9),
    ]
    assert grouped[0]["evidence"] == [
        {"document": "d", "source": "x.pdf", "page": 2, "sentence": "C sanctioned A.",
         "attributes": {"k": 1}}
    ]  # fmt: skip
    assert len(grouped[1]["evidence"]) == 5 and "attributes" not in grouped[1]["evidence"][0]


def test_only_an_update_of_a_deleted_record_is_ignored_in_write_back(
    conn: ModuleType, ent: ModuleType
) -> None:
    gone = conn.bulk_problem({"update": {"_id": "m1", "status": 404, "error": {"type": "x"}}})
    refused = conn.bulk_problem({"update": {"_id": "m1", "status": 400, "error": {"type": "x"}}})
    assert ent.is_gone(gone) and not ent.is_gone(refused)


def test_older_indices_gain_the_new_fields_in_place(ent: ModuleType) -> None:
    assert maps.mapping_version({"_meta": {"moneytrail_mapping": 1, "index": "mentions"}}) == 1
    assert maps.mapping_version({}) == 0
    upgrade = maps.mapping_upgrade("mentions")
    assert upgrade["dynamic"] == "strict"
    assert upgrade["meta"] == {"moneytrail_mapping": maps.MAPPING_VERSION, "index": "mentions"}
    assert {"canonical_id", "moved"} <= set(upgrade["properties"])


def test_the_store_has_the_entity_surface_the_cli_and_judges_use(
    elastic: ModuleType, ent: ModuleType
) -> None:
    from pipeline.store.sqlite.entities import EntityQueries

    for name in ("ensure_resolved", "entity_rows", "judgements", "add_judgement",
                 "mention_texts", "write_resolution", "canonical_of", "find_entities",
                 "entity_page", "entity_relations", "brief", "neighbours",
                 "resolution_blocks", "block_rows", "rows_by_id"):  # fmt: skip
        mine = inspect.signature(getattr(elastic.ElasticStore, name))
        theirs = inspect.signature(getattr(EntityQueries, name))
        assert list(mine.parameters) == list(theirs.parameters), name
    assert issubclass(elastic.ElasticStore, ent.ElasticEntities)


def test_config_file_gives_credentials_and_variables_win(tmp_path: Path) -> None:
    from pipeline.store.elasticsearch.store import read_config

    path = tmp_path / "es.toml"
    path.write_text('user = "analyst"\npassword = "s3cret"\nca_certs = "/etc/ca.pem"\n')
    path.chmod(0o600)
    env = {"MONEYTRAIL_ES_CONFIG": str(path)}
    assert read_config(env) == {"user": "analyst", "password": "s3cret", "ca_certs": "/etc/ca.pem"}


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        ('user = "a"\npassword = "b"\n', 0o644, "chmod 600"),
        ('usr = "a"\n', 0o600, "unknown keys usr"),
        ("user = ", 0o600, "not a readable TOML file"),
    ],
)
def test_config_file_problems_are_one_clear_sentence(
    tmp_path: Path, content: str, mode: int, message: str
) -> None:
    from pipeline.errors import ConfigError
    from pipeline.store.elasticsearch.store import read_config

    path = tmp_path / "es.toml"
    path.write_text(content)
    path.chmod(mode)
    with pytest.raises(ConfigError, match=message) as caught:
        read_config({"MONEYTRAIL_ES_CONFIG": str(path)})
    assert "\n" not in str(caught.value) and "b\n" not in str(caught.value)


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    from pipeline.errors import ConfigError
    from pipeline.store.elasticsearch.store import read_config

    with pytest.raises(ConfigError, match="not a file"):
        read_config({"MONEYTRAIL_ES_CONFIG": str(tmp_path / "missing.toml")})
