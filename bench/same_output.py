"""Check that a speed change leaves the stored output as it was: old code against new, same PDFs.

The tree at --before (a git revision, default HEAD) is exported to a temporary folder; it and
this working tree each ingest the same PDFs (OCR off, in one process) into a store of their
own, each in a process of its own. The stores are then compared record by record: every
mention (id, page, span, type, value, sentence, entity), every entity id, every relation
(id, predicate, evidence mention ids, sentence) and the stats. Exit status 0 when all are
equal, 1 when anything differs (the first differences are printed).

    python bench/same_output.py [--before REV] [PDF or folder ...]

With no paths it reads ../shared/data/real-pdfs and ../shared/data/more-pdfs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bulk_speed import export_tree  # noqa: E402 - a sibling script, found through sys.path

SHARED = ROOT.parent / "shared" / "data"
DEFAULT_INPUTS = (SHARED / "real-pdfs", SHARED / "more-pdfs")

# Run inside each tree's own process: ingest, then dump the store as sorted JSON.
DUMP = """
import json, sys
from pipeline.ingest import ingest
from pipeline.settings import Settings
from pipeline.store import SqliteStore

store_path, inputs = sys.argv[1], sys.argv[2:]
store = SqliteStore(store_path)
report = ingest(inputs, store, Settings(store=store_path, workers=0, ocr="never"))
mentions = sorted(
    [m.id, m.document_id, m.page, m.start, m.end, m.type, m.value, m.sentence, m.entity_id]
    for m in store.iter_mentions()
)
relations = sorted(
    [r.id, r.subject, r.predicate, r.object, list(r.evidence), r.sentence]
    for r in store.iter_relations()
)
entities = sorted(e.id for e in store.iter_entities())
failures = sorted(f.message for f in report.failures)
print(json.dumps({"stats": store.stats(), "mentions": mentions, "relations": relations,
                  "entities": entities, "failures": failures}, default=str))
"""


def dump(tree: Path, store: Path, inputs: list[str]) -> dict[str, Any]:
    """Ingest with the code in `tree` and return its store's contents."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run(
        [sys.executable, "-c", DUMP, str(store), *inputs],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def differences(old: dict[str, Any], new: dict[str, Any], shown: int = 5) -> list[str]:
    """Return lines naming what differs between two dumps, a few per part."""
    lines = []
    for part in ("stats", "failures", "entities", "mentions", "relations"):
        if old[part] == new[part]:
            continue
        if isinstance(old[part], dict):
            lines.append(f"{part}: before {old[part]}, after {new[part]}")
            continue
        before = {json.dumps(x, sort_keys=True) for x in old[part]}
        after = {json.dumps(x, sort_keys=True) for x in new[part]}
        lines.append(f"{part}: {len(before - after)} only before, {len(after - before)} only after")
        lines += [f"  - {x[:300]}" for x in sorted(before - after)[:shown]]
        lines += [f"  + {x[:300]}" for x in sorted(after - before)[:shown]]
    return lines


def main() -> None:
    """Ingest with the old and the new code and compare the stores."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--before", default="HEAD", help="git revision of the old code")
    args = parser.parse_args()
    inputs = args.paths or [str(p) for p in DEFAULT_INPUTS if p.exists()]
    if not inputs:
        raise SystemExit("no PDFs to compare: give a folder, or mount ../shared/data")
    with tempfile.TemporaryDirectory(prefix="moneytrail-same-") as work:
        old_tree = Path(work) / "old"
        export_tree(args.before, old_tree)
        old = dump(old_tree, Path(work) / "old.db", inputs)
        new = dump(ROOT, Path(work) / "new.db", inputs)
    found = differences(old, new)
    print(
        f"{args.before} against the working tree on {', '.join(inputs)}: "
        f"{len(new['mentions'])} mentions, {len(new['entities'])} entities, "
        f"{len(new['relations'])} relations; " + ("identical" if not found else "DIFFERENT")
    )
    for line in found:
        print(line)
    raise SystemExit(1 if found else 0)


if __name__ == "__main__":
    main()
