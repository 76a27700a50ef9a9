"""Resolution by blocks gives today's clusters: on generated names that cross blocks, on a
generated store written document by document, and on the project's corpora."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.ingest import ingest
from pipeline.link.blocks import (
    MAX_BLOCK,
    BlockAnswer,
    cluster_block,
    clusters_by_blocks,
    combine,
    row_keys,
    wanted,
)
from pipeline.link.corpus import Judgement, Resolution, relink, relink_by_scan
from pipeline.link.resolve import EntityRow, cluster
from pipeline.records import Document, Entity, Mention, Page
from pipeline.settings import Settings
from pipeline.store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]


class MemoryBlocks:
    """Rows held in a dict, keyed as a store keys them: the BlockSource for pure tests."""

    def __init__(self, rows: list[EntityRow]) -> None:
        self.by_key: dict[str, list[EntityRow]] = defaultdict(list)
        for r in rows:
            for k in row_keys(r):
                self.by_key[k].append(r)
        self.read: set[str] = set()

    def resolution_blocks(self) -> Iterator[list[tuple[str, int]]]:
        keys = sorted(self.by_key)
        for at in range(0, len(keys), 7):  # small pages: paging must not lose a block
            yield [
                (k, len(self.by_key[k]))
                for k in keys[at : at + 7]
                if wanted(k, len(self.by_key[k]), exact=True)
            ]

    def block_rows(self, keys: list[str]) -> dict[str, list[EntityRow]]:
        found = {k: self.by_key[k] for k in keys if k in self.by_key}
        self.read |= {r.id for rows in found.values() for r in rows}
        return found


def joined(mapping: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if k != v}


def row(id_: str, name: str, kind: str = "company", *aliases: str, n: int = 1) -> EntityRow:
    return EntityRow(id_, "actor", name, (name, *aliases), kind, n, False)


def test_acronym_with_two_expansions_joins_when_an_alias_joins_them_elsewhere() -> None:
    rows = [
        row("a", "Korea Mining Development", "company", "KOMID Trading"),
        row("b", "Korean Mining Development", "company", "KOMID Trading"),
        row("c", "KMD", "company"),
    ]
    # The acronym block alone sees two expansions; the exact-form block of the shared alias
    # shows they are one cluster, so the acronym joins, as today.
    alone = cluster_block("a:actor:KMD", rows)
    assert alone.pending and not alone.joins
    mapping, _ = clusters_by_blocks(MemoryBlocks(rows))
    assert joined(mapping) == joined(cluster(rows)) != {}
    assert mapping["c"] == mapping["a"]


def test_acronym_with_two_unrelated_expansions_joins_neither() -> None:
    rows = [
        row("a", "Korea Mining Development"),
        row("b", "Kowloon Metal Dealers"),
        row("c", "KMD"),
    ]
    mapping, _ = clusters_by_blocks(MemoryBlocks(rows))
    assert joined(mapping) == joined(cluster(rows)) == {}


def test_a_token_shared_by_too_many_is_skipped_as_today() -> None:
    rows = [row(f"r{i:03d}", f"Zorbex Ventures {i}") for i in range(MAX_BLOCK + 1)]
    rows += [row("x", "Zorbex Venture 7"), row("y", "Zorbex Ventures 7")]
    mapping, _ = clusters_by_blocks(MemoryBlocks(rows))
    assert joined(mapping) == joined(cluster(rows))
    assert mapping["y"] == mapping["r007"]


PLACES = ["Dandong", "Pyongyang", "Shenyang", "Macau", "Phnom Penh", "Manila"]
WORDS = [
    "hongxiang",
    "industrial",
    "development",
    "mansudae",
    "overseas",
    "project",
    "chinpo",
    "shipping",
    "korea",
    "kwangson",
    "banking",
    "suntech",
    "glory",
    "ocean",
    "star",
    "lazarus",
    "bureau",
    "reconnaissance",
    "golden",
    "triangle",
    "huione",
    "guarantee",
    "pay",
    "sunrise",
    "tiger",
    "dragon",
    "jade",
    "lotus",
    "pacific",
    "trust",
]
SURNAMES = ["Kim", "Park", "Ri", "Choe", "Jang", "Han"]
GIVEN = ["Jin Hyok", "Il Nam", "Sang Man", "Sang Min", "Jong Un", "Chol"]


def _variant(name: str, rnd: random.Random) -> str:
    """Spell a name another way, as documents do."""
    pick = rnd.random()
    if pick < 0.2:
        return name.upper()
    if pick < 0.4:
        return name + " Ltd"
    if pick < 0.55 and len(name) > 6:
        at = rnd.randrange(1, len(name) - 1)
        return name[:at] + name[at + 1 :]  # a dropped letter: fuzzy
    if pick < 0.7:
        return f"{rnd.choice(PLACES)} {name}"  # a leading place: a fragment
    if pick < 0.8:
        return name + " " + rnd.choice("ABCDE") + "."  # a trailing initial
    return name


def generated_rows(n: int, seed: int) -> list[EntityRow]:
    """Rows with the overlaps resolution handles: variants, aliases, acronyms, people."""
    rnd = random.Random(seed)
    bases = [
        " ".join(w.title() for w in rnd.sample(WORDS, rnd.choice((2, 3, 3, 4))))
        for _ in range(max(4, n // 6))
    ]
    people = [f"{rnd.choice(SURNAMES)} {rnd.choice(GIVEN)}" for _ in range(max(2, n // 12))]
    rows = []
    for i in range(n):
        gz = rnd.random() < 0.05
        if rnd.random() < 0.2:
            name = _variant(rnd.choice(people), rnd) if rnd.random() < 0.5 else rnd.choice(people)
            kind = "person"
        elif rnd.random() < 0.12:
            base = rnd.choice(bases)
            name = "".join(w[0] for w in base.split()).upper()  # an acronym of a base
            kind = "company"
        else:
            name = _variant(rnd.choice(bases), rnd)
            kind = rnd.choice(("company", "company", "group", "bank"))
        aliases = {name}
        if rnd.random() < 0.15:
            aliases.add(rnd.choice(bases + people))
        type_ = "casino" if rnd.random() < 0.1 else "actor"
        rows.append(
            EntityRow(
                f"id{i:05d}", type_, name, tuple(sorted(aliases)), kind, rnd.randint(1, 9), gz
            )
        )
    return rows


@pytest.mark.parametrize(("n", "seed"), [(60, 1), (300, 2), (700, 3)])
def test_generated_rows_cluster_as_the_full_scan_does(n: int, seed: int) -> None:
    rows = generated_rows(n, seed)
    expected = joined(cluster(rows))
    mapping, read = clusters_by_blocks(MemoryBlocks(rows))
    assert joined(mapping) == expected
    assert len(expected) > n // 10  # the data really joins across blocks
    # The members of clusters come back whole, canonical ones included (and the candidates
    # of acronyms the second pass turned down).
    assert set(mapping) == set(expected) | set(expected.values())
    assert set(mapping) <= set(read)


def test_a_block_answer_names_only_the_rows_it_joined() -> None:
    rows = [row("a", "Suntech Glory"), row("b", "Suntech Glori"), row("c", "Suntech Ocean")]
    answer = cluster_block("t:actor:suntech", rows)
    assert answer.joins == [("a", "b")]
    assert set(answer.rows) == {"a", "b"}
    assert combine([answer, BlockAnswer()])[0] == {"a": "a", "b": "a"}


# --- a store written document by document ----------------------------------------------
def _document(index: int, names: list[tuple[str, str, str, str]]) -> tuple[Document, list[Any]]:
    text = ". ".join(name for _, _, name, _ in names) + "."
    doc = Document(
        id=f"{index:064x}",
        source=f"gen/{index}.txt",
        kind="text",
        title=None,
        date=None,
        text=text,
        pages=(Page(1, 0, len(text)),),
    )
    mentions, entities, at = [], [], 0
    for entity_id, type_, name, kind in names:
        mentions.append(
            Mention(
                id=f"m{index}-{at}",
                document_id=doc.id,
                page=1,
                start=at,
                end=at + len(name),
                type=type_,
                text=name,
                key=("gz:" if entity_id.endswith("7") else "") + name.lower(),
                value={"kind": kind},
                sentence=name,
                extractor="test",
                score=1.0,
                entity_id=entity_id,
            )
        )
        entities.append(Entity(entity_id, type_, name, (), {"kind": kind}))
        at += len(name) + 2
    return doc, [mentions, entities]


def generated_store(path: Path, n: int, seed: int) -> SqliteStore:
    """A store whose entities come back in later documents under other names and kinds, and
    some of whose documents are written again without them (entities left with no mention)."""
    rnd = random.Random(seed)
    rows = generated_rows(n, seed)
    store = SqliteStore(path)
    docs: list[list[tuple[str, str, str, str]]] = [[] for _ in range(max(2, n // 8))]
    for r in rows:
        for _ in range(rnd.choice((1, 1, 2, 3))):
            name = r.name if rnd.random() < 0.7 else rnd.choice(r.aliases)
            kind = r.kind if rnd.random() < 0.9 else "organization"
            rnd.choice(docs).append((r.id, r.type, name, kind or "organization"))
    for i, names in enumerate(docs):
        doc, (mentions, entities) = _document(i, names)
        store.upsert_document(doc, mentions, entities)
    for i in rnd.sample(range(len(docs)), k=max(1, len(docs) // 10)):
        doc, (mentions, entities) = _document(i, docs[i][: len(docs[i]) // 2])
        store.upsert_document(doc, mentions, entities)
    return store


def equal_resolutions(a: Resolution, b: Resolution) -> None:
    assert joined(a.canonical) == joined(b.canonical)
    assert a.mentions == b.mentions
    assert a.names == b.names


@pytest.mark.parametrize(("n", "seed"), [(200, 5), (600, 6)])
def test_generated_store_resolves_by_blocks_as_by_scan(tmp_path: Path, n: int, seed: int) -> None:
    store = generated_store(tmp_path / "gen.db", n, seed)
    scan = relink_by_scan(store)
    assert len(joined(scan.canonical)) > n // 20
    equal_resolutions(relink(store), scan)
    # Judgements on top: a merge of two singletons, a split and a rename of clusters.
    rows = sorted(store.entity_rows(), key=lambda r: r.id)
    alone = [r.id for r in rows if r.id not in joined(scan.canonical)]
    grouped = defaultdict(list)
    for k, v in scan.canonical.items():
        grouped[v].append(k)
    big = max(grouped.values(), key=len)
    member = next(r for r in rows if r.id == sorted(big)[-1])
    for j in (
        Judgement("merge", alone[0], (alone[1],)),
        Judgement("split", member.id, (member.name,)),
        Judgement("rename", scan.canonical[big[0]], ("A Name Given",)),
    ):
        store.add_judgement(j)
    scan = relink_by_scan(store)
    equal_resolutions(relink(store), scan)
    assert scan.names and (scan.mentions or len(joined(scan.canonical)) > 0)
    store.close()


def test_old_store_gains_block_keys_once(tmp_path: Path) -> None:
    store = generated_store(tmp_path / "old.db", 120, 8)
    store.db.execute("DELETE FROM entity_blocks")
    store.db.execute("DELETE FROM meta WHERE key = 'blocks'")
    store.db.execute("INSERT OR REPLACE INTO meta VALUES ('resolved', '0')")
    store.ensure_resolved()
    assert store.db.execute("SELECT count(*) FROM entity_blocks").fetchone()[0] > 120
    by_scan = relink_by_scan(store)
    assert joined(by_scan.canonical)
    assert dict(store.db.execute("SELECT * FROM entity_canon").fetchall()) == joined(
        by_scan.canonical
    )
    store.close()


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    files = [
        str(p)
        for folder in ("sample", "dev")
        for p in sorted((ROOT / "corpora" / folder).iterdir())
        if p.suffix in (".txt", ".pdf", ".html")
    ]
    path = tmp_path_factory.mktemp("corpora") / "corpora.db"
    store = SqliteStore(path)
    report = ingest(files, store, Settings(store=str(path)))
    assert report.ingested == len(files)
    yield store
    store.close()


def test_corpora_resolve_by_blocks_as_by_scan(corpus_store: SqliteStore) -> None:
    scan = relink_by_scan(corpus_store)
    assert joined(scan.canonical)  # the corpora do join names across documents
    equal_resolutions(relink(corpus_store), scan)
