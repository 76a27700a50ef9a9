"""A FAKE Elasticsearch for the on-chain path queries: no real cluster can run here.

It extends tests/semantic/es_fake.py (index creation, bulk, aliases) with what
pipeline/store/elasticsearch/onchain_paths.py sends: multi-search, searches with bool filters
of term and terms, sorts on keyword fields (with `missing: _first`), total hit counts, and
terms aggregations ordered by key with a top_hits or a nested terms below. It answers from the
documents bulk-indexed into it. It is not Elasticsearch: no scoring, shards, analysis or limits
beyond the ones modelled here."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from tests.semantic.es_fake import FakeCluster, _Handler, _matches


def _sort_key(sort: list[Any]) -> Any:
    specs = []
    for item in sort:
        ((field, spec),) = item.items()
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


def _aggregate(docs: list[dict[str, Any]], aggs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in aggs.items():
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
        docs = [d for d in c.indices[c.resolve(index)].values() if _matches(d, body.get("query"))]
        if "sort" in body:
            docs.sort(key=_sort_key(body["sort"]))
        hits = [{"_source": d} for d in docs[: body.get("size", 10)]]
        answer: dict[str, Any] = {"hits": {"total": {"value": len(docs)}, "hits": hits}}
        if "aggs" in body:
            answer["aggregations"] = _aggregate(docs, body["aggs"])
        return answer


def serve() -> tuple[ThreadingHTTPServer, FakeCluster]:
    """Start the fake on a free loopback port; the caller shuts it down."""
    cluster = FakeCluster()
    handler = type("Handler", (_PathsHandler,), {"cluster": cluster})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, cluster
