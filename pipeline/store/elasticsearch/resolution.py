"""Resolution by blocks on Elasticsearch: blocks listed by aggregation, rows read per block,
and the answer written back to only the records it changes.

The blocks are the terms of the entities' `blocks` field, listed by a paged composite
aggregation; a batch of blocks reads its members by a terms query and their mention counts by
an aggregation over those ids. No client reads every entity or mention.

Writing back touches three sets: the entities merged now or before (a stored `canonical_id`),
the mentions a split moves now or moved before (`moved`), and what hangs off them: their
mentions whose stored cluster differs (found by a query, not read and compared), and the
relations with an end or an evidence mention among them. Anything else already holds its
own id, as ingest wrote it. The writes go in an order that keeps that true if a run stops
half way: a merge's mark (an entity's `canonical_id`, a mention's `moved`) is set before the
records it governs change, and cleared only after them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator, Mapping
from typing import Any

from pipeline.errors import StoreError
from pipeline.link.blocks import blocking_keys, wanted
from pipeline.link.corpus import Resolution
from pipeline.link.resolve import RESOLVED_TYPES, EntityRow

_PAGE = 1000
# Ids per terms query (Elasticsearch allows 65,536 by default; smaller keeps bodies modest).
_IDS = 1000
# Clusters per query for mentions whose stored cluster is stale.
_GROUPS = 200
_MOVED = {"term": {"moved": True}}
_TYPES = {"terms": {"type": list(RESOLVED_TYPES)}}
_ENTITY_FIELDS = ["id", "type", "name", "aliases", "kind"]
_MENTION_FIELDS = ["id", "entity_id", "canonical_id", "moved"]
_REL_FIELDS = ["id", "subject", "object", "evidence", "subject_canonical", "object_canonical"]


def _chunks(items: list[str], size: int = _IDS) -> Iterator[list[str]]:
    for at in range(0, len(items), size):
        yield items[at : at + size]


# --- request bodies: pure, unit-tested --------------------------------------------------------
def blocks_request(after: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return one page of block keys with the number of actors and casinos under each."""
    composite: dict[str, Any] = {
        "size": _PAGE,
        "sources": [{"key": {"terms": {"field": "blocks"}}}],
    }
    if after:
        composite["after"] = dict(after)
    return {"query": _TYPES, "size": 0, "aggs": {"blocks": {"composite": composite}}}


def members_query(keys: list[str]) -> dict[str, Any]:
    """Return the query for the actors and casinos stored under any of these block keys."""
    return {"bool": {"filter": [_TYPES, {"terms": {"blocks": keys}}]}}


def counts_request(entity_ids: list[str]) -> dict[str, Any]:
    """Return the mention count of each of these entities, and whether the gazetteer named
    it (a `gz:` key)."""
    return {
        "query": {"bool": {"filter": [_TYPES, {"terms": {"entity_id": entity_ids}}]}},
        "size": 0,
        "aggs": {
            "ids": {
                "terms": {"field": "entity_id", "size": len(entity_ids)},
                "aggs": {"gazetteer": {"filter": {"prefix": {"key": "gz:"}}}},
            }
        },
    }


def unkeyed_query() -> dict[str, Any]:
    """Return the query for actors and casinos written before block keys existed."""
    return {"bool": {"filter": [_TYPES], "must_not": [{"exists": {"field": "blocks"}}]}}


def stale_mentions_query(groups: Mapping[str, list[str]]) -> dict[str, Any]:
    """Return the query for mentions of these clusters' members whose stored cluster is not
    the cluster (a moved mention is always read: its cluster is the split's)."""
    return {
        "bool": {
            "should": [
                {
                    "bool": {
                        "filter": [{"terms": {"entity_id": sorted(members)}}],
                        "must_not": [
                            {
                                "bool": {
                                    "filter": [{"term": {"canonical_id": canonical}}],
                                    "must_not": [_MOVED],
                                }
                            }
                        ],
                    }
                }
                for canonical, members in sorted(groups.items())
            ],
            "minimum_should_match": 1,
        }
    }


def touching_relations_query(entity_ids: list[str], mention_ids: list[str]) -> dict[str, Any]:
    """Return the query for relations with an end among these entities or evidence among
    these mentions."""
    should: list[dict[str, Any]] = []
    if entity_ids:
        should += [{"terms": {"subject": entity_ids}}, {"terms": {"object": entity_ids}}]
    if mention_ids:
        should.append({"terms": {"evidence": mention_ids}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def row_of(src: Mapping[str, Any], counts: Mapping[str, tuple[int, bool]]) -> EntityRow:
    """Return the resolution row of an entity document with its mention count."""
    n, gazetteer = counts[src["id"]]
    aliases = tuple(sorted(src.get("aliases") or ()))
    return EntityRow(src["id"], src["type"], src["name"], aliases, src.get("kind"), n, gazetteer)


def write_plan(
    res: Resolution,
    merged_before: Mapping[str, str],
) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """Return the entities whose stored cluster changes (id -> new `canonical_id`, None to
    clear it), and the clusters whose members' mentions must be checked (canonical ->
    members): every entity merged now or before."""
    changes: dict[str, str | None] = {}
    groups: dict[str, list[str]] = defaultdict(list)
    for entity_id in set(merged_before) | {k for k, v in res.canonical.items() if k != v}:
        canonical = res.canonical.get(entity_id, entity_id)
        wanted_id = canonical if canonical != entity_id else None
        if merged_before.get(entity_id) != wanted_id:
            changes[entity_id] = wanted_id
        groups[canonical].append(entity_id)
    return changes, dict(groups)


class ElasticResolution:
    """Mixed into ElasticStore: what resolution by blocks reads and writes on the cluster."""

    names: dict[str, str]

    # The ElasticStore methods this mixin uses (store.py).
    def _scan(
        self,
        name: str,
        query: dict[str, Any],
        sort: list[dict[str, str]],
        includes: list[str] | None = None,
        excludes: list[str] | None = None,
        size: int = 1000,
    ) -> Generator[dict[str, Any], None, None]:
        raise NotImplementedError

    def _search(self, name: str, doing: str, text: str | None = None, **body: Any) -> Any:
        raise NotImplementedError

    def _mget(
        self, name: str, ids: list[str], includes: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    def _bulk(self, actions: list[dict[str, Any]], subject: str) -> list[str]:
        raise NotImplementedError

    def _refresh(self, *names: str) -> None:
        raise NotImplementedError

    # --- reads ------------------------------------------------------------------------
    def resolution_blocks(self) -> Iterator[list[tuple[str, int]]]:
        """Yield pages of the blocks worth clustering. The counts include entities left with
        no mention (the cluster does not drop them), so a common token's block is read and
        counted again in cluster_block rather than skipped here."""
        self._key_old_entities()
        after: dict[str, Any] | None = None
        while True:
            resp = self._search("entities", "list resolution blocks", **blocks_request(after))
            agg = resp["aggregations"]["blocks"]
            yield [
                (b["key"]["key"], int(b["doc_count"]))
                for b in agg["buckets"]
                if wanted(b["key"]["key"], int(b["doc_count"]), exact=False)
            ]
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                return

    def block_rows(self, keys: list[str]) -> dict[str, list[EntityRow]]:
        """Return the rows (entities with mentions) stored under each key."""
        wanted_keys = set(keys)
        sources = {}
        members: dict[str, list[str]] = defaultdict(list)
        fields = [*_ENTITY_FIELDS, "blocks"]
        for part in _chunks(sorted(wanted_keys)):
            for hit in self._scan("entities", members_query(part), [{"id": "asc"}], fields):
                src = hit["_source"]
                sources[src["id"]] = src
                for key in wanted_keys.intersection(src.get("blocks") or ()):
                    members[key].append(src["id"])
        counts = self._mention_counts(sorted(sources))
        rows = {i: row_of(src, counts) for i, src in sources.items() if i in counts}
        return {k: [rows[i] for i in ids if i in rows] for k, ids in members.items()}

    def rows_by_id(self, ids: list[str]) -> list[EntityRow]:
        """Return the actor and casino entities among these ids that have mentions."""
        sources = self._mget("entities", ids, _ENTITY_FIELDS)
        sources = {i: s for i, s in sources.items() if s.get("type") in RESOLVED_TYPES}
        counts = self._mention_counts(sorted(sources))
        return [row_of(src, counts) for i, src in sorted(sources.items()) if i in counts]

    def mention_texts(self, entity_ids: list[str]) -> list[tuple[str, str, str]]:
        """Return (mention id, entity id, text) for the mentions of these entities."""
        found = []
        for part in _chunks(sorted(entity_ids)):
            query = {"terms": {"entity_id": part}}
            for h in self._scan("mentions", query, [{"id": "asc"}], ["id", "entity_id", "text"]):
                found.append((h["_source"]["id"], h["_source"]["entity_id"], h["_source"]["text"]))
        return found

    def _mention_counts(self, ids: list[str]) -> dict[str, tuple[int, bool]]:
        counts: dict[str, tuple[int, bool]] = {}
        for part in _chunks(ids):
            resp = self._search("mentions", "count mentions", **counts_request(part))
            for b in resp["aggregations"]["ids"]["buckets"]:
                counts[b["key"]] = (int(b["doc_count"]), b["gazetteer"]["doc_count"] > 0)
        return counts

    def _key_old_entities(self) -> None:
        """Give entities written before block keys existed their keys (once: the query
        finds none afterwards)."""
        from pipeline.store.elasticsearch.entities import update

        fields = [*_ENTITY_FIELDS]
        actions = []
        for hit in self._scan("entities", unkeyed_query(), [{"id": "asc"}], fields):
            src = hit["_source"]
            keys = blocking_keys(
                src["type"], src["name"], src.get("kind"), src.get("aliases") or ()
            )
            actions.append(update(self.names["entities"], src["id"], {"blocks": keys}))
        if actions:
            self._send(actions, "block keys")
            self._refresh("entities")

    # --- writes -----------------------------------------------------------------------
    def write_changes(self, res: Resolution) -> int:
        """Write what this resolution changes, in the order the module docstring gives;
        return how many records changed."""
        from pipeline.store.elasticsearch.entities import (
            entity_update,
            mention_update,
            relation_update,
        )

        merged = {
            h["_source"]["id"]: h["_source"]["canonical_id"]
            for h in self._scan(
                "entities", {"exists": {"field": "canonical_id"}}, [{"id": "asc"}],
                ["id", "canonical_id"],
            )
        }  # fmt: skip
        changes, groups = write_plan(res, merged)
        moved = {h["_source"]["id"]: h["_source"] for h in self._moved_before()}
        moved.update(
            self._mget("mentions", sorted(set(res.mentions) - moved.keys()), _MENTION_FIELDS)
        )
        entities = self.names["entities"]

        def entity(id_: str) -> dict[str, Any] | None:
            return entity_update(entities, {"id": id_, "canonical_id": merged.get(id_)}, res)

        mentions = self.names["mentions"]
        # 1. Marks set: merges, and mentions a split moves.
        first = [entity(i) for i, c in sorted(changes.items()) if c is not None]
        first += [mention_update(mentions, m, res) for i, m in moved.items() if i in res.mentions]
        # 2. Relations with an end or evidence among them.
        members = sorted({i for ids in groups.values() for i in ids})
        second = [
            relation_update(self.names["relations"], h["_source"], res)
            for h in self._touching_relations(members, sorted(moved))
        ]
        # 3. Mentions whose stored cluster differs, and those no longer moved.
        third = [
            mention_update(mentions, m, res) for i, m in moved.items() if i not in res.mentions
        ]
        third += [mention_update(mentions, h["_source"], res) for h in self._stale_mentions(groups)]
        # 4. Marks cleared: entities no longer merged.
        fourth = [entity(i) for i, c in sorted(changes.items()) if c is None]
        total = 0
        for phase in (first, second, third, fourth):
            total += self._send([a for a in phase if a is not None], "resolution")
        if total:
            self._refresh("entities", "mentions", "relations")
        return total

    def _moved_before(self) -> Iterable[dict[str, Any]]:
        return self._scan(
            "mentions", {"bool": {"filter": [_MOVED]}}, [{"id": "asc"}], _MENTION_FIELDS
        )

    def _touching_relations(
        self, entity_ids: list[str], mention_ids: list[str]
    ) -> Iterator[dict[str, Any]]:
        seen: set[str] = set()
        parts: list[tuple[list[str], list[str]]] = [(p, []) for p in _chunks(entity_ids)]
        parts += [([], p) for p in _chunks(mention_ids)]
        for ents, ments in parts:
            query = touching_relations_query(ents, ments)
            for hit in self._scan("relations", query, [{"id": "asc"}], _REL_FIELDS):
                if hit["_source"]["id"] not in seen:
                    seen.add(hit["_source"]["id"])
                    yield hit

    def _stale_mentions(self, groups: Mapping[str, list[str]]) -> Iterator[dict[str, Any]]:
        items = sorted(groups.items())
        for at in range(0, len(items), _GROUPS):
            query = stale_mentions_query(dict(items[at : at + _GROUPS]))
            yield from self._scan("mentions", query, [{"id": "asc"}], _MENTION_FIELDS)

    def _send(self, actions: list[dict[str, Any]], subject: str) -> int:
        """Send one phase; stop before the next if the cluster rejected any of it."""
        from pipeline.store.elasticsearch.entities import is_gone

        problems = [p for p in self._bulk(actions, subject) if not is_gone(p)]
        if problems:
            raise StoreError(
                f"Elasticsearch rejected {len(problems)} of {len(actions)} resolved ids "
                f"({problems[0]}); the next command resolves again"
            )
        return len(actions)
