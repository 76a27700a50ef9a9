"""Where one worker's time goes per page, stage by stage, on the real PDFs with OCR off.

Runs the same work as one `ingest` worker plus the writer, in this process, document by
document, and times each stage apart: PDF parse, the spaCy components of the extraction
pipeline one by one (tokenising included), mentions and their sentences, the page-break
wallet repair, kind settling, entity linking, relations (the dependency parse of the
sentences worth parsing, component by component, and the rules), table relations, the
store write and FTS indexing. Every component runs over the whole batch before the next,
as spaCy's nlp.pipe does in effect, so each one's time is its own.

    python bench/stage_profile.py [--repeat 1] [PDF or folder ...]

With no paths it reads ../shared/data/real-pdfs and ../shared/data/more-pdfs. The table is
milliseconds per page, averaged over all pages, and each stage's share of the total.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"
DEFAULT_INPUTS = (SHARED / "real-pdfs", SHARED / "more-pdfs")

Timings = dict[str, float]


class Clock:
    """Sum wall time per stage name, in the order stages are first seen."""

    def __init__(self) -> None:
        self.spent: Timings = defaultdict(float)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the wall time of the block to `name`."""
        began = time.perf_counter()
        yield
        self.spent[name] += time.perf_counter() - began


def piped(clock: Clock, prefix: str, nlp: Any, docs: list[Any], batch_size: int) -> list[Any]:
    """Run each component of `nlp` over all docs in turn, timing each one apart."""
    for name, proc in nlp.pipeline:
        with clock.stage(f"{prefix}{name}"):
            if hasattr(proc, "pipe"):
                docs = list(proc.pipe(docs, batch_size=batch_size))
            else:
                docs = [proc(doc) for doc in docs]
    return docs


def timed_parse_sentences(clock: Clock) -> Callable[..., list[Any]]:
    """Return a stand-in for syntax.parse_sentences that times each parser component."""
    from pipeline.link.syntax import build_parser

    def parse_sentences(sentences: Iterable[str], preferred: str | None = None) -> list[Any]:
        nlp = build_parser(preferred)
        texts = list(sentences)
        with clock.stage("relations: tokenise"):
            docs = [nlp.make_doc(t) for t in texts]
        return piped(clock, "relations: ", nlp, docs, 64)

    return parse_sentences


def relations_inner(clock: Clock) -> float:
    """Return the time summed so far over the relation parser's own stages."""
    own = [k for k in clock.spent if k.startswith("relations: ") and "rules" not in k]
    return sum(clock.spent[k] for k in own)


def pdfs(inputs: list[Path]) -> list[Path]:
    """Return the PDFs among the inputs, folders expanded."""
    found: list[Path] = []
    for path in inputs:
        found.extend(sorted(path.glob("*.pdf")) if path.is_dir() else [path])
    return found


def profile_document(clock: Clock, extractor: Any, store: Any, path: Path) -> tuple[int, int]:
    """Ingest one PDF with each stage timed; return its pages and mentions."""
    from pipeline.extract.extractor import boundary_wallets, doc_mentions, windows
    from pipeline.link import Linked
    from pipeline.link.document import link_document
    from pipeline.link.kinds import settle_kinds
    from pipeline.link.relations import find_relations
    from pipeline.link.table_relations import add_table_relations
    from pipeline.parse import parse_bytes

    data = path.read_bytes()
    with clock.stage("parse (pypdfium2)"):
        document = parse_bytes(data, str(path), ".pdf", 5000)
    units = list(windows(document))
    with clock.stage("tokenise"):
        docs = [extractor._doc(u.text) for u in units]
    docs = piped(clock, "", extractor.nlp, docs, extractor.batch_size)
    with clock.stage("mentions + sentences"):
        found = [m for u, d in zip(units, docs, strict=True) for m in doc_mentions(document, u, d)]
    with clock.stage("page-break wallets"):
        found = boundary_wallets(document, found)
        found.sort(key=lambda m: (m.start, m.end))
    with clock.stage("settle kinds"):
        settled = settle_kinds(document, found)
    with clock.stage("link entities"):
        linked, entities = link_document(document, settled)
    inner = relations_inner(clock)
    began = time.perf_counter()
    relations = find_relations(document, linked)
    outer = time.perf_counter() - began
    clock.spent["relations: rules + rest"] += outer - (relations_inner(clock) - inner)
    with clock.stage("table relations"):
        result = add_table_relations(document, data, Linked(linked, entities, relations))
    with clock.stage("store write"):
        store.upsert_document(document, result.mentions, result.entities, result.relations)
    with clock.stage("FTS index"):
        store.db.execute(
            "INSERT INTO pages_fts(rowid, text) SELECT rowid, text FROM pages "
            "WHERE document_id = ?",
            (document.id,),
        )
        store.db.commit()
    return len(document.pages), len(result.mentions)


def profile(paths: list[Path], repeat: int) -> tuple[Timings, int, int]:
    """Ingest the PDFs `repeat` times with each stage timed; return timings, pages, mentions."""
    import pipeline.link.syntax as syntax
    from pipeline.extract.extractor import Extractor
    from pipeline.store import SqliteStore

    clock = Clock()
    extractor = Extractor()
    syntax.build_parser()  # loaded before timing starts, as a worker has it after its first
    syntax.parse_sentences = timed_parse_sentences(clock)  # type: ignore[assignment]
    pages = mentions = 0
    with tempfile.TemporaryDirectory(prefix="moneytrail-stages-") as work:
        for round_ in range(repeat):
            store = SqliteStore(Path(work) / f"r{round_}.db")
            # FTS is timed on its own: the insert trigger goes, and the step is run by hand.
            store.db.execute("DROP TRIGGER pages_ai")
            for path in paths:
                counted = profile_document(clock, extractor, store, path)
                pages, mentions = pages + counted[0], mentions + counted[1]
            store.close()
    return dict(clock.spent), pages, mentions


def main() -> None:
    """Profile the PDFs and print milliseconds per page for each stage."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=1, help="passes over the corpus")
    args = parser.parse_args()
    paths = pdfs(args.paths or [p for p in DEFAULT_INPUTS if p.exists()])
    if not paths:
        raise SystemExit("no PDFs to profile: give a folder, or mount ../shared/data")
    began = time.perf_counter()
    spent, pages, mentions = profile(paths, args.repeat)
    wall = time.perf_counter() - began
    total = sum(spent.values())
    print(f"{len(paths)} PDFs, {pages} pages, {mentions} mentions; OCR off; wall {wall:.1f}s")
    print(f"{'stage':<34} {'ms/page':>8} {'share':>6}")
    for stage, seconds in spent.items():
        print(f"{stage:<34} {1000 * seconds / pages:8.2f} {100 * seconds / total:5.1f}%")
    print(f"{'total':<34} {1000 * total / pages:8.2f} 100.0%")


if __name__ == "__main__":
    main()
