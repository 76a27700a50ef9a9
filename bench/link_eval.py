"""Cross-document entity resolution on the development set: pairwise precision and recall.

Every gold actor or casino of every document is an item; two items belong together when their
gold names are the same (the annotators used one canonical name per real-world entity across
documents, and corpora/dev/identities.json lists the names that differ between documents
but denote one entity). An item's predicted cluster is the canonical entity that most of the
document's matching mentions resolve to. Pairs of items are then counted: precision is the share of
predicted same-cluster pairs that are gold pairs, recall the share of gold pairs predicted.

    python bench/link_eval.py [--corpus corpora/dev]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import gold_files  # noqa: E402
from pipeline.extract.names import normalise  # noqa: E402
from pipeline.ingest import ingest  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.store import SqliteStore  # noqa: E402


def items(store: SqliteStore, corpus: Path) -> list[tuple[str, str]]:
    """Return (gold cluster, predicted cluster) for every gold actor and casino matched."""
    store.ensure_resolved()
    found = []
    for doc_path, gold_path in gold_files(corpus):
        row = store.db.execute(
            "SELECT id FROM documents WHERE source = ?", (str(doc_path),)
        ).fetchone()
        if row is None:
            continue
        mentions = store.db.execute(
            "SELECT text, canonical_id FROM resolved_mentions WHERE document_id = ? "
            "AND type IN ('actor', 'casino')",
            (row[0],),
        ).fetchall()
        for entity in json.loads(gold_path.read_text(encoding="utf-8"))["entities"]:
            if entity["type"] not in ("actor", "casino"):
                continue
            forms = {normalise(f) for f in [entity["name"], *entity.get("aliases", [])]}
            hits = Counter(m[1] for m in mentions if normalise(m[0]) in forms)
            if hits:
                found.append((normalise(entity["name"]), hits.most_common(1)[0][0]))
    return found


def gold_identity(corpus: Path) -> dict[str, str]:
    """Map each gold name to one representative, from corpora/dev/identities.json."""
    path = corpus / "identities.json"
    if not path.exists():
        return {}
    rep: dict[str, str] = {}
    for group in json.loads(path.read_text(encoding="utf-8"))["same"]:
        for name in group:
            rep[normalise(name)] = normalise(group[0])
    return rep


def pairwise(pairs: list[tuple[str, str]]) -> tuple[float, float, int, int]:
    """Return precision, recall, gold pairs and predicted pairs over all item pairs."""
    tp = fp = fn = 0
    for (g1, p1), (g2, p2) in combinations(pairs, 2):
        same_gold, same_pred = g1 == g2, p1 == p2
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp + fn, tp + fp


def main() -> None:
    """Ingest the corpus into a temporary store and print the pairwise scores."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpora" / "dev")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "link.db")
        ingest([str(p) for p, _ in gold_files(args.corpus)], store, Settings())
        identity = gold_identity(args.corpus)
        found = [(identity.get(g, g), p) for g, p in items(store, args.corpus)]
        store.close()
    precision, recall, gold_pairs, predicted_pairs = pairwise(found)
    clusters = len({g for g, _ in found})
    spread = sum(1 for g in {g for g, _ in found} if sum(1 for x, _ in found if x == g) > 1)
    print(
        f"items: {len(found)} gold actor/casino entities matched, {clusters} distinct, "
        f"{spread} named in more than one document"
    )
    print(
        f"pairwise precision {precision:.3f}, recall {recall:.3f} "
        f"({gold_pairs} gold pairs, {predicted_pairs} predicted pairs)"
    )


if __name__ == "__main__":
    main()
