"""Exact amounts and UTC times, as every importer reads them."""

from __future__ import annotations

import pytest

from pipeline.onchain.units import FieldError, parse_amount, parse_int, parse_time, scale


@pytest.mark.parametrize(
    ("text", "grouped", "expected"),
    [
        ("1580", False, "1580"),
        ("1.50", False, "1.5"),
        ("0.000000000000000001", False, "0.000000000000000001"),
        ("1000.000000000000000001", False, "1000.000000000000000001"),
        ("1,250.50", True, "1250.5"),
        ("0.0", False, "0"),
    ],
)
def test_parse_amount_keeps_every_digit(text: str, grouped: bool, expected: str) -> None:
    assert parse_amount(text, grouped=grouped) == expected


@pytest.mark.parametrize("text", ["-5", "abc", "1e5", "1,000", "", "NaN"])
def test_parse_amount_rejects_what_is_not_a_plain_decimal(text: str) -> None:
    with pytest.raises(FieldError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("raw", "decimals", "expected"),
    [
        ("1580000000000000000000", 18, "1580"),
        ("1", 18, "0.000000000000000001"),
        (
            "115792089237316195423570985008687907853269984665640564039457584007913129639935",
            18,
            "115792089237316195423570985008687907853269984665640564039457.584007913129639935",
        ),
        ("1250500000", 6, "1250.5"),
        ("70000000.0", 8, "0.7"),
    ],
)
def test_scale_divides_base_units_exactly(raw: str, decimals: int, expected: str) -> None:
    assert scale(raw, decimals) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-08-10T09:00:00Z", "2023-08-10T09:00:00Z"),
        ("2023-08-11 10:30:00", "2023-08-11T10:30:00Z"),
        ("2023-08-20 08:00:00 UTC", "2023-08-20T08:00:00Z"),
        ("2023-08-10T11:00:00+02:00", "2023-08-10T09:00:00Z"),
        ("1691834400", "2023-08-12T10:00:00Z"),
        ("1691834400000", "2023-08-12T10:00:00Z"),
        ("2023-08-10", "2023-08-10T00:00:00Z"),
    ],
)
def test_parse_time_returns_iso_utc(text: str, expected: str) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "", "10/08/2023 25:00"])
def test_parse_time_rejects_non_times(text: str) -> None:
    with pytest.raises(FieldError):
        parse_time(text)


def test_parse_int_treats_empty_as_absent() -> None:
    assert parse_int("", "block") is None
    assert parse_int(" 42 ", "block") == 42
    with pytest.raises(FieldError):
        parse_int("4.2", "block")
