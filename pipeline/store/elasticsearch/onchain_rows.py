"""The rows a wallet report or a cross-reference reads, fetched from the cluster on demand.

A working set (onchain_paths.py) is an in-memory SQLite with the embedded store's tables; the
query code in pipeline/onchain calls `lookups.fetch(db, hook, ...)` before each statement, and
the hooks here load exactly the rows that statement reads, so the same SQL answers on both
stores:

- `tagged`, `listed`: attribution tags and sanctions listings of given keys (terms queries);
- `mentioned`: the wallet mentions of given keys, with their documents;
- `in_documents`, `on_pages`: the mentions of some types in given documents or on given
  pages, with the entities they are linked to;
- `any_transfer`, `weighed`: one transfer each way (does the wallet have any?), and the
  earliest transfers a corroboration verdict weighs;
- `wallet_keys`: the xref's wallets, paged from the mentions index in first-seen order.

Every read is a filtered search, paged by `search_after` (PAGE hits a request) where it can
be long; key lists go TERMS_BATCH at a time. Request bodies are built with the official
client's DSL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from pipeline.store.elasticsearch.mappings import alias_name
from pipeline.store.elasticsearch.onchain import TABLES, alias

PAGE = 1000
# A terms query holds at most this many values (Elasticsearch's default limit is 65,536).
TERMS_BATCH = 10_000
_LOADED = ("transfers", "sanctions_listings", "address_tags", "mentions", "documents", "entities")


def _mention_row(src: dict[str, Any]) -> dict[str, Any]:
    return {**src, "value": json.dumps(src.get("value") or {}, sort_keys=True)}


def _document_row(src: dict[str, Any]) -> dict[str, Any]:
    return {**src, "warnings": json.dumps(list(src.get("warnings") or ()))}


def _entity_row(src: dict[str, Any]) -> dict[str, Any]:
    attributes = src.get("attributes") or {}
    return {
        **src,
        "kind": attributes.get("kind"),
        "attributes": json.dumps(attributes, sort_keys=True),
    }


class ClusterRows(sqlite3.Connection):
    """Hooks that load a working set's rows from the cluster; see the module docstring."""

    es: Any
    requests: int
    loaded: dict[str, set[Any]]
    expanded: set[tuple[str, str]]
    absent: set[str]  # on-chain indices the cluster lacks (nothing imported): read as empty

    def forget(self) -> None:
        """Drop every loaded row (between the wallets of a cross-reference)."""
        for table in _LOADED:
            self.execute(f"DELETE FROM {table}")
        self.loaded = {}
        self.expanded = set()

    # --- plumbing -------------------------------------------------------------------------
    def _ask(self, index: str, search: Any, doing: str) -> Any:
        """Send one search; return its answer (an empty one from an absent on-chain index)."""
        body = search.to_dict()
        if index in self.absent:
            empty: dict[str, Any] = {name: {"buckets": []} for name in body.get("aggs", {})}
            return {"hits": {"hits": [], "total": {"value": 0}}, "aggregations": empty}
        with self.es._errors(f"{doing} in {index}"):
            answer = self.es.client.search(index=index, **body)
        self.requests += 1
        return answer

    def _exists(self, index: str) -> bool:
        with self.es._errors(f"check {index}"):
            return bool(self.es.client.indices.exists_alias(name=index))

    def _pages(
        self, index: str, search: Any, sort: list[dict[str, Any]], doing: str
    ) -> Iterator[dict[str, Any]]:
        """Yield the _source of every hit, PAGE at a time, in `sort` order (unique last)."""
        after: list[Any] | None = None
        while True:
            page = search.sort(*sort).extra(size=PAGE, track_total_hits=False)
            if after is not None:
                page = page.extra(search_after=after)
            hits = self._ask(index, page, doing)["hits"]["hits"]
            yield from (hit["_source"] for hit in hits)
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    def _todo(self, name: str, items: Iterable[Any]) -> list[Any]:
        """Return the items not loaded yet under `name`, and mark them loaded."""
        done = self.loaded.setdefault(name, set())
        todo = [i for i in dict.fromkeys(items) if i not in done]
        done.update(todo)
        return todo

    def _insert(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Insert rows, each a document whose fields name the table's columns."""
        columns = [r[1] for r in self.execute(f"PRAGMA table_info({table})")]
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f"INSERT OR IGNORE INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"
        self.executemany(sql, ([row.get(c) for c in columns] for row in rows))

    def _by_terms(
        self, index: str, field: str, values: list[Any], sort: list[dict[str, Any]], **term: Any
    ) -> Iterator[dict[str, Any]]:
        """Yield the documents whose `field` is one of `values` (and match `term`), paged."""
        from elasticsearch.dsl import Search

        for start in range(0, len(values), TERMS_BATCH):
            search = Search().filter("terms", **{field: values[start : start + TERMS_BATCH]})
            for name, value in term.items():
                search = search.filter(
                    "terms" if isinstance(value, list) else "term", **{name: value}
                )
            yield from self._pages(index, search, sort, "read")

    # --- on-chain rows --------------------------------------------------------------------
    def _keyed(self, table: str, keys: list[str], unique: tuple[str, ...]) -> None:
        """Load the rows of an on-chain table whose key is any of `keys` not loaded yet."""
        index = alias(self.es.prefix, table)
        todo = self._todo(table, keys)
        if not todo:
            return
        self._insert(table, self._by_terms(index, "key", todo, [{c: "asc"} for c in unique]))

    def tagged(self, keys: list[str]) -> None:
        """Load the attribution tags of any of `keys`."""
        self._keyed("address_tags", keys, ("id",))

    def listed(self, keys: list[str]) -> None:
        """Load the sanctions listings of any of `keys`."""
        self._keyed("sanctions_listings", keys, TABLES["sanctions_listings"])

    def any_transfer(self, key: str) -> None:
        """Load one transfer from and one to `key`, if there are any."""
        from elasticsearch.dsl import Search

        if not self._todo("any_transfer", [key]):
            return
        index = alias(self.es.prefix, "transfers")
        for side in ("from_key", "to_key"):
            search = Search().filter("term", **{side: key}).sort("id")
            hits = self._ask(index, search.extra(size=1, track_total_hits=False), "read")
            self._transfers(h["_source"] for h in hits["hits"]["hits"])

    def weighed(
        self, side: str, key: str, asset: str | None, span: tuple[str, str] | None, limit: int
    ) -> None:
        """Load the earliest `limit` transfers on one side of `key` that a verdict weighs:
        of `asset` (or with a dollar value when None), within `span` when given."""
        from elasticsearch.dsl import Search

        if not self._todo("weighed", [(side, key, asset, span)]):
            return
        search = Search().filter("term", **{side: key})
        search = (
            search.filter("term", asset=asset)
            if asset
            else search.filter("exists", field="amount_usd")
        )
        if span is not None:
            search = search.filter("range", block_time={"gte": span[0], "lt": span[1]})
        search = search.sort(*_TIME_ORDER).extra(size=limit, track_total_hits=False)
        answer = self._ask(alias(self.es.prefix, "transfers"), search, "read")
        self._transfers(h["_source"] for h in answer["hits"]["hits"])

    def _transfers(self, sources: Iterable[dict[str, Any]]) -> None:
        self._insert("transfers", sources)

    # --- the corpus -----------------------------------------------------------------------
    def mentioned(self, keys: list[str]) -> None:
        """Load the wallet mentions of any of `keys`, with their documents."""
        todo = self._todo("mentioned", keys)
        if not todo:
            return
        index = alias_name(self.es.prefix, "mentions")
        hits = list(self._by_terms(index, "key", todo, [{"id": "asc"}], type="wallet"))
        self._insert("mentions", map(_mention_row, hits))
        self._documents(h["document_id"] for h in hits)

    def in_documents(self, documents: list[str], types: tuple[str, ...]) -> None:
        """Load the mentions of `types` in the given documents."""
        todo = self._todo(f"in_documents:{','.join(types)}", documents)
        if not todo:
            return
        index = alias_name(self.es.prefix, "mentions")
        hits = self._by_terms(index, "document_id", todo, [{"id": "asc"}], type=list(types))
        self._insert("mentions", map(_mention_row, hits))

    def on_pages(self, pages: list[tuple[str, int]], types: tuple[str, ...]) -> None:
        """Load the mentions of `types` on the given (document, page)s, with their entities."""
        wanted = [f"{doc}:{page}" for doc, page in pages]
        todo = self._todo(f"on_pages:{','.join(types)}", wanted)
        if not todo:
            return
        index = alias_name(self.es.prefix, "mentions")
        hits = list(self._by_terms(index, "doc_page", todo, [{"id": "asc"}], type=list(types)))
        self._insert("mentions", map(_mention_row, hits))
        linked = self._todo("entities", [h["entity_id"] for h in hits if h.get("entity_id")])
        if linked:
            found = self._by_terms(
                alias_name(self.es.prefix, "entities"), "id", linked, [{"id": "asc"}]
            )
            self._insert("entities", map(_entity_row, found))

    def _documents(self, ids: Iterable[str]) -> None:
        todo = self._todo("documents", ids)
        if todo:
            index = alias_name(self.es.prefix, "documents")
            # As everywhere on this store, a document whose write is incomplete is not there yet.
            found = self._by_terms(index, "id", todo, [{"id": "asc"}], complete=True)
            self._insert("documents", map(_document_row, found))

    def wallet_keys(self) -> Iterator[str]:
        """Yield the key of every non-suspect wallet mentioned, in first-seen order."""
        from elasticsearch.dsl import Search

        index = alias_name(self.es.prefix, "mentions")
        search = Search().filter("term", type="wallet").source(["key", "value"])
        sort = [{"source": "asc"}, {"page": "asc"}, {"start": "asc"}, {"id": "asc"}]
        seen: set[str] = set()
        for hit in self._pages(index, search, sort, "list the wallets"):
            if hit["key"] in seen or (hit.get("value") or {}).get("suspect"):
                continue
            seen.add(hit["key"])
            yield hit["key"]


# The embedded store's order for a wallet's transfers; SQLite sorts a missing time first.
_TIME_ORDER: tuple[dict[str, Any], ...] = (
    {"block_time": {"order": "asc", "missing": "_first"}},
    {"tx_hash": {"order": "asc"}},
    {"leg": {"order": "asc"}},
)
