"""Build models/countries.json, the country gazetteer that pipeline/extract/geo.py reads.

The runtime never imports the libraries used here. Run it from a throwaway venv:

    python -m venv /tmp/geovenv
    /tmp/geovenv/bin/pip install pycountry rigour countryinfo
    /tmp/geovenv/bin/python models/tools/build_countries.py

Last built with pycountry 26.2.16, rigour 2.6.1 and countryinfo 1.0.1. pycountry gives
the ISO 3166-1 code list and ISO names, rigour the official long names, countryinfo the
demonyms and capitals. The tables below were checked by hand and add what the libraries
lack or get wrong; a name that two codes claim fails the build unless AMBIGUOUS settles it.
The file runs past the usual module length because most of it is that data.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import countryinfo  # type: ignore[import-not-found]
import pycountry  # type: ignore[import-not-found]
from rigour.territories import get_territory  # type: ignore[import-not-found]

OUT = Path(__file__).resolve().parents[1] / "countries.json"
FORMS = ("name", "short", "official", "abbreviation", "demonym", "capital")

# Preferred English short name where the ISO one is inverted or not what analysts write.
PREFERRED = {
    "BO": "Bolivia",
    "BN": "Brunei",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CV": "Cabo Verde",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "MF": "Saint Martin",
    "MO": "Macau",
    "PS": "Palestine",
    "RU": "Russia",
    "SH": "Saint Helena",
    "SX": "Sint Maarten",
    "SY": "Syria",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "VA": "Vatican City",
    "VE": "Venezuela",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
    "VN": "Vietnam",
}

# Hand-checked extra surfaces: code -> form -> texts. The domain-critical ones live here.
CURATED: dict[str, dict[str, list[str]]] = {
    "KP": {
        "short": [
            "N. Korea",
            "DPR Korea",
            "DPR of Korea",
            "D.P.R. Korea",
            "Korea, North",
            "Korea (North)",
            "Korea, DPR",
            "Korea DPR",
        ],
        "official": [
            "Democratic People's Republic of Korea",
            "Korea, Democratic People's Republic of",
        ],
        "abbreviation": ["DPRK", "D.P.R.K."],
        "demonym": ["North Korean", "North Koreans"],
        "capital": ["Pyongyang"],
    },
    "KR": {
        "short": ["S. Korea", "Korea, South", "Korea (South)"],
        "official": ["Republic of Korea", "Korea, Republic of"],
        "abbreviation": ["ROK", "R.O.K."],
        "demonym": ["South Korean", "South Koreans"],
        "capital": ["Seoul"],
    },
    "MM": {
        "short": ["Burma"],
        "official": ["Republic of the Union of Myanmar"],
        "demonym": ["Burmese"],
        "capital": ["Naypyidaw", "Nay Pyi Taw", "Naypyitaw", "Nay Pyi Daw"],
    },
    "LA": {
        "short": ["Lao PDR", "Lao P.D.R."],
        "official": ["Lao People's Democratic Republic"],
        "demonym": ["Lao", "Laotian", "Laotians"],
        "capital": ["Vientiane"],
    },
    # "Hong Kong, China" is left out: it would swallow "China" in lists like "Japan, Hong Kong,
    # China and Korea".
    "MO": {
        "short": ["Macao", "Macau SAR", "Macao SAR"],
        "official": [
            "Macao Special Administrative Region",
            "Macau Special Administrative Region",
            "Macao Special Administrative Region of China",
            "Macao Special Administrative Region of the People's Republic of China",
        ],
        "demonym": ["Macanese"],
    },
    "HK": {
        "short": ["Hongkong", "Hong Kong SAR"],
        "official": [
            "Hong Kong Special Administrative Region",
            "Hong Kong Special Administrative Region of China",
            "Hong Kong Special Administrative Region of the People's Republic of China",
        ],
        "abbreviation": ["HKSAR"],
        "demonym": ["Hong Konger", "Hong Kongers", "Hongkonger", "Hongkongers"],
    },
    "TW": {
        "short": ["Chinese Taipei", "Republic of China"],
        "official": ["Taiwan, Province of China"],
        "abbreviation": ["ROC"],
        "demonym": ["Taiwanese"],
        "capital": ["Taipei"],
    },
    "CN": {
        "short": ["PR China", "P.R. China", "Mainland China"],
        "official": ["People's Republic of China"],
        "abbreviation": ["PRC", "P.R.C."],
        "demonym": ["Chinese"],
        "capital": ["Beijing", "Peking"],
    },
    "VN": {
        "short": ["Viet Nam"],
        "official": ["Socialist Republic of Viet Nam", "Socialist Republic of Vietnam"],
        "capital": ["Hanoi", "Ha Noi"],
    },
    "KH": {
        "short": ["Kampuchea"],
        "official": ["Kingdom of Cambodia"],
        "demonym": ["Cambodian", "Cambodians"],
        "capital": ["Phnom Penh"],
    },
    "PH": {
        "official": ["Republic of the Philippines"],
        "demonym": ["Filipino", "Filipinos", "Filipina", "Filipinas", "Philippine"],
        "capital": ["Manila"],
    },
    "TH": {"demonym": ["Thai", "Thais"], "capital": ["Bangkok"]},
    "MY": {"capital": ["Kuala Lumpur", "Putrajaya"]},
    "SG": {"demonym": ["Singaporean", "Singaporeans"]},
    "TL": {"short": ["East Timor", "Timor Leste"], "demonym": ["Timorese", "East Timorese"]},
    "AE": {
        "short": ["Emirates"],
        "abbreviation": ["UAE", "U.A.E."],
        "demonym": ["Emirati", "Emiratis"],
        "capital": ["Abu Dhabi"],
    },
    "GB": {
        "short": ["Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland"],
        "abbreviation": ["UK", "U.K."],
        "demonym": ["British", "Briton", "Britons", "Brit", "Brits"],
    },
    "US": {
        "short": ["America", "United States of America", "U.S. of A."],
        "abbreviation": ["US", "U.S.", "USA", "U.S.A."],
        "demonym": ["American", "Americans"],
        "capital": ["Washington", "Washington, D.C.", "Washington D.C.", "Washington DC"],
    },
    "RU": {
        "short": ["Russian Federation"],
        "demonym": ["Russian", "Russians"],
        "capital": ["Moscow"],
    },
    "IR": {
        "short": ["Persia"],
        "official": ["Islamic Republic of Iran"],
        "capital": ["Tehran", "Teheran"],
    },
    "SY": {"short": ["Syrian Arab Republic"], "capital": ["Damascus"]},
    "TR": {
        "short": ["Turkey", "Turkiye"],
        "official": ["Republic of Turkey"],
        "demonym": ["Turkish", "Turk", "Turks"],
        "capital": ["Ankara"],
    },
    "CZ": {"short": ["Czech Republic"], "demonym": ["Czech", "Czechs"]},
    "CI": {
        "short": ["Ivory Coast", "Cote d'Ivoire"],
        "demonym": ["Ivorian", "Ivorians"],
        "capital": ["Yamoussoukro"],
    },
    "SZ": {
        "short": ["Swaziland"],
        "official": ["Kingdom of Swaziland"],
        "demonym": ["Swazi", "Swazis", "Emaswati"],
        "capital": ["Mbabane", "Lobamba"],
    },
    "NL": {"short": ["Holland"], "demonym": ["Dutch"]},
    "CD": {
        "short": [
            "DR Congo",
            "D.R. Congo",
            "Congo-Kinshasa",
            "Democratic Republic of Congo",
            "Congo, Democratic Republic of the",
        ],
        "abbreviation": ["DRC"],
    },
    "CG": {"short": ["Congo-Brazzaville", "Congo Republic", "Congo, Republic of the"]},
    "SA": {"abbreviation": ["KSA"], "demonym": ["Saudi", "Saudis", "Saudi Arabian"]},
    "VG": {"abbreviation": ["BVI"]},
    "VI": {"short": ["US Virgin Islands", "United States Virgin Islands"]},
    "XK": {
        "name": ["Kosovo"],
        "official": ["Republic of Kosovo"],
        "demonym": ["Kosovar", "Kosovars", "Kosovan"],
        "capital": ["Pristina", "Prishtina"],
    },
    "PS": {
        "short": [
            "State of Palestine",
            "Palestinian Territories",
            "Occupied Palestinian Territory",
        ],
        "demonym": ["Palestinian", "Palestinians"],
        "capital": ["Ramallah"],
    },
    "VA": {"short": ["Holy See", "Vatican"]},
    "MK": {"short": ["Macedonia"], "demonym": ["North Macedonian"]},
    "KZ": {"demonym": ["Kazakh", "Kazakhs"], "capital": ["Astana"]},
    "KG": {"short": ["Kyrgyz Republic"], "demonym": ["Kyrgyz"]},
    "TJ": {"demonym": ["Tajik", "Tajiks"]},
    "UZ": {"demonym": ["Uzbek", "Uzbeks"]},
    "AZ": {"demonym": ["Azeri", "Azeris"]},
    "NP": {"demonym": ["Nepali"]},
    "AR": {"demonym": ["Argentine"]},
    "EC": {"demonym": ["Ecuadorian"]},
    "CV": {"short": ["Cape Verde"], "demonym": ["Cape Verdean"]},
    "MV": {"demonym": ["Maldivian"]},
    "KM": {"demonym": ["Comorian"]},
    "SR": {"demonym": ["Surinamese"]},
    "GW": {"short": ["Guinea Bissau"], "demonym": ["Bissau-Guinean"]},
    "BW": {"demonym": ["Botswanan", "Batswana"]},
    "LS": {"demonym": ["Basotho"]},
    "SI": {"demonym": ["Slovenian"]},
    "IS": {"demonym": ["Icelandic"]},
    "GL": {"demonym": ["Greenlander"]},
    "DK": {"demonym": ["Dane", "Danes"]},
    "SE": {"demonym": ["Swede", "Swedes"]},
    "FI": {"demonym": ["Finn", "Finns"]},
    "PL": {"demonym": ["Pole", "Poles"]},
    "ES": {"demonym": ["Spaniard", "Spaniards"]},
    "RS": {"demonym": ["Serb", "Serbs"]},
    "HR": {"demonym": ["Croat", "Croats"]},
    "BA": {"short": ["Bosnia"]},
    "MC": {"demonym": ["Monacan"]},
    "LU": {"demonym": ["Luxembourgish"]},
    "VU": {"demonym": ["Ni-Vanuatu"]},
    "KI": {"demonym": ["I-Kiribati"]},
    "UA": {"capital": ["Kyiv", "Kiev"]},
    "MN": {"capital": ["Ulaanbaatar", "Ulan Bator"]},
    "YE": {"capital": ["Sanaa"]},
    "BO": {"capital": ["La Paz"]},
    "LK": {"capital": ["Sri Jayawardenepura Kotte"]},
    "IN": {"capital": ["New Delhi"]},
}

# Surfaces whose everyday sense (person name, common word, US state, language) is as
# likely as the country, so a caller must confirm them from context.
RISKY = {
    "Jordan",
    "Chad",
    "Georgia",
    "Georgian",
    "Georgians",
    "Turkey",
    "Guinea",
    "Jersey",
    "Holland",
    "America",
    "American",
    "Americans",
    "US",
    "ROC",
    "Reunion",
    "Polish",
    "Indian",
    "Indians",
    "Pole",
    "Poles",
    "Turk",
    "Micronesia",
    "Macedonia",
    "Brit",
    "Persia",
    "Emirates",
    "Finn",
    "Dane",
}

# Names that mean two or more codes; lookup() returns None for them and find_countries()
# skips them, because which one is meant depends on the document.
AMBIGUOUS = {
    "Korea": ["KP", "KR"],
    "Korean": ["KP", "KR"],
    "Koreans": ["KP", "KR"],
    "Congo": ["CD", "CG"],
    "Congolese": ["CD", "CG"],
    "Dominican": ["DM", "DO"],
    "Dominicans": ["DM", "DO"],
    "Virgin Islands": ["VG", "VI"],
    "Channel Islander": ["GG", "JE"],
}

# Longer phrases that contain a country word but are not that country; matching them first
# stops the shorter word from being reported.
BLOCKERS = [
    "New Guinea",
    "New Jersey",
    "New Mexico",
    "New South Wales",
    "Guinea pig",
    "Guinea pigs",
    "Latin America",
    "Latin American",
    "South America",
    "South American",
    "North America",
    "North American",
    "Central America",
    "Central American",
    "Pan-American",
    "Indian Ocean",
    "Niger Delta",
    "Niger River",
    "British Columbia",
    "Washington State",
    "Korean Peninsula",
    "Jordan River",
    "Georgia Tech",
]

# Dependent territories rigour counts as countries. Their capitals are small towns with
# generic names (The Valley, Hamilton, Stanley, Plymouth), so they get none, and a demonym
# they share goes to the sovereign state.
DEPENDENT = {
    *("AW", "AI", "AX", "BM", "CC", "CK", "CW", "CX", "KY", "EH", "FK", "FO", "GG", "GI"),
    *("GL", "GS", "IM", "IO", "JE", "MS", "NF", "NU", "PN", "SH", "SX", "TC", "VG", "WF"),
}
DROP_DEMONYMS = {
    "Channel Islander",
    "Djibouti",
    "Gibraltar",
    "Christmas Island",
    "Tadzhik",
    "Kirghiz",
    "Cape Verdian",
    "Maldivan",
    "Vaticanian",
    "Serbian/Montenegrin",
}
# Adjective-only or invariant demonyms take no plural "s" (Chinese, Swiss, Malagasy, Icelandic).
NO_PLURAL = re.compile(r"(ese|ss|sh|ch|[sxzy]|ic| and .*|^Ni-.*|^I-.*|Manx|Motswana|Mosotho)$")
FOLD_EXCEPT = {"Malé"}  # "Male" is an English word; keep only the accented capital
ENGLISH_LONG = re.compile(
    r"\b(Republic|Kingdom|State|States|Commonwealth|Federation|Union|"
    r"Principality|Duchy|Sultanate|Territory|Bailiwick|Confederation)\b"
)
FOREIGN = re.compile(r"\b(des|de|du|la|ya|wa|e|di|blong|of Naoero)\b")
PRIORITY = {form: rank for rank, form in enumerate(FORMS)}


def norm(text: str) -> str:
    """Return the lookup key for a surface, exactly as geo.py computes it."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\u2018\u2019\u02bc`]", "'", text)
    text = re.sub(r"[\u2010-\u2014]", "-", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def fold(text: str) -> str:
    """Strip accents so that "Cote d'Ivoire" is found as well as "Côte d'Ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def variants(text: str) -> set[str]:
    """Spell one surface the ways documents do: accents, St., &, hyphen, apostrophe."""
    text = re.sub(r"^the ", "", text, flags=re.IGNORECASE).strip()
    out = {text, re.sub(r"\s*[\(\[][^)\]]*[\)\]]", "", text).strip()}
    for item in list(out):
        if item not in FOLD_EXCEPT:
            out.add(fold(item))
    for item in list(out):
        if item.startswith("Saint "):
            out |= {"St. " + item[6:], "St " + item[6:]}
    for item in list(out):
        if " and " in item:
            out.add(item.replace(" and ", " & "))
        if re.search(r"\w-\w", item) and not item.startswith(("I-", "Ni-", "Pan-")):
            out.add(item.replace("-", " "))
        if "'s " in item:
            out.add(item.replace("'s ", "s "))
    return {item for item in out if item}


def sovereign(code: str) -> bool:
    """Say whether a code is a state rather than a dependent territory."""
    return code == "XK" or (get_territory(code.lower()).is_country and code not in DEPENDENT)


def countryinfo_rows() -> dict[str, dict[str, Any]]:
    """Return countryinfo's record per alpha-2 code, preferring ones with plain strings."""
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted((Path(countryinfo.__file__).parent / "data").glob("*.json")):
        row = json.loads(path.read_text(encoding="utf-8"))
        code = (row.get("ISO") or {}).get("alpha2")
        if code and (code not in rows or isinstance(row.get("capital"), str)):
            rows[code] = row
    return rows


def collect() -> tuple[dict[str, str], dict[str, list[tuple[str, str, str]]]]:
    """Gather (surface, code, form) candidates keyed by normalised surface."""
    info = countryinfo_rows()
    names: dict[str, str] = {}
    found: dict[str, list[tuple[str, str, str]]] = {}

    def add(code: str, form: str, surface: str) -> None:
        for item in variants(surface):
            found.setdefault(norm(item), []).append((item, code, form))

    codes = [c.alpha_2 for c in pycountry.countries] + ["XK"]
    for code in codes:
        iso = pycountry.countries.get(alpha_2=code)
        terr = get_territory(code.lower())
        row = info.get(code, {})
        iso_name = iso.name if iso else terr.name
        preferred = PREFERRED.get(code) or getattr(iso, "common_name", None) or iso_name
        names[code] = preferred
        add(code, "name", preferred)
        add(code, "official" if "," in iso_name else "short", iso_name)
        for long_name in (getattr(iso, "official_name", None), terr.full_name):
            if long_name:
                add(code, "official", long_name)
        for alt in row.get("altSpellings", []):
            if ENGLISH_LONG.search(alt) and alt.isascii() and not FOREIGN.search(alt):
                add(code, "official", alt)
        demonyms = row.get("demonym")
        for demonym in (demonyms or "").split(",") if isinstance(demonyms, str) else []:
            demonym = demonym.strip()
            if demonym and demonym not in DROP_DEMONYMS:
                add(code, "demonym", demonym)
                if not NO_PLURAL.search(demonym):
                    add(code, "demonym", demonym + "s")
        capital = row.get("capital")
        if sovereign(code) and isinstance(capital, str) and capital:
            add(code, "capital", capital)
        for form, surfaces in CURATED.get(code, {}).items():
            for surface in surfaces:
                add(code, form, surface)
    return names, found


def resolve(found: dict[str, list[tuple[str, str, str]]]) -> list[dict[str, Any]]:
    """Pick one (code, form) per key; fail loudly on a clash nobody settled."""
    ambiguous = {norm(k) for k in AMBIGUOUS}
    risky = {norm(k) for k in RISKY}
    rows = []
    for key, cands in sorted(found.items()):
        if key in ambiguous or key in {norm(b) for b in BLOCKERS}:
            continue
        best_rank = min(PRIORITY[form] for _, _, form in cands)
        top = [c for c in cands if PRIORITY[c[2]] == best_rank]
        codes = {code for _, code, _ in top}
        if len(codes) > 1 and top[0][2] in ("demonym", "capital"):
            # A shared demonym or capital goes to the sovereign state (French -> FR).
            states = {c for c in codes if sovereign(c)}
            codes = states if len(states) == 1 else codes
            top = [c for c in top if c[1] in codes]
        if len(codes) > 1:
            raise SystemExit(f"unsettled clash for {key!r}: {sorted(codes)}")
        surface, code, form = top[0]
        is_risky = key in risky or form == "capital"
        if form == "abbreviation":
            # Abbreviations match case-sensitively, so keep every spelling as its own row.
            for text in sorted({s for s, _, f in top if f == "abbreviation"}):
                rows.append({"text": text, "code": code, "form": form, "risky": is_risky})
            continue
        rows.append({"text": surface, "code": code, "form": form, "risky": is_risky})
    return rows


def main() -> None:
    """Write models/countries.json."""
    names, found = collect()
    rows = resolve(found)
    doc = {
        "about": "ISO 3166-1 alpha-2 gazetteer for pipeline/extract/geo.py; "
        "built by models/tools/build_countries.py from pycountry, rigour and countryinfo "
        "plus hand-checked entries.",
        "forms": list(FORMS),
        "names": dict(sorted(names.items())),
        "ambiguous": AMBIGUOUS,
        "blockers": sorted(BLOCKERS),
        "entries": rows,
    }
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    head = json.dumps(
        {k: v for k, v in doc.items() if k != "entries"}, ensure_ascii=False, indent=1
    )
    # One entry per line keeps review diffs readable.
    OUT.write_text(
        head[:-2] + ',\n "entries": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
