"""Transfer paths on Elasticsearch, expanded hop by hop in the cluster.

The search is the embedded store's (pipeline.onchain.graph), run on a working set: an
in-memory SQLite that asks the cluster, just before each step, for exactly the rows that
step reads, so the answer equals the embedded store's on the same data while the client
holds only the rows near the paths, never a table:

- a hop: for each frontier address, its first FANOUT + 1 transfers ordered by the far
  address (one search per address, sent FRONTIER_BATCH at a time as a multi-search), which
  are all the rows the hop joins plus the one that sets its fanout bound;
- a step back: the first PATHS_PER_TARGET distinct senders, among the addresses one hop
  nearer, of transfers to an address (a terms aggregation ordered by key);
- the listed ends: sanctions listings whose key is among the visited addresses;
- the steps' transactions: the earliest five and the total count between two addresses;
- the latest issue of each list: a terms aggregation with a max.

The frontier cap and the other bounds are graph.py's, and `search_truncated` says when one
was hit. Request bodies are built with the official client's DSL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from pipeline.onchain import graph
from pipeline.store.elasticsearch.onchain import alias, columns
from pipeline.store.sqlite.onchain import ensure_schema

FRONTIER_BATCH = 200
# A terms query holds at most this many values (Elasticsearch's default limit is 65,536).
TERMS_BATCH = 10_000
_NEAR_FAR = {"out": ("from_key", "to_key"), "in": ("to_key", "from_key")}


class WorkingSet(sqlite3.Connection):
    """An in-memory SQLite that fetches from the cluster the rows a path query reads."""

    es: Any
    expanded: set[tuple[str, str]]

    def bind(self, es: Any) -> WorkingSet:
        """Attach the Elasticsearch store and create the on-chain tables."""
        self.es = es
        self.expanded = set()
        self.row_factory = sqlite3.Row
        ensure_schema(self)
        self.names = [c for c, _ in columns(self, "transfers")]
        self.requests = 0
        return self

    # --- the hooks graph.py and lookups.py call ------------------------------------------
    def expand(self, direction: str, keys: list[str]) -> None:
        """Load each frontier address's first FANOUT + 1 transfers in the hop's direction."""
        from elasticsearch.dsl import Search

        near, far = _NEAR_FAR[direction]
        todo = [k for k in keys if (direction, k) not in self.expanded]
        index = alias(self.es.prefix, "transfers")
        for start in range(0, len(todo), FRONTIER_BATCH):
            batch = todo[start : start + FRONTIER_BATCH]
            searches: list[dict[str, Any]] = []
            for key in batch:
                body = (
                    Search()
                    .filter("term", **{near: key})
                    .sort({far: {"order": "asc"}}, {"id": {"order": "asc"}})
                    .extra(size=graph.FANOUT + 1, track_total_hits=False)
                )
                searches.extend([{"index": index}, body.to_dict()])
            with self.es._errors(f"expand a hop through {index}"):
                answer = self.es.client.msearch(searches=searches)
            self.requests += 1
            for response in answer["responses"]:
                if "error" in response:
                    from pipeline.errors import StoreError

                    raise StoreError(f"a hop search on {index} failed ({response['error']})")
                self._insert(hit["_source"] for hit in response["hits"]["hits"])
            self.expanded.update((direction, k) for k in batch)

    def toward(self, direction: str, key: str, depth: int) -> None:
        """Load transfers to `key` from the first few addresses at `depth`, by key order."""
        from elasticsearch.dsl import Search

        near, far = _NEAR_FAR[direction]
        nodes = [
            r[0] for r in self.execute("SELECT key FROM temp.hop_nodes WHERE depth = ?", (depth,))
        ]
        index = alias(self.es.prefix, "transfers")
        for start in range(0, len(nodes), TERMS_BATCH):
            search = (
                Search()
                .filter("term", **{far: key})
                .filter("terms", **{near: nodes[start : start + TERMS_BATCH]})
                .extra(size=0)
            )
            search.aggs.bucket(
                "near", "terms", field=near, size=graph.PATHS_PER_TARGET, order={"_key": "asc"}
            ).metric("one", "top_hits", size=1, sort=[{"id": "asc"}])
            with self.es._errors(f"walk back through {index}"):
                answer = self.es.client.search(index=index, **search.to_dict())
            self.requests += 1
            buckets = answer["aggregations"]["near"]["buckets"]
            self._insert(b["one"]["hits"]["hits"][0]["_source"] for b in buckets)

    def listed(self, keys: list[str]) -> None:
        """Load the sanctions listings of any of `keys`."""
        from elasticsearch.dsl import Search

        index = alias(self.es.prefix, "sanctions_listings")
        names = [c for c, _ in columns(self, "sanctions_listings")]
        sql = (
            f"INSERT OR IGNORE INTO sanctions_listings ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        with self.es._errors(f"check {index}"):
            if not self.es.client.indices.exists_alias(name=index):
                return
        for start in range(0, len(keys), TERMS_BATCH):
            search = (
                Search()
                .filter("terms", key=keys[start : start + TERMS_BATCH])
                .extra(size=TERMS_BATCH)
            )
            with self.es._errors(f"read {index}"):
                answer = self.es.client.search(index=index, **search.to_dict())
            self.requests += 1
            for hit in answer["hits"]["hits"]:
                self.execute(sql, [hit["_source"].get(n) for n in names])

    def between(self, source: str, target: str, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Return the earliest transfers from one key to another, and how many there are."""
        from elasticsearch.dsl import Search

        index = alias(self.es.prefix, "transfers")
        search = (
            Search()
            .filter("term", from_key=source)
            .filter("term", to_key=target)
            # SQLite sorts a missing time first.
            .sort(
                {"block_time": {"order": "asc", "missing": "_first"}},
                {"tx_hash": {"order": "asc"}},
                {"leg": {"order": "asc"}},
            )
            .extra(size=limit, track_total_hits=True)
        )
        with self.es._errors(f"read {index}"):
            answer = self.es.client.search(index=index, **search.to_dict())
        self.requests += 1
        fields = ("chain", "tx_hash", "leg", "block_time", "asset", "amount", "amount_usd")
        rows = []
        for hit in answer["hits"]["hits"]:
            src = hit["_source"]
            rows.append({**{f: src.get(f) for f in fields}, "approx": bool(src.get("approx"))})
        return rows, int(answer["hits"]["total"]["value"])

    def latest_issues(self) -> dict[str, str]:
        """Return each sanctions publication's latest issue date."""
        from elasticsearch.dsl import Search

        index = alias(self.es.prefix, "sanctions_issues")
        with self.es._errors(f"check {index}"):
            if not self.es.client.indices.exists_alias(name=index):
                return {}
        search = Search().extra(size=0)
        search.aggs.bucket("publication", "terms", field="publication", size=1000).metric(
            "latest", "terms", field="issue_date", size=1, order={"_key": "desc"}
        )
        with self.es._errors(f"read {index}"):
            answer = self.es.client.search(index=index, **search.to_dict())
        self.requests += 1
        return {
            b["key"]: b["latest"]["buckets"][0]["key"]
            for b in answer["aggregations"]["publication"]["buckets"]
            if b["latest"]["buckets"]
        }

    def _insert(self, sources: Iterable[dict[str, Any]]) -> None:
        sql = (
            f"INSERT OR IGNORE INTO transfers ({', '.join(self.names)}) "
            f"VALUES ({', '.join('?' * len(self.names))})"
        )
        self.executemany(sql, ([src.get(n) for n in self.names] for src in sources))


def working_set(es: Any) -> WorkingSet:
    """Open an empty working set on an Elasticsearch store."""
    db = sqlite3.connect(":memory:", factory=WorkingSet)
    assert isinstance(db, WorkingSet)
    return db.bind(es)


def es_paths(
    es: Any, a: str, b: str, max_hops: int = 3, cap: int = graph.FRONTIER_CAP
) -> dict[str, Any]:
    """Return `moneytrail path` on an Elasticsearch store, expanding hops in the cluster."""
    from pipeline.onchain.queries import paths

    db = working_set(es)
    try:
        return paths(db, a, b, max_hops, cap)
    finally:
        db.close()


def es_paths_to_sanctioned(
    es: Any, key: str, max_hops: int, cap: int = graph.FRONTIER_CAP
) -> tuple[list[dict[str, Any]], bool]:
    """Return the wallet report's paths to listed addresses, expanding hops in the cluster."""
    from pipeline.onchain.queries import paths_to_sanctioned

    db = working_set(es)
    try:
        return paths_to_sanctioned(db, key, max_hops, cap)
    finally:
        db.close()
