"""Ranked full text on the embedded store: BM25 over page text, phrases, syntax, aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import StoreError
from pipeline.records import Document, Entity, Mention, Page
from pipeline.store import SqliteStore
from pipeline.store.ranking import exact_parts, has_syntax, ranked_query

PAGES = {
    "casinos.txt": [
        "Junket operators used casinos in Macau as underground banks to move dirty money.",
        "The weather in Macau was mild that spring and the harbour was busy.",
    ],
    "gaming.txt": [
        "Gambling businesses were used as hidden banks to move dirty money across borders.",
    ],
    "banks.txt": ["Banks filed reports on money transfers from the gaming sector."],
    "hack.txt": [
        "APT38 stole the funds and laundered them through a mixer.",
        "The Lazarus Group was named by the FBI as the thief.",
    ],
    "other.txt": ["A recipe for bread: flour, water, salt and patience."],
}
LAZARUS = Entity("ac-lazarus", "actor", "Lazarus Group", ("APT38", "TraderTraitor"))


def _document(source: str, pages: list[str]) -> Document:
    text = "\n\n".join(pages)
    spans, at = [], 0
    for number, page in enumerate(pages, start=1):
        spans.append(Page(number, at, at + len(page)))
        at += len(page) + 2
    return Document(f"doc-{source}", source, "txt", text, tuple(spans), size=len(text))


def _mention(doc: Document, page: int, surface: str) -> Mention:
    start = doc.text.index(surface)
    return Mention(
        f"m-{doc.id}-{start}",
        doc.id,
        page,
        start,
        start + len(surface),
        "actor",
        surface,
        {"kind": "group"},
        f"actor:{surface.lower()}",
        doc.page_text(doc.pages[page - 1]),
        "test",
        entity_id=LAZARUS.id,
    )


@pytest.fixture()
def store(tmp_path: Path) -> SqliteStore:
    db = SqliteStore(tmp_path / "ranked.db")
    for source, pages in PAGES.items():
        doc = _document(source, pages)
        mentions = []
        if source == "hack.txt":
            mentions = [_mention(doc, 1, "APT38"), _mention(doc, 2, "Lazarus Group")]
        db.upsert_document(doc, mentions, [LAZARUS] if mentions else [])
    return db


def _pages(store: SqliteStore, query: str, limit: int = 10) -> list[tuple[str, int]]:
    return [(h.source, h.page) for h in store.search(query, limit=limit).hits]


def test_a_question_finds_pages_with_some_of_its_words_best_first(store: SqliteStore) -> None:
    hits = store.search("which gambling businesses are hidden banks to move dirty money?").hits
    assert (hits[0].source, hits[0].page) == ("gaming.txt", 1), "every word and the phrase"
    found = {(h.source, h.page) for h in hits}
    assert ("casinos.txt", 1) in found and ("banks.txt", 1) in found, "only some of the words"
    assert ("other.txt", 1) not in found
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_the_phrase_adds_to_a_page_score(store: SqliteStore) -> None:
    both = {(h.source, h.page): h.score for h in store.search("dirty money").hits}
    casinos, gaming = both[("casinos.txt", 1)], both[("gaming.txt", 1)]
    alone = {(h.source, h.page): h.score for h in store.search("money dirty").hits}
    # "money dirty" is no phrase on either page: their scores are the bare word scores.
    assert casinos > alone[("casinos.txt", 1)] and gaming > alone[("gaming.txt", 1)]


def test_exact_syntax_still_works(store: SqliteStore) -> None:
    assert _pages(store, '"hidden banks"') == [("gaming.txt", 1)]
    assert set(_pages(store, "Macau -weather")) == {("casinos.txt", 1)}
    assert set(_pages(store, "bread OR mixer")) == {("other.txt", 1), ("hack.txt", 1)}
    assert set(_pages(store, "launder*")) == {("hack.txt", 1)}
    assert set(_pages(store, "money AND reports")) == {("banks.txt", 1)}


def test_a_broken_exact_query_says_so(store: SqliteStore) -> None:
    with pytest.raises(StoreError, match="cannot be searched"):
        store.search("money AND OR (")


def test_pages_with_the_text_rank_above_pages_reached_by_an_alias(store: SqliteStore) -> None:
    hits = store.search("Lazarus Group").hits
    assert [(h.page, h.matched) for h in hits] == [(2, "text"), (1, "alias")]
    assert hits[1].alias == "APT38" and hits[1].entity is not None
    assert hits[1].to_json()["alias"] == "APT38" and hits[1].score < hits[0].score
    assert hits[0].entity == {"id": LAZARUS.id, "name": "Lazarus Group", "type": "actor"}


def test_an_alias_query_finds_pages_naming_the_entity_otherwise(store: SqliteStore) -> None:
    hits = store.search("TraderTraitor").hits
    assert {(h.page, h.matched, h.alias) for h in hits} == {
        (1, "alias", "APT38"),
        (2, "alias", "Lazarus Group"),
    }


def test_a_typed_search_lists_mentions_of_that_type(store: SqliteStore) -> None:
    hits = store.search("APT38", "actor").hits
    assert [(h.page, h.matched) for h in hits] == [(1, "entity"), (2, "entity")]


def test_facets_count_mentions_on_the_matching_pages(store: SqliteStore) -> None:
    facets = store.facets("thief")
    assert facets["actor"] == [
        {"id": LAZARUS.id, "name": "Lazarus Group", "type": "actor", "count": 1}
    ]
    assert store.facets("Lazarus Group")["actor"][0]["count"] == 2
    assert store.facets("bread")["actor"] == []


@pytest.mark.parametrize(
    ("typed", "syntax"),
    [
        ("dirty money", False),
        ("anti-money laundering", False),
        ('"dirty money"', True),
        ("money -dirty", True),
        ("launder*", True),
        ("Macau OR Manila", True),
        ("or and not", False),
    ],
)
def test_syntax_is_told_from_natural_language(typed: str, syntax: bool) -> None:
    assert has_syntax(typed) is syntax


def test_ranked_query_drops_stopwords_but_keeps_them_in_the_phrase() -> None:
    ranked = ranked_query("Who moved the money?")
    assert ranked is not None
    assert ranked.terms == ("moved", "money")
    assert ranked.phrase == ("who", "moved", "the", "money")
    only_stop = ranked_query("the who")
    assert only_stop is not None and only_stop.terms == ("the", "who")
    assert ranked_query("?!") is None


def test_exact_parts_quotes_words_and_turns_minus_into_not() -> None:
    assert exact_parts('casino -"junket operator" launder*')[0] == (
        '("casino" "launder"*) NOT "junket operator"'
    )
    assert exact_parts("OR casino AND")[0] == '"casino"'
    assert exact_parts("-casino")[0] == ""


def test_facets_match_a_count_made_by_hand(tmp_path: Path) -> None:
    db = SqliteStore(tmp_path / "facets.db")
    codes = ["KP", "KH", "KP", "PH", "KP", "KH"]
    for i, code in enumerate(codes):
        text = f"Casino report {i} about {code} and {code}."
        doc = _document(f"c{i}.txt", [text])
        at = text.index(code)
        mentions = [
            Mention(f"m{i}-{n}", doc.id, 1, at + n * 8, at + n * 8 + 2, "country", code,
                    {"code": code}, code, text, "test", entity_id=f"co-{code.lower()}")
            for n in range(2)
        ]  # fmt: skip
        entity = Entity(f"co-{code.lower()}", "country", code, (), {"code": code})
        db.upsert_document(doc, mentions, [entity])
    by_hand: dict[str, int] = {}
    for code in codes:
        by_hand[code] = by_hand.get(code, 0) + 2
    facets = db.facets("casino report")
    assert {f["code"]: f["count"] for f in facets["country"]} == by_hand
    assert [f["code"] for f in facets["country"]] == ["KP", "KH", "PH"], "most mentioned first"
