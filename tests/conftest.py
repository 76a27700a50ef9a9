"""Shared fixtures: small documents made by the tests, and the real data beside the project."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """Return a path under ../shared/data; skip the test where it is absent (a user machine)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the real-data tests run only beside ../shared")
    return path


def make_pdf(pages: list[str]) -> bytes:
    """Build a PDF with one text page per string (fpdf2, core font)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))  # deterministic bytes
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    """Write PDFs with the given page texts."""

    def factory(pages: list[str], name: str = "doc.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(make_pdf(pages))
        return path

    return factory


@pytest.fixture
def encrypted_pdf(tmp_path: Path) -> Callable[[str], Path]:
    """Write a PDF encrypted with the given user password ('' opens without one)."""

    def factory(user_password: str) -> Path:
        import pikepdf

        plain = tmp_path / "plain.pdf"
        plain.write_bytes(make_pdf(["Secret page mentioning the Lazarus Group."]))
        path = tmp_path / f"encrypted-{len(user_password)}.pdf"
        with pikepdf.open(plain) as pdf:
            pdf.save(path, encryption=pikepdf.Encryption(owner="owner-pw", user=user_password))
        return path

    return factory
