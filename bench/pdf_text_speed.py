"""PDF text extraction: pypdfium2 against pdfplumber on the same real PDFs, in one run.

Reads every PDF in ../shared/data/real-pdfs (or --folder) with both libraries and prints
seconds per file and the ratio; the total ratio is what chose pypdfium2 for page text.

    python bench/pdf_text_speed.py [--folder DIR] [--pages-per-file N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parents[1]


def pdfium_seconds(path: Path, pages: int) -> float:
    """Return the seconds pypdfium2 takes to extract the text of the first `pages` pages."""
    start = time.perf_counter()
    pdf = pdfium.PdfDocument(path)
    for index in range(min(len(pdf), pages)):
        page = pdf[index]
        page.get_textpage().get_text_bounded()
        page.close()
    pdf.close()
    return time.perf_counter() - start


def plumber_seconds(path: Path, pages: int) -> float:
    """Return the seconds pdfplumber takes for the same pages."""
    start = time.perf_counter()
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages[:pages]:
            page.extract_text()
    return time.perf_counter() - start


def main() -> None:
    """Time both libraries per file and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--folder", type=Path, default=ROOT.parent / "shared" / "data" / "real-pdfs"
    )
    parser.add_argument("--pages-per-file", type=int, default=30)
    args = parser.parse_args()
    files = sorted(args.folder.glob("*.pdf"))
    if not files:
        raise SystemExit(f"no PDFs in {args.folder}")
    total_a = total_b = 0.0
    for path in files:
        a = pdfium_seconds(path, args.pages_per_file)
        b = plumber_seconds(path, args.pages_per_file)
        total_a, total_b = total_a + a, total_b + b
        print(f"{path.name[:48]:48} pypdfium2 {a:6.3f}s  pdfplumber {b:6.2f}s  {b / a:5.0f}x")
    print(
        f"all {len(files)} files: pypdfium2 {total_a:.2f}s, pdfplumber {total_b:.2f}s, "
        f"ratio {total_b / total_a:.0f}x"
    )


if __name__ == "__main__":
    main()
