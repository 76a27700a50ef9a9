"""List the sentences of real PDFs that name two or more arguments, for hand annotation.

Runs moneytrail's own parser, extractor and linker over each PDF and writes one JSON line per
sentence holding two or more actor, casino, wallet or country mentions: the sentence's offsets
in the parsed text, each mention's offsets, type and kind, and the relations the linker states
today. The output is a worksheet for the annotator; it stays outside the repository because it
quotes the documents.

    python corpora/tools/real_dev_candidates.py ../shared/data/real-pdfs/*.pdf > /tmp/cands.jsonl
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from pipeline.extract.extractor import Extractor
from pipeline.link import link
from pipeline.parse import parse

ARGUMENTS = ("actor", "casino", "wallet", "country")


def locate(text: str, sentence: str, near: int) -> tuple[int, int] | None:
    """Return the offsets of a whitespace-normalised sentence in the text, near a position."""
    words = sentence.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(map(re.escape, words)))
    lo = max(near - len(sentence) - 2000, 0)
    found = pattern.search(text, lo, near + len(sentence) + 2000)
    return found.span() if found else None


def main(paths: list[str]) -> None:
    """Write the worksheet to stdout."""
    extractor = Extractor()
    for name in paths:
        path = Path(name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        document = parse(path)
        linked = link(document, extractor.extract(document))
        by_id = {m.id: m for m in linked.mentions}
        groups = defaultdict(list)
        for m in linked.mentions:
            if m.type in ARGUMENTS:
                groups[(m.page, m.sentence)].append(m)
        relations = defaultdict(list)
        for r in linked.relations:
            if r.predicate != "co_occurs" and len(r.evidence) == 2:
                s, o = by_id.get(r.evidence[0]), by_id.get(r.evidence[1])
                if s and o:
                    relations[(s.page, r.sentence)].append((r.predicate, s.start, o.start))
        for (page, sentence), group in groups.items():
            if len({m.entity_id for m in group}) < 2 or not any(m.type == "actor" for m in group):
                continue
            span = locate(document.text, sentence, group[0].start)
            if span is None:
                continue
            mentions = [
                {
                    "start": m.start,
                    "end": m.end,
                    "type": m.type,
                    "text": m.text,
                    "kind": m.value.get("kind") or m.value.get("code"),
                }
                for m in sorted(group, key=lambda m: m.start)
            ]
            row = {
                "file": path.name,
                "sha256": digest,
                "page": page,
                "start": span[0],
                "end": span[1],
                "sentence": document.text[span[0] : span[1]],
                "mentions": mentions,
                "relations": relations.get((page, sentence), []),
            }
            print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1:])
