"""Hostile and ordinary inputs for the bulk tests, made by the tests themselves."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

import pytest

from tests.conftest import make_pdf

ETH = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
GOOD_TEXT = (
    "The Lazarus Group moved stolen funds through NagaWorld in Cambodia.\n"
    f"Investigators traced {ETH} to Tornado Cash.\n"
)


def flate_bomb(megabytes: int) -> bytes:
    """Return a zlib stream of `megabytes` MiB of zeros, built without compressing them.

    After a full flush the compressor forgets its history, so the deflate blocks for each
    further MiB of zeros are identical and can be repeated; the Adler-32 of n zero bytes is
    (n mod 65521) << 16 | 1.
    """
    chunk = bytes(1 << 20)
    packer = zlib.compressobj(9)
    head = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    body = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.flush(zlib.Z_FINISH)[:-4]
    adler = (((megabytes << 20) % 65521) << 16) | 1
    return head + body * (megabytes - 1) + tail + struct.pack(">I", adler)


def bomb_pdf(path: Path, megabytes: int = 1536) -> Path:
    """Write a one-page PDF whose content stream inflates to `megabytes` MiB."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pdf.make_stream(flate_bomb(megabytes))
    stream.Filter = pikepdf.Name.FlateDecode  # the bytes are already deflated
    pdf.pages[0].obj.Contents = stream
    pdf.save(path)
    return path


def long_pdf(path: Path, pages: int = 2000) -> Path:
    """Write a PDF of `pages` small text pages that share one content stream (cheap to make)."""
    import pikepdf

    source = path.with_suffix(".one.pdf")
    source.write_bytes(make_pdf(["Ledger page: a transfer to Huione Guarantee in Cambodia."]))
    with pikepdf.open(source) as pdf:
        for _ in range(pages - 1):
            pdf.pages.append(pdf.pages[0])
        pdf.save(path)
    source.unlink()
    return path


def encrypted(path: Path, user_password: str) -> Path:
    """Write a PDF encrypted with an owner password and the given user password."""
    import pikepdf

    plain = path.with_suffix(".plain.pdf")
    plain.write_bytes(make_pdf(["Sealed annex: the Lazarus Group and Binance."]))
    with pikepdf.open(plain) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner="owner-pw", user=user_password))
    plain.unlink()
    return path


def hostile_folder(folder: Path, line_bytes: int = 50_000_000) -> dict[str, str]:
    """Fill a folder with hostile and good files; return the expected outcome of each name.

    The value is "ingested", "twin" (same bytes as another name) or the stage of the failure.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    good = make_pdf(["Panel report: Binance froze accounts.", "OFAC designated the Lazarus Group."])
    (folder / "good.pdf").write_bytes(good)
    (folder / "good-copy.pdf").write_bytes(good)
    (folder / "notes.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + rng.randbytes(3000))
    (folder / "truncated.pdf").write_bytes(good[: len(good) // 2])
    encrypted(folder / "sealed.pdf", "secret")
    encrypted(folder / "open-sealed.pdf", "")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "random.pdf").write_bytes(rng.randbytes(8192))
    long_pdf(folder / "long.pdf")
    bomb_pdf(folder / "bomb.pdf")
    (folder / "page.html").write_text(
        "<html><head><script>alert('Lazarus exfiltration')</script><style>p{}</style>"
        "<title>Junket probe</title></head><body><div><p>Police in Macau raided a junket "
        "operator linked to Suncity Group.<p>Unclosed <b>bold <i>nest</div></span>"
        "<script>document.write('<p>injected')</script><p>Funds moved to Cambodia.",
        encoding="utf-8",
    )
    (folder / "latin1.txt").write_bytes(
        (
            "Café owner in Macau paid €5 million to a junket operator named Suncity Group. "
            "The operator’s “VIP rooms” in São Paulo and Zürich were closed; the fiancée of "
            "the director fled.\n"
        ).encode("cp1252")
    )
    # One 50 MB line with no space or break: windows must cut it; the address is at the end.
    tail = f" sent to {ETH}.".encode()
    (folder / "line.txt").write_bytes(b"a" * (line_bytes - len(tail)) + tail)
    return {
        "good.pdf": "ingested",
        "good-copy.pdf": "twin",
        "notes.txt": "ingested",
        "corrupt.pdf": "parse",
        "truncated.pdf": "parse",
        "sealed.pdf": "parse",
        "open-sealed.pdf": "ingested",
        "empty.pdf": "parse",
        "random.pdf": "parse",
        "long.pdf": "parse",
        "bomb.pdf": "parse",
        "page.html": "ingested",
        "latin1.txt": "ingested",
        "line.txt": "ingested",
    }


@pytest.fixture
def good_folder(tmp_path: Path) -> Path:
    """A folder with a text file and a two-page PDF."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notes.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "report.pdf").write_bytes(
        make_pdf(["Panel report: Binance froze accounts.", "OFAC designated the Lazarus Group."])
    )
    return folder
