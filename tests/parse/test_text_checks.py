"""The quick text checks count what their definitions say, on random text of every kind."""

from __future__ import annotations

import random

from pipeline.parse.base import control_ratio

# C0 controls, tab, line and form feeds, Unicode spaces, letters, DEL and NEL.
ALPHABET = [chr(i) for i in range(40)] + ["a", "é", "\u2028", "\x85", "\xa0", "\u3000", "\x7f"]


def test_control_ratio_counts_controls_other_than_tab_and_line_ends() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 30)))
        bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
        assert control_ratio(text) == bad / len(text), repr(text)
    assert control_ratio("") == 0.0


def test_split_counts_the_characters_isspace_leaves() -> None:
    # pipeline.parse.pdf counts a page's visible characters as len("".join(text.split())).
    rng = random.Random(8)
    for _ in range(5000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        assert len("".join(text.split())) == sum(1 for ch in text if not ch.isspace())
