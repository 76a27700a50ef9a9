"""The bracket-first search for "Long Name (ACRONYM)" returns what a whole-text search does."""

from __future__ import annotations

import random
import re

from pipeline.link.kinds import _definition

WORDS = ["the", "unit", "Virtual", "Assets", "fund", "of", "and", "Bank", "said", "(", ")", "\n"]


def plain(text: str, acronym: str) -> re.Match[str] | None:
    quoted = re.escape(acronym)
    return re.search(rf"([^()\n]{{3,120}}?)\s*\(\s*(?:the\s+)?[\"“]?{quoted}[\"”]?\s*\)", text)


def test_same_match_as_the_whole_text_search_on_generated_texts() -> None:
    rng = random.Random(7)
    defined = 0
    for _ in range(400):
        parts = [rng.choice(WORDS) for _ in range(rng.randint(5, 200))]
        for _ in range(rng.randint(0, 3)):
            bracket = rng.choice(["(VAU)", "( the VAU )", "(“VAU”)", "(VAU", " " * 130 + "(VAU)"])
            parts.insert(rng.randint(0, len(parts)), bracket)
        text = " ".join(parts)
        expected = plain(text, "VAU")
        found = _definition(text, "VAU")
        assert (found and (found.span(), found.groups())) == (
            expected and (expected.span(), expected.groups())
        ), text
        defined += expected is not None
    assert 50 < defined < 350  # both outcomes are exercised


def test_undefined_acronym_and_long_whitespace() -> None:
    assert _definition("the VAU acted alone. " * 50, "VAU") is None
    text = "Virtual Assets Unit" + " " * 300 + "(VAU) seized funds"
    match = _definition(text, "VAU")
    assert match is not None and match.group(1) == "Virtual Assets Unit"
