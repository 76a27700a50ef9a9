"""The judged queries over the development corpus: well formed, and every judgement findable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.parse import parse

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "corpora" / "dev-queries" / "queries.jsonl"
DEV = ROOT / "corpora" / "dev"


def _queries() -> list[dict]:
    return [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line]


def test_queries_are_at_least_thirty_with_unique_ids() -> None:
    queries = _queries()
    assert len(queries) >= 30
    assert len({q["id"] for q in queries}) == len(queries)
    assert len({q["query"].lower() for q in queries}) == len(queries)
    assert all(q["relevant"] and set(q) == {"id", "query", "relevant"} for q in queries)


def test_every_judged_phrase_occurs_once_in_its_parsed_document() -> None:
    texts: dict[str, str] = {}
    for query in _queries():
        for judged in query["relevant"]:
            name = judged["source"]
            if name not in texts:
                texts[name] = " ".join(parse(DEV / name).text.split())
            count = texts[name].count(" ".join(judged["phrase"].split()))
            assert count == 1, f"{query['id']}: {judged['phrase']!r} occurs {count}x in {name}"


@pytest.mark.parametrize("query", _queries(), ids=lambda q: q["id"])
def test_queries_do_not_quote_their_answers(query: dict) -> None:
    words = set(query["query"].lower().split())
    for judged in query["relevant"]:
        phrase = judged["phrase"].lower().split()
        # A query may share a word or two with its answer, never the judged phrase itself.
        assert " ".join(phrase) not in query["query"].lower()
        assert len(words & set(phrase)) < max(3, len(phrase))
