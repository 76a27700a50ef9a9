"""Render the PDF documents of the development set from their sources in corpora/dev/pdf-src/.

Run `python corpora/tools/make_dev_pdfs.py` to rebuild every `corpora/dev/<stem>.pdf` from
`corpora/dev/pdf-src/<stem>.pdfsrc`, or `--check` to confirm the checked-in PDFs are exactly
what the sources give (exit 1 when one differs). Output is byte-for-byte repeatable.

A source is plain text with a few line directives:

    @header TEXT / @footer TEXT   running header / footer; "{page}" and "{pages}" are filled in
    # TEXT / ## TEXT              heading / sub-heading
    @table 12,60,40               a table with these column widths (mm); rows "a | b | c"
    @end                          closes the table; its first row is the header row
    @small / @center / @mono      the next paragraph in a small font / centred / monospaced
    @narrow 40                    the next paragraph in a column this many mm wide
    @bottom 2                     the next paragraph starts this many lines above the page end
    @pagebreak                    start a new page

Other non-blank lines are text; consecutive lines join into one paragraph.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

DEV = Path(__file__).resolve().parents[1] / "dev"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MONO = "DejaVuSansMono.ttf"
# A fixed date keeps /CreationDate and the derived file /ID stable across rebuilds.
FIXED_DATE = datetime(2025, 12, 1, 9, 0, 0, tzinfo=UTC)
LINE = 5.0


@dataclass
class Style:
    """Formatting that applies to the next paragraph only."""

    small: bool = False
    center: bool = False
    mono: bool = False
    narrow: float | None = None
    bottom: int = 0


class Page(FPDF):
    """An FPDF with a running header and footer taken from the source."""

    def __init__(self) -> None:
        super().__init__(format="A4", unit="mm")
        self.header_text = ""
        self.footer_text = ""

    def header(self) -> None:
        """Draw the running header."""
        if self.header_text:
            self.set_font("dejavu", "", 8)
            self.cell(
                0, 4, self.running(self.header_text), align="R", new_x="LMARGIN", new_y="NEXT"
            )
            self.ln(3)

    def footer(self) -> None:
        """Draw the running footer with page numbers."""
        if self.footer_text:
            self.set_y(-13)
            self.set_font("dejavu", "", 8)
            self.cell(0, 4, self.running(self.footer_text), align="C")

    def running(self, text: str) -> str:
        """Fill in the page number and the total-pages alias of a running line."""
        return text.replace("{pages}", self.str_alias_nb_pages).replace(
            "{page}", str(self.page_no())
        )


def new_pdf(stem: str) -> Page:
    """Return an empty, deterministic PDF with the fonts the sources use."""
    if not (FONT_DIR / FONTS[""]).exists():
        raise SystemExit(f"DejaVu fonts not found in {FONT_DIR}; install fonts-dejavu-core")
    pdf = Page()
    for style, name in FONTS.items():
        pdf.add_font("dejavu", style, str(FONT_DIR / name))
    pdf.add_font("dejavumono", "", str(FONT_DIR / MONO))
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(stem)
    pdf.set_author("moneytrail project (synthetic dev set)")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 15, 20)
    return pdf


def paragraph(pdf: Page, text: str, style: Style) -> None:
    """Write one paragraph with the pending style."""
    if style.mono:
        pdf.set_font("dejavumono", "", 8.5)
    else:
        pdf.set_font("dejavu", "", 8 if style.small else 10)
    height = 4.0 if style.small else LINE
    if style.bottom:
        target = pdf.page_break_trigger - style.bottom * height - 0.5
        if pdf.get_y() > target:  # moving up would overprint; use the next page's bottom
            pdf.add_page()
        pdf.set_y(target)
    width = style.narrow if style.narrow else 0
    pdf.multi_cell(
        width, height, text, align="C" if style.center else "J", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)


def table(pdf: Page, widths: list[float], rows: list[list[str]]) -> None:
    """Write a bordered table; long cell values wrap inside their column."""
    pdf.set_font("dejavu", "", 8.5)
    with pdf.table(
        col_widths=tuple(widths),
        width=sum(widths),
        align="LEFT",
        line_height=4.2,
        headings_style=FontFace(emphasis="BOLD"),
        text_align="LEFT",
    ) as grid:
        for cells in rows:
            row = grid.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(3)


def render(source: str, stem: str) -> bytes:
    """Turn one source text into PDF bytes."""
    pdf = new_pdf(stem)
    lines = source.splitlines()
    for line in lines:
        if line.startswith("@header "):
            pdf.header_text = line[8:]
        elif line.startswith("@footer "):
            pdf.footer_text = line[8:]
    pdf.add_page()
    style = Style()
    buffer: list[str] = []
    rows: list[list[str]] | None = None
    widths: list[float] = []

    def flush() -> None:
        nonlocal style
        if buffer:
            paragraph(pdf, " ".join(buffer), style)
            buffer.clear()
            style = Style()

    for line in lines:
        if rows is not None:
            if line.strip() == "@end":
                table(pdf, widths, rows)
                rows = None
            elif line.strip():
                rows.append([cell.strip() for cell in line.split("|")])
            continue
        if line.startswith(("@header ", "@footer ")):
            continue
        if not line.strip():
            flush()
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            pdf.set_font("dejavu", "B", 12 if level == 1 else 10.5)
            pdf.multi_cell(0, 6, line.lstrip("# ").strip(), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif line.startswith("@table "):
            flush()
            widths, rows = [float(w) for w in line[7:].split(",")], []
        elif line.strip() == "@pagebreak":
            flush()
            pdf.add_page()
        elif line.startswith("@"):
            flush()
            word, _, arg = line[1:].partition(" ")
            if word == "narrow":
                style.narrow = float(arg)
            elif word == "bottom":
                style.bottom = int(arg or 1)
            elif word in {"small", "center", "mono"}:
                setattr(style, word, True)
            else:
                raise ValueError(f"{stem}: unknown directive {line!r}")
        else:
            buffer.append(line.strip())
    flush()
    return bytes(pdf.output())


def main(argv: list[str] | None = None) -> int:
    """Build (or with --check, verify) every PDF of the development set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for source in sorted((DEV / "pdf-src").glob("*.pdfsrc")):
        data = render(source.read_text(encoding="utf-8"), source.stem)
        target = DEV / f"{source.stem}.pdf"
        if args.check:
            if not target.exists() or target.read_bytes() != data:
                stale.append(target.name)
        else:
            target.write_bytes(data)
    for name in stale:
        print(f"{name}: differs from its source; run make_dev_pdfs.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
