"""A FAKE Elasticsearch, for the one boundary these machines cannot reach.

No Elasticsearch server can run where this project is built and tested, so the passage vectors
code is checked against this small HTTP server instead: the official client really serialises
and sends its requests, and the server answers the handful of endpoints
`pipeline.store.elasticsearch.vectors` uses, with exact cosine for kNN (scored as Elasticsearch
does, (1 + cos) / 2). It is not Elasticsearch: approximate search, shards, refresh and mapping
checks beyond field names are not modelled. The same flow runs against a real cluster in
tests/semantic/test_es_vectors.py when MONEYTRAIL_ES_URL is set."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

_SHARDS = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}


class FakeCluster:
    """In-memory indices: name -> {id: source}; aliases -> index; every request logged."""

    def __init__(self) -> None:
        self.indices: dict[str, dict[str, dict[str, Any]]] = {}
        self.mappings: dict[str, dict[str, Any]] = {}
        self.aliases: dict[str, str] = {}
        self.requests: list[tuple[str, str, Any]] = []

    def resolve(self, name: str) -> str:
        return self.aliases.get(name, name)


def _matches(doc: dict[str, Any], query: dict[str, Any] | None) -> bool:
    if not query or "match_all" in query:
        return True
    if "exists" in query:
        return doc.get(query["exists"]["field"]) not in (None, [])
    if "term" in query:
        ((field, value),) = query["term"].items()
        have = doc.get(field)
        return value in have if isinstance(have, list) else have == value
    if "terms" in query:
        ((field, values),) = query["terms"].items()
        return doc.get(field) in values
    if "bool" in query:
        return all(_matches(doc, q) for q in query["bool"].get("filter", []))
    raise AssertionError(f"the fake does not know the query {query}")


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


class _Handler(BaseHTTPRequestHandler):
    cluster: FakeCluster

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if not raw:
            return None
        if raw.lstrip().startswith("{") and "\n{" not in raw.strip():
            return json.loads(raw)
        return [json.loads(line) for line in raw.splitlines() if line.strip()]

    def do_HEAD(self) -> None:
        parts = urlparse(self.path).path.strip("/").split("/")
        c = self.cluster
        c.requests.append(("HEAD", self.path, None))
        if parts[0] == "_alias":
            self._send(200 if parts[1] in c.aliases else 404)
        else:
            self._send(200 if c.resolve(parts[0]) in c.indices else 404)

    def do_DELETE(self) -> None:
        self.cluster.requests.append(("DELETE", self.path, None))
        self._send(200, {"succeeded": True, "num_freed": 1})

    def do_PUT(self) -> None:
        name = urlparse(self.path).path.strip("/")
        if name.endswith("_bulk"):  # the official client sends bulk requests as PUT
            self.do_POST()
            return
        body = self._body() or {}
        c = self.cluster
        c.requests.append(("PUT", self.path, body))
        if name in c.indices:
            self._send(400, {"error": {"type": "resource_already_exists_exception"}})
            return
        c.indices[name] = {}
        c.mappings[name] = body.get("mappings", {})
        for alias in body.get("aliases", {}):
            c.aliases[alias] = name
        self._send(200, {"acknowledged": True, "index": name})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        body = self._body()
        c = self.cluster
        c.requests.append(("POST", self.path, body))
        if parts[-1] == "_bulk":
            self._bulk(body or [])
            return
        if parts[-1] == "_refresh":
            self._send(200, {"_shards": _SHARDS})
            return
        if parts[:2] == ["_search", "scroll"]:  # every hit came in the first page
            self._send(200, {"_scroll_id": "s", "_shards": _SHARDS, "hits": {"hits": []}})
            return
        index = c.indices[c.resolve(parts[0])]
        if parts[1] == "_search":
            self._search(index, body or {})
        elif parts[1] == "_count":
            n = sum(_matches(d, (body or {}).get("query")) for d in index.values())
            self._send(200, {"count": n})
        elif parts[1] == "_delete_by_query":
            gone = [k for k, d in index.items() if _matches(d, (body or {}).get("query"))]
            for k in gone:
                del index[k]
            self._send(200, {"deleted": len(gone)})
        else:
            self._send(404, {"error": {"type": "unknown", "reason": self.path}})

    def _bulk(self, lines: list[dict[str, Any]]) -> None:
        c = self.cluster
        items = []
        rest = iter(lines)
        for action in rest:
            ((op, meta),) = action.items()
            name = c.resolve(meta["_index"])
            if op == "delete":  # the one action with no source line after it
                gone = c.indices[name].pop(meta["_id"], None)
                status = 200 if gone is not None else 404
                items.append({op: {"_id": meta["_id"], "status": status}})
                continue
            source = next(rest)
            allowed = set(c.mappings[name].get("properties", {}))
            unknown = set(source) - allowed
            if unknown:  # dynamic: strict
                error = {"type": "strict_dynamic_mapping_exception", "reason": str(unknown)}
                items.append({op: {"_id": meta["_id"], "status": 400, "error": error}})
                continue
            if op == "create" and meta["_id"] in c.indices[name]:
                error = {"type": "version_conflict_engine_exception", "reason": "exists"}
                items.append({op: {"_id": meta["_id"], "status": 409, "error": error}})
                continue
            c.indices[name][meta["_id"]] = source
            items.append({op: {"_id": meta["_id"], "status": 201, "result": "created"}})
        errors = any(i[next(iter(i))]["status"] >= 300 for i in items)
        self._send(200, {"took": 1, "errors": errors, "items": items})

    def _search(self, index: dict[str, dict[str, Any]], body: dict[str, Any]) -> None:
        if "aggs" in body:
            composite = body["aggs"]["documents"]["composite"]
            after = (composite.get("after") or {}).get("document")
            keys = sorted({d["document_id"] for d in index.values()})
            keys = [k for k in keys if after is None or k > after][: composite["size"]]
            agg: dict[str, Any] = {"buckets": [{"key": {"document": k}} for k in keys]}
            if keys:
                agg["after_key"] = {"document": keys[-1]}
            self._send(200, {"hits": {"hits": []}, "aggregations": {"documents": agg}})
            return
        if "knn" in body:
            knn = body["knn"]
            scored = [
                ((1 + _cosine(knn["query_vector"], d[knn["field"]])) / 2, k, d)
                for k, d in index.items()
                if d.get(knn["field"]) and _matches(d, knn.get("filter"))
            ]
            scored.sort(key=lambda t: -t[0])
            hits = [{"_id": k, "_score": s, "_source": d} for s, k, d in scored[: knn["k"]]]
            self._send(200, {"hits": {"hits": hits[: body.get("size", 10)]}})
            return
        found = [(k, d) for k, d in index.items() if _matches(d, body.get("query"))]
        if "scroll=" in self.path:  # a scan: everything at once, then an empty scroll page
            hits = [{"_id": k, "_score": 1.0, "_source": d} for k, d in found]
            self._send(200, {"_scroll_id": "s", "_shards": _SHARDS, "hits": {"hits": hits}})
            return
        hits = [{"_id": k, "_score": 1.0, "_source": d} for k, d in found[: body.get("size", 10)]]
        self._send(200, {"_shards": _SHARDS, "hits": {"hits": hits}})


def serve() -> tuple[ThreadingHTTPServer, FakeCluster]:
    """Start the fake on a free loopback port; the caller shuts it down."""
    cluster = FakeCluster()
    handler = type("Handler", (_Handler,), {"cluster": cluster})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, cluster
