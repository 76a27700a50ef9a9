"""What each workbench page shows, built from the same store calls as the JSON API.

One function per page; each takes an open store and the page's parameters and returns a plain
dict for its template. Strings from documents stay plain strings here: the templates escape
them. Search hits are read as JSON dicts with `.get`, so a field added or renamed by the search
backends (scores, matched aliases) does not break a page.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from pipeline.api import _entity_fallback, _onchain, _page_text
from pipeline.errors import PipelineError
from pipeline.store import Store

TYPES = ("actor", "wallet", "casino", "amount", "country")
FACETS = ("actor", "casino", "country", "chain")
MODES = ("text", "semantic", "hybrid")
PER_PAGE = 20
# Actor and casino filters keep the hits on pages that mention the entity; they are applied to
# this many full-text hits, since the Store protocol filters only by country and chain.
ENTITY_FILTER_DEPTH = 1000
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


@dataclass(frozen=True, slots=True)
class SearchParams:
    """A search page's state, all of it from the URL."""

    q: str = ""
    mode: str = "text"
    type: str | None = None
    country: str | None = None
    chain: str | None = None
    actor: str | None = None
    casino: str | None = None
    page: int = 1

    def query(self, **changes: Any) -> dict[str, str]:
        """Return the URL parameters of this state with some changed (None drops one)."""
        values = {
            "q": self.q,
            "mode": self.mode,
            "type": self.type,
            "country": self.country,
            "chain": self.chain,
            "actor": self.actor,
            "casino": self.casino,
            "page": str(self.page),
        }
        values.update(changes)
        if values.get("mode") == "text":
            values.pop("mode")
        if values.get("page") in ("1", 1):
            values.pop("page")
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def semantic_available() -> bool:
    """Say whether an embedding runtime (the semantic or semantic-torch extra) is installed."""
    # find_spec, not an import: rendering a page must not load ONNX Runtime or torch.
    from pipeline.semantic.embedder import ONNX_MODULES, TORCH_MODULES

    runtimes = (ONNX_MODULES, TORCH_MODULES)
    return any(all(importlib.util.find_spec(n) for n in names) for names in runtimes)


def segments(snippet: str) -> list[tuple[str, bool]]:
    """Split a snippet with <mark> highlights into (text, highlighted) parts, unescaped."""
    out: list[tuple[str, bool]] = []
    last = 0
    for match in _MARK.finditer(snippet):
        if match.start() > last:
            out.append((snippet[last : match.start()], False))
        out.append((match.group(1), True))
        last = match.end()
    if last < len(snippet):
        out.append((snippet[last:], False))
    return out


def _hit(raw: dict[str, Any]) -> dict[str, Any]:
    """Normalise one search hit (full-text or semantic JSON) for the template."""
    document = raw.get("document") or {}
    entity = raw.get("entity") or None
    matched = str(raw.get("matched") or "text")
    why = {"text": "words of the query", "entity": "a mention of a matching entity"}.get(
        matched, matched
    )
    # The search backends may name the alias a hit matched through; read it wherever it is.
    alias = raw.get("alias") or raw.get("matched_alias") or (entity or {}).get("alias")
    if alias:
        why = f"{why} (through the alias {alias})"
    retrievers = raw.get("retrievers") or []
    if "semantic" in retrievers and matched != "semantic":
        why = f"{why}, and its meaning"
    elif matched == "semantic":
        why = "its meaning is close to the query"
    focus: dict[str, str] = {"page": str(raw.get("page") or 1)}
    if entity and entity.get("id"):
        focus["entity"] = str(entity["id"])
    elif raw.get("start") is not None and raw.get("end") is not None:
        focus["span"] = f"{raw['start']}-{raw['end']}"
    else:
        words = [t for t, marked in segments(str(raw.get("snippet") or "")) if marked]
        if words:
            focus["find"] = words[0][:200]
    return {
        "document_id": str(document.get("id") or ""),
        "title": document.get("title") or document.get("source") or document.get("id"),
        "source": document.get("source"),
        "page": raw.get("page"),
        "snippet": segments(str(raw.get("snippet") or "")),
        "matched": matched,
        "why": why,
        "entity": entity,
        "ocr": bool(raw.get("ocr")),
        "score": raw.get("score"),
        "focus": focus,
    }


def _pages_of(store: Store, entity_id: str) -> set[tuple[str, int]] | None:
    """Return the (document, page) pairs where an entity is mentioned, or None if unknown."""
    show = getattr(store, "entity_page", None)
    find = getattr(store, "find_entities", None)
    page: dict[str, Any] | None
    if callable(show) and callable(find):
        found = find(entity_id)
        page = show(found[0]) if len(found) == 1 else None
    else:
        page = _entity_fallback(store, entity_id)
    if page is None:
        return None
    return {(d["id"], int(p)) for d in page["documents"] for p in d["pages"]}


def _name_of(store: Store, entity_id: str) -> str:
    brief = getattr(store, "brief", None)
    if callable(brief):
        return str(brief(entity_id).get("name") or entity_id)
    return entity_id


def search_page(store: Store, location: str, params: SearchParams) -> dict[str, Any]:
    """Run a search as the page's URL describes it: hits for one page, facets, paging."""
    out: dict[str, Any] = {
        "params": params,
        "hits": [],
        "facets": {},
        "more": False,
        "error": None,
        "semantic": semantic_available(),
        "filters": [],
        "notice": None,
    }
    if not params.q:
        return out
    start = (params.page - 1) * PER_PAGE
    if params.mode in ("semantic", "hybrid"):
        return {**out, **_meaning_hits(location, params, start)}
    wanted: set[tuple[str, int]] | None = None
    for kind, value in (("actor", params.actor), ("casino", params.casino)):
        if value:
            pages = _pages_of(store, value) or set()
            wanted = pages if wanted is None else wanted & pages
            out["filters"].append((kind, value, _name_of(store, value)))
    if wanted is None:
        result = store.search(
            params.q, params.type, PER_PAGE + 1, start, params.country, params.chain
        )
        raws = [h.to_json() | {"ocr": h.ocr} for h in result.hits]
    else:
        result = store.search(
            params.q, params.type, ENTITY_FILTER_DEPTH, 0, params.country, params.chain
        )
        kept = [h for h in result.hits if (h.document_id, h.page) in wanted]
        raws = [h.to_json() | {"ocr": h.ocr} for h in kept[start : start + PER_PAGE + 1]]
    out["more"] = len(raws) > PER_PAGE
    out["hits"] = [_hit(r) for r in raws[:PER_PAGE]]
    out["facets"] = store.facets(params.q, params.type, country=params.country, chain=params.chain)
    return out


def _meaning_hits(location: str, params: SearchParams, start: int) -> dict[str, Any]:
    """Run a semantic or hybrid search on vectors already stored; never embeds on a request."""
    if not semantic_available():
        return {
            "error": "meaning search needs the 'semantic' extra: pip install 'moneytrail[semantic]'"
        }
    from pipeline.semantic.search import hybrid_search, pending_documents, semantic_search

    run = hybrid_search if params.mode == "hybrid" else semantic_search
    try:
        found = run(location, params.q, start + PER_PAGE + 1, params.type, embed_missing=False)
        pending = pending_documents(location)
    except PipelineError as exc:
        return {"error": str(exc)}
    raws = found["hits"][start:]
    out: dict[str, Any] = {"hits": [_hit(r) for r in raws[:PER_PAGE]], "more": len(raws) > PER_PAGE}
    if pending:
        # A page request never embeds (minutes on a CPU); the analyst is told what is missing.
        out["notice"] = (
            f"{pending} stored document(s) have no vectors yet, so meaning search does not "
            "see them; run 'moneytrail embed' to add them."
        )
    return out


def _canonical(store: Store) -> Any:
    return getattr(store, "canonical_of", None)


def document_page(
    store: Store, document_id: str, number: int, focus: dict[str, str]
) -> dict[str, Any] | None:
    """Return a document with one page's text cut into plain runs and marked mentions."""
    found = store.document(document_id)
    if found is None:
        return None
    pages = found["pages"]
    meta = next((p for p in pages if p["number"] == number), None)
    if meta is None:
        return {"document": found, "page": None, "runs": [], "number": number}
    text = _page_text(store, found["id"], number) or ""
    canonical_of = _canonical(store)
    mentions: list[tuple[int, int, str, str | None]] = []
    for m in store.iter_mentions(found["id"]):
        if m.page != number:
            continue
        entity = m.entity_id
        if entity and callable(canonical_of):
            entity = str(canonical_of(entity))
        mentions.append((m.start - meta["start"], m.end - meta["start"], m.type, entity))
    mentions.sort(key=lambda m: (m[0], -m[1]))
    focus_span = _focus_span(text, meta["start"], focus)
    runs: list[dict[str, Any]] = []
    cursor = 0
    focused = False
    for start, end, type_, entity in mentions:
        if start < cursor or start < 0 or end > len(text):
            continue  # overlapping or out of the page: the first mention keeps the span
        if start > cursor:
            runs.extend(_plain(text[cursor:start], cursor, focus_span))
        hit = entity is not None and entity == focus.get("entity")
        hit = hit or (focus_span is not None and start < focus_span[1] and end > focus_span[0])
        runs.append(
            {
                "text": text[start:end],
                "type": type_,
                "entity": entity,
                "focus": hit,
                "anchor": hit and not focused,
            }
        )
        focused = focused or hit
        cursor = end
    runs.extend(_plain(text[cursor:], cursor, focus_span))
    if not focused:
        for run in runs:
            if run.get("focus"):
                run["anchor"] = True
                break
    return {"document": found, "page": meta, "runs": runs, "number": number}


def _focus_span(text: str, page_start: int, focus: dict[str, str]) -> tuple[int, int] | None:
    """Return the page-relative span a hit points at: a passage, or the first highlighted word."""
    span = focus.get("span")
    if span and re.fullmatch(r"\d+-\d+", span):
        a, b = (int(x) - page_start for x in span.split("-"))
        return max(a, 0), max(b, 0)
    words = focus.get("find")
    if words:
        at = text.lower().find(words.lower())
        if at >= 0:
            return at, at + len(words)
    return None


def _plain(text: str, offset: int, focus: tuple[int, int] | None) -> list[dict[str, Any]]:
    """Cut a stretch without mentions so the focused span, if inside it, is marked."""
    if not text:
        return []
    if focus is None or focus[1] <= offset or focus[0] >= offset + len(text):
        return [{"text": text}]
    a, b = max(focus[0] - offset, 0), min(focus[1] - offset, len(text))
    parts: list[dict[str, Any]] = [
        {"text": text[:a]},
        {"text": text[a:b], "focus": True},
        {"text": text[b:]},
    ]
    return [p for p in parts if p["text"]]


def entity_page(store: Store, entity_id: str) -> dict[str, Any] | None:
    """Return an entity's page: names, documents and pages, relations with evidence."""
    find = getattr(store, "find_entities", None)
    show = getattr(store, "entity_page", None)
    if not (callable(find) and callable(show)):
        page = _entity_fallback(store, entity_id)
        return None if page is None else {**page, "judgements": False}
    found = find(entity_id)
    if len(found) != 1:
        return None
    page = show(found[0])
    return None if page is None else {**page, "judgements": True}


def graph_elements(store: Store, entity_id: str, depth: int = 1) -> dict[str, Any] | None:
    """Return an entity's neighbourhood as Cytoscape.js elements, or None without a graph."""
    if not callable(getattr(store, "neighbours", None)):
        return None
    from pipeline.link.graph import neighbourhood

    graph = neighbourhood(store, entity_id, depth, max_nodes=150)  # type: ignore[arg-type]
    nodes = [
        {
            "data": {
                "id": n["id"],
                "label": n.get("name") or n["id"],
                "type": n.get("type") or "other",
                "center": n["id"] == entity_id,
            }
        }
        for n in graph["nodes"]
    ]
    edges = [
        {
            "data": {
                "id": f"{e['source']}|{e['predicate']}|{e['target']}",
                "source": e["source"],
                "target": e["target"],
                "label": e["predicate"],
                "count": e["count"],
            }
        }
        for e in graph["edges"]
    ]
    return {"center": entity_id, "elements": nodes + edges}


def wallet_page(store: Store, address: str) -> dict[str, Any] | None:
    """Return a wallet: documents naming it and the on-chain report, with sanctions and paths."""
    hits = store.search(address, "wallet", 1000).hits
    onchain, problem = _onchain(store, address)
    if not hits and onchain is None:
        return None
    documents: dict[str, dict[str, Any]] = {}
    for hit in hits:
        doc = documents.setdefault(
            hit.document_id,
            {"id": hit.document_id, "source": hit.source, "title": hit.title, "pages": []},
        )
        doc["pages"].append({"page": hit.page, "snippet": segments(hit.snippet)})
    entity = hits[0].entity if hits else None
    chains = list((onchain or {}).get("chains") or [])
    return {
        "address": address,
        "entity": entity,
        "chains": chains,
        "documents": list(documents.values()),
        "onchain": onchain,
        "onchain_error": problem,
    }


def overview_page(store: Store) -> dict[str, Any]:
    """Return counts, the top entities of each type, documents by month and recent failures."""
    stats = store.stats()
    top = {t: store.entities(t, 10) for t in TYPES if stats["by_type"].get(t)}
    return {
        "stats": stats,
        "top": top,
        "by_month": _documents_by_month(store),
        "failures": store.failures()[:20],
    }


def _documents_by_month(store: Store) -> list[tuple[str, int]] | None:
    """Count documents per month of their date; None where the store cannot say cheaply."""
    db = getattr(store, "db", None)
    if not isinstance(db, sqlite3.Connection):
        by_month = getattr(store, "documents_by_month", None)  # Elasticsearch: an aggregation
        return by_month() if by_month is not None else None
    rows = db.execute(
        "SELECT coalesce(substr(date, 1, 7), 'undated') AS month, count(*) FROM documents "
        "GROUP BY month ORDER BY month"
    ).fetchall()
    return [(str(r[0]), int(r[1])) for r in rows]
