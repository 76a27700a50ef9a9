"""Plain text (.txt, .md) in any encoding; form feeds split pages."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from pipeline.errors import ParseError
from pipeline.parse.base import PageText, assemble, clean_text
from pipeline.records import Document


def decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """Decode bytes: BOM, then UTF-8, then a detected encoding, then UTF-8 with replacement."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    # Detection on a prefix keeps huge files cheap; the guess is applied to the whole file.
    matches = from_bytes(data[:262_144])
    best = matches.best()
    if best is not None:
        # Ties between single-byte code pages are common; for this English-language material
        # Windows-1252 is far likelier than Central European or Baltic pages with the same score.
        tied = [m for m in matches if m.encoding == "cp1252" and m.chaos <= best.chaos + 0.001]
        best = tied[0] if tied else best
    if best is not None and best.encoding:
        try:
            text = data.decode(best.encoding, errors="replace")
        except LookupError:
            pass
        else:
            return text, [f"not UTF-8: decoded as {best.encoding} (detected)"]
    return data.decode("utf-8", errors="replace"), [
        "not UTF-8 and no encoding detected: undecodable bytes replaced with U+FFFD"
    ]


class TextParser:
    """Parse plain text files."""

    kind = "text"

    def parse(self, data: bytes, source: str) -> Document:
        """Parse text bytes into a Document, one page per form feed."""
        if not data.strip():
            raise ParseError(f"{source}: the file is empty")
        text, warnings = decode(data, source)
        if "\x00" in text[:4096]:
            raise ParseError(f"{source}: binary data, not text; check the file type")
        pages = [PageText(clean_text(chunk).strip("\n")) for chunk in text.split("\f")]
        title = next(
            (
                line.strip().lstrip("#").strip()
                for line in pages[0].text.splitlines()
                if line.strip()
            ),
            None,
        )
        return assemble(
            data, source, self.kind, pages, title=(title or "")[:200] or None, warnings=warnings
        )
