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
from collections.abc import Callable
from contextlib import closing
from importlib import resources
from typing import Any, TypeVar

from pipeline.onchain import graph
from pipeline.store.elasticsearch.onchain import alias
from pipeline.store.elasticsearch.onchain_rows import TERMS_BATCH
from pipeline.store.elasticsearch.onchain_totals import ClusterTotals
from pipeline.store.sqlite.onchain import ensure_schema

T = TypeVar("T")
FRONTIER_BATCH = 200
# The on-chain tables the queries read; a cluster without an import lacks them.
_READ = ("transfers", "sanctions_issues", "sanctions_listings", "address_tags")
_NEAR_FAR = {"out": ("from_key", "to_key"), "in": ("to_key", "from_key")}


class WorkingSet(ClusterTotals):
    """An in-memory SQLite that fetches from the cluster the rows an on-chain query reads."""

    es: Any
    expanded: set[tuple[str, str]]

    def bind(self, es: Any) -> WorkingSet:
        """Attach the Elasticsearch store and create the document and on-chain tables."""
        self.es = es
        self.expanded = set()
        self.loaded = {}
        self.row_factory = sqlite3.Row
        self.executescript(
            resources.files("pipeline.store.sqlite").joinpath("schema.sql").read_text()
        )
        ensure_schema(self)
        self.requests = 0
        indices = [alias(es.prefix, t) for t in _READ]
        self.absent = {index for index in indices if not self._exists(index)}
        return self

    # --- the hooks graph.py and lookups.py call ------------------------------------------
    def expand(self, direction: str, keys: list[str]) -> None:
        """Load each frontier address's first FANOUT + 1 transfers in the hop's direction."""
        from elasticsearch.dsl import Search

        near, far = _NEAR_FAR[direction]
        todo = [k for k in keys if (direction, k) not in self.expanded]
        index = alias(self.es.prefix, "transfers")
        if index in self.absent:
            return
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
                self._transfers(hit["_source"] for hit in response["hits"]["hits"])
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
            answer = self._ask(index, search, "walk back")
            buckets = answer["aggregations"]["near"]["buckets"]
            self._transfers(b["one"]["hits"]["hits"][0]["_source"] for b in buckets)

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
        answer = self._ask(index, search, "read")
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
        search = Search().extra(size=0)
        search.aggs.bucket("publication", "terms", field="publication", size=1000).metric(
            "latest", "terms", field="issue_date", size=1, order={"_key": "desc"}
        )
        answer = self._ask(index, search, "read")
        return {
            b["key"]: b["latest"]["buckets"][0]["key"]
            for b in answer["aggregations"]["publication"]["buckets"]
            if b["latest"]["buckets"]
        }


def working_set(es: Any) -> WorkingSet:
    """Open an empty working set on an Elasticsearch store."""
    db = sqlite3.connect(":memory:", factory=WorkingSet)
    assert isinstance(db, WorkingSet)
    return db.bind(es)


def in_cluster(es: Any, query: Callable[..., T], *args: Any) -> T:
    """Run one of pipeline/onchain's queries (paths, wallet_report, xref ...) on a working set
    of an Elasticsearch store, so that it reads from the cluster only the rows it needs."""
    with closing(working_set(es)) as db:
        return query(db, *args)


def es_paths(
    es: Any, a: str, b: str, max_hops: int = 3, cap: int = graph.FRONTIER_CAP
) -> dict[str, Any]:
    """Return `moneytrail path` on an Elasticsearch store, expanding hops in the cluster."""
    from pipeline.onchain.queries import paths

    return in_cluster(es, paths, a, b, max_hops, cap)


def es_wallet_report(es: Any, address: str, max_hops: int = 3) -> dict[str, Any]:
    """Return `moneytrail wallet` on an Elasticsearch store, answered in the cluster."""
    from pipeline.onchain.queries import wallet_report

    return in_cluster(es, wallet_report, address, max_hops)


def es_wallet_records(
    es: Any, keys: list[str], max_hops: int = 3, cap: int = graph.FRONTIER_CAP
) -> dict[str, dict[str, Any]]:
    """Return the cross-reference record of each wallet key, answered in the cluster."""
    from pipeline.onchain.xref import wallet_record

    with closing(working_set(es)) as db:
        records = {}
        for key in keys:
            records[key] = wallet_record(db, key, max_hops, cap)
            db.forget()  # one wallet's rows at a time
        return records


def es_xref(es: Any, max_hops: int = 3, cap: int = graph.FRONTIER_CAP) -> dict[str, Any]:
    """Return `moneytrail xref` on an Elasticsearch store, one wallet at a time."""
    from pipeline.onchain.xref import xref

    return in_cluster(es, xref, max_hops, cap)
