"""Find money amounts in prose and normalise them to value or range, currency and qualifier.

Spans start at the currency or number, never at a qualifier ("about", "more than") or at
"between": those are reported in `qualifier` or implied by `min`/`max`. Qualifier mapping
(from models/currencies.json): about, around, roughly, some, (an) estimated, nearly,
almost, close to, circa and "~" all normalise to "approximately"; over, above, in excess
of, upwards of, exceeding -> "more than"; under, below -> "less than"; as much as -> "up to";
no less than -> "at least"; no more than -> "at most". Currencies are never converted.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.resources import model_file

# Longer than the ~300-line norm: the pattern and the code reading its groups change together.
DEFAULT_PATH = model_file("currencies.json")

# Number shapes, most specific first: 1,234,567.8 | 3,00,000 (Indian lakh grouping) |
# 1 234 567 (also thin/no-break spaces) |
# 1.234.567,89 | 1234.5. The lookahead stops "1,00" or "2.3.4" from matching in part.
_SEP = "[ \u00a0\u2009\u202f]"
_NUM = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d{{1,2}}(?:,\d{{2}})+,\d{{3}}(?:\.\d+)?"
    rf"|\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?"
    r"|\d{1,3}(?:\.\d{3})+,\d{1,2}|\d+(?:\.\d+)?)(?![\d]|[.,]\d)"
)
_CONN = r"(?:\s*[-\u2010\u2013\u2014]\s*|\s+(?:to|and)\s+)"
_UNIT_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen"
_UNIT_WORDS += " fourteen fifteen sixteen seventeen eighteen nineteen"
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split())}
_TEN_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * i for i, w in enumerate(_TEN_WORDS.split(), start=2)}
_WORDS = {**_UNITS, **_TENS, "a": 1, "an": 1}
_WORDNUM = (
    rf"(?i:(?:half\s+an?|(?:{'|'.join(_TENS)})(?:[-\s](?:{'|'.join(list(_UNITS)[1:10])}))?"
    rf"|{'|'.join(sorted(_UNITS, key=len, reverse=True))}|an?)(?:\s+hundred)?)"
)


@dataclass(frozen=True, slots=True)
class MoneyHit:
    """One money amount found in text, with its span and normalised fields."""

    start: int
    end: int
    text: str
    value: float | None
    min: float | None
    max: float | None
    currency: str
    qualifier: str | None
    ambiguous: bool
    candidates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Form:
    """What one currency spelling may mean and what it needs to count as money."""

    candidates: tuple[str, ...]
    cues: str = "none"  # "resolve": one cued candidate wins; "confirm": cues only confirm #1
    needs: str | None = None  # "scale" or "scale_or_grouped"


@dataclass(frozen=True, slots=True)
class CurrencyTable:
    """Compiled money vocabulary: the amount pattern and the lookups its matches need."""

    pattern: re.Pattern[str]
    exact: dict[str, Form]
    folded: dict[str, Form]
    scales: dict[str, Decimal]
    qualifier_pattern: re.Pattern[str]
    qualifiers: dict[str, str]
    cue_pattern: re.Pattern[str]
    cues: dict[str, str]
    guard_pattern: re.Pattern[str]

    def form(self, surface: str) -> Form:
        """Return the form a matched currency spelling stands for."""
        key = _squash(surface)
        return self.exact.get(key) or self.folded[key.lower()]


def _squash(text: str) -> str:
    """Collapse runs of whitespace (PDF line wraps) to single spaces."""
    return " ".join(text.split())


def _bare(scale: str) -> str:
    """Strip the whitespace or hyphen a scale group carries ("-million", "\\nbillion")."""
    return scale.strip().lstrip("-").strip()


def _alternation(pieces: list[tuple[str, bool]]) -> str:
    """Join literal forms longest first so "USDT" wins over "USD"; (form, case-insensitive)."""
    out = []
    for form, fold in sorted(set(pieces), key=lambda p: (-len(p[0]), p[0])):
        body = r"\s+".join(re.escape(part) for part in form.split())
        out.append(f"(?i:{body})" if fold else body)
    return "|".join(out)


def load_currencies(path: Path | None = None) -> CurrencyTable:
    """Read the currency vocabulary and compile it into a CurrencyTable."""
    source = path or DEFAULT_PATH
    try:
        data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the currency table {source}: {exc}") from exc
    exact: dict[str, Form] = {}
    folded: dict[str, Form] = {}
    prefix: list[tuple[str, bool]] = []
    suffix: list[tuple[str, bool]] = []
    cues: dict[str, str] = {}
    weak = set(data.get("weak_codes", []))

    def add(form: str, kind: str, entry: Form) -> None:
        if kind == "name":
            folded[_squash(form).lower()] = entry
            suffix.append((form, True))
            return
        exact[_squash(form)] = entry
        prefix.append((form, False))
        # "5 €" is common; "50 $100" is not, so "$" and lettered symbols stay prefix-only.
        if kind == "code" or ("$" not in form and not any(c.isalpha() for c in form)):
            suffix.append((form, False))

    for code, spec in data["currencies"].items():
        single = Form((code,))
        add(code, "code", Form((code,), needs="scale_or_grouped") if code in weak else single)
        for symbol in spec.get("symbols", []):
            add(symbol, "symbol", single)
        for name in spec.get("names", []):
            add(name, "name", single)
        for cue in spec.get("cues", []):
            cues[_squash(cue)] = code
    for group in data["shared"]:
        entry = Form(tuple(group["candidates"]), group.get("cues", "none"), group.get("needs"))
        for form in group["forms"]:
            add(form, group["kind"], entry)

    scale_data = data["scales"]
    scales = {k.lower(): Decimal(v) for k, v in scale_data["words"].items()}
    scales.update({k.lower(): Decimal(v) for k, v in scale_data["abbreviations"].items()})
    attached = set(scale_data["attached_only"])
    words = _alternation([(w, True) for w in scale_data["words"]])
    spaced = _alternation([(a, True) for a in scale_data["abbreviations"] if a not in attached])
    glued = _alternation([(a, True) for a in attached])
    # Whole words may wrap onto the next line; abbreviations may not ("$5\nM. Smith").
    scale = rf"(?:(?:\s{{0,4}}|-)(?:{words})|[ \u00a0]?(?:{spaced})|(?:{glued}))(?!\w)"
    pre, suf = _alternation(prefix), _alternation(suffix)
    pattern = (
        r"(?:(?P<btw>(?<!\w)(?i:between))\s+)?(?:"
        rf"(?<![\w$])(?P<p1>{pre})\s{{0,3}}(?P<n1>{_NUM})(?P<s1>{scale})?"
        rf"(?:(?P<c1>{_CONN})(?:(?P<p2>{pre})\s{{0,3}})?(?P<n2>{_NUM})(?P<s2>{scale})?)?"
        rf"(?:\s{{0,3}}(?P<x1>{suf})(?!\w))?"
        rf"|(?<![\w.,/:$-])(?:(?P<n3>{_NUM})|(?P<w3>{_WORDNUM}))(?P<s3>{scale})?"
        rf"(?:(?P<c3>{_CONN})(?P<n4>{_NUM})(?P<s4>{scale})?)?"
        rf"\s{{0,3}}(?P<x3>{suf})(?!\w))"
        r"(?![\w%])(?!\s*(?i:percent|per\s*cent)\b)"
    )
    qualifiers = {
        _squash(surface).lower(): norm
        for norm, surfaces in data["qualifiers"].items()
        for surface in surfaces
    }
    qual_alt = _alternation([(q, True) for q in qualifiers])
    guard_alt = _alternation([(g, True) for g in data["not_money_after"]])
    return CurrencyTable(
        pattern=re.compile(pattern),
        exact=exact,
        folded=folded,
        scales=scales,
        qualifier_pattern=re.compile(rf"(?<!\w)(?:{qual_alt})\s*\Z"),
        qualifiers=qualifiers,
        cue_pattern=re.compile(rf"(?<!\w)(?:{_alternation([(c, False) for c in cues])})(?!\w)"),
        cues=cues,
        guard_pattern=re.compile(rf"\s+(?:{guard_alt})\b"),
    )


@lru_cache(maxsize=1)
def _default_table() -> CurrencyTable:
    """Load the bundled vocabulary once per process."""
    return load_currencies()


def _number(raw: str) -> Decimal:
    """Parse digits with thousands separators and a decimal point or comma."""
    s = re.sub(_SEP, "", raw)
    if "," in s and "." in s:
        decimal_comma = s.rfind(",") > s.rfind(".")
    else:
        decimal_comma = "," in s and len(s.rsplit(",", 1)[1]) != 3
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".")
    return Decimal(s.replace(",", ""))


def _word_number(raw: str) -> Decimal:
    """Parse "a", "two", "twenty-five", "two hundred" or "half a"."""
    tokens = re.split(r"[-\s]+", raw.lower())
    if tokens[0] == "half":
        return Decimal("0.5")
    total = 0
    for token in tokens:
        total = (total or 1) * 100 if token == "hundred" else total + _WORDS[token]
    return Decimal(total)


class _Cues:
    """Country words in a text, found once on first use, queried by window."""

    def __init__(self, text: str, table: CurrencyTable) -> None:
        self.text, self.table = text, table
        self.found: list[tuple[int, str]] | None = None

    def near(self, start: int, end: int) -> set[str]:
        """Return the currencies cued within a few hundred characters of a span."""
        if self.found is None:
            self.found = [
                (m.start(), self.table.cues[_squash(m.group())])
                for m in self.table.cue_pattern.finditer(self.text)
            ]
        i = bisect_left(self.found, (start - 300, ""))
        codes = set()
        while i < len(self.found) and self.found[i][0] <= end + 300:
            codes.add(self.found[i][1])
            i += 1
        return codes


def _choose(form: Form, cued: set[str]) -> tuple[bool, tuple[str, ...]]:
    """Order a form's candidates by the cues nearby; say whether the pick is still a guess."""
    cands = form.candidates
    if len(cands) == 1:
        return False, cands
    hits = [c for c in cands if c in cued]
    if form.cues == "confirm":
        if hits == [cands[0]]:
            return False, cands[:1]
        hits = [cands[0], *(c for c in hits if c != cands[0])]
    elif form.cues == "resolve":
        if len(hits) == 1:
            return False, (hits[0],)
    else:
        hits = []
    return True, tuple(dict.fromkeys([*hits, *cands]))


def _scale(table: CurrencyTable, raw: str | None) -> Decimal | None:
    """Return the multiplier a matched scale word stands for."""
    return None if raw is None else table.scales[_bare(raw).lower()]


@dataclass(frozen=True, slots=True)
class _Part:
    """One number of an amount with its optional scale."""

    start: int
    end: int
    number: Decimal
    scale: Decimal | None
    grouped: bool


def _part(m: re.Match[str], table: CurrencyTable, num: str, scale: str, start: int = -1) -> _Part:
    """Read one number group and its scale group from a match."""
    raw = m.group(num)
    has_scale = m.group(scale) is not None
    words = num == "w3"
    return _Part(
        start=m.start(num) if start < 0 else start,
        end=m.end(scale) if has_scale else m.end(num),
        number=_word_number(raw) if words else _number(raw),
        scale=_scale(table, m.group(scale)),
        grouped=not words and any(c in raw for c in ", \u00a0\u2009\u202f"),
    )


def _parts(m: re.Match[str], table: CurrencyTable) -> tuple[list[_Part], bool] | None:
    """Split a match into the numbers it covers; say whether the whole match was kept."""
    g = m.group
    prefixed = g("n1") is not None
    if prefixed:
        a = _part(m, table, "n1", "s1", m.start("p1"))
    elif g("w3") is not None:
        a = _part(m, table, "w3", "s3")
        if a.scale is None or len(_bare(g("s3"))) < 4:
            return None  # "a million dollars" needs the whole word "million"
    else:
        a = _part(m, table, "n3", "s3")
    n_b, s_b, conn = ("n2", "s2", "c1") if prefixed else ("n4", "s4", "c3")
    if g(n_b) is None:
        return [a], True
    b = _part(m, table, n_b, s_b)
    joint = g(conn).strip()
    ok = joint != "and" or g("btw") is not None
    if prefixed and joint == "to" and g("p2") is None and b.scale is None:
        ok = False  # "$5 million to 20 accounts" is not a range
    if prefixed and g("p2") is not None:
        ok = ok and table.form(g("p2")).candidates == table.form(g("p1")).candidates
    if a.scale is None and b.scale is not None and a.number < b.number:
        a = _Part(a.start, a.end, a.number, b.scale, a.grouped)  # "$1-2 billion"
    if ok and a.number * (a.scale or 1) < b.number * (b.scale or 1):
        return [a, b], True
    # Prefixed: the first number owns the currency; suffixed: the second does.
    return ([a], False) if prefixed else ([b], True)


def _hit(text: str, m: re.Match[str], table: CurrencyTable, cues: _Cues) -> MoneyHit | None:
    """Turn one pattern match into a hit, or None when it is not money after all."""
    split = _parts(m, table)
    if split is None:
        return None
    parts, whole = split
    start, end = parts[0].start, parts[-1].end
    tail = m.group("x1") if m.group("n1") is not None else m.group("x3")
    form = table.form(m.group("p1")) if m.group("n1") is not None else None
    from_tail = False
    if tail is not None and whole:
        tail_form = table.form(tail)
        if form is None or tail_form.candidates[0] in form.candidates:
            # "$5 million USD": the tail narrows a bare "$"; a clashing tail is left out.
            if form is None or len(tail_form.candidates) < len(form.candidates):
                form = tail_form
            end, from_tail = m.end("x1" if m.group("n1") is not None else "x3"), True
    if form is None:
        return None
    scaled = any(p.scale is not None for p in parts)
    if form.needs == "scale" and not scaled:
        return None
    if form.needs == "scale_or_grouped" and not (scaled or any(p.grouped for p in parts)):
        return None
    if from_tail and table.guard_pattern.match(text, end):
        return None  # "20 bitcoin addresses" counts addresses, not bitcoin
    if (
        m.group("n1") is None
        and len(parts) == 1
        and not scaled
        and re.fullmatch(r"(?:19|20)\d\d", text[start : parts[0].end])
        and re.search(r"(?i:\b(?:in|of)\s+)\Z", text[max(0, start - 8) : start])
    ):
        return None  # "in 2023 dollars" names a price level, not an amount
    qual = table.qualifier_pattern.search(text, max(0, start - 40), start)
    qualifier = table.qualifiers[_squash(qual.group()).lower()] if qual else None
    cued = cues.near(start, end) if len(form.candidates) > 1 else set()
    ambiguous, candidates = _choose(form, cued)
    values = [float(p.number * (p.scale or 1)) for p in parts]
    ranged = len(values) == 2
    return MoneyHit(
        start=start,
        end=end,
        text=text[start:end],
        value=None if ranged else values[0],
        min=values[0] if ranged else None,
        max=values[1] if ranged else None,
        currency=candidates[0],
        qualifier=qualifier,
        ambiguous=ambiguous,
        candidates=candidates,
    )


def find_amounts(text: str, table: CurrencyTable | None = None) -> list[MoneyHit]:
    """Return the money amounts in a text, in order and without overlaps."""
    table = table or _default_table()
    cues = _Cues(text, table)
    hits: list[MoneyHit] = []
    pos = 0
    while (m := table.pattern.search(text, pos)) is not None:
        hit = _hit(text, m, table, cues)
        if hit is None:
            pos = m.start() + 1
            continue
        hits.append(hit)
        pos = hit.end
    return hits
