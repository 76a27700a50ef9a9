"""A read-only HTTP API over the store (FastAPI): the same library calls the CLI makes.

Each request opens the store and closes it inside the thread that serves it: SQLite
connections belong to the thread that made them, and FastAPI runs plain endpoints in a
thread pool, so a store opened by a dependency (another thread) could not be used here.
Errors are JSON, {"error": {"status", "message"}}, with the status code they name.
"""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline import __version__
from pipeline.errors import ConfigError, PipelineError, QueryError, StoreError
from pipeline.export.corpus import load_corpus
from pipeline.export.jsonl import mention_record, relation_record
from pipeline.store import Store, open_store

EntityType = Literal["actor", "wallet", "casino", "amount", "country"]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page (1-1000).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/json": {"example": example}}}
    for code, text, example in (
        (401, "Missing or wrong API key", {"error": {"status": 401, "message": "..."}}),
        (400, "A search query that cannot be read", {"error": {"status": 400, "message": "..."}}),
        (404, "Unknown id", {"error": {"status": 404, "message": "..."}}),
        (503, "Store unavailable", {"error": {"status": 503, "message": "..."}}),
    )
}
# On-chain tables the wallet cross-reference needs before it is worth asking.
ONCHAIN_TABLES = {"transfers", "sanctions_listings", "address_tags"}


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message, **extra}}, status)


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, what)


def _page_text(store: Store, document_id: str, number: int) -> str | None:
    """Return one page's text: straight from SQLite where the store is a file, else a scan."""
    db = getattr(store, "db", None)
    if isinstance(db, sqlite3.Connection):
        # The Store protocol has no single-page read yet; this saves reading every document.
        row = db.execute(
            "SELECT text FROM pages WHERE document_id = ? AND number = ?", (document_id, number)
        ).fetchone()
        return None if row is None else str(row[0])
    for document in store.iter_documents():
        if document.id == document_id:
            page = next((p for p in document.pages if p.number == number), None)
            return None if page is None else document.page_text(page)
    return None


def _onchain_db(store: Store) -> sqlite3.Connection | None:
    """Return the store's SQLite connection when it holds the on-chain tables, else None."""
    db = getattr(store, "db", None)
    if not isinstance(db, sqlite3.Connection):
        return None
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return db if tables >= ONCHAIN_TABLES else None


def _xref(
    store: Store, keys: list[str], max_hops: int
) -> tuple[dict[str, dict[str, Any]] | None, str | None]:
    """Return the cross-reference record of each wallet key, or None without on-chain tables."""
    try:
        from pipeline.onchain.graph import FRONTIER_CAP
        from pipeline.onchain.xref import wallet_record
        from pipeline.store.sqlite.onchain import ensure_schema
    except ImportError:
        return None, None
    db = _onchain_db(store)
    if db is None:
        if hasattr(store, "client") and hasattr(store, "prefix"):  # Elasticsearch
            return _xref_elastic(store, keys, max_hops)
        return None, None

    def records(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
        ensure_schema(db)  # the tables exist; this registers the decimal sum the totals use
        return {k: wallet_record(db, k, max_hops, FRONTIER_CAP) for k in keys}

    return _cross_reference(records, db)


def _onchain(store: Store, address: str) -> tuple[dict[str, Any] | None, str | None]:
    """Return the on-chain wallet report, or None where that module or its tables are absent."""
    try:
        from pipeline.onchain.queries import wallet_report
    except ImportError:
        return None, None
    db = _onchain_db(store)
    if db is None:
        if hasattr(store, "client") and hasattr(store, "prefix"):  # Elasticsearch
            return _onchain_elastic(store, address)
        return None, None
    return _cross_reference(wallet_report, db, address)


def _onchain_elastic(store: Store, address: str) -> tuple[dict[str, Any] | None, str | None]:
    """Answer the wallet report on Elasticsearch as `moneytrail wallet --store URL` does:
    step by step in the cluster (pipeline/store/elasticsearch/onchain_paths.py)."""
    from pipeline.store.elasticsearch.onchain_paths import es_wallet_report

    return _cross_reference(es_wallet_report, store, address)


def _xref_elastic(
    store: Store, keys: list[str], max_hops: int
) -> tuple[dict[str, dict[str, Any]] | None, str | None]:
    """Return the cross-reference records of wallet keys, answered in the cluster."""
    from pipeline.store.elasticsearch.onchain_paths import es_wallet_records

    return _cross_reference(es_wallet_records, store, keys, max_hops)


def _cross_reference(query: Callable[..., Any], source: Any, *args: Any) -> tuple[Any, str | None]:
    """Run an on-chain query on an on-chain database or an Elasticsearch store; return its
    answer, or None and the problem."""
    try:
        return query(source, *args), None
    except (sqlite3.Error, PipelineError, ValueError) as exc:
        return None, f"the on-chain cross-reference failed: {exc}"


def _entity_fallback(store: Store, entity_id: str) -> dict[str, Any] | None:
    """Build an entity page by scanning, for stores that do not resolve entities."""
    corpus = load_corpus(store)
    canonical = corpus.resolve(entity_id) or entity_id
    entity = corpus.entities.get(canonical)
    if entity is None:
        return None
    documents: dict[str, set[int]] = {}
    for mention in corpus.mentions():
        if mention.entity_id == canonical:
            documents.setdefault(mention.document_id, set()).add(mention.page)
    return {
        "id": entity.id,
        "type": entity.type,
        "name": entity.name,
        "kind": entity.attributes.get("kind"),
        "aliases": list(entity.aliases),
        "attributes": entity.attributes,
        "documents": [{"id": d, "pages": sorted(p)} for d, p in sorted(documents.items())],
        "relations": [
            relation_record(r, corpus.entities)
            for r in corpus.relations
            if canonical in (r.subject, r.object)
        ],
    }


@contextmanager
def store_session(location: str, error: Callable[[int, str], Exception]) -> Iterator[Store]:
    """Open the store for one request and close it after. A missing store file, or one that
    cannot be opened, raises `error(503, sentence)` (the API's and the pages' own error)."""
    if not location.startswith(("http://", "https://")) and not Path(location).is_file():
        raise error(503, "the store file is missing; ingest documents first")
    try:
        store = open_store(location)
    except PipelineError as exc:
        raise error(503, f"the store cannot be opened: {exc}") from exc
    try:
        yield store
    finally:
        store.close()


def create_app(store_location: str, api_key: str | None = None) -> FastAPI:
    """Build the API over one store; with an api_key, every data route requires X-API-Key."""
    key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key.")

    # A default, not Annotated: annotations are strings here, and key_header is a local.
    def check_key(given: str | None = Security(key_header)) -> None:
        if api_key is None:
            return
        if given is None or not hmac.compare_digest(given.encode(), api_key.encode()):
            raise HTTPException(401, "missing or wrong API key; send it in the X-API-Key header")

    def session() -> AbstractContextManager[Store]:
        return store_session(store_location, HTTPException)

    app = FastAPI(
        title="moneytrail",
        version=__version__,
        description="Read-only access to a moneytrail store: search, documents, pages, "
        "entities, wallets, relations and counts.",
        dependencies=[Depends(check_key)],
        responses=ERRORS,
        # Swagger UI and ReDoc load from a CDN, which the workbench's offline promise forbids.
        docs_url=None,
        redoc_url=None,
    )

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    def bad_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"name": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        return _error(422, "invalid parameters", fields=fields)

    @app.exception_handler(PipelineError)
    def pipeline_error(request: Request, exc: PipelineError) -> JSONResponse:
        if isinstance(exc, QueryError):
            return _error(400, str(exc))
        unavailable = isinstance(exc, StoreError | ConfigError)
        return _error(503 if unavailable else 500, str(exc))

    @app.exception_handler(Exception)
    def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not the client's fault: uvicorn logs the traceback; the client gets JSON.
        return _error(500, "internal error; the server log has the details")

    @app.get("/", summary="What this API serves")
    def index() -> dict[str, Any]:
        return {
            "name": "moneytrail",
            "version": __version__,
            "openapi": "/openapi.json",
            "endpoints": sorted({str(getattr(r, "path", "")) for r in app.routes}),
        }

    @app.get("/search", summary="Search pages and entities, as `moneytrail search --json`")
    def search(
        q: Annotated[str, Query(min_length=1, max_length=1000, description="The query.")],
        type_: Annotated[
            EntityType | None, Query(alias="type", description="Only mentions of a type.")
        ] = None,
        limit: Limit = 10,
        offset: Offset = 0,
        country: Annotated[
            str | None,
            Query(pattern="^[A-Za-z]{2}$", description="Only pages mentioning this ISO code."),
        ] = None,
        chain: Annotated[
            str | None,
            Query(max_length=16, description="Only pages with a wallet of this chain (ETH, BTC)."),
        ] = None,
    ) -> dict[str, Any]:
        with session() as store:
            result = store.search(q, type_, limit, offset, country, chain)
            facets = store.facets(q, type_, country=country, chain=chain)
        return {**result.to_json(), "facets": facets, "limit": limit, "offset": offset}

    @app.get("/documents", summary="List documents in id order")
    def documents(limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        with session() as store:
            total = int(store.stats()["documents"])
            rows = []
            for number, document in enumerate(store.iter_documents()):
                if number >= offset + limit:
                    break
                if number >= offset:
                    rows.append(document.summary())
        return {"documents": rows, "total": total, "limit": limit, "offset": offset}

    @app.get("/documents/{document_id}", summary="One document (id or unique prefix)")
    def document(document_id: str) -> dict[str, Any]:
        with session() as store:
            found = store.document(document_id)
        if found is None:
            raise _not_found(f"no stored document has the id {document_id!r}")
        return found

    @app.get("/documents/{document_id}/pages/{number}", summary="One page: text and mentions")
    def page(document_id: str, number: Annotated[int, PathParam(ge=1)]) -> dict[str, Any]:
        with session() as store:
            found = store.document(document_id)
            if found is None:
                raise _not_found(f"no stored document has the id {document_id!r}")
            meta = next((p for p in found["pages"] if p["number"] == number), None)
            text = _page_text(store, found["id"], number) if meta else None
            if meta is None or text is None:
                raise _not_found(f"document {found['id']} has no page {number}")
            mentions = [
                mention_record(m) for m in store.iter_mentions(found["id"]) if m.page == number
            ]
            # Point at the resolved entity, the id /entities and /relations give for it.
            canonical_of = getattr(store, "canonical_of", None)
            for m in mentions:
                del m["record"]
                if m["entity"] and callable(canonical_of):
                    m["entity"] = str(canonical_of(m["entity"]))
        return {
            "document": {k: found.get(k) for k in ("id", "source", "title", "kind")},
            **meta,
            "text": text,
            "mentions": mentions,
        }

    @app.get("/entities", summary="Entities, most mentioned first")
    def entities(
        type_: Annotated[
            EntityType | None, Query(alias="type", description="Only one type.")
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        with session() as store:
            rows = store.entities(type_, offset + limit)[offset:]
            stats = store.stats()
        by_type = stats["by_type"].get(type_, {}).get("entities", 0)
        total = by_type if type_ else stats["entities"]
        return {"entities": rows, "total": total, "limit": limit, "offset": offset}

    @app.get("/entities/{entity_id}", summary="One entity: names, documents with pages, relations")
    def entity(entity_id: str) -> dict[str, Any]:
        with session() as store:
            find = getattr(store, "find_entities", None)
            show = getattr(store, "entity_page", None)
            if not (callable(find) and callable(show)):
                page = _entity_fallback(store, entity_id)
            else:
                found = find(entity_id)
                if len(found) > 1:
                    raise HTTPException(409, f"{entity_id!r} names {len(found)} entities: {found}")
                page = show(found[0]) if found else None
        if page is None:
            raise _not_found(f"no entity is named {entity_id!r}")
        return {k: v for k, v in page.items() if k != "members"}

    @app.get("/wallets", summary="Wallets the documents mention, each with its cross-reference")
    def wallets(
        chain: Annotated[
            str | None,
            Query(max_length=16, description="Only wallets that may be on this chain (ETH, BTC)."),
        ] = None,
        max_hops: Annotated[
            int, Query(ge=1, le=6, description="Longest path to a sanctioned address, in hops.")
        ] = 3,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        with session() as store:
            total = int(store.stats()["by_type"].get("wallet", {}).get("entities", 0))
            rows = store.entities("wallet", max(total, 1))
            if chain:
                wanted = chain.upper()
                rows = [r for r in rows if wanted in r["attributes"].get("chains", [])]
            page = rows[offset : offset + limit]
            for row in page:
                attrs = row.pop("attributes")
                row.pop("kind", None)
                row["address"] = attrs.get("address") or row["name"]
                row["key"] = attrs.get("key") or row["address"]
                row["chains"] = list(attrs.get("chains", []))
            records, problem = _xref(store, [r["key"] for r in page], max_hops)
        for row in page:
            row["xref"] = None if records is None else records[row["key"]]
        out = {"wallets": page, "total": len(rows), "limit": limit, "offset": offset}
        if problem:
            out["onchain_error"] = problem
        return out

    @app.get("/wallets/{address}", summary="A wallet: documents that name it, on-chain record")
    def wallet(address: str) -> dict[str, Any]:
        with session() as store:
            hits = store.search(address, "wallet", 1000).hits
            onchain, problem = _onchain(store, address)
        if not hits and onchain is None:
            raise _not_found(f"no document mentions the address {address!r}")
        documents: dict[str, dict[str, Any]] = {}
        for hit in hits:
            doc = documents.setdefault(
                hit.document_id,
                {"id": hit.document_id, "source": hit.source, "title": hit.title, "pages": []},
            )
            doc["pages"].append({"page": hit.page, "snippet": hit.snippet})
        out = {
            "address": address,
            "entity": hits[0].entity if hits else None,
            "documents": list(documents.values()),
            "onchain": onchain,
        }
        if problem:
            out["onchain_error"] = problem
        return out

    @app.get("/relations", summary="Relations with their evidence sentence")
    def relations(
        predicate: Annotated[str | None, Query(description="e.g. holds, stole.")] = None,
        entity: Annotated[str | None, Query(description="Only relations of this id.")] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        with session() as store:
            corpus = load_corpus(store)
        wanted = corpus.resolve(entity) if entity else None
        chosen = [
            r
            for r in corpus.relations
            if (predicate is None or r.predicate == predicate)
            and (wanted is None or wanted in (r.subject, r.object))
        ]
        rows = [relation_record(r, corpus.entities) for r in chosen[offset : offset + limit]]
        for row in rows:
            del row["record"]
        return {"relations": rows, "total": len(chosen), "limit": limit, "offset": offset}

    @app.get("/stats", summary="Counts, as `moneytrail stats --json`")
    def stats() -> dict[str, Any]:
        with session() as store:
            return store.stats()

    return app
