"""The store contract: every backend must pass these (Elasticsearch joins when it exists)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import StoreError
from pipeline.ids import entity_id, mention_id
from pipeline.records import Document, Entity, Failure, Mention, Page
from pipeline.store import SqliteStore, Store

BACKENDS = ["sqlite", "elasticsearch"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "elasticsearch":
        url = os.environ.get("MONEYTRAIL_ES_URL")
        if not url:
            pytest.skip("MONEYTRAIL_ES_URL is not set: no Elasticsearch cluster to test against")
        pytest.importorskip("elasticsearch", reason="the Elasticsearch extra is not installed")
        import uuid

        from pipeline.store.elasticsearch.store import from_env

        # Indices of their own per test, deleted afterwards: tests never see each other's data.
        try:
            es = from_env(url, os.environ, prefix=f"mt-test-{uuid.uuid4().hex[:12]}")
        except StoreError as exc:  # set, but nothing usable answers there
            pytest.skip(f"no Elasticsearch cluster reachable at MONEYTRAIL_ES_URL: {exc}")
        try:
            yield es
        finally:
            es.drop()
            es.close()
        return
    db = SqliteStore(tmp_path / "store.db")
    yield db
    db.close()


def _document(text_pages: list[str], source: str = "report.pdf") -> Document:
    pages, parts, offset = [], [], 0
    for number, text in enumerate(text_pages, start=1):
        if number > 1:
            parts.append("\n\n")
            offset += 2
        pages.append(Page(number, offset, offset + len(text)))
        parts.append(text)
        offset += len(text)
    text = "".join(parts)
    return Document(
        id=f"doc-{abs(hash(text))}",
        source=source,
        kind="pdf",
        text=text,
        pages=tuple(pages),
        title="A report",
        size=len(text),
    )


def _mention(
    doc: Document, surface: str, type_: str, key: str, eid: str | None, value: dict[str, object]
) -> Mention:
    start = doc.text.index(surface)
    return Mention(
        mention_id(doc.id, type_, start, start + len(surface)),
        doc.id,
        doc.page_at(start),
        start,
        start + len(surface),
        type_,
        surface,
        value,
        key,
        f"Sentence with {surface}.",
        "test",
        1.0,
        eid,
    )


ADDRESS = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"


def _records(doc: Document) -> tuple[list[Mention], list[Entity]]:
    lazarus = entity_id("actor", "gz:lazarus group")
    wallet = entity_id("wallet", ADDRESS.lower())
    suspect = entity_id("wallet", "suspect:0xBAD")
    entities = [
        Entity(lazarus, "actor", "Lazarus Group", ("APT38",), {"kind": "group"}),
        Entity(
            wallet, "wallet", ADDRESS, (), {"address": ADDRESS, "chains": ["ETH"], "suspect": False}
        ),
        Entity(suspect, "wallet", "0xBAD", (), {"address": "0xBAD", "suspect": True}),
    ]
    mentions = [
        _mention(doc, "Lazarus Group", "actor", "gz:lazarus group", lazarus, {"kind": "group"}),
        _mention(doc, "APT38", "actor", "gz:lazarus group", lazarus, {"kind": "group"}),
        _mention(doc, ADDRESS, "wallet", ADDRESS.lower(), wallet, {"chains": ["ETH"]}),
    ]
    return mentions, entities


@pytest.fixture
def loaded(store: Store) -> tuple[Store, Document]:
    doc = _document(
        [
            "The Lazarus Group laundered funds through casinos in Macau.",
            f"APT38 used the wallet {ADDRESS} for the Ronin theft.",
        ]
    )
    mentions, entities = _records(doc)
    store.upsert_document(doc, mentions, entities)
    return store, doc


def test_upsert_is_idempotent(loaded: tuple[Store, Document]) -> None:
    store, doc = loaded
    before = store.stats()
    mentions, entities = _records(doc)
    store.upsert_document(doc, mentions, entities)
    assert store.stats() == before
    assert before["documents"] == 1 and before["pages"] == 2 and before["mentions"] == 3
    assert before["by_type"]["actor"] == {"mentions": 2, "entities": 1}


def test_full_text_search_finds_page_with_snippet(loaded: tuple[Store, Document]) -> None:
    store, doc = loaded
    result = store.search("casinos Macau")
    assert [(h.document_id, h.page) for h in result.hits] == [(doc.id, 1)]
    assert "<mark>" in result.hits[0].snippet


@pytest.mark.parametrize("query", ["lazarus group", "APT38", "Lazarus"])
def test_typed_search_finds_every_page_of_the_entity(
    loaded: tuple[Store, Document], query: str
) -> None:
    store, _ = loaded
    result = store.search(query, "actor")
    if query == "Lazarus":
        # A bare word that is no alias is not the entity: only full-text would find it.
        assert result.hits == []
        return
    assert sorted(h.page for h in result.hits) == [1, 2]
    assert all(h.entity and h.entity["name"] == "Lazarus Group" for h in result.hits)


def test_search_by_address_in_any_case(loaded: tuple[Store, Document]) -> None:
    store, _ = loaded
    for query in (ADDRESS, ADDRESS.lower()):
        hits = store.search(query, "wallet").hits
        assert [h.page for h in hits] == [2]


def test_search_survives_fts_syntax(loaded: tuple[Store, Document]) -> None:
    store, _ = loaded
    for query in ('"unbalanced', "a:b", "(", "AND", "Ronin-theft", "NOT OR"):
        store.search(query)  # no exception


def test_suspect_wallet_is_not_indexed_as_entity(loaded: tuple[Store, Document]) -> None:
    store, _ = loaded
    names = [e["name"] for e in store.entities("wallet")]
    assert names == [ADDRESS]


def test_reingest_replaces_old_mentions(loaded: tuple[Store, Document]) -> None:
    store, doc = loaded
    mentions, entities = _records(doc)
    store.upsert_document(doc, mentions[:1], entities)
    assert store.stats()["mentions"] == 1


def test_document_lookup_by_prefix(loaded: tuple[Store, Document]) -> None:
    store, doc = loaded
    shown = store.document(doc.id[:8])
    assert shown is not None and shown["id"] == doc.id
    assert [p["number"] for p in shown["pages"]] == [1, 2]
    assert {e["name"] for e in shown["entities"]} == {"Lazarus Group", ADDRESS}
    assert store.document("nope") is None


def test_failures_are_kept_and_cleared(store: Store) -> None:
    store.record_failure(Failure("bad.pdf", "parse", "ParseError", "bad.pdf: corrupt", "t"))
    assert [f.source for f in store.failures()] == ["bad.pdf"]
    store.clear_failure("bad.pdf")
    assert store.failures() == []


def test_same_bytes_under_two_names_is_one_document(loaded: tuple[Store, Document]) -> None:
    store, doc = loaded
    store.add_source(doc.id, "copy-of-report.pdf")
    shown = store.document(doc.id)
    assert shown is not None and sorted(shown["sources"]) == ["copy-of-report.pdf", "report.pdf"]
    assert store.stats()["documents"] == 1


@pytest.mark.parametrize("bad", ["dir", "missing-parent", "not-sqlite"])
def test_unusable_store_path_is_a_store_error(tmp_path: Path, bad: str) -> None:
    path = {
        "dir": tmp_path,
        "missing-parent": tmp_path / "no" / "such" / "x.db",
        "not-sqlite": tmp_path / "text.db",
    }[bad]
    if bad == "not-sqlite":
        path.write_text("this is not a database " * 100)
    with pytest.raises(StoreError):
        SqliteStore(path)
    assert not (tmp_path / "no").exists()


def test_iterators_round_trip_the_corpus(loaded: tuple[Store, Document]) -> None:
    store, doc = loaded
    [back] = list(store.iter_documents())
    assert back.id == doc.id and back.text == doc.text and back.pages == doc.pages
    mentions = list(store.iter_mentions())
    assert [m.text for m in mentions] == ["Lazarus Group", "APT38", ADDRESS]
    assert list(store.iter_mentions("no-such-doc")) == []
    entities = {e.name: e for e in store.iter_entities()}
    assert set(entities) == {"Lazarus Group", ADDRESS}
    assert "APT38" in entities["Lazarus Group"].aliases


def test_relations_are_replaced_with_their_document(loaded: tuple[Store, Document]) -> None:
    from pipeline.records import Relation

    store, doc = loaded
    mentions, entities = _records(doc)
    lazarus, wallet = entities[0].id, entities[1].id
    rel = Relation(
        "r1",
        lazarus,
        "holds",
        wallet,
        (mentions[2].id,),
        doc.id,
        2,
        "APT38 used the wallet.",
        1,
        {},
    )
    store.upsert_document(doc, mentions, entities, [rel])
    assert [(r.subject, r.predicate, r.object, r.page) for r in store.iter_relations()] == [
        (lazarus, "holds", wallet, 2)
    ]
    store.upsert_document(doc, mentions, entities, [])
    assert list(store.iter_relations()) == []


def test_facets_count_what_the_matching_pages_mention(loaded: tuple[Store, Document]) -> None:
    store, _ = loaded
    facets = store.facets("Ronin")
    assert set(facets) == {"actor", "casino", "country", "chain"}
    assert [(f["name"], f["count"]) for f in facets["actor"]] == [("Lazarus Group", 1)]
    assert facets["chain"] == [{"chain": "ETH", "count": 1}]
    assert store.facets("no-such-word-anywhere")["actor"] == []


# --- linked entities: the same pages, judgements and graph on every backend ---------------
LINKED_DOCS = {
    "a.txt": "The Lazarus Group laundered stolen funds through NagaWorld in Phnom Penh.\n",
    "b.txt": (
        f"Analysts said the Lazarus Group, also known as APT38, controlled the wallet {ADDRESS}.\n"
    ),
    "c.txt": "Investigators said Korea Kwangson Banking Corporation moved the proceeds.\n",
}
KKBC = "Korea Kwangson Banking Corporation"


def _ingest(store: Store, folder: Path, force: bool = False) -> None:
    from pipeline.ingest import ingest
    from pipeline.settings import Settings

    report = ingest([str(folder)], store, Settings(workers=0, ocr="never"), force=force)
    assert report.ingested == len(LINKED_DOCS), report.failures


@pytest.fixture
def linked(store: Store, tmp_path: Path) -> Store:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in LINKED_DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    _ingest(store, folder)
    return store


def _names(page: dict[str, Any]) -> list[str]:
    return sorted(Path(d["source"]).name for d in page["documents"])


def test_an_entity_page_spans_documents_with_evidence(linked: Store) -> None:
    from pipeline.link import judge

    page = judge.entity_view(linked, "APT38")  # type: ignore[arg-type]
    assert page["name"] == "Lazarus Group" and "APT38" in page["aliases"]
    assert page["type"] == "actor" and page["kind"] == "group" and page["mentions"] == 3
    assert _names(page) == ["a.txt", "b.txt"]
    assert [d["pages"] for d in page["documents"]] == [[1], [1]]
    laundering = [r for r in page["relations"] if r["predicate"] == "laundered_through"]
    assert laundering and laundering[0]["other"]["name"] == "NagaWorld"
    assert laundering[0]["direction"] == "out" and laundering[0]["count"] == 1
    evidence = laundering[0]["evidence"][0]
    assert "NagaWorld" in evidence["sentence"] and evidence["page"] == 1
    assert Path(evidence["source"]).name == "a.txt"


def test_unknown_names_are_no_entity(linked: Store) -> None:
    from pipeline.link import judge

    assert linked.find_entities("no such group anywhere") == []  # type: ignore[attr-defined]
    with pytest.raises(judge.EntityError):
        judge.entity_view(linked, "no such group anywhere")  # type: ignore[arg-type]


def test_relations_are_seen_from_the_other_end_under_the_new_name(linked: Store) -> None:
    from pipeline.link import judge

    judge.rename(linked, "Lazarus Group", "Lazarus (DPRK)")  # type: ignore[arg-type]
    casino = judge.entity_view(linked, "NagaWorld")  # type: ignore[arg-type]
    incoming = [r for r in casino["relations"] if r["predicate"] == "laundered_through"]
    assert [(r["direction"], r["other"]["name"]) for r in incoming] == [("in", "Lazarus (DPRK)")]
    assert "NagaWorld" in incoming[0]["evidence"][0]["sentence"]


def test_judgements_apply_and_survive_reingestion(linked: Store, tmp_path: Path) -> None:
    from pipeline.link import judge

    renamed = judge.rename(linked, "Lazarus Group", "Lazarus (DPRK)")  # type: ignore[arg-type]
    assert renamed["name"] == "Lazarus (DPRK)"
    split = judge.split(linked, "Lazarus (DPRK)", ["APT38"])  # type: ignore[arg-type]
    assert "APT38" not in split["aliases"]
    assert [j.action for j in linked.judgements()] == ["rename", "split"]  # type: ignore[attr-defined]
    _ingest(linked, tmp_path / "docs", force=True)
    again = judge.entity_view(linked, "Lazarus (DPRK)")  # type: ignore[arg-type]
    assert again["name"] == "Lazarus (DPRK)" and "APT38" not in again["aliases"]
    apt38 = judge.entity_view(linked, "APT38")  # type: ignore[arg-type]
    assert apt38["id"] != again["id"] and apt38["name"] == "APT38"
    assert _names(apt38) == ["b.txt"]


def test_merge_joins_two_entities_and_survives_reingestion(linked: Store, tmp_path: Path) -> None:
    from pipeline.link import judge

    lazarus = judge.resolve_one(linked, "Lazarus Group")  # type: ignore[arg-type]
    assert judge.resolve_one(linked, KKBC) != lazarus  # type: ignore[arg-type]
    merged = judge.merge(linked, "Lazarus Group", KKBC)  # type: ignore[arg-type]
    assert merged["id"] == lazarus and KKBC in merged["aliases"]
    assert _names(merged) == ["a.txt", "b.txt", "c.txt"] and merged["mentions"] == 4
    with pytest.raises(judge.EntityError):
        judge.merge(linked, "APT38", KKBC)  # type: ignore[arg-type]
    _ingest(linked, tmp_path / "docs", force=True)
    assert judge.resolve_one(linked, KKBC) == lazarus  # type: ignore[arg-type]
    assert _names(judge.entity_view(linked, KKBC)) == ["a.txt", "b.txt", "c.txt"]  # type: ignore[arg-type]


def test_graph_neighbourhood_reaches_casino_and_wallet(linked: Store) -> None:
    from pipeline.link import judge
    from pipeline.link.graph import neighbourhood

    center = judge.resolve_one(linked, "Lazarus Group")  # type: ignore[arg-type]
    graph = neighbourhood(linked, center, 1)  # type: ignore[arg-type]
    names = {n["name"] for n in graph["nodes"]}
    assert {"Lazarus Group", "NagaWorld", ADDRESS} <= names and KKBC not in names
    edges = {(e["source"], e["predicate"]) for e in graph["edges"]}
    assert (center, "laundered_through") in edges
    assert all(e["count"] >= 1 for e in graph["edges"])


def test_graph_follows_a_merge(linked: Store) -> None:
    from pipeline.link import judge
    from pipeline.link.graph import neighbourhood

    def names_around(name: str) -> set[str]:
        center = judge.resolve_one(linked, name)  # type: ignore[arg-type]
        graph = neighbourhood(linked, center, 1)  # type: ignore[arg-type]
        return {n["name"] for n in graph["nodes"]}

    assert "NagaWorld" not in names_around(KKBC)
    judge.merge(linked, "Lazarus Group", KKBC)  # type: ignore[arg-type]
    assert {"Lazarus Group", "NagaWorld", ADDRESS} <= names_around(KKBC)


def test_search_filters_by_country_and_chain(store: Store) -> None:
    doc = _document(
        [
            "The group moved funds through casinos in North Korea and Macau.",
            f"The group moved funds to the wallet {ADDRESS} later.",
            "The Lazarus Group (APT38) moved funds again, with no place and no wallet named.",
        ]
    )
    mentions, entities = _records(doc)
    country = entity_id("country", "KP")
    entities.append(Entity(country, "country", "North Korea", (), {"code": "KP"}))
    mentions.append(_mention(doc, "North Korea", "country", "KP", country, {"code": "KP"}))
    store.upsert_document(doc, mentions, entities)
    pages = lambda **kw: [h.page for h in store.search("moved funds", **kw).hits]  # noqa: E731
    assert sorted(pages()) == [1, 2, 3]
    assert pages(country="KP") == [1] and pages(country="kp") == [1]
    assert pages(chain="ETH") == [2] and pages(chain="BTC") == []
    assert pages(country="KP", chain="ETH") == []
    # An entity search is filtered the same way.
    assert [h.page for h in store.search(ADDRESS, "wallet", chain="ETH").hits] == [2]
    assert store.search(ADDRESS, "wallet", country="KP").hits == []
    facets = store.facets("moved funds", chain="ETH")
    assert facets["chain"] == [{"chain": "ETH", "count": 1}] and facets["country"] == []


HEADER = "Meridian Quarterly Review"


def _furnished() -> Document:
    """Two pages under a running header, each ending in its page number: both furniture."""
    doc = _document(
        [
            f"{HEADER}\nThe Lazarus Group laundered funds through casinos in Macau.\n1",
            f"{HEADER}\nAPT38 moved the proceeds to an exchange.\n2",
        ]
    )
    running = lambda p: (p.start, p.start + len(HEADER), "running")  # noqa: E731
    pages = tuple(
        replace(p, furniture=(running(p), (p.end - 1, p.end, "page_number"))) for p in doc.pages
    )
    return replace(doc, pages=pages)


def test_running_headers_are_no_hit_and_no_snippet_but_round_trip(store: Store) -> None:
    doc = _furnished()
    store.upsert_document(doc, [], [])
    # Words of the running header are in the stored text, yet match nothing.
    for query in ("quarterly", "Meridian Review", '"Quarterly Review"'):
        assert store.search(query).hits == [], query
    [hit] = store.search("laundered").hits
    assert hit.page == 1 and "<mark>laundered</mark>" in hit.snippet
    # A query naming header and body words finds the page, snippeted from outside the header.
    [hit] = store.search("Meridian proceeds").hits
    assert hit.page == 2 and "<mark>proceeds</mark>" in hit.snippet
    assert "Meridian" not in hit.snippet and "Quarterly" not in hit.snippet
    [back] = list(store.iter_documents())
    assert back.text == doc.text and back.pages == doc.pages
    assert back.page_text(back.pages[0]).startswith(HEADER)  # kept in the text: offsets hold


def test_migration_through_the_store_keeps_the_furniture(store: Store, tmp_path: Path) -> None:
    from pipeline.store.migrate import migrate

    doc = _furnished()
    first, last = SqliteStore(tmp_path / "first.db"), SqliteStore(tmp_path / "last.db")
    try:
        first.upsert_document(doc, [], [])
        assert migrate(first, store)["documents"] == 1
        assert migrate(store, last)["documents"] == 1
        [back] = list(last.iter_documents())
        assert back.pages == doc.pages and all(p.furniture for p in back.pages)
    finally:
        first.close()
        last.close()
