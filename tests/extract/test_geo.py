"""Tests for the country gazetteer in pipeline/extract/geo.py."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.extract.geo import (
    DATA_PATH,
    CountryHit,
    ambiguous_codes,
    country_name,
    default_gazetteer,
    find_countries,
    is_pronoun_us,
    lookup,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
TABLE = json.loads(DATA_PATH.read_text(encoding="utf-8"))

NAMES = [
    ("DPRK", "KP"),
    ("D.P.R.K.", "KP"),
    ("North Korea", "KP"),
    ("N. Korea", "KP"),
    ("DPR Korea", "KP"),
    ("Democratic People's Republic of Korea", "KP"),
    ("Democratic People\u2019s Republic of Korea", "KP"),
    ("Korea, North", "KP"),
    ("Korea, Democratic People's Republic of", "KP"),
    ("South Korea", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea, Republic of", "KR"),
    ("ROK", "KR"),
    ("Burma", "MM"),
    ("Myanmar", "MM"),
    ("Lao PDR", "LA"),
    ("Laos", "LA"),
    ("Lao People's Democratic Republic", "LA"),
    ("Macau", "MO"),
    ("Macao", "MO"),
    ("Macao SAR", "MO"),
    ("Hong Kong", "HK"),
    ("HKSAR", "HK"),
    ("Hong Kong SAR", "HK"),
    ("Viet Nam", "VN"),
    ("Vietnam", "VN"),
    ("UAE", "AE"),
    ("United Arab Emirates", "AE"),
    ("UK", "GB"),
    ("U.K.", "GB"),
    ("United Kingdom", "GB"),
    ("Britain", "GB"),
    ("Great Britain", "GB"),
    ("US", "US"),
    ("U.S.", "US"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("United States", "US"),
    ("United States of America", "US"),
    ("America", "US"),
    ("Russia", "RU"),
    ("Russian Federation", "RU"),
    ("Iran", "IR"),
    ("Islamic Republic of Iran", "IR"),
    ("Syria", "SY"),
    ("Syrian Arab Republic", "SY"),
    ("Türkiye", "TR"),
    ("Turkiye", "TR"),
    ("Turkey", "TR"),
    ("Czechia", "CZ"),
    ("Czech Republic", "CZ"),
    ("Côte d'Ivoire", "CI"),
    ("Cote d\u2019Ivoire", "CI"),
    ("Ivory Coast", "CI"),
    ("PRC", "CN"),
    ("China", "CN"),
    ("People's Republic of China", "CN"),
    ("Taiwan", "TW"),
    ("Republic of China", "TW"),
    ("Cambodia", "KH"),
    ("Kingdom of Cambodia", "KH"),
    ("Philippines", "PH"),
    ("the Philippines", "PH"),
    ("Timor-Leste", "TL"),
    ("East Timor", "TL"),
    ("Eswatini", "SZ"),
    ("Swaziland", "SZ"),
    ("Kosovo", "XK"),
    ("Palestine", "PS"),
    ("Singapore", "SG"),
    ("Thailand", "TH"),
    ("Papua New Guinea", "PG"),
    ("Guinea-Bissau", "GW"),
    ("Democratic Republic of the Congo", "CD"),
    ("Republic of the Congo", "CG"),
    ("DRC", "CD"),
    ("St. Lucia", "LC"),
    ("Trinidad & Tobago", "TT"),
    ("north korea", "KP"),
    ("NORTH KOREA", "KP"),
    ("North Korea's", "KP"),
    ("Cambodia\u2019s", "KH"),
    ("(DPRK)", "KP"),
]

DEMONYMS = [
    ("North Korean", "KP"),
    ("North Koreans", "KP"),
    ("South Korean", "KR"),
    ("Cambodian", "KH"),
    ("Filipino", "PH"),
    ("Philippine", "PH"),
    ("Thai", "TH"),
    ("Lao", "LA"),
    ("Laotian", "LA"),
    ("Burmese", "MM"),
    ("Vietnamese", "VN"),
    ("Chinese", "CN"),
    ("Macanese", "MO"),
    ("Hong Konger", "HK"),
    ("Singaporean", "SG"),
    ("Malaysian", "MY"),
    ("Indonesian", "ID"),
    ("American", "US"),
    ("British", "GB"),
    ("Russian", "RU"),
    ("Iranian", "IR"),
    ("Emirati", "AE"),
    ("Japanese", "JP"),
    ("Australian", "AU"),
    ("Taiwanese", "TW"),
    ("Omani", "OM"),
    ("Kosovar", "XK"),
    ("Palestinian", "PS"),
    ("French", "FR"),
    ("Dutch", "NL"),
    ("Swiss", "CH"),
]

CAPITALS = [
    ("Pyongyang", "KP"),
    ("Phnom Penh", "KH"),
    ("Manila", "PH"),
    ("Bangkok", "TH"),
    ("Vientiane", "LA"),
    ("Naypyidaw", "MM"),
    ("Nay Pyi Taw", "MM"),
    ("Hanoi", "VN"),
    ("Beijing", "CN"),
    ("Seoul", "KR"),
    ("Tokyo", "JP"),
    ("Moscow", "RU"),
    ("Tehran", "IR"),
    ("Washington", "US"),
    ("Kuala Lumpur", "MY"),
    ("Jakarta", "ID"),
    ("Taipei", "TW"),
    ("Abu Dhabi", "AE"),
    ("London", "GB"),
    ("Kyiv", "UA"),
]


@pytest.mark.parametrize(("text", "code"), NAMES)
def test_lookup_names_and_aliases(text: str, code: str) -> None:
    found = lookup(text)
    assert found is not None and found[0] == code


@pytest.mark.parametrize(("text", "code"), DEMONYMS)
def test_lookup_demonyms(text: str, code: str) -> None:
    assert lookup(text) == (code, "demonym")


@pytest.mark.parametrize(("text", "code"), CAPITALS)
def test_lookup_capitals(text: str, code: str) -> None:
    assert lookup(text) == (code, "capital")


@pytest.mark.parametrize(
    "text",
    [
        "us",
        "Us",
        "china",
        "turkey",
        "jordan",
        "chad",
        "Korea",
        "Korean",
        "Congo",
        "Congolese",
        "Dominican",
        "Atlantis",
        "",
        "New Guinea",
        "Latin America",
        "U.s.",
    ],
)
def test_lookup_rejects_non_countries(text: str) -> None:
    assert lookup(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("North Korea", ("KP", "name")),
        ("Burma", ("MM", "short")),
        ("Republic of Korea", ("KR", "official")),
        ("DPRK", ("KP", "abbreviation")),
        ("St. John's", ("AG", "capital")),
    ],
)
def test_lookup_reports_form(text: str, expected: tuple[str, str]) -> None:
    assert lookup(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("North Korea's hackers", [("North Korea", "KP")]),
        ("in Cambodia\u2019s casinos", [("Cambodia", "KH")]),
        ("the regime (DPRK) said", [("DPRK", "KP")]),
        ("Thailand-Myanmar border", [("Thailand", "TH"), ("Myanmar", "MM")]),
        ("junkets in the Philippines", [("Philippines", "PH")]),
        ("Papua New Guinea and Guinea", [("Papua New Guinea", "PG"), ("Guinea", "GN")]),
        (
            "the Democratic People\u2019s Republic of Korea",
            [("Democratic People\u2019s Republic of Korea", "KP")],
        ),
        ("the Republic of Korea (ROK)", [("Republic of Korea", "KR"), ("ROK", "KR")]),
        ("North\nKorean IT workers", [("North\nKorean", "KP")]),
        ("a Romanian and an Omani", [("Romanian", "RO"), ("Omani", "OM")]),
        ("the U.S. Treasury and the U.K.", [("U.S.", "US"), ("U.K.", "GB")]),
        (
            "Lao PDR, Hong Kong SAR and Macau",
            [("Lao PDR", "LA"), ("Hong Kong SAR", "HK"), ("Macau", "MO")],
        ),
        ("South Sudan, not Sudan", [("South Sudan", "SS"), ("Sudan", "SD")]),
        ("Korea, North", [("Korea, North", "KP")]),
        ("Côte d'Ivoire and Cote d’Ivoire", [("Côte d'Ivoire", "CI"), ("Cote d’Ivoire", "CI")]),
    ],
)
def test_find_countries_spans(text: str, expected: list[tuple[str, str]]) -> None:
    hits = find_countries(text)
    assert [(h.text, h.code) for h in hits] == expected
    assert all(text[h.start : h.end] == h.text for h in hits)


@pytest.mark.parametrize(
    "text",
    [
        "Germanic Perusal Maliciously",
        "china plates and a turkey",
        "jordan",
        "LET US KNOW",
        "Contact US today",
        "New Guinea",
        "New Mexico",
        "Latin America",
        "Korea",
        "the Korean Peninsula",
        "US$5 million",
        "Chinatown",
        "Americas",
        "Indiana",
        "Congolese traders",
    ],
)
def test_find_countries_skips_non_mentions(text: str) -> None:
    assert find_countries(text) == []


@pytest.mark.parametrize(
    ("text", "code", "risky"),
    [
        ("Jordan", "JO", True),
        ("Chad", "TD", True),
        ("Georgia", "GE", True),
        ("Turkey", "TR", True),
        ("Türkiye", "TR", False),
        ("Guinea", "GN", True),
        ("America", "US", True),
        ("Americans", "US", True),
        ("Washington", "US", True),
        ("Pyongyang", "KP", True),
        ("Seoul", "KR", True),
        ("sent to US authorities", "US", True),
        ("U.S.", "US", False),
        ("China", "CN", False),
        ("Mali", "ML", False),
        ("DPRK", "KP", False),
        ("Niger", "NE", False),
    ],
)
def test_find_countries_risky_flag(text: str, code: str, risky: bool) -> None:
    hits = find_countries(text)
    assert len(hits) == 1
    assert (hits[0].code, hits[0].risky) == (code, risky)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LET US KNOW", True),
        ("PLEASE CONTACT US", True),
        ("Join US now", True),
        ("ABOUT US", True),
        ("US SANCTIONS ON THE DPRK", True),
        ("US sanctions on the DPRK", False),
        ("extradited to US authorities", False),
        ("the US Treasury", False),
        ("USA", False),
    ],
)
def test_is_pronoun_us(text: str, expected: bool) -> None:
    assert is_pronoun_us(text, text.index("US")) is expected


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("KP", "North Korea"),
        ("kr", "South Korea"),
        ("MM", "Myanmar"),
        ("LA", "Laos"),
        ("MO", "Macau"),
        ("HK", "Hong Kong"),
        ("TW", "Taiwan"),
        ("PH", "Philippines"),
        ("XK", "Kosovo"),
        ("US", "United States"),
        ("GB", "United Kingdom"),
    ],
)
def test_country_name_preferred(code: str, name: str) -> None:
    assert country_name(code) == name


def test_country_name_unknown_code_raises() -> None:
    with pytest.raises(KeyError):
        country_name("QQ")


@pytest.mark.parametrize(
    ("text", "codes"), [("Korea", ("KP", "KR")), ("the Congo", ("CD", "CG")), ("Cambodia", ())]
)
def test_ambiguous_codes_lists_candidates(text: str, codes: tuple[str, ...]) -> None:
    assert ambiguous_codes(text) == codes


@pytest.mark.parametrize("code", sorted(TABLE["names"]))
def test_table_preferred_name_round_trips(code: str) -> None:
    found = lookup(country_name(code))
    assert found is not None and found[0] == code


def test_table_covers_iso_3166() -> None:
    codes = set(TABLE["names"])
    assert len(codes) >= 250
    assert {"HK", "MO", "TW", "PS", "XK", "KP", "KR", "EH", "AQ"} <= codes
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes)


def test_table_entries_are_well_formed() -> None:
    forms = set(TABLE["forms"])
    for row in TABLE["entries"]:
        assert row["code"] in TABLE["names"] and row["form"] in forms
        assert row["risky"] or row["form"] != "capital"


def test_find_countries_scans_one_megabyte_linearly() -> None:
    default_gazetteer()
    chunk = "Funds moved from North Korea's Lazarus Group via Cambodia and Macau casinos. "
    text = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]
    hits = find_countries(text)
    assert isinstance(hits[0], CountryHit) and len(hits) > 30_000
    assert _linear(find_countries, text[:100_000], text) < 30


def test_find_countries_real_advisory() -> None:
    pdf = (
        SHARED
        / "data"
        / "real-pdfs"
        / "R03_FinCEN-FIN-2020-A001_FATF-jurisdictions-DPRK-Iran-advisory.pdf"
    )
    if not pdf.exists():
        pytest.skip("shared/ real PDFs are absent")
    pdfplumber = pytest.importorskip("pdfplumber")
    with pdfplumber.open(pdf) as doc:
        text = "\n".join(page.extract_text() or "" for page in doc.pages)
    codes = {hit.code for hit in find_countries(text)}
    assert {"KP", "IR", "MM", "US"} <= codes


def _linear(fn: Callable[[str], object], small: str, large: str) -> float:
    """Return how many times longer `fn` takes on `large` than on `small` (best of three)."""

    def best(text: str) -> float:
        runs = []
        for _ in range(3):
            began = time.perf_counter()
            fn(text)
            runs.append(time.perf_counter() - began)
        return min(runs)

    return best(large) / max(best(small), 1e-6)
