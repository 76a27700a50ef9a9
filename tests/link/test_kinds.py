"""Actor kinds corrected from the words around each name in its document."""

from __future__ import annotations

import pytest

from pipeline.extract.extractor import Extractor
from pipeline.link import link
from pipeline.parse.base import PageText, assemble


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def kinds(extractor: Extractor, text: str) -> dict[str, str]:
    doc = assemble(text.encode(), "t.txt", "text", [PageText(text)])
    linked = link(doc, extractor.extract(doc))
    return {" ".join(m.text.split()): str(m.value.get("kind")) for m in linked.mentions}


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        (
            "Ross Ulbricht ran the Silk Road marketplace. Prosecutors said Ulbricht laundered "
            "the proceeds.",
            "Ulbricht",
            "person",
        ),
        (
            "The attackers emailed Deltec International Group, a bank that serves crypto firms.",
            "Deltec International Group",
            "bank",
        ),
        (
            "Victims paid the SamSam ransomware operators in bitcoin. SamSam encrypted hospitals.",
            "SamSam",
            "malware",
        ),
        (
            "The Virtual Assets Unit (VAU) of the agency tracks exchanges. The VAU reported "
            "its findings.",
            "VAU",
            "agency",
        ),
    ],
)
def test_context_decides_the_kind(extractor: Extractor, text: str, name: str, kind: str) -> None:
    found = kinds(extractor, text)
    assert found.get(name) == kind, found


def test_gazetteer_kind_is_kept(extractor: Extractor) -> None:
    found = kinds(extractor, "The Lazarus Group, a company of hackers, stole funds.")
    assert found["Lazarus Group"] == "group"


def test_a_name_kept_beside_attacks_is_a_group(extractor: Extractor) -> None:
    violent = kinds(
        extractor,
        "Wadi Fulan Front claimed two attacks last year. The attacks by Wadi Fulan Front killed "
        "twelve people.",
    )
    quiet = kinds(
        extractor,
        "Wadi Fulan Front opened an office last year. The office of Wadi Fulan Front hired "
        "twelve people.",
    )
    assert violent["Wadi Fulan Front"] == "group"
    assert quiet["Wadi Fulan Front"] != "group"
