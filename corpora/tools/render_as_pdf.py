"""Render annotated documents to narrow-column PDFs, so long addresses wrap mid-string.

Re-creates the issue's robustness check: the same texts as PDFs, with wallet addresses broken
across lines (and, now and then, across a page break). Gold files are copied beside the
PDFs with their source renamed, so `moneytrail evaluate OUT` scores them.

    python corpora/tools/render_as_pdf.py corpora/dev /tmp/dev-pdf
    moneytrail evaluate /tmp/dev-pdf
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.parse import parse  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# 70 mm of 10 pt text holds about 38 characters: every address longer than that wraps.
COLUMN_MM = 70


def render(pages: list[str], out: Path) -> None:
    """Write each page's text as PDF pages in one narrow column, breaking long words."""
    pdf = FPDF(format=(148, 210))
    pdf.set_creation_date(datetime(2025, 1, 1, tzinfo=UTC))
    if FONT.exists():
        pdf.add_font("body", fname=str(FONT))
        pdf.set_font("body", size=10)
    else:
        pdf.set_font("Helvetica", size=10)
        pages = [p.encode("latin-1", "replace").decode("latin-1") for p in pages]
    pdf.set_auto_page_break(True, margin=15)
    for text in pages:
        # A page of the source starts a page here too, so page breaks stay where they were.
        pdf.add_page()
        for paragraph in text.split("\n"):
            pdf.multi_cell(
                COLUMN_MM, 5, paragraph or " ", new_x="LMARGIN", new_y="NEXT", wrapmode="WORD"
            )
    pdf.output(str(out))


def main() -> None:
    """Render every annotated document of a folder into another folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    args.target.mkdir(parents=True, exist_ok=True)
    count = 0
    for gold_path in sorted(args.source.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        document = parse(args.source / gold["source"])
        stem = gold_path.name.removesuffix(".gold.json")
        render([document.page_text(p) for p in document.pages], args.target / f"{stem}.pdf")
        gold["source"] = f"{stem}.pdf"
        (args.target / gold_path.name).write_text(
            json.dumps(gold, ensure_ascii=False), encoding="utf-8"
        )
        count += 1
    print(f"rendered {count} documents into {args.target}")


if __name__ == "__main__":
    main()
