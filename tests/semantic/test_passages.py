"""Passages: sentence windows within a page, with offsets that point exactly into the text."""

from __future__ import annotations

import pytest

from pipeline.records import Document, Page
from pipeline.semantic.passages import MAX_SENTENCE_CHARS, passages, sentence_spans


def _document(pages: list[str], has_text: tuple[bool, ...] | None = None) -> Document:
    parts, records, offset = [], [], 0
    for number, text in enumerate(pages, start=1):
        if number > 1:
            parts.append("\f")
            offset += 1
        flag = True if has_text is None else has_text[number - 1]
        records.append(Page(number, offset, offset + len(text), has_text=flag))
        parts.append(text)
        offset += len(text)
    return Document("d" * 64, "doc.txt", "text", "".join(parts), tuple(records))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The first one. The second one. Third one!",
            ["The first one.", "The second one.", "Third one!"],
        ),
        ("Short. Tiny. A longer sentence.", ["Short. Tiny.", "A longer sentence."]),
        (
            "Mr. Ri met Dr. Kim in the U.S. on Monday. Then he left.",
            ["Mr. Ri met Dr. Kim in the U.S. on Monday.", "Then he left."],
        ),
        (
            "Chad E. Whitfield paid $1.25 million. It cleared.",
            ["Chad E. Whitfield paid $1.25 million.", "It cleared."],
        ),
        (
            "Under 18 U.S.C. § 1956 it is a crime. Yes.",
            ["Under 18 U.S.C. § 1956 it is a crime.", "Yes."],
        ),
        ('He said "stop." Then silence.', ['He said "stop."', "Then silence."]),
        ("152.  The Panel wrote. It waited.", ["152.  The Panel wrote.", "It waited."]),
        (
            "Heading without stop\n\nBody sentence one. Body two.",
            ["Heading without stop", "Body sentence one.", "Body two."],
        ),
        ("lower case after a stop. does not split", ["lower case after a stop. does not split"]),
        ("   padded sentence.   ", ["padded sentence."]),
    ],
)
def test_sentence_spans_split_where_sentences_end(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == expected


def test_sentence_spans_cut_long_runs_at_whitespace() -> None:
    text = " ".join(["0xabc123"] * 300)
    spans = sentence_spans(text)
    assert len(spans) > 1
    assert all(b - a <= MAX_SENTENCE_CHARS for a, b in spans)
    assert all(text[a:b] == text[a:b].strip() and text[a:b] for a, b in spans)


@pytest.mark.parametrize(
    ("sentences", "window", "stride", "expected"),
    [
        (1, 3, 2, [(0, 1)]),
        (3, 3, 2, [(0, 3)]),
        (4, 3, 2, [(0, 3), (2, 4)]),
        (6, 3, 2, [(0, 3), (2, 5), (4, 6)]),
        (5, 2, 1, [(0, 2), (1, 3), (2, 4), (3, 5)]),
        (4, 1, 1, [(0, 1), (1, 2), (2, 3), (3, 4)]),
    ],
)
def test_passages_window_and_stride(
    sentences: int, window: int, stride: int, expected: list[tuple[int, int]]
) -> None:
    names = [f"Sentence number {i} is here." for i in range(sentences)]
    doc = _document([" ".join(names)])
    got = passages(doc, window, stride)
    spans = sentence_spans(doc.text)
    assert [(p.start, p.end) for p in got] == [(spans[a][0], spans[b - 1][1]) for a, b in expected]


def test_passages_offsets_are_exact_and_stay_on_their_page() -> None:
    doc = _document(
        [
            "First page one. First page two. First page three. First page four.",
            "Second page one. Second page two.",
        ]
    )
    got = passages(doc)
    assert got, "no passages"
    for p in got:
        assert doc.text[p.start : p.end] == p.text
        page = doc.pages[p.page - 1]
        assert page.start <= p.start < p.end <= page.end
    assert {p.page for p in got} == {1, 2}
    assert all("\f" not in p.text for p in got)


def test_passages_skip_pages_without_text_and_keep_ids_stable() -> None:
    doc = _document(["Scanned noise.", "Real text here. More text."], has_text=(False, True))
    got = passages(doc)
    assert {p.page for p in got} == {2}
    assert [p.id for p in got] == [p.id for p in passages(doc)]
    assert len({p.id for p in got}) == len(got)


def test_passage_flat_joins_wrapped_lines() -> None:
    doc = _document(["A line that\nwraps   here. Next."])
    assert passages(doc)[0].flat == "A line that wraps here. Next."


@pytest.mark.parametrize(("window", "stride"), [(0, 1), (2, 3), (3, 0)])
def test_passages_reject_bad_windows(window: int, stride: int) -> None:
    with pytest.raises(ValueError):
        passages(_document(["Text."]), window, stride)
