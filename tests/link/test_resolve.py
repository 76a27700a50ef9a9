"""Cross-document resolution: the merges analysts expect, and the ones they must not get."""

from __future__ import annotations

import pytest

from pipeline.link.corpus import Judgement, resolve
from pipeline.link.resolve import EntityRow, cluster


def row(
    id_: str,
    name: str,
    kind: str = "organization",
    aliases: tuple[str, ...] = (),
    mentions: int = 1,
    gazetteer: bool = False,
    type_: str = "actor",
) -> EntityRow:
    return EntityRow(id_, type_, name, aliases, kind, mentions, gazetteer)


def same(mapping: dict[str, str], a: str, b: str) -> bool:
    return mapping[a] == mapping[b]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (row("a", "Office of Foreign Assets Control", "agency"), row("b", "OFAC", "agency")),
        (
            row("a", "United Nations Office on Drugs and Crime", "agency"),
            row("b", "UNODC", "agency"),
        ),
        (row("a", "Kim Jong Un", "person"), row("b", "Kim Jong-un", "person")),
        (
            row("a", "Lazarus Group", "group", ("APT38",), gazetteer=True),
            row("b", "APT38", "group"),
        ),
        (row("a", "Huione Guarantee", "company"), row("b", "Huione Guarantees", "company")),
        (row("a", "Park Jin Hyok", "person"), row("b", "Park Jin-hyok", "person")),
    ],
)
def test_cluster_merges(a: EntityRow, b: EntityRow) -> None:
    assert same(cluster([a, b]), "a", "b")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (row("a", "Kim Jong Un", "person"), row("b", "Kim Il", "person")),
        (
            row("a", "Park Jin Hyok", "person", ("Park",)),
            row("b", "Park Ji-won", "person", ("Park",)),
        ),
        (row("a", "Bank of Korea", "bank"), row("b", "Korea Development Bank", "bank")),
        (row("a", "Group 1", "group"), row("b", "Group 2", "group")),
        (row("a", "Lazarus Group", "group"), row("b", "Lazarus Group", "group", type_="casino")),
        (row("a", "Kim Sang Man", "person"), row("b", "Kim Sang Min", "person")),
    ],
)
def test_cluster_keeps_apart(a: EntityRow, b: EntityRow) -> None:
    assert not same(cluster([a, b]), "a", "b")


def test_ambiguous_acronym_joins_neither() -> None:
    rows = [
        row("a", "Financial Action Task Force", "agency"),
        row("b", "Financial Analysis Task Force", "agency"),
        row("c", "FATF", "agency"),
    ]
    mapping = cluster(rows)
    assert mapping["c"] == "c"


def test_gazetteer_entry_names_the_cluster() -> None:
    rows = [
        row("n1", "OFAC", "agency", mentions=9),
        row("g1", "Office of Foreign Assets Control", "agency", gazetteer=True),
    ]
    assert cluster(rows) == {"n1": "g1", "g1": "g1"}


def test_judgements_merge_split_rename() -> None:
    rows = [
        row("a", "Lazarus Group", "group", ("APT38",), mentions=5, gazetteer=True),
        row("b", "APT38", "group", mentions=2),
        row("c", "Guardians of Peace", "group"),
    ]
    texts = {"a": [("m1", "Lazarus Group"), ("m2", "APT38")]}
    resolution = resolve(
        rows,
        [
            Judgement("merge", "a", ("c",)),
            Judgement("split", "a", ("APT38",)),
            Judgement("rename", "a", ("Lazarus",)),
        ],
        texts,
    )
    assert resolution.canonical["c"] == "a"
    assert resolution.canonical["b"] == "b"  # the split-off entity stands alone
    assert resolution.mentions == {"m2": "b"}  # ...and takes the alias's mentions along
    assert resolution.names == {"a": "Lazarus"}


@pytest.mark.parametrize(
    ("a", "b", "joined"),
    [
        # Extra initials, legal words, or a leading place name: one entity.
        (row("a", "Jin Wallet", "organization"), row("b", "Jin Wallet B.", "organization"), True),
        (row("a", "Jin Wallet", "person"), row("b", "Jin Wallet B.", "organization"), True),
        (
            row("a", "Dandong Hongxiang Industrial Development", "company"),
            row("b", "Hongxiang Industrial Development Company Ltd", "company"),
            True,
        ),
        # Distinct people who share a surname, and a bank with another in its name: apart.
        (row("a", "Kim Wong", "person"), row("b", "Kim Jong Un", "person"), False),
        (row("a", "Park Jin Hyok", "person"), row("b", "Park Il", "person"), False),
        (row("a", "Kim Jong", "person"), row("b", "Kim Jong Un", "person"), False),
        (row("a", "Bank of China", "bank"), row("b", "Agricultural Bank of China", "bank"), False),
        (row("a", "John Smith", "person"), row("b", "John Smith Company", "company"), False),
    ],
)
def test_resolve_fragments(a: EntityRow, b: EntityRow, joined: bool) -> None:
    assert same(cluster([a, b]), "a", "b") is joined
