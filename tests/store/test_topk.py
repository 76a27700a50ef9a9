"""The embedded store's ranking from cached postings equals BM25 worked out by hand."""

from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path

import pytest

from pipeline.records import Document, Mention, Page
from pipeline.store import SqliteStore
from pipeline.store.sqlite import topk

# Words the Porter stemmer leaves as they are, so a count by hand sees FTS5's tokens.
WORDS = [
    *("alpha", "bravo", "delta", "kilo", "lima", "papa"),
    *("zulu", "oscar", "tango", "metro", "radar", "sonar"),
]


def _document(number: int, words: list[str]) -> Document:
    text = " ".join(words)
    return Document(
        f"doc-{number:04d}", f"d{number:04d}.txt", "txt", text, (Page(1, 0, len(text)),)
    )


def _corpus(pages: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(pages):
        # Skewed word frequencies, so some words are on most pages and some on few.
        words = rng.choices(WORDS, weights=[2**i for i in range(len(WORDS))], k=rng.randint(5, 40))
        out.append(words)
    return out


def _by_hand(corpus: list[list[str]], terms: list[str]) -> dict[int, float]:
    """BM25 with Lucene's IDF (k1 1.2, b 0.75), each page's score keyed by page index."""
    total = len(corpus)
    avgdl = sum(len(p) for p in corpus) / total
    scores: dict[int, float] = {}
    for term in terms:
        hits = sum(term in p for p in corpus)
        idf = math.log(1 + (total - hits + 0.5) / (hits + 0.5))
        for i, page in enumerate(corpus):
            tf = Counter(page)[term]
            if tf:
                norm = tf / (tf + 1.2 * (1 - 0.75 + 0.75 * len(page) / avgdl))
                scores[i] = scores.get(i, 0.0) + idf * norm
    return scores


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[SqliteStore, list[list[str]]]:
    corpus = _corpus(300, seed=7)
    store = SqliteStore(tmp_path_factory.mktemp("topk") / "s.db")
    for i, words in enumerate(corpus):
        store.upsert_document(_document(i, words), [], [])
    return store, corpus


def test_varints_read_sqlite_numbers() -> None:
    assert topk.varints(b"\x86\x8d\x20") == [100_000]
    assert topk.varints(b"\x01\x81\x00\x7f") == [1, 128, 127]
    assert topk.varints(b"\xff" * 8 + b"\x01") == [(2**56 - 1) << 8 | 1]


@pytest.mark.parametrize("terms", [["lima"], ["alpha", "kilo"], ["bravo", "tango", "zulu"]])
def test_scores_equal_bm25_worked_out_by_hand(
    built: tuple[SqliteStore, list[list[str]]], terms: list[str]
) -> None:
    store, corpus = built
    expected = _by_hand(corpus, terms)
    stats = topk.table(store.db, str(store.path))
    # Terms only, no phrase, so the sum is the plain BM25 of the words.
    found = topk.rank(store.db, stats, topk.Query(tuple(f'"{t}"' for t in terms), None), 25)
    assert found.pages
    best = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
    assert [round(s, 9) for _, s in found.pages] == [round(s, 9) for _, s in best]
    # rowids follow insertion order here, so page index i is rowid i + 1.
    assert [r - 1 for r, _ in found.pages] == [i for i, _ in best]
    every = {r for r, _ in found.pages if all(t in corpus[r - 1] for t in terms)}
    assert found.every == every


def test_python_and_numpy_sums_rank_alike(
    built: tuple[SqliteStore, list[list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("numpy")
    store, _ = built
    stats = topk.table(store.db, str(store.path))
    query = topk.Query(('"alpha"', '"delta"', '"sonar"'), '"alpha delta"')
    monkeypatch.setattr(topk, "VECTOR_FROM", 10**9)
    python = topk.rank(store.db, stats, query, 40)
    monkeypatch.setattr(topk, "VECTOR_FROM", 0)
    vector = topk.rank(store.db, stats, query, 40)
    assert python == vector
    assert len(python.pages) == 40


def test_a_filter_reaches_past_the_first_pages(
    built: tuple[SqliteStore, list[list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = built
    monkeypatch.setattr(topk, "FILTER_DEPTH", 4)
    stats = topk.table(store.db, str(store.path))
    query = topk.Query(('"radar"',), None)
    everything = topk.rank(store.db, stats, query, 1000).pages
    odd = {r for r, _ in everything if r % 2}
    kept = topk.rank(store.db, stats, query, 30, keep=lambda rowids: set(rowids) & odd)
    assert [r for r, _ in kept.pages] == [r for r, _ in everything if r in odd][:30]


def test_a_write_is_seen_by_the_next_search(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "w.db")
    store.upsert_document(_document(1, ["alpha", "bravo"]), [], [])
    assert [h.source for h in store.search("alpha zulu").hits] == ["d0001.txt"]
    store.upsert_document(_document(2, ["zulu", "alpha", "zulu"]), [], [])
    # The postings were cached for the first version; the write makes a new one.
    assert [h.source for h in store.search("alpha zulu").hits] == ["d0002.txt", "d0001.txt"]
    other = SqliteStore(tmp_path / "w.db")  # a second connection writes, this one reads
    other.upsert_document(_document(3, ["zulu"] * 5), [], [])
    assert store.search("zulu").hits[0].source == "d0003.txt"


def test_country_filter_applies_to_ranked_pages(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "c.db")
    for i, (words, code) in enumerate([("alpha alpha bravo", "KH"), ("alpha bravo", "PH")]):
        doc = _document(i, words.split())
        mention = Mention(
            f"m{i}", doc.id, 1, 0, 5, "country", "alpha", {"code": code}, code, words, "test"
        )
        store.upsert_document(doc, [mention], [])
    assert [h.source for h in store.search("alpha").hits] == ["d0000.txt", "d0001.txt"]
    assert [h.source for h in store.search("alpha", country="PH").hits] == ["d0001.txt"]


def test_search_syntax_ranks_the_pages_it_matches_by_bm25(
    built: tuple[SqliteStore, list[list[str]]],
) -> None:
    store, corpus = built
    hits = store.search("lima NOT kilo", limit=500).hits
    expected = _by_hand(corpus, ["lima"])
    allowed = {i for i in expected if "kilo" not in corpus[i]}
    assert allowed and [int(h.source[1:5]) for h in hits] == sorted(
        allowed, key=lambda i: (-expected[i], i)
    )
    assert [round(h.score, 9) for h in hits] == [
        round(expected[int(h.source[1:5])], 9) for h in hits
    ]


@pytest.mark.parametrize(
    ("query", "phrases"),
    [
        ("lima OR kilo", ('"lima"', '"kilo"')),
        ('"money laundering" -casino', ('"money laundering"',)),
        ("launder* NOT mixer", ('"launder"*',)),
        ("a AND b AND a", ('"a"', '"b"')),
    ],
)
def test_search_syntax_scores_its_positive_phrases(query: str, phrases: tuple[str, ...]) -> None:
    from pipeline.store.ranking import exact_parts

    assert exact_parts(query)[1] == phrases


def test_threads_searching_at_once_agree(built: tuple[SqliteStore, list[list[str]]]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store, _ = built
    topk.CACHE.postings.clear()
    topk.CACHE.size = 0

    def one(query: str) -> list[tuple[int, float]]:
        local = SqliteStore(store.path)  # the API opens a store per request
        try:
            stats = topk.table(local.db, str(local.path))
            words = tuple(f'"{w}"' for w in query.split())
            return topk.rank(local.db, stats, topk.Query(words, None), 20).pages
        finally:
            local.close()

    queries = ["alpha kilo", "bravo", "zulu tango radar", "alpha kilo"] * 6
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, queries))
    for query, result in zip(queries, results, strict=True):
        assert result == one(query)


def test_a_rewrite_of_the_same_size_is_seen_by_the_next_search(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.db")
    store.upsert_document(_document(1, ["alpha", "bravo"]), [], [])
    store.upsert_document(_document(2, ["alpha", "kilo"]), [], [])
    assert [h.source for h in store.search("alpha").hits] == ["d0001.txt", "d0002.txt"]
    # Same page count, same token count and, after the delete, the same rowid for the page:
    # only the index's write counter tells the cached postings are stale.
    store.db.execute("DELETE FROM documents WHERE id = 'doc-0002'")
    store.upsert_document(_document(3, ["alpha", "alpha"]), [], [])
    assert [h.source for h in store.search("alpha").hits] == ["d0003.txt", "d0001.txt"]
