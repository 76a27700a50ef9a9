"""Parsers: text per page with offsets, and one-line errors for bad files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import ParseError
from pipeline.ids import sha256_bytes
from pipeline.parse import parse, parse_bytes
from tests.conftest import shared_path


def test_pdf_pages_have_offsets_into_the_text(pdf_factory: Callable[..., Path]) -> None:
    path = pdf_factory(["First page about Lazarus.", "Second page about NagaWorld."])
    doc = parse(path)
    assert doc.kind == "pdf"
    assert doc.id == sha256_bytes(path.read_bytes())
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.page_text(doc.pages[0]) == "First page about Lazarus."
    assert doc.page_text(doc.pages[1]) == "Second page about NagaWorld."
    assert doc.page_at(doc.text.index("NagaWorld")) == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "corrupt"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not a PDF"),
    ],
)
def test_bad_pdf_raises_one_line(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    with pytest.raises(ParseError) as caught:
        parse(path)
    message = str(caught.value)
    assert reason in message and "\n" not in message and str(path) in message


def test_truncated_pdf_is_a_parse_error(pdf_factory: Callable[..., Path], tmp_path: Path) -> None:
    whole = pdf_factory(["A page " * 50, "Another page " * 50]).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 3])
    try:
        doc = parse(cut)
    except ParseError as exc:
        assert "corrupt" in str(exc) or "truncated" in str(exc)
    else:  # pdfium may recover what it can: then the text must still be real text
        assert all(ch.isprintable() or ch.isspace() for ch in doc.text)


def test_encrypted_pdf_with_password_says_so(encrypted_pdf: Callable[[str], Path]) -> None:
    with pytest.raises(ParseError, match="encrypted"):
        parse(encrypted_pdf("s3cret"))


def test_encrypted_pdf_with_empty_user_password_opens(
    encrypted_pdf: Callable[[str], Path],
) -> None:
    doc = parse(encrypted_pdf(""))
    assert "Lazarus Group" in doc.text


def test_pdf_over_page_limit_is_refused(pdf_factory: Callable[..., Path]) -> None:
    path = pdf_factory(["one", "two", "three"])
    with pytest.raises(ParseError, match="over the limit of 2"):
        parse(path, max_pages=2)


def test_html_keeps_article_and_drops_boilerplate() -> None:
    html = b"""<!doctype html><html><head><title>Junket crackdown | Example News</title>
    <meta property="article:published_time" content="2024-03-05T08:00:00Z">
    <meta name="author" content="Jane Roe"><style>.x{color:red}</style>
    <script>var tracking = "SCRIPT_SHOULD_NOT_APPEAR";</script></head><body>
    <nav><a href="/">Home</a><a href="/world">NAV_SHOULD_NOT_APPEAR</a></nav>
    <article><h1>Police raid junket operator</h1><p class="byline">By Jane Roe</p>
    <p>Police in Phnom Penh raided a junket operator linked to the Lazarus Group on Tuesday,
    seizing records of transfers worth more than US$20 million through NagaWorld.</p>
    <p>Investigators said the operator moved stolen funds for North Korean hackers for years,
    using accounts at several exchanges in the region and a network of money mules.</p>
    <p>The case is the first of its kind in Cambodia, according to officials familiar with it.</p>
    </article><footer>Copyright FOOTER_SHOULD_NOT_APPEAR</footer></body></html>"""
    doc = parse_bytes(html, "news.html", ".html")
    assert doc.kind == "html"
    assert "Lazarus Group" in doc.text and "NagaWorld" in doc.text
    for junk in ("SCRIPT_SHOULD_NOT_APPEAR", "NAV_SHOULD_NOT_APPEAR", "color:red"):
        assert junk not in doc.text
    assert doc.title == "Police raid junket operator"
    assert doc.date == "2024-03-05"
    assert doc.byline == "Jane Roe"


def test_broken_html_still_parses() -> None:
    html = b"<html><body><div><p>Huione Guarantee moved <b>funds<p>for scam compounds</div>"
    doc = parse_bytes(html, "broken.html", ".html")
    assert "Huione Guarantee" in doc.text


@pytest.mark.parametrize(
    ("data", "needle", "warned"),
    [
        ("Café in Phnom Penh – riel".encode("cp1252"), "Café in Phnom Penh – riel", True),
        ("Plain UTF-8 – Macau".encode(), "Plain UTF-8 – Macau", False),
        (
            "The “Café Lumière” account, a naïve front – €40,000.".encode("cp1252"),
            "The “Café Lumière” account, a naïve front – €40,000.",
            True,
        ),
        (b"\xef\xbb\xbfBOM text about OFAC", "BOM text about OFAC", False),
    ],
)
def test_text_decodes_any_encoding(data: bytes, needle: str, warned: bool) -> None:
    doc = parse_bytes(data, "notes.txt", ".txt")
    assert needle in doc.text
    assert bool(doc.warnings) is warned


def test_text_form_feed_splits_pages() -> None:
    doc = parse_bytes(b"page one\fpage two", "two.txt", ".txt")
    assert [doc.page_text(p) for p in doc.pages] == ["page one", "page two"]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ParseError, match="unknown file type"):
        parse_bytes(b"PK\x03\x04 zip bytes", "archive.zip", ".zip")


@pytest.mark.parametrize(
    ("name", "flagged", "pages"),
    [
        ("R09_EDCal-US-v-Sheikh-hearing-transcript_image-only.pdf", set(range(1, 36)), 35),
        ("R10_NDCal-Shimmick-v-RLI-stipulation_scanned.pdf", {1, 2}, 2),
        ("R12_FATF-ML-Typologies-2000-2001_garbled-font.pdf", {1, 2}, 30),
        ("R03_FinCEN-FIN-2020-A001_FATF-jurisdictions-DPRK-Iran-advisory.pdf", set(), 8),
    ],
)
def test_real_pdfs_flag_pages_without_text(name: str, flagged: set[int], pages: int) -> None:
    doc = parse(shared_path("real-pdfs", name))
    assert len(doc.pages) == pages
    assert {p.number for p in doc.pages if not p.has_text} == flagged
    assert "\x03" not in doc.text  # the garbled font's control characters never reach the text


def test_real_un_report_keeps_page_text() -> None:
    doc = parse(
        shared_path("real-pdfs", "R01_UN-S-2025-482_ISIL-AlQaida-Monitoring-Team-36th-report.pdf")
    )
    page3 = doc.page_text(doc.pages[2])
    assert page3.startswith("S/2025/482")
    assert "Thirty-sixth report" in page3


def test_pleading_line_numbers_are_dropped() -> None:
    margin = "\n".join(str(n) for n in range(1, 26))
    text = f"{margin}\nMR. SMITH: The funds went to Binance.\nTHE COURT: Noted.\nItem 3 of 7"
    doc = parse_bytes(text.encode(), "transcript.txt", ".txt")
    assert doc.text.startswith("MR. SMITH:")
    assert "Item 3 of 7" in doc.text
