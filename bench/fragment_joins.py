"""Which entities the fragment rule joins on real documents, for checking by hand.

Extracts the real PDFs in ../shared/data and the sample corpus, resolves their actors and
casinos with and without `fragments_match` in one run, and prints the clusters that only
the rule joins.

    python bench/fragment_joins.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.errors import PipelineError  # noqa: E402
from pipeline.extract.extractor import Extractor  # noqa: E402
from pipeline.link import link, resolve  # noqa: E402
from pipeline.parse import parse_bytes  # noqa: E402


def rows() -> list[resolve.EntityRow]:
    """Return one row per actor or casino entity of the real PDFs and the sample corpus."""
    extractor = Extractor()
    entities = {}
    counts: Counter[str | None] = Counter()
    paths = sorted((ROOT.parent / "shared" / "data").glob("*/*.pdf"))
    paths += sorted(p for p in (ROOT / "corpora" / "sample").iterdir() if p.is_file())
    for path in paths:
        try:
            document = parse_bytes(path.read_bytes(), str(path), path.suffix, 5000)
        except PipelineError:
            continue  # a file that does not parse is not part of this count
        linked = link(document, extractor.extract(document))
        counts.update(m.entity_id for m in linked.mentions)
        entities.update({e.id: e for e in linked.entities if e.type in resolve.RESOLVED_TYPES})
    return [
        resolve.EntityRow(
            e.id, e.type, e.name, e.aliases, e.attributes.get("kind"), counts[e.id], False
        )
        for e in entities.values()
    ]


def main() -> None:
    """Print the number of clusters with and without the rule, and what it joins."""
    table = rows()
    after = resolve.cluster(table)
    rule = resolve.fragments_match
    resolve.fragments_match = lambda a, b: False  # type: ignore[assignment]
    try:
        before = resolve.cluster(table)
    finally:
        resolve.fragments_match = rule  # type: ignore[assignment]
    names = {r.id: r.name for r in table}
    print(
        f"entities {len(table)}: clusters without the rule {len(set(before.values()))}, "
        f"with it {len(set(after.values()))}"
    )
    groups: dict[str, list[str]] = {}
    for entity, canonical in after.items():
        groups.setdefault(canonical, []).append(entity)
    for members in groups.values():
        if len({before[m] for m in members}) > 1:
            print("  joined:", sorted({names[m] for m in members}))


if __name__ == "__main__":
    main()
