"""The extraction stage on the real small pipeline: provenance, pages, and each component."""

from __future__ import annotations

import pytest

from pipeline.extract.extractor import Extractor, windows
from pipeline.link import link_document
from pipeline.parse.base import PageText, assemble
from pipeline.records import Document, Mention

ETH = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
BTC = "bc1qeth6n6ryxexvkx34wnx3nuynun4474h3j0gkhw"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _doc(*pages: str) -> Document:
    return assemble(
        b"|".join(p.encode() for p in pages), "test.txt", "text", [PageText(p) for p in pages]
    )


def _found(mentions: list[Mention], type_: str) -> list[str]:
    return [m.text for m in mentions if m.type == type_]


def test_mentions_carry_page_span_and_sentence(extractor: Extractor) -> None:
    doc = _doc(
        "The first page is about nothing much.",
        "Investigators said the Lazarus Group moved $620 million through NagaWorld. "
        "Another sentence follows.",
    )
    mentions = extractor.extract(doc)
    assert mentions, "nothing extracted"
    for m in mentions:
        assert doc.text[m.start : m.end] == m.text
        assert m.page == 2
        assert m.text.split()[0] in m.sentence
        assert "Another sentence" not in m.sentence


@pytest.mark.parametrize(
    ("text", "type_", "expected"),
    [
        ("Funds went to Lazarus before the freeze.", "actor", ["Lazarus"]),
        ("Binance froze the deposits within hours.", "actor", ["Binance"]),
        ("North Korea's hackers struck again.", "country", ["North Korea"]),
        ("PLEASE CONTACT US FOR DETAILS ABOUT THE CASE.", "country", []),
        (
            "The junket operator Golden Dragon VIP Club moved cash.",
            "casino",
            ["Golden Dragon VIP Club"],
        ),
        (
            "Chips were bought at the Royal Orchid Casino in Vientiane.",
            "casino",
            ["Royal Orchid Casino"],
        ),
        (
            "They moved 3.5 million USDT and between $5m and $10m in cash.",
            "amount",
            ["3.5 million USDT", "$5m and $10m"],
        ),
        (f"The thieves used {ETH} on Ethereum.", "wallet", [ETH]),
        ("The hash 0x" + "ab" * 32 + " is a transaction, not a wallet.", "wallet", []),
    ],
)
def test_component_cases(extractor: Extractor, text: str, type_: str, expected: list[str]) -> None:
    assert _found(extractor.extract(_doc(text)), type_) == expected


def test_casino_is_not_also_an_actor(extractor: Extractor) -> None:
    doc = _doc("NagaWorld reported record revenue. Police searched NagaWorld on Monday.")
    _mentions, entities = link_document(doc, extractor.extract(doc))
    assert {e.type for e in entities if e.name == "NagaWorld"} == {"casino"}


def test_wallet_wrapped_across_a_page_break_is_repaired(extractor: Extractor) -> None:
    doc = _doc(f"Funds were sent to {BTC[:20]}", f"{BTC[20:]} on 3 May.")
    wallets = [m for m in extractor.extract(doc) if m.type == "wallet"]
    assert [m.value["address"] for m in wallets] == [BTC]
    assert wallets[0].page == 1 and wallets[0].value.get("repaired")


def test_mistyped_address_is_suspect(extractor: Extractor) -> None:
    bad = ETH[:-1] + ("7" if ETH[-1] != "7" else "8")
    wallets = [
        m for m in extractor.extract(_doc(f"Sent to {bad} last week.")) if m.type == "wallet"
    ]
    assert len(wallets) == 1 and wallets[0].value["suspect"] is True


def test_windows_cover_every_character_once() -> None:
    text = ("word " * 9000).strip()
    doc = _doc(text, "short page")
    cut = list(windows(doc, size=10_000))
    assert "".join(w.text for w in cut if w.page == 1) == doc.page_text(doc.pages[0])
    assert all(len(w.text) <= 10_000 for w in cut)
    assert [w.page for w in cut][-1] == 2


def test_entities_group_aliases_and_defined_acronyms(extractor: Extractor) -> None:
    doc = _doc(
        "The Office of Foreign Assets Control (OFAC) designated the Lazarus Group. "
        "OFAC said APT38 laundered funds."
    )
    _, entities = link_document(doc, extractor.extract(doc))
    actors = {e.name: set(e.aliases) for e in entities if e.type == "actor"}
    assert actors["Office of Foreign Assets Control"] >= {"OFAC"}
    assert actors["Lazarus Group"] >= {"APT38"}


def test_extract_many_keeps_input_order(extractor: Extractor) -> None:
    docs = [_doc(f"Document {i} mentions Binance.") for i in range(5)]
    outcomes = list(extractor.extract_many(docs))
    assert [o.document.id for o in outcomes] == [d.id for d in docs]
    assert all(o.error is None and _found(o.mentions, "actor") == ["Binance"] for o in outcomes)


def test_wallet_split_across_running_headers_is_repaired(extractor: Extractor) -> None:
    tron = "TA3941uFAvmVibSkQ6fMJXxmaSNovX86mz"
    doc = _doc(
        f"The largest transfers came from {tron[:14]}\nCase 1:99-cv-01234 Page 1 of 2",
        f"Case 1:99-cv-01234 Page 2 of 2\n{tron[14:]}, and were credited to players.",
    )
    wallets = [m for m in extractor.extract(doc) if m.type == "wallet"]
    assert [(m.value["address"], m.page, m.value["suspect"]) for m in wallets] == [(tron, 1, False)]
    assert wallets[0].sentence == (
        f"The largest transfers came from {tron}, and were credited to players."
    )


def test_fragments_that_do_not_validate_are_not_joined(extractor: Extractor) -> None:
    doc = _doc("Reference code AB12CD34EF\nPage 1", "Page 2\nXY98ZW76 continues here.")
    assert [m for m in extractor.extract(doc) if m.type == "wallet"] == []


def test_sentence_drops_the_next_paragraph_number(extractor: Extractor) -> None:
    doc = _doc("101. The Lazarus Group laundered funds in Laos. 102. Binance froze accounts.")
    lazarus = [m for m in extractor.extract(doc) if m.text == "Lazarus Group"]
    assert lazarus and not lazarus[0].sentence.endswith("102.")
