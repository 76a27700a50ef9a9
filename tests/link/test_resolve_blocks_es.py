"""Resolution by blocks through the Elasticsearch store's code, against a FAKE cluster.

FAKE: no Elasticsearch runs where these tests run, so ElasticResolution's five calls to the
cluster (_search, _scan, _mget, _bulk, _refresh) are answered here from dicts, interpreting
the very request bodies the store builds (the query clauses and aggregations it uses, and
nothing else; tests/store/test_elastic_unit.py checks those bodies with the official
client's DSL). Sharding, refresh delays and scoring are not modelled. The data comes from a
generated SQLite store, so both stores' answers are compared on the same entities.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.link.corpus import Judgement, relink, relink_by_scan
from pipeline.link.resolve import RESOLVED_TYPES
from pipeline.records import Entity
from pipeline.store.elasticsearch import mappings as maps
from pipeline.store.elasticsearch.entities import (
    entity_update,
    mention_update,
    relation_update,
)
from pipeline.store.elasticsearch.resolution import ElasticResolution
from pipeline.store.sqlite.store import SqliteStore
from tests.link.test_resolve_blocks import equal_resolutions, generated_store, joined


def _values(doc: dict[str, Any], field: str) -> list[Any]:
    have = doc.get(field)
    return have if isinstance(have, list) else [] if have is None else [have]


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    """Say whether a document matches a query of the clauses the store uses."""
    ((kind, body),) = query.items()
    if kind == "match_all":
        return True
    if kind == "term":
        ((field, value),) = body.items()
        return value in _values(doc, field)
    if kind == "terms":
        ((field, values),) = body.items()
        return bool(set(_values(doc, field)) & set(values))
    if kind == "exists":
        return bool(_values(doc, body["field"]))
    if kind == "prefix":
        ((field, value),) = body.items()
        return any(str(v).startswith(value) for v in _values(doc, field))
    if kind == "bool":
        should = body.get("should", [])
        return (
            all(matches(doc, q) for q in body.get("filter", []))
            and not any(matches(doc, q) for q in body.get("must_not", []))
            and (not should or any(matches(doc, q) for q in should))
        )
    raise AssertionError(f"the FAKE does not know the query {query}")


class FakeClusterStore(ElasticResolution):
    """ElasticResolution over in-memory indices (FAKE; see the module docstring)."""

    def __init__(self) -> None:
        self.names = {n: n for n in maps.INDICES}
        self.indices: dict[str, dict[str, dict[str, Any]]] = {n: {} for n in maps.INDICES}
        self.read: Counter[str] = Counter()
        self.stored_judgements: list[Judgement] = []

    def _scan(
        self,
        name: str,
        query: dict[str, Any],
        sort: list[dict[str, str]],
        includes: list[str] | None = None,
        excludes: list[str] | None = None,
        size: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        assert sort == [{"id": "asc"}]
        for id_, doc in sorted(self.indices[name].items()):
            if matches(doc, query):
                self.read[name] += 1
                src = {k: v for k, v in doc.items() if includes is None or k in includes}
                yield {"_id": id_, "_source": src}

    def _search(self, name: str, doing: str, text: str | None = None, **body: Any) -> Any:
        docs = [d for d in self.indices[name].values() if matches(d, body["query"])]
        ((agg_name, agg),) = body["aggs"].items()
        if "composite" in agg:
            ((source, terms),) = agg["composite"]["sources"][0].items()
            after = (agg["composite"].get("after") or {}).get(source)
            counts = Counter(v for d in docs for v in _values(d, terms["terms"]["field"]))
            keys = sorted(k for k in counts if after is None or k > after)
            keys = keys[: agg["composite"]["size"]]
            out: dict[str, Any] = {
                "buckets": [{"key": {source: k}, "doc_count": counts[k]} for k in keys]
            }
            if keys:
                out["after_key"] = {source: keys[-1]}
            return {"aggregations": {agg_name: out}}
        field = agg["terms"]["field"]
        ((sub, clause),) = agg["aggs"].items()
        buckets = []
        for key in sorted({v for d in docs for v in _values(d, field)}):
            group = [d for d in docs if key in _values(d, field)]
            self.read[name] += 0  # an aggregation returns counts, not documents
            hit = sum(matches(d, clause["filter"]) for d in group)
            buckets.append({"key": key, "doc_count": len(group), sub: {"doc_count": hit}})
        assert len(buckets) <= agg["terms"]["size"]
        return {"aggregations": {agg_name: {"buckets": buckets}}}

    def _mget(
        self, name: str, ids: list[str], includes: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        found = {i: self.indices[name][i] for i in ids if i in self.indices[name]}
        self.read[name] += len(found)
        return {
            i: {k: v for k, v in d.items() if includes is None or k in includes}
            for i, d in found.items()
        }

    def _bulk(self, actions: list[dict[str, Any]], subject: str) -> list[str]:
        for action in actions:
            assert action["_op_type"] == "update"
            self.indices[action["_index"]][action["_id"]].update(action["doc"])
        return []

    def _refresh(self, *names: str) -> None:
        pass

    # What relink needs beyond ElasticResolution (ElasticEntities has these on a cluster).
    def judgements(self) -> list[Judgement]:
        return list(self.stored_judgements)

    def write_resolution(self, resolution: Any) -> None:
        self.write_changes(resolution)


def seeded(sqlite: SqliteStore, seed: int) -> FakeClusterStore:
    """Copy a store's actors, casinos and their mentions into the FAKE cluster, as ingest
    writes them (each entity's first name and kind, every alias; mentions as their own
    cluster), with relations between mentions of one document."""
    fake = FakeClusterStore()
    aliases: dict[str, list[str]] = {}
    for r in sqlite.db.execute("SELECT entity_id, alias FROM entity_aliases"):
        aliases.setdefault(r[0], []).append(r[1])
    marks = ",".join("?" * len(RESOLVED_TYPES))
    for r in sqlite.db.execute(
        f"SELECT id, type, name, kind FROM entities WHERE type IN ({marks})", RESOLVED_TYPES
    ):
        entity = Entity(r[0], r[1], r[2], tuple(aliases.get(r[0], ())), {"kind": r[3]})
        fake.indices["entities"][r[0]] = maps.entity_source(entity)
    by_doc: dict[str, list[str]] = {}
    for r in sqlite.db.execute("SELECT id, document_id, entity_id, type, text, key FROM mentions"):
        fake.indices["mentions"][r[0]] = {
            "id": r[0],
            "entity_id": r[2],
            "type": r[3],
            "text": r[4],
            "key": r[5],
            "canonical_id": r[2],
        }
        by_doc.setdefault(r[1], []).append(r[0])
    rnd = random.Random(seed)
    mentions = fake.indices["mentions"]
    for doc, ids in sorted(by_doc.items()):
        for n in range(min(3, len(ids) // 2)):
            a, b = rnd.sample(ids, 2)
            rel = {
                "id": f"rel-{doc[:8]}-{n}",
                "subject": mentions[a]["entity_id"],
                "object": mentions[b]["entity_id"],
                "evidence": [a, b],
            }
            rel.update(subject_canonical=rel["subject"], object_canonical=rel["object"])
            fake.indices["relations"][rel["id"]] = rel
    return fake


def settled(fake: FakeClusterStore, res: Any) -> list[str]:
    """Return what a full scan would still change: nothing, if the targeted writes are right."""
    left = []
    for doc in fake.indices["entities"].values():
        if entity_update("entities", doc, res):
            left.append(doc["id"])
    for doc in fake.indices["mentions"].values():
        if doc.get("entity_id") and mention_update("mentions", doc, res):
            left.append(doc["id"])
    for doc in fake.indices["relations"].values():
        if relation_update("relations", doc, res):
            left.append(doc["id"])
    return left


@pytest.mark.parametrize(("n", "seed"), [(150, 11), (500, 12)])
def test_cluster_store_resolves_as_the_embedded_scan(tmp_path: Path, n: int, seed: int) -> None:
    sqlite = generated_store(tmp_path / "gen.db", n, seed)
    fake = seeded(sqlite, seed)
    scan = relink_by_scan(sqlite)
    res = relink(fake)
    equal_resolutions(res, scan)
    assert joined(res.canonical)
    assert settled(fake, res) == []
    # Written where it changed, and read only around what was joined: no full scan.
    assert fake.read["mentions"] < len(fake.indices["mentions"])
    # An unchanged corpus resolves again without reading a mention.
    fake.read.clear()
    equal_resolutions(relink(fake), scan)
    assert fake.read["mentions"] == 0

    # Judgements, stored on both sides: a merge, a split of a cluster member, a rename.
    sizes = Counter(scan.canonical.values())
    alone = sorted(r.id for r in sqlite.entity_rows() if sizes[scan.canonical[r.id]] == 1)
    groups: dict[str, list[str]] = {}
    for k, v in scan.canonical.items():
        groups.setdefault(v, []).append(k)
    big = max(groups.values(), key=len)
    member = max(big)
    name = sqlite.db.execute("SELECT name FROM entities WHERE id = ?", (member,)).fetchone()[0]
    judgements = [
        Judgement("merge", alone[0], (alone[1],)),
        Judgement("split", member, (name,)),
        Judgement("rename", scan.canonical[big[0]], ("A Name Given",)),
    ]
    for j in judgements:
        sqlite.add_judgement(j)
    fake.stored_judgements = judgements
    scan = relink_by_scan(sqlite)
    res = relink(fake)
    equal_resolutions(res, scan)
    assert settled(fake, res) == []
    # Undo them: the marks they left (merged entities, moved mentions) are cleared again.
    sqlite.db.execute("DELETE FROM judgments")
    fake.stored_judgements = []
    scan = relink_by_scan(sqlite)
    res = relink(fake)
    equal_resolutions(res, scan)
    assert settled(fake, res) == []
    assert not any(d.get("moved") for d in fake.indices["mentions"].values())
    sqlite.close()


def test_entities_written_before_block_keys_get_them_once(tmp_path: Path) -> None:
    sqlite = generated_store(tmp_path / "gen.db", 120, 13)
    fake = seeded(sqlite, 13)
    keyed = {i: list(d["blocks"]) for i, d in fake.indices["entities"].items()}
    for doc in fake.indices["entities"].values():
        del doc["blocks"]
    equal_resolutions(relink(fake), relink_by_scan(sqlite))
    assert {i: d["blocks"] for i, d in fake.indices["entities"].items()} == keyed
    sqlite.close()
