"""Page furniture on real PDFs: how much of it reaches mentions, relations and snippets.

Each PDF is parsed once; its furniture (running headers and footers, page numbers, footnote
markers, contents lines) is found as ingest finds it. The same extraction, linking and
SQLite store then run twice in this one process: with the furniture spans emptied (what
moneytrail did before it knew about furniture) and with them kept. Both runs are judged
against the same furniture spans, and the table finder's output is counted too.

    python bench/furniture_eval.py [--pdfs ../shared/data] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract.extractor import Extractor  # noqa: E402
from pipeline.link import link  # noqa: E402
from pipeline.link.table_relations import add_table_relations  # noqa: E402
from pipeline.parse import parse_bytes  # noqa: E402
from pipeline.records import Document  # noqa: E402
from pipeline.store import SqliteStore  # noqa: E402

QUERIES = ("Lazarus", "United Nations", "FinCEN", "sanctions", "Treasury", "advisory", "report")
MIN_LINE = 6  # furniture lines shorter than this (page numbers) are not searched for


def _lines(document: Document) -> dict[int, set[str]]:
    """Return each page's furniture lines of at least MIN_LINE characters, flattened."""
    out: dict[int, set[str]] = {}
    for page in document.pages:
        for start, end, _ in page.furniture:
            flat = " ".join(document.text[start:end].split())
            if len(flat) >= MIN_LINE:
                out.setdefault(page.number, set()).add(flat)
    return out


def _judge(
    document: Document, judged_by: Document, store: SqliteStore, ex: Extractor
) -> dict[str, Any]:
    mentions = ex.extract(document)
    linked = link(document, mentions)
    lines = _lines(judged_by)
    inside = {m.id for m in linked.mentions if judged_by.in_furniture(m.start, m.end)}
    dirty = {
        m.id for m in linked.mentions if any(line in m.sentence for line in lines.get(m.page, ()))
    }
    relations = linked.relations
    store.upsert_document(document, linked.mentions, linked.entities, relations)
    return {
        "mentions": len(linked.mentions),
        "mentions_in_furniture": len(inside),
        "sentences_with_furniture": len(dirty),
        "relations": len(relations),
        "co_occurs_from_furniture": sum(
            1 for r in relations if r.predicate == "co_occurs" and set(r.evidence) & inside
        ),
        "relations_with_furniture_in_sentence": sum(
            1 for r in relations if set(r.evidence) & (dirty | inside)
        ),
        "casinos": sorted({m.text for m in linked.mentions if m.type == "casino"}),
    }


def _snippets(store: SqliteStore, lines: dict[tuple[str, int], set[str]]) -> dict[str, int]:
    """Count full-text hits, and those whose snippet shows a furniture line of its page."""
    hits = [h for q in QUERIES for h in store.search(q, limit=500).hits if h.matched == "text"]
    dirty = 0
    for hit in hits:
        text = hit.snippet.replace("<mark>", "").replace("</mark>", "")
        dirty += any(line in text for line in lines.get((hit.document_id, hit.page), ()))
    return {"text_hits": len(hits), "snippets_with_furniture": dirty}


def run(folder: Path) -> dict[str, Any]:
    """Return per-document and total figures, before (furniture ignored) and after."""
    ex = Extractor()
    docs: dict[str, Any] = {}
    lines: dict[tuple[str, int], set[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        before_store = SqliteStore(Path(tmp) / "before.db")
        after_store = SqliteStore(Path(tmp) / "after.db")
        for path in sorted(folder.glob("*/*.pdf")):
            data = path.read_bytes()
            document = parse_bytes(data, str(path), ".pdf", 5000)
            bare = replace(document, pages=tuple(replace(p, furniture=()) for p in document.pages))
            for number, found in _lines(document).items():
                lines[(document.id, number)] = found
            after = _judge(document, document, after_store, ex)
            linked = link(document, ex.extract(document))
            tables = [
                r
                for r in add_table_relations(document, data, linked).relations
                if r.attributes.get("source") == "table"
            ]
            after["table_relations"] = len(tables)
            docs[path.name] = {
                "pages": len(document.pages),
                "furniture_spans": sum(len(p.furniture) for p in document.pages),
                "before": _judge(bare, document, before_store, ex),
                "after": after,
            }
        search = {"before": _snippets(before_store, lines), "after": _snippets(after_store, lines)}
    totals: dict[str, dict[str, int]] = {"before": {}, "after": {}}
    for figures in docs.values():
        for side in ("before", "after"):
            for key, value in figures[side].items():
                if isinstance(value, int):
                    totals[side][key] = totals[side].get(key, 0) + value
                elif isinstance(value, list):
                    totals[side][key] = totals[side].get(key, 0) + len(value)
    for side in ("before", "after"):
        totals[side] |= search[side]
    return {"documents": docs, "totals": totals}


def main() -> None:
    """Print the before/after table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.pdfs.exists():
        print(f"{args.pdfs} is absent: nothing to measure")
        return
    result = run(args.pdfs)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    keys = list(result["totals"]["after"])
    print(f"{'figure':38} {'before':>8} {'after':>8}")
    for key in keys:
        before = result["totals"]["before"].get(key, 0)
        print(f"{key:38} {before:>8} {result['totals']['after'][key]:>8}")
    for name, figures in result["documents"].items():
        b, a = figures["before"], figures["after"]
        pairs = " ".join(
            f"{short} {b[key]}->{a[key]}"
            for short, key in (
                ("co_occurs", "co_occurs_from_furniture"),
                ("relations", "relations_with_furniture_in_sentence"),
                ("sentences", "sentences_with_furniture"),
            )
        )
        print(
            f"{name[:44]:44} furniture={figures['furniture_spans']:4} {pairs} "
            f"tables {a['table_relations']}"
        )


if __name__ == "__main__":
    main()
