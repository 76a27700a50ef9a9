"""Relations read from sentences, each with its evidence."""

from __future__ import annotations

import pytest

from pipeline.extract.extractor import Extractor
from pipeline.link import link
from pipeline.parse.base import PageText, assemble


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def typed(extractor: Extractor, text: str) -> list[tuple[str | None, str, str | None]]:
    doc = assemble(text.encode(), "t.txt", "text", [PageText(text)])
    linked = link(doc, extractor.extract(doc))
    names = {e.id: e.name for e in linked.entities}
    return [
        (names.get(r.subject), r.predicate, names.get(r.object))
        for r in linked.relations
        if r.predicate != "co_occurs"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Lazarus Group laundered the stolen funds through NagaWorld.",
            ("Lazarus Group", "laundered_through", "NagaWorld"),
        ),
        (
            "OFAC designated the Lazarus Group in 2019.",
            ("Lazarus Group", "sanctioned_by", "Office of Foreign Assets Control"),
        ),
        (
            "The address 0x098B716B8Aaf21512996dC57EB0615e2383E2f96 is controlled by the "
            "Lazarus Group.",
            ("Lazarus Group", "holds", "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"),
        ),
        (
            "In 2025 the Lazarus Group stole $1.5 billion from Bybit.",
            ("Lazarus Group", "stole", "Bybit"),
        ),
        ("Bybit was hacked by the Lazarus Group.", ("Lazarus Group", "stole", "Bybit")),
        (
            "Funds were transferred from Binance to Huione Pay.",
            ("Binance", "transferred", "Huione Pay"),
        ),
        ("The junket ran rooms at NagaWorld in Cambodia.", ("NagaWorld", "located_in", "Cambodia")),
    ],
)
def test_typed_relations(extractor: Extractor, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in typed(extractor, text)


def test_no_typed_relation_without_a_cue(extractor: Extractor) -> None:
    assert typed(extractor, "Binance and the Lazarus Group were both mentioned.") == []


def test_relation_keeps_sentence_page_and_amount(extractor: Extractor) -> None:
    text = "First page.\fIn 2025 the Lazarus Group stole $1.5 billion from Bybit. Later text."
    doc = assemble(text.encode(), "t.txt", "text", [PageText(p) for p in text.split("\f")])
    linked = link(doc, extractor.extract(doc))
    [stole] = [r for r in linked.relations if r.predicate == "stole"]
    assert stole.page == 2
    assert stole.sentence == "In 2025 the Lazarus Group stole $1.5 billion from Bybit."
    assert stole.attributes["amount"]["value"] == 1.5e9
    assert len(stole.evidence) == 2
    co = [r for r in linked.relations if r.predicate == "co_occurs"]
    assert len(co) == 1 and co[0].count == 1
