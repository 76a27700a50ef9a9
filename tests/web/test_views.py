"""The workbench's view helpers: snippet highlights, URL state, the focused span of a page."""

from __future__ import annotations

import pytest

from pipeline.web.views import SearchParams, _focus_span, _hit, _plain, segments


@pytest.mark.parametrize(
    ("snippet", "parts"),
    [
        ("no marks", [("no marks", False)]),
        ("a <mark>b</mark> c", [("a ", False), ("b", True), (" c", False)]),
        ("<mark>x</mark><mark>y</mark>", [("x", True), ("y", True)]),
        ("<script>alert(1)</script>", [("<script>alert(1)</script>", False)]),
    ],
)
def test_segments_split_highlights_and_keep_other_markup_as_text(
    snippet: str, parts: list[tuple[str, bool]]
) -> None:
    assert segments(snippet) == parts


def test_search_state_round_trips_through_the_url_without_defaults() -> None:
    params = SearchParams(q="Lazarus", country="KP", page=3)
    assert params.query() == {"q": "Lazarus", "country": "KP", "page": "3"}
    assert params.query(country=None, page=1) == {"q": "Lazarus"}
    assert SearchParams(q="x", mode="hybrid").query(chain="ETH") == {
        "q": "x",
        "mode": "hybrid",
        "chain": "ETH",
    }


def test_a_text_hit_focuses_its_first_highlighted_words() -> None:
    hit = _hit({"document": {"id": "d"}, "page": 2, "snippet": "the <mark>Lazarus</mark> Group"})
    assert hit["focus"] == {"page": "2", "find": "Lazarus"}
    entity = _hit({"document": {"id": "d"}, "page": 1, "snippet": "", "entity": {"id": "ac-1"}})
    assert entity["focus"] == {"page": "1", "entity": "ac-1"}
    meaning = _hit(
        {
            "document": {"id": "d"},
            "page": 1,
            "snippet": "",
            "start": 5,
            "end": 9,
            "matched": "semantic",
        }
    )
    assert meaning["focus"]["span"] == "5-9" and "meaning" in meaning["why"]


def test_a_hit_names_the_alias_it_matched_through_when_the_backend_gives_one() -> None:
    hit = _hit(
        {"document": {"id": "d"}, "page": 1, "snippet": "", "matched": "entity", "alias": "APT38"}
    )
    assert "APT38" in hit["why"]


def test_the_focused_span_is_found_case_blind_and_cut_out_of_plain_text() -> None:
    text = "Funds reached NagaWorld in August."
    span = _focus_span(text, 100, {"find": "nagaworld"})
    assert span == (14, 23)
    runs = _plain(text, 0, span)
    assert [r["text"] for r in runs] == ["Funds reached ", "NagaWorld", " in August."]
    assert [bool(r.get("focus")) for r in runs] == [False, True, False]
    assert _focus_span(text, 100, {"span": "110-120"}) == (10, 20)
    assert _focus_span(text, 0, {"find": "absent"}) is None
