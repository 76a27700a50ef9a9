"""Casino patterns read names, not the section headings of a report."""

from __future__ import annotations

import pytest

from pipeline.extract.components.casinos import heading_line
from pipeline.extract.extractor import Extractor
from pipeline.parse.base import PageText, assemble


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _casinos(extractor: Extractor, text: str) -> list[str]:
    document = assemble(text.encode(), "t.txt", "text", [PageText(text)])
    return [m.text for m in extractor.extract(document) if m.type == "casino"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Headings under a paragraph that ended a sentence: a topic, not a casino.
        ("The Panel tracked revenue of the DPRK.\nE. Casinos and junkets\nThe Panel met.", []),
        ("Funds reached a junket.\nIV. Casino junket\nCash-out\nNo names are known.", []),
        ("D. Junket operators\nCash-out\nLazarus used brokers.", []),
        # Names in prose still count, also when the line wraps inside the sentence.
        (
            "The group laundered the proceeds at the\nOkada Manila Resort and Casino in 2019.",
            ["Okada Manila Resort and Casino"],
        ),
        ("Chips were bought at the Golden Lotus Casino in Bavet.", ["Golden Lotus Casino"]),
    ],
)
def test_casino_headings_are_not_casinos(
    extractor: Extractor, text: str, expected: list[str]
) -> None:
    assert _casinos(extractor, text) == expected


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("Revenue of the DPRK.\nE. Casinos\nBody.", 22, True),
        ("laundered funds at the\nGolden Casino\n", 25, False),
        ("It paid the\nJin Bei Casino and\nothers.", 14, False),
        ("Cash-out", 0, True),
    ],
)
def test_casino_heading_line(text: str, at: int, expected: bool) -> None:
    assert heading_line(text, at) is expected
