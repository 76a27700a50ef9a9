"""Relations read from the dependency parse of sentences, each with its evidence."""

from __future__ import annotations

import pytest
from spacy.tokens import Doc

from pipeline.extract.extractor import Extractor
from pipeline.link import link
from pipeline.link.rules import Slot, typed_relations
from pipeline.link.syntax import parse_sentences
from pipeline.parse.base import PageText, assemble
from pipeline.records import Mention, Relation


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def linked_relations(extractor: Extractor, text: str) -> tuple[list[Relation], dict[str, str]]:
    doc = assemble(text.encode(), "t.txt", "text", [PageText(text)])
    linked = link(doc, extractor.extract(doc))
    return linked.relations, {e.id: e.name for e in linked.entities}


def typed(extractor: Extractor, text: str) -> list[tuple[str | None, str, str | None]]:
    relations, names = linked_relations(extractor, text)
    return [
        (names.get(r.subject), r.predicate, names.get(r.object))
        for r in relations
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
            ("Lazarus Group", "designated_by", "Office of Foreign Assets Control"),
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
        (
            "Velmur Management Pte Ltd paid $5 million to Binance.",
            ("Velmur Management Pte Ltd", "paid", "Binance"),
        ),
        (
            "Huione Pay received $3 million from Binance.",
            ("Huione Pay", "received", "Binance"),
        ),
        (
            "Park Jin Hyok, a member of the Lazarus Group, wrote the code.",
            ("Park Jin Hyok", "member_of", "Lazarus Group"),
        ),
        (
            "Alexandre Cazes owned AlphaBay until 2017.",
            ("Alexandre Cazes", "owns", "AlphaBay"),
        ),
        (
            "Park Jin Hyok, the head of the Lazarus Group, moved the funds.",
            ("Park Jin Hyok", "controls", "Lazarus Group"),
        ),
        (
            "Lakurawa was headed by Namata Korsinga.",
            ("Namata Korsinga", "controls", "Lakurawa"),
        ),
        (
            "Binance employed Wei Zhang as an analyst.",
            ("Binance", "employs", "Wei Zhang"),
        ),
        (
            "The DYEPACK malware was attributed to the Lazarus Group.",
            ("DYEPACK", "attributed_to", "Lazarus Group"),
        ),
        (
            "Velmur Management Pte Ltd, a Singapore-based company, moved the funds.",
            ("Velmur Management Pte Ltd", "located_in", "Singapore"),
        ),
        (
            "A further Lazarus Group address, 0x53b6936513e738f44FB50d2b9476730C0Ab3Bfc1, "
            "received the funds.",
            ("Lazarus Group", "holds", "0x53b6936513e738f44FB50d2b9476730C0Ab3Bfc1"),
        ),
        (
            "Deposits came from 0x53b6936513e738f44FB50d2b9476730C0Ab3Bfc1, an address OFAC "
            "lists for Huione Pay.",
            ("Huione Pay", "holds", "0x53b6936513e738f44FB50d2b9476730C0Ab3Bfc1"),
        ),
        (
            "In 2016 FinCEN found Bank of Dandong to be of primary money laundering concern.",
            ("Bank of Dandong", "designated_by", "Financial Crimes Enforcement Network"),
        ),
        (
            "FinCEN assessed a civil money penalty against Velmur Management Pte Ltd.",
            ("Velmur Management Pte Ltd.", "sanctioned_by", "Financial Crimes Enforcement Network"),
        ),
        (
            "Lenders to Alameda Research, John Smith's proprietary crypto hedge fund, were misled.",
            ("John Smith", "owns", "Alameda Research"),
        ),
        (
            "Analysts say the FBI’s Internet Crime Complaint Center serves as a hub.",
            ("Internet Crime Complaint Center", "member_of", "Federal Bureau of Investigation"),
        ),
        (
            "Prosecutors charged a manager of Bitzlato, a Hong Kong-registered exchange.",
            ("Bitzlato", "located_in", "Hong Kong"),
        ),
    ],
)
def test_typed_relations(extractor: Extractor, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in typed(extractor, text)


def test_no_typed_relation_without_a_cue(extractor: Extractor) -> None:
    assert typed(extractor, "Binance and the Lazarus Group were both mentioned.") == []


@pytest.mark.parametrize(
    "text",
    [
        "The Lazarus Group did not steal funds from Bybit.",
        "The Lazarus Group never stole funds from Bybit.",
        "The Lazarus Group may have stolen funds from Bybit.",
        "OFAC has not designated Huione Pay.",
        "None of the leaders of the Lazarus Group are designated by OFAC.",
    ],
)
def test_denied_or_hedged_statements_stay_co_occurrences(extractor: Extractor, text: str) -> None:
    assert typed(extractor, text) == []


def test_every_member_of_a_list_subject_gets_the_relation(extractor: Extractor) -> None:
    found = typed(extractor, "Park Jin Hyok and Kim Il stole $100 million from Bybit.")
    assert ("Park Jin Hyok", "stole", "Bybit") in found
    assert ("Kim Il", "stole", "Bybit") in found


@pytest.mark.parametrize(
    "text",
    [
        # A heading run into the next sentence: nobody sanctions anybody here.
        "U.S. Forfeiture Actions Reveal Complex North Korean Schemes to Evade Sanctions. "
        "Recent actions by the Department of Justice also highlight the methods of the DPRK.",
        # A keyword list names an agency and a country side by side.
        "Keywords: Office of Foreign Assets Control, China, sanctions, casinos, Lazarus Group.",
        # The sample corpus sentence behind "Lazarus Group stole -> OFAC".
        "OFAC sanctioned Tornado Cash after the Lazarus Group stole funds and used it.",
    ],
)
def test_issue_cases_state_no_wrong_relation(extractor: Extractor, text: str) -> None:
    _, names = linked_relations(extractor, text)
    assert len(names) >= 2  # the arguments were found; only the typed relation is withheld
    found = typed(extractor, text)
    assert [r for r in found if r[1] in ("sanctioned_by", "located_in", "stole")] == [
        r
        for r in found
        if r == ("Tornado Cash", "sanctioned_by", "Office of Foreign Assets Control")
    ]


def test_designation_carries_its_date(extractor: Extractor) -> None:
    relations, names = linked_relations(
        extractor, "On September 13, 2019, OFAC designated the Lazarus Group."
    )
    [designated] = [r for r in relations if r.predicate == "designated_by"]
    assert names[designated.subject] == "Lazarus Group"
    assert designated.attributes["date"] == "September 13, 2019"


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


@pytest.mark.parametrize(
    "text",
    [
        # Hedged: a guess or a claim is no finding.
        "The Lazarus Group is likely based in China.",
        "The Lazarus Group is believed to be based in China.",
        "Analysts assessed that the Lazarus Group is based in China.",
        # Setting a body up is no hold over it; an action against someone is no listing.
        "Treasury established the Example Task Force in 2023.",
        "Treasury has taken several actions against Velmur Management Pte Ltd.",
        # Attacks in a country do not place the group there; nobody is a member of a person.
        "The 2023 Hamas attacks in Israel killed many.",
        "Kim Il, an associate of Park Jin Hyok, moved funds.",
        # The head of a unit named by a modifier: the unit's own name, or its parent's?
        "Park Jin Hyok, the head of the Lazarus Group finance office, moved the funds.",
        "Park Jin Hyok, the head of the Chosun Expo office, moved the funds.",
    ],
)
def test_unsure_statements_stay_co_occurrences(extractor: Extractor, text: str) -> None:
    assert typed(extractor, text) == []


def _slots(doc: Doc, text: str, names: list[tuple[str, str, str | None]]) -> list[Slot]:
    slots = []
    for i, (name, type_, kind) in enumerate(names):
        at = text.index(name)
        value = {"kind": kind} if kind else {}
        mention = Mention(
            f"m{i}", "d", 1, at, at + len(name), type_, name, value, name, text, "t", 1.0, f"e{i}"
        )
        slots.append(Slot(mention, at, at + len(name)))
    return slots


def test_counsel_block_pairs_each_lawyer_with_the_nearest_firm() -> None:
    text = (
        "Jane Roe (SBN 111111) jane@example.com Rick Poe (SBN 222222) rick@example.com "
        "ROE POE LLP 1 Main Street, Springfield Ann Lee (pro hac vice) ann@example.com "
        "LEE LAW, P.A. 2 Side Street, Shelbyville Attorneys for Plaintiff"
    )
    doc = parse_sentences([text])[0]
    names = [
        ("Jane Roe", "actor", "person"),
        ("Rick Poe", "actor", "person"),
        ("ROE POE LLP", "actor", "company"),
        ("Ann Lee", "actor", "person"),
        ("LEE LAW, P.A.", "actor", "company"),
    ]
    found = {
        (p, s.mention.text, o.mention.text)
        for p, s, o, _ in typed_relations(doc, _slots(doc, text, names))
    }
    assert ("employs", "ROE POE LLP", "Jane Roe") in found
    assert ("employs", "ROE POE LLP", "Rick Poe") in found
    assert ("employs", "LEE LAW, P.A.", "Ann Lee") in found
    assert ("employs", "ROE POE LLP", "Ann Lee") not in found


def test_bracketed_short_form_shares_the_relation() -> None:
    text = "Velmur Holding, the owner of the Example Exchange (EXX), moved funds."
    doc = parse_sentences([text])[0]
    names = [
        ("Velmur Holding", "actor", "company"),
        ("Example Exchange", "actor", "exchange"),
        ("EXX", "actor", "exchange"),
    ]
    found = {
        (p, s.mention.text, o.mention.text)
        for p, s, o, _ in typed_relations(doc, _slots(doc, text, names))
    }
    assert ("owns", "Velmur Holding", "Example Exchange") in found
    assert ("owns", "Velmur Holding", "EXX") in found
