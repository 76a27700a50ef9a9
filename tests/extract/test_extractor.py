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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("United States District Judge Harold T.\nBanks is not bound by it.", "Harold T.\nBanks"),
        ("Pol Lt Gen Somchai Rattanaporn said the raid was planned.", "Somchai Rattanaporn"),
        ("The firm Heng Tai Trading Co., Ltd. wired the funds.", "Heng Tai Trading Co., Ltd."),
        (
            "Payments reached the Office of Foreign\nAssets Control in March.",
            "Office of Foreign\nAssets Control",
        ),
        (
            "UNITED STATES DISTRICT COURT FOR THE WESTERN DISTRICT OF WASHINGTON\n",
            "UNITED STATES DISTRICT COURT FOR THE WESTERN DISTRICT OF WASHINGTON",
        ),
    ],
)
def test_actor_spans(extractor: Extractor, text: str, expected: str) -> None:
    assert expected in _found(extractor.extract(_doc(text)), "actor")


@pytest.mark.parametrize(
    "text",
    [
        "Statement of Facts\nThe parties agree to the following.",
        "POB Hubei, China; Gender Male; nationality China.",
        "Excerpt\nThe Panel notes the following.",
    ],
)
def test_headings_and_labels_are_not_actors(extractor: Extractor, text: str) -> None:
    doc = _doc(text)
    _, entities = link_document(doc, extractor.extract(doc))
    assert [e.name for e in entities if e.type == "actor"] == []


@pytest.mark.parametrize(
    ("text", "currency", "value"),
    [
        ("Agents collected ¥3.2 million (yuan) in Dandong.", "CNY", 3.2e6),
        ("Kenyan 96 KES 150,000 Recruited online", "KES", 150000.0),
    ],
)
def test_amount_currency_from_context(
    extractor: Extractor, text: str, currency: str, value: float
) -> None:
    amounts = [m for m in extractor.extract(_doc(text)) if m.type == "amount"]
    assert [(m.value["currency"], m.value["value"]) for m in amounts] == [(currency, value)]


def test_loss_range_is_one_amount(extractor: Extractor) -> None:
    doc = _doc("a loss of more than $3,500,000 but not more than $9,500,000 was agreed")
    amounts = [m for m in extractor.extract(doc) if m.type == "amount"]
    assert [(m.value.get("min"), m.value.get("max")) for m in amounts] == [(3.5e6, 9.5e6)]


def test_australian_judgment_dollars_are_aud(extractor: Extractor) -> None:
    doc = _doc(
        "The Federal Court of Australia fined the Australian casino $450 million. "
        "Australia's regulator said Australian law was broken in Melbourne, Australia."
    )
    _, entities = link_document(doc, extractor.extract(doc))
    assert [e.attributes["currency"] for e in entities if e.type == "amount"] == ["AUD"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("He was arrested in Atlanta, Georgia, last week.", []),
        ("Reporting by Kenji Sato in Tokyo.", []),
        ("Pyongyang denied the charges on Monday.", ["KP"]),
    ],
)
def test_country_guards(extractor: Extractor, text: str, codes: list[str]) -> None:
    found = [m.value["code"] for m in extractor.extract(_doc(text)) if m.type == "country"]
    assert found == codes


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("The server sat in Amman, Jordan, and in Tbilisi, Georgia.", ["JO", "GE"]),
        ("Funds reached a bank in N'Djamena, Chad, in May.", ["TD"]),
    ],
)
def test_capital_then_risky_country_is_the_country(
    extractor: Extractor, text: str, codes: list[str]
) -> None:
    found = [m.value["code"] for m in extractor.extract(_doc(text)) if m.type == "country"]
    assert found == codes


def test_a_change_between_two_amounts_is_not_a_range(extractor: Extractor) -> None:
    doc = _doc("The value had risen from $289 to $1,039 in that period.")
    amounts = [m.value.get("value") for m in extractor.extract(doc) if m.type == "amount"]
    assert amounts == [289.0, 1039.0]


def test_also_known_as_joins_two_names_in_a_document(extractor: Extractor) -> None:
    doc = _doc("Funds reached Cheil Credit Bank, also known as First Credit Bank, in 2017.")
    _, entities = link_document(doc, extractor.extract(doc))
    banks = [e for e in entities if e.type == "actor"]
    assert len(banks) == 1 and "First Credit Bank" in banks[0].aliases


def test_cited_titles_do_not_become_actors(extractor: Extractor) -> None:
    text = (
        "The advisory follows enforcement action.\n"
        "36 Press Release: “Federal Court Enters Order Against Crypto Platform Operator”\n"
        "Assistant Attorney General Paula R. Whitmore of the Criminal Division spoke."
    )
    actors = _found(extractor.extract(_doc(text)), "actor")
    assert "Federal Court Enters Order Against" not in " ".join(actors)
    assert any("Whitmore" in a for a in actors)


def test_nlp_module_imports_first_in_a_fresh_interpreter() -> None:
    """bench/ingest_speed.py imports pipeline.extract.nlp before anything else: no import cycle."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "from pipeline.extract.nlp import model_name; print(model_name())"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
