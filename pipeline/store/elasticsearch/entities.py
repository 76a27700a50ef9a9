"""Linked entities on Elasticsearch: resolution runs in the client, its answer lives in the cluster.

Resolution across documents clusters every actor and casino of the corpus at once (see
pipeline/link/resolve.py and corpus.py), so the client runs it, with the same code as the
embedded store: it reads the entities and their mention counts (aggregations and
search_after scans), clusters them, applies the shared judgements, and writes the result back
as partial updates through the bulk helper, only where a stored value differs:

- `canonical_id` and `moved` on each actor and casino mention (the embedded store's
  `resolved_mentions` view), `canonical_id` on merged entities (its `entity_canon`), and
  `subject_canonical`/`object_canonical` on relations;
- the names judgements gave to clusters, in the one `state` document of the `resolution`
  index, with `resolved` and a `generation` that every ingest and judgement bumps.

Entity pages, relations, the graph and lookups are then ordinary queries on those fields. A
resolution that raced an ingest or a judgement never marks itself current (the state is
written with if_seq_no), so the next read resolves again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from elasticsearch import exceptions as es

from pipeline.extract.names import normalise
from pipeline.link.blocks import Runner
from pipeline.link.corpus import Judgement, Resolution, relink
from pipeline.link.resolve import RESOLVED_TYPES, EntityRow
from pipeline.store.elasticsearch.resolution import ElasticResolution
from pipeline.store.sqlite.entities import group_relations

STATE_ID = "state"
_PAGE = 1000
# Bump the generation and mark resolution stale; the upsert creates the state document.
BUMP = (
    "ctx._source.resolved = false; "
    "ctx._source.generation = (ctx._source.generation == null ? 0 : ctx._source.generation) + 1"
)
_MOVED = {"term": {"moved": True}}
_REL_FIELDS = ["id", "subject", "object", "evidence", "subject_canonical", "object_canonical"]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --- request bodies: pure, unit-tested --------------------------------------------------------
def resolved_mentions_query() -> dict[str, Any]:
    """Return the query for the linked mentions of the types resolution clusters."""
    return {
        "bool": {
            "filter": [
                {"terms": {"type": list(RESOLVED_TYPES)}},
                {"exists": {"field": "entity_id"}},
            ]
        }
    }


def entity_counts_request(after: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return one page of mention counts per actor and casino entity, and whether any of its
    mentions came from the gazetteer (a `gz:` key)."""
    composite: dict[str, Any] = {
        "size": _PAGE,
        "sources": [{"id": {"terms": {"field": "entity_id"}}}],
    }
    if after:
        composite["after"] = dict(after)
    return {
        "query": resolved_mentions_query(),
        "size": 0,
        "aggs": {
            "ids": {
                "composite": composite,
                "aggs": {"gazetteer": {"filter": {"prefix": {"key": "gz:"}}}},
            }
        },
    }


def canonical_terms_request(
    query: dict[str, Any], by_count: bool, size: int = _PAGE
) -> dict[str, Any]:
    """Return the mention search listing the clusters of the mentions a query matches."""
    order = [{"_count": "desc"}, {"_key": "asc"}] if by_count else [{"_key": "asc"}]
    return {
        "query": query,
        "size": 0,
        "aggs": {"ids": {"terms": {"field": "canonical_id", "size": size, "order": order}}},
    }


def direct_query(field: str, value: str) -> dict[str, Any]:
    """Return the query for mentions whose cluster or entity is this id, not moved by a split."""
    return {"bool": {"filter": [{"term": {field: value}}], "must_not": [_MOVED]}}


def moved_text_query(text: str) -> dict[str, Any]:
    """Return the query for mentions a split moved whose text is this, in any case."""
    exact = {"term": {"text.raw": {"value": text, "case_insensitive": True}}}
    return {"bool": {"filter": [_MOVED, exact]}}


def alias_mentions_query(entity_ids: list[str], key: str) -> dict[str, Any]:
    """Return the query for mentions of entities with a matching alias (unless a split moved
    them), or whose key is this one."""
    of_entities = {"bool": {"filter": [{"terms": {"entity_id": entity_ids}}], "must_not": [_MOVED]}}
    return {
        "bool": {
            "should": [of_entities, {"term": {"key.lower": key}}],
            "minimum_should_match": 1,
        }
    }


def moved_elsewhere_query(canonical_id: str) -> dict[str, Any]:
    """Return the query for mentions a split moved into another cluster than this one."""
    return {"bool": {"filter": [_MOVED], "must_not": [{"term": {"canonical_id": canonical_id}}]}}


def relations_query(canonical_ids: Iterable[str]) -> dict[str, Any]:
    """Return the query for relations with either resolved end among these clusters."""
    ids = sorted(canonical_ids)
    return {
        "bool": {
            "should": [
                {"terms": {"subject_canonical": ids}},
                {"terms": {"object_canonical": ids}},
            ],
            "minimum_should_match": 1,
        }
    }


def neighbours_request(
    canonical_ids: Iterable[str], after: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return one page of (subject, predicate, object) sums of counts touching these clusters."""
    composite: dict[str, Any] = {
        "size": _PAGE,
        "sources": [
            {"s": {"terms": {"field": "subject_canonical"}}},
            {"p": {"terms": {"field": "predicate"}}},
            {"o": {"terms": {"field": "object_canonical"}}},
        ],
    }
    if after:
        composite["after"] = dict(after)
    return {
        "query": relations_query(canonical_ids),
        "size": 0,
        "aggs": {"edges": {"composite": composite, "aggs": {"count": {"sum": {"field": "count"}}}}},
    }


# --- resolution written back: pure ----------------------------------------------------------
def update(index: str, id_: str, doc: dict[str, Any]) -> dict[str, Any]:
    return {"_op_type": "update", "_index": index, "_id": id_, "doc": doc, "retry_on_conflict": 3}


def entity_update(index: str, src: Mapping[str, Any], res: Resolution) -> dict[str, Any] | None:
    """Return the update that records an entity's cluster, or None when it is recorded."""
    canonical = res.canonical.get(src["id"], src["id"])
    wanted = canonical if canonical != src["id"] else None
    if src.get("canonical_id") == wanted:
        return None
    return update(index, src["id"], {"canonical_id": wanted})


def mention_update(index: str, src: Mapping[str, Any], res: Resolution) -> dict[str, Any] | None:
    """Return the update that records a mention's cluster, or None when it is recorded."""
    entity = str(src["entity_id"])
    moved = src["id"] in res.mentions
    wanted = res.mentions[src["id"]] if moved else res.canonical.get(entity, entity)
    if src.get("canonical_id") == wanted and bool(src.get("moved")) == moved:
        return None
    return update(index, src["id"], {"canonical_id": wanted, "moved": moved})


def relation_ends(src: Mapping[str, Any], res: Resolution) -> tuple[str, str]:
    """Return a relation's resolved ends: a split's move of the evidence mention first, as the
    embedded store's query does, then the stored end's cluster."""
    evidence = list(src.get("evidence") or ())
    ends = []
    for at, stored in ((0, src["subject"]), (1, src["object"])):
        moved = res.mentions.get(evidence[at]) if len(evidence) > at else None
        ends.append(moved or res.canonical.get(stored, stored))
    return ends[0], ends[1]


def relation_update(index: str, src: Mapping[str, Any], res: Resolution) -> dict[str, Any] | None:
    """Return the update that records a relation's resolved ends, or None when recorded."""
    subject, obj = relation_ends(src, res)
    if src.get("subject_canonical") == subject and src.get("object_canonical") == obj:
        return None
    return update(index, src["id"], {"subject_canonical": subject, "object_canonical": obj})


def state_source(
    names: Mapping[str, str], generation: int, resolved: bool, now: str
) -> dict[str, Any]:
    """Return the resolution state document."""
    return {
        "resolved": resolved,
        "generation": generation,
        "names": [{"id": k, "name": v} for k, v in sorted(names.items())],
        "time": now,
    }


def names_of(state: Mapping[str, Any] | None) -> dict[str, str]:
    """Read the cluster names out of a state document."""
    return {n["id"]: n["name"] for n in (state or {}).get("names") or ()}


def is_gone(problem: str) -> bool:
    """Say whether a bulk problem is an update of a record deleted since it was read (a
    concurrent re-ingest, which marks resolution stale again)."""
    return problem.startswith("update ") and ": 404 " in problem


class ElasticEntities(ElasticResolution):
    """Mixed into ElasticStore: the embedded store's entity queries, answered by the cluster."""

    names: dict[str, str]
    client: Any
    # Cluster names and merged entities as last read, valid while the state document keeps
    # the sequence number it had then.
    _labels: dict[str, str] | None = None
    _canon: dict[str, str] | None = None
    _seen: tuple[int, int] | None = None
    _guard: dict[str, Any] | None = None

    # The ElasticStore methods this mixin uses (elastic.py).
    def _errors(self, doing: str, subject: str | None = None) -> AbstractContextManager[None]:
        raise NotImplementedError

    # --- the resolution state -----------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        """Read the state document in real time (no refresh needed)."""
        index = self.names["resolution"]
        with self._errors(f"read {index}"):
            body: dict[str, Any] = (
                self.client.options(ignore_status=404).get(index=index, id=STATE_ID).body
            )
        return body if body.get("found") else {"found": False}

    def _remember(self, state: Mapping[str, Any]) -> None:
        """Keep what the state says; forget cached merges if it changed since last read."""
        seen = (state["_seq_no"], state["_primary_term"]) if state.get("found") else None
        if seen != self._seen or seen is None:
            self._canon = None
        self._seen = seen
        self._labels = names_of(state.get("_source"))

    def _mark_unresolved(self) -> None:
        """Note that entities or judgements changed, so the next read resolves again."""
        index = self.names["resolution"]
        with self._errors(f"update {index}"):
            self.client.update(
                index=index,
                id=STATE_ID,
                script={"source": BUMP, "lang": "painless"},
                upsert=state_source({}, 1, False, _now()),
                retry_on_conflict=10,
                require_alias=True,
            )
        self._canon = None
        self._seen = None

    def ensure_resolved(self, runner: Runner | None = None) -> None:
        """Resolve the corpus again if documents or judgements changed since the last time."""
        state = self._state()
        source = state.get("_source") or {}
        if state.get("found") and source.get("resolved"):
            self._remember(state)
            return
        guard: dict[str, Any] = (
            {"if_seq_no": state["_seq_no"], "if_primary_term": state["_primary_term"]}
            if state.get("found")
            else {"op_type": "create"}
        )
        self._guard = {**guard, "generation": int(source.get("generation") or 0)}
        try:
            relink(self, runner)
        finally:
            self._guard = None

    # --- what relink reads and writes ----------------------------------------------------
    def entity_rows(self) -> list[EntityRow]:
        """Return every actor and casino entity with its aliases and mention count."""
        counts: dict[str, tuple[int, bool]] = {}
        after: dict[str, Any] | None = None
        while True:
            resp = self._search("mentions", "count mentions", **entity_counts_request(after))
            agg = resp["aggregations"]["ids"]
            for b in agg["buckets"]:
                counts[b["key"]["id"]] = (int(b["doc_count"]), b["gazetteer"]["doc_count"] > 0)
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                break
        rows = []
        fields = ["id", "type", "name", "aliases", "kind"]
        query = {"terms": {"type": list(RESOLVED_TYPES)}}
        for hit in self._scan("entities", query, [{"id": "asc"}], fields):
            src = hit["_source"]
            if src["id"] not in counts:
                continue  # no mentions left: the embedded store's join drops it too
            n, gazetteer = counts[src["id"]]
            aliases = tuple(sorted(src.get("aliases") or ()))
            rows.append(
                EntityRow(
                    src["id"], src["type"], src["name"], aliases, src.get("kind"), n, gazetteer
                )
            )
        return rows

    def judgements(self) -> list[Judgement]:
        """Return the analysts' judgements, shared by every client, oldest first."""
        hits = self._scan("judgements", {"match_all": {}}, [{"seq": "asc"}])
        return [
            Judgement(h["_source"]["action"], h["_source"]["subject"], tuple(h["_source"]["args"]))
            for h in hits
        ]

    def add_judgement(self, judgement: Judgement) -> None:
        """Record a judgement in the cluster, for every analyst; re-ingestion never touches it."""
        seq = time.time_ns()
        index = self.names["judgements"]
        with self._errors(f"record a judgement in {index}"):
            self.client.index(
                index=index,
                id=str(seq),
                document={
                    "seq": seq,
                    "action": judgement.action,
                    "subject": judgement.subject,
                    "args": list(judgement.args),
                    "time": _now(),
                },
                op_type="create",
                refresh="wait_for",
                require_alias=True,
            )
        self._mark_unresolved()

    def write_resolution(self, resolution: Resolution) -> None:
        """Write canonical ids where they changed, then mark the state resolved unless an
        ingest or a judgement came in meanwhile."""
        guard = self._guard
        if guard is None:  # called outside ensure_resolved: guard against changes from now
            state = self._state()
            guard = (
                {"if_seq_no": state["_seq_no"], "if_primary_term": state["_primary_term"]}
                if state.get("found")
                else {"op_type": "create"}
            )
            guard["generation"] = int((state.get("_source") or {}).get("generation") or 0)
        self.write_changes(resolution)
        generation = guard.pop("generation")
        body = state_source(resolution.names, generation, True, _now())
        index = self.names["resolution"]
        with self._errors(f"update {index}"):
            try:
                resp = self.client.index(
                    index=index, id=STATE_ID, document=body, require_alias=True, **guard
                )
            except es.ConflictError:
                resp = None  # changed while resolving: it stays stale, the next read redoes it
        self._labels = dict(resolution.names)
        self._canon = {k: v for k, v in resolution.canonical.items() if k != v}
        self._seen = (resp["_seq_no"], resp["_primary_term"]) if resp is not None else None

    # --- lookups ------------------------------------------------------------------------
    def _cluster_names(self) -> dict[str, str]:
        if self._labels is None:
            self._remember(self._state())
        return self._labels or {}

    def canonical_of(self, entity_id: str) -> str:
        """Return the canonical id of an entity id (itself when unresolved)."""
        if self._canon is None:
            hits = self._scan(
                "entities", {"exists": {"field": "canonical_id"}}, [{"id": "asc"}],
                ["id", "canonical_id"],
            )  # fmt: skip
            self._canon = {h["_source"]["id"]: h["_source"]["canonical_id"] for h in hits}
        return self._canon.get(entity_id, entity_id)

    def _clusters(self, query: dict[str, Any], by_count: bool) -> list[str]:
        request = canonical_terms_request(query, by_count)
        resp = self._search("mentions", "look up entities", **request)
        return [b["key"] for b in resp["aggregations"]["ids"]["buckets"]]

    def find_entities(self, name_or_id: str) -> list[str]:
        """Return canonical ids an id, a name or an alias points to, most mentioned first."""
        self.ensure_resolved()
        text = name_or_id.strip()
        for field in ("canonical_id", "entity_id"):
            direct = self._clusters(direct_query(field, text), by_count=False)
            if direct:
                return direct
        # The embedded store's tiers, first answer wins: a name an analyst gave, an alias a
        # split moved out, then stored aliases and keys of mentions left where linking put them.
        lower = text.lower()
        named = sorted(k for k, v in self._cluster_names().items() if v.lower() == lower)
        if named:
            return named
        moved = self._clusters(moved_text_query(text), by_count=False)
        if moved:
            return moved
        norm = normalise(text)
        if not norm:
            return []
        found = self._search(
            "entities", "look up entities", query={"term": {"alias_norms": norm}},
            size=10_000, source_includes=["id"],
        )  # fmt: skip
        ids = sorted(h["_id"] for h in found["hits"]["hits"])
        return self._clusters(alias_mentions_query(ids, lower), by_count=True)

    def _briefs(self, canonical_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = sorted(set(canonical_ids))
        heads = self._mget("entities", ids, ["name", "type"])
        labels = self._cluster_names()
        return {
            i: {
                "id": i,
                "name": labels.get(i) or heads.get(i, {}).get("name"),
                "type": heads.get(i, {}).get("type"),
            }
            for i in ids
        }

    def brief(self, canonical_id: str) -> dict[str, Any]:
        """Return the id, name and type of a resolved entity."""
        return self._briefs([canonical_id])[canonical_id]

    def entity_page(self, canonical_id: str) -> dict[str, Any] | None:
        """Return one resolved entity: names, documents with pages, relations with evidence."""
        self.ensure_resolved()
        sort = [{"source": "asc"}, {"page": "asc"}, {"start": "asc"}, {"id": "asc"}]
        fields = ["entity_id", "type", "text", "document_id", "page", "source"]
        mine = {"term": {"canonical_id": canonical_id}}
        mentions = [h["_source"] for h in self._scan("mentions", mine, sort, fields)]
        if not mentions:
            return None
        members = sorted({m["entity_id"] for m in mentions if m.get("entity_id")})
        heads = self._mget("entities", sorted({canonical_id, *members}))
        head = heads.get(canonical_id)
        texts = sorted({" ".join(m["text"].split()) for m in mentions})
        renamed = self._cluster_names().get(canonical_id)
        name = renamed or (head["name"] if head else max(texts, key=len))
        stored = {a for i in members for a in heads.get(i, {}).get("aliases") or ()}
        moved_hits = self._scan(
            "mentions", moved_elsewhere_query(canonical_id), [{"id": "asc"}], ["text"]
        )
        moved = {normalise(h["_source"]["text"]) for h in moved_hits}
        aliases = sorted(a for a in (stored | set(texts)) - {name} if normalise(a) not in moved)
        documents: dict[str, dict[str, Any]] = {}
        for m in mentions:
            doc = documents.setdefault(
                m["document_id"], {"id": m["document_id"], "source": m["source"], "pages": set()}
            )
            doc["pages"].add(m["page"])
        attributes = dict(head.get("attributes") or {}) if head else {}
        return {
            "id": canonical_id,
            "type": mentions[0]["type"],
            "name": name,
            "kind": (head.get("kind") if head else None) or attributes.get("kind"),
            "aliases": aliases,
            "members": members,
            "attributes": attributes,
            "mentions": len(mentions),
            "documents": [{**d, "pages": sorted(d["pages"])} for d in documents.values()],
            "relations": self.entity_relations(canonical_id),
        }

    def entity_relations(self, canonical_id: str) -> list[dict[str, Any]]:
        """Return the entity's relations, grouped by predicate and other end, with evidence."""
        fields = [
            *_REL_FIELDS,
            "predicate",
            "document_id",
            "page",
            "sentence",
            "count",
            "attributes",
        ]
        hits = self._scan("relations", relations_query([canonical_id]), [{"id": "asc"}], fields)
        rows = [h["_source"] for h in hits]
        if not rows:
            return []
        docs = self._mget("documents", sorted({r["document_id"] for r in rows}), ["source"])
        for r in rows:
            r["s"], r["o"] = r["subject_canonical"], r["object_canonical"]
            r["source"] = docs.get(r["document_id"], {}).get("source")
        # The embedded store's order: source, then page (ties by id here, by rowid there).
        rows.sort(key=lambda r: (r["source"] or "", r["page"], r["id"]))
        others = {r["o"] if r["s"] == canonical_id else r["s"] for r in rows}
        return group_relations(rows, canonical_id, self._briefs(others))

    def neighbours(self, canonical_ids: set[str]) -> list[tuple[str, str, str, int]]:
        """Return (subject, predicate, object, count) of relations touching these entities."""
        self.ensure_resolved()
        if not canonical_ids:
            return []
        out: list[tuple[str, str, str, int]] = []
        after: dict[str, Any] | None = None
        while True:
            request = neighbours_request(canonical_ids, after)
            agg = self._search("relations", "read relations", **request)["aggregations"]["edges"]
            out += [
                (b["key"]["s"], b["key"]["p"], b["key"]["o"], int(b["count"]["value"]))
                for b in agg["buckets"]
            ]
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                return out
