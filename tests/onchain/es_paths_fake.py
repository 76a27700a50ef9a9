"""A FAKE Elasticsearch for the on-chain path queries: no real cluster can run here.

It extends tests/semantic/es_fake.py (index creation, bulk, aliases) with what the on-chain
working set (pipeline/store/elasticsearch/onchain_paths.py, onchain_rows.py, onchain_totals.py)
sends: multi-search; searches with bool filters of term, terms, exists and range (compared
as strings or numbers, as keyword and numeric fields are); sorts on keyword and numeric fields
(with `missing: _first`), each hit carrying its sort values, and `search_after` paging; total
hit counts; terms aggregations ordered by key or count with a top_hits, max or nested terms
below; composite aggregations over terms sources (documents missing a source field are left
out, as without `missing_bucket`) paged by `after`. It answers from the documents
bulk-indexed into it. It is not Elasticsearch: no scoring, shards, analysis, _source
filtering, or limits beyond the ones modelled here."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from tests.semantic.es_fake import FakeCluster, _Handler, _matches


def _sort_key(sort: list[Any]) -> Any:
    specs = []
    for item in sort:
        # A bare field name sorts ascending, as in Elasticsearch.
        ((field, spec),) = ({item: "asc"} if isinstance(item, str) else item).items()
        order = spec if isinstance(spec, str) else spec.get("order", "asc")
        missing_first = isinstance(spec, dict) and spec.get("missing") == "_first"
        specs.append((field, order, missing_first))

    def key(doc: dict[str, Any]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for field, order, missing_first in specs:
            assert order == "asc", "the fake sorts ascending only"
            value = doc.get(field)
            parts.append((0 if missing_first else 2, "") if value is None else (1, value))
        return tuple(parts)

    return key


def _range(doc: dict[str, Any], spec: dict[str, Any]) -> bool:
    ((field, bounds),) = spec.items()
    value = doc.get(field)
    if value is None:
        return False
    tests = {"gte": value.__ge__, "gt": value.__gt__, "lte": value.__le__, "lt": value.__lt__}
    return all(tests[op](bound) for op, bound in bounds.items())


def _match(doc: dict[str, Any], query: dict[str, Any] | None) -> bool:
    """es_fake's matching, plus range and bool filters that hold a range."""
    if query and "range" in query:
        return _range(doc, query["range"])
    if query and "bool" in query:
        return all(_match(doc, q) for q in query["bool"].get("filter", []))
    return _matches(doc, query)


def _composite(docs: list[dict[str, Any]], spec: dict[str, Any]) -> dict[str, Any]:
    composite = spec["composite"]
    fields = [next(iter(s.values()))["terms"]["field"] for s in composite["sources"]]
    names = [next(iter(s)) for s in composite["sources"]]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for doc in docs:
        key = tuple(doc.get(f) for f in fields)
        if None not in key:
            groups.setdefault(key, []).append(doc)
    after = composite.get("after")
    keys = sorted(k for k in groups if after is None or k > tuple(after[n] for n in names))
    buckets = []
    for key in keys[: composite.get("size", 10)]:
        bucket = {"key": dict(zip(names, key, strict=True)), "doc_count": len(groups[key])}
        bucket.update(_aggregate(groups[key], spec.get("aggs", {})))
        buckets.append(bucket)
    out: dict[str, Any] = {"buckets": buckets}
    if buckets:
        out["after_key"] = buckets[-1]["key"]
    return out


def _aggregate(docs: list[dict[str, Any]], aggs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in aggs.items():
        if "composite" in spec:
            out[name] = _composite(docs, spec)
            continue
        if "max" in spec:
            values = [
                d[spec["max"]["field"]] for d in docs if d.get(spec["max"]["field"]) is not None
            ]
            out[name] = {"value": float(max(values)) if values else None}
            continue
        if "top_hits" in spec:
            top = spec["top_hits"]
            hits = sorted(docs, key=_sort_key(top.get("sort", [])))[: top.get("size", 3)]
            out[name] = {"hits": {"hits": [{"_source": d} for d in hits]}}
            continue
        terms = spec["terms"]
        groups: dict[Any, list[dict[str, Any]]] = {}
        for doc in docs:
            if doc.get(terms["field"]) is not None:
                groups.setdefault(doc[terms["field"]], []).append(doc)
        order = terms.get("order", {"_count": "desc"})
        if order == {"_key": "asc"}:
            keys = sorted(groups)
        elif order == {"_key": "desc"}:
            keys = sorted(groups, reverse=True)
        else:
            keys = sorted(groups, key=lambda k: (-len(groups[k]), k))
        buckets = []
        for value in keys[: terms.get("size", 10)]:
            bucket = {"key": value, "doc_count": len(groups[value])}
            bucket.update(_aggregate(groups[value], spec.get("aggs", {})))
            buckets.append(bucket)
        out[name] = {"buckets": buckets}
    return out


class _PathsHandler(_Handler):
    def do_POST(self) -> None:  # noqa: N802 (the HTTP server calls it by this name)
        parts = urlparse(self.path).path.strip("/").split("/")
        if parts[-1] == "_msearch":
            lines = self._body() or []
            self.cluster.requests.append(("POST", self.path, lines))
            responses = [
                self._answer(header["index"], body)
                for header, body in zip(lines[::2], lines[1::2], strict=True)
            ]
            self._send(200, {"took": 1, "responses": responses})
            return
        if len(parts) == 2 and parts[1] == "_search":
            body = self._body() or {}
            self.cluster.requests.append(("POST", self.path, body))
            self._send(200, self._answer(parts[0], body))
            return
        super().do_POST()

    def _answer(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        c = self.cluster
        docs = [d for d in c.indices[c.resolve(index)].values() if _match(d, body.get("query"))]
        fields = [
            item if isinstance(item, str) else next(iter(item)) for item in body.get("sort", [])
        ]
        total = len(docs)  # Elasticsearch counts every match, whatever page is asked for
        if "sort" in body:
            key = _sort_key(body["sort"])
            docs.sort(key=key)
            if "search_after" in body:
                after = key(dict(zip(fields, body["search_after"], strict=True)))
                docs = [d for d in docs if key(d) > after]
        hits = [
            {"_source": d, **({"sort": [d.get(f) for f in fields]} if fields else {})}
            for d in docs[: body.get("size", 10)]
        ]
        answer: dict[str, Any] = {"hits": {"total": {"value": total}, "hits": hits}}
        if "aggs" in body:
            answer["aggregations"] = _aggregate(docs, body["aggs"])
        return answer


def index_corpus(client: Any, prefix: str, store: Any) -> None:
    """Write an embedded store's documents, mentions and entities into the cluster in the
    Elasticsearch store's own document shapes (pipeline/store/elasticsearch/mappings.py).

    Entities are indexed whole: the fake runs no update scripts, and each entity is written
    once here, which is what the store's alias-merging upsert leaves on a fresh cluster."""
    from elasticsearch import helpers

    from pipeline.store.elasticsearch import mappings as maps

    names = {n: maps.alias_name(prefix, n) for n in ("documents", "mentions", "entities")}
    for name, alias in names.items():
        body = maps.index_body(name)
        client.indices.create(
            index=maps.index_name(prefix, name),
            aliases={alias: {"is_write_index": True}},
            mappings=body["mappings"],
        )
    actions = [
        maps.index_action(names["entities"], maps.entity_source(e)) for e in store.iter_entities()
    ]
    for document in store.iter_documents():
        mentions = list(store.iter_mentions(document.id))
        children = maps.children(document, mentions, [])
        body = maps.document_source(document, None, children, True, "2026-12-05T00:00:00+00:00")
        actions.append(maps.index_action(names["documents"], body))
        actions += [
            maps.index_action(
                names["mentions"], maps.mention_source(m, document.source, document.title)
            )
            for m in mentions
        ]
    helpers.bulk(client, actions, refresh=True)


def serve() -> tuple[ThreadingHTTPServer, FakeCluster]:
    """Start the fake on a free loopback port; the caller shuts it down."""
    cluster = FakeCluster()
    handler = type("Handler", (_PathsHandler,), {"cluster": cluster})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, cluster
