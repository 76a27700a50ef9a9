"""The Elasticsearch store: the Store contract on a shared cluster, for teams and big corpora.

Index design and the reasons for it: docs/elasticsearch.md. Request bodies live in
queries.py, document shapes in mappings.py, URLs, credentials and error
messages in connection.py; this module does the I/O.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import elasticsearch
from elasticsearch import Elasticsearch, helpers
from elasticsearch import exceptions as es

from pipeline.errors import ConfigError, StoreError
from pipeline.extract.geo import country_name
from pipeline.records import Document, Entity, Failure, Mention, Relation
from pipeline.store.base import Hit, SearchResult
from pipeline.store.elasticsearch import mappings as maps
from pipeline.store.elasticsearch import queries as q
from pipeline.store.elasticsearch.connection import (
    already_there,
    api_reason,
    body_reason,
    bulk_problem,
    describe_error,
    parse_url,
    redact,
    secrets_of,
    version_problem,
)
from pipeline.store.elasticsearch.entities import ElasticEntities

DEFAULT_PREFIX = "moneytrail"
RETRY_STATUS = (429, 502, 503, 504)
KEEP_ALIVE = "2m"
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9._-]{0,80}$")
# Clients before 8.18 lack retry_on_status in streaming_bulk and retry only 429 per item; the
# transport still retries a whole request answered 429, 502, 503 or 504.
_BULK_RETRY_STATUS = "retry_on_status" in inspect.signature(helpers.streaming_bulk).parameters


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _country_label(code: str) -> str:
    try:
        return country_name(code)
    except KeyError:
        return code


class ElasticStore(ElasticEntities):
    """Store records in Elasticsearch indices behind aliases; writes go through the bulk API.

    Each upsert refreshes the indices it wrote, so reads see it at once. A batch writer turns
    that off (`refresh_per_document=False`, or `with store.deferred_refresh():`) and calls
    `flush()` at the end.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str | None = None,
        api_key: str | None = None,
        user: str | None = None,
        password: str | None = None,
        ca_certs: str | None = None,
        refresh_per_document: bool = True,
        request_timeout: float = 30.0,
        max_retries: int = 3,
        max_chunk_bytes: int = 10 * 1024 * 1024,
        chunk_size: int = 1000,
        initial_backoff: float = 1.0,
    ) -> None:
        endpoint = parse_url(url)
        self.url = endpoint.url
        self.prefix = prefix or endpoint.prefix or DEFAULT_PREFIX
        if not _PREFIX.match(self.prefix):
            raise ConfigError(
                f"index prefix {self.prefix!r} is unusable; use lower-case letters, digits, "
                "'-', '_' or '.', starting with a letter or digit"
            )
        user = user or endpoint.user
        password = password if password is not None else endpoint.password
        self._secrets = secrets_of(api_key, user, password)
        if ca_certs and not Path(ca_certs).is_file():
            raise ConfigError(f"CA certificate file {ca_certs} does not exist; fix the path")
        self.names = {name: maps.alias_name(self.prefix, name) for name in maps.INDICES}
        self.refresh_per_document = refresh_per_document
        self.max_chunk_bytes = max_chunk_bytes
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        options: dict[str, Any] = {
            "request_timeout": request_timeout,
            "max_retries": max_retries,
            "retry_on_timeout": True,
            "retry_on_status": RETRY_STATUS,
        }
        if api_key:
            options["api_key"] = tuple(api_key.split(":", 1)) if ":" in api_key else api_key
        elif user:
            options["basic_auth"] = (user, password or "")
        if ca_certs:
            options["ca_certs"] = ca_certs
        try:
            self.client = Elasticsearch([self.url], **options)
        except ValueError as exc:
            raise ConfigError(self._redact(f"cannot use {self.url} ({exc})")) from exc
        try:
            self._check_server()
            self._ensure_indices()
        except BaseException:
            self.client.close()
            raise

    # --- plumbing -----------------------------------------------------------------------
    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    @contextmanager
    def _errors(self, doing: str, subject: str | None = None) -> Iterator[None]:
        """Turn client exceptions into one redacted StoreError sentence."""
        try:
            yield
        except (es.ApiError, es.TransportError) as exc:
            message = describe_error(exc, self.url, doing)
            raise StoreError(self._redact(f"{subject}: {message}" if subject else message)) from exc

    def _check_server(self) -> None:
        with self._errors("answer"):
            try:
                info = self.client.info()
            except es.AuthorizationException:
                return  # a key limited to the indices may not ask; its first read will tell
        problem = version_problem(str(info["version"]["number"]), elasticsearch.__version__)
        if problem:
            raise StoreError(self._redact(f"Elasticsearch at {self.url} {problem}"))

    def _ensure_indices(self) -> None:
        """Create each missing index with its mapping and alias; leave existing ones alone."""
        with self._errors("list its indices"):
            found = (
                self.client.options(ignore_status=404)
                .indices.get_alias(index=f"{self.prefix}-*")
                .body
            )
        aliases = {
            a for body in found.values() if isinstance(body, dict) for a in body.get("aliases", {})
        }
        self._upgrade_mappings(sorted(a for a in self.names.values() if a in aliases))
        for name, alias in self.names.items():
            if alias in aliases:
                continue
            if alias in found:
                raise StoreError(
                    f"{alias} at {self.url} is an index, not an alias: it was made outside "
                    "moneytrail (perhaps auto-created); delete it or choose another prefix"
                )
            body = maps.index_body(name)
            with self._errors(f"create the index {alias}"):
                try:
                    self.client.indices.create(
                        index=maps.index_name(self.prefix, name),
                        aliases={alias: {"is_write_index": True}},
                        settings=body["settings"],
                        mappings=body["mappings"],
                    )
                except es.BadRequestError as exc:
                    if "resource_already_exists" not in api_reason(exc):
                        raise  # another process creating it at the same moment is fine

    def _upgrade_mappings(self, aliases: list[str]) -> None:
        """Add the fields of a newer mapping version to indices made by an older one.

        Only new fields were ever added, which an existing index accepts in place; a change
        that is not additive would need a reindex (docs/elasticsearch.md).
        """
        if not aliases:
            return
        with self._errors("read its mappings"):
            found = self.client.indices.get_mapping(index=aliases).body
        for index, body in sorted(found.items()):
            mapping = body.get("mappings") or {}
            if maps.mapping_version(mapping) >= maps.MAPPING_VERSION:
                continue
            name = (mapping.get("_meta") or {}).get("index")
            if name not in maps.INDICES:
                raise StoreError(
                    f"{index} at {self.url} has no moneytrail mapping version; it was made "
                    "outside moneytrail, so delete it or choose another prefix"
                )
            with self._errors(f"add the version {maps.MAPPING_VERSION} fields to {index}"):
                self.client.indices.put_mapping(index=index, **maps.mapping_upgrade(name))

    def _bulk(
        self, actions: Iterable[dict[str, Any]], subject: str, present: list[str] | None = None
    ) -> list[str]:
        """Send actions in byte-bounded chunks with retries; return each rejected item.

        With `present`, a create refused because the id exists is no problem: its id goes there.
        """
        options: dict[str, Any] = {
            "chunk_size": self.chunk_size,
            "max_chunk_bytes": self.max_chunk_bytes,
            "raise_on_error": False,
            # A chunk the cluster refuses whole becomes per-item failures, retried like them.
            "raise_on_exception": False,
            "max_retries": self.max_retries,
            "initial_backoff": self.initial_backoff,
            "max_backoff": 60,
            "yield_ok": False,
            # Never auto-create an index with guessed mappings if an alias has gone missing.
            "require_alias": True,
        }
        if _BULK_RETRY_STATUS:
            options["retry_on_status"] = RETRY_STATUS
        problems = []
        with self._errors("index records", subject):
            for ok, item in helpers.streaming_bulk(self.client, actions, **options):
                if not ok and present is not None and already_there(item):
                    present.append(str(item["create"].get("_id")))
                    continue
                problem = None if ok else bulk_problem(item)
                if problem:
                    problems.append(problem)
        return problems

    def _refresh(self, *names: str) -> None:
        with self._errors("refresh its indices"):
            self.client.indices.refresh(index=[self.names[n] for n in names])

    def _search(self, name: str, doing: str, text: str | None = None, **body: Any) -> Any:
        """Run one search; a query Elasticsearch rejects is reported as the analyst's query."""
        body.setdefault("track_total_hits", False)
        with self._errors(doing):
            try:
                return self.client.search(index=self.names[name], **body)
            except es.BadRequestError as exc:
                if text is None:
                    raise
                raise StoreError(
                    f"the query {text!r} cannot be searched ({api_reason(exc)})"
                ) from exc

    def _scan(
        self,
        name: str,
        query: dict[str, Any],
        sort: list[dict[str, str]],
        includes: list[str] | None = None,
        excludes: list[str] | None = None,
        size: int = 1000,
    ) -> Generator[dict[str, Any], None, None]:
        """Yield every hit in sort order, paging with search_after over a point in time."""
        index = self.names[name]
        with self._errors(f"read {index}"):
            pit = self.client.open_point_in_time(index=index, keep_alive=KEEP_ALIVE)["id"]
        try:
            after: list[Any] | None = None
            while True:
                with self._errors(f"read {index}"):
                    resp = self.client.search(
                        pit={"id": pit, "keep_alive": KEEP_ALIVE},
                        query=query,
                        sort=sort,
                        size=size,
                        search_after=after,
                        source_includes=includes,
                        source_excludes=excludes,
                        track_total_hits=False,
                    )
                pit = resp.body.get("pit_id", pit)
                hits = resp["hits"]["hits"]
                yield from hits
                if len(hits) < size:
                    return
                after = hits[-1]["sort"]
        finally:
            # A PIT left open expires by itself after KEEP_ALIVE.
            with suppress(es.ApiError, es.TransportError):
                self.client.close_point_in_time(id=pit)

    def _mget(
        self, name: str, ids: list[str], includes: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for at in range(0, len(ids), 1000):
            with self._errors(f"read {self.names[name]}"):
                resp = self.client.mget(
                    index=self.names[name], ids=ids[at : at + 1000], source_includes=includes
                )
            out.update({d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")})
        return out

    def _count(self, name: str, query: dict[str, Any] | None = None) -> int:
        with self._errors(f"count {self.names[name]}"):
            return int(self.client.count(index=self.names[name], query=query)["count"])

    def _get(self, document_id: str, includes: list[str] | None = None) -> dict[str, Any]:
        """Read a document record by id, in real time (no refresh needed)."""
        with self._errors("read a stored document"):
            body: dict[str, Any] = (
                self.client.options(ignore_status=404)
                .get(index=self.names["documents"], id=document_id, source_includes=includes)
                .body
            )
        if "error" in body:
            raise StoreError(
                self._redact(
                    f"cannot read {self.names['documents']} at {self.url} ({body_reason(body)}); "
                    "check the cluster's health"
                )
            )
        return body

    # --- writes -------------------------------------------------------------------------
    def upsert_document(
        self,
        document: Document,
        mentions: list[Mention],
        entities: list[Entity],
        relations: list[Relation] | None = None,
    ) -> None:
        """Store a document with its pages, mentions, entities and relations, replacing any
        older copy as nearly in one step as Elasticsearch allows.

        The document record is first marked incomplete and lists the old and the new records;
        then the records and the deletes of stale ones go in bulk; then the record is marked
        complete. A crash or a rejected record in between leaves it incomplete, so
        has_document() says no and the next ingest redoes it, stale records included.
        """
        stored, rels, found, prior, actions = self._prepare(document, mentions, entities, relations)
        children = maps.children(document, stored, rels)
        both = maps.children(document, stored, rels, prior)
        found = self._write_document(document, found, both, complete=False)
        problems = self._bulk(actions, document.source)
        self._write_document(document, found, both if problems else children, not problems)
        self._written(document, problems, len(actions))

    def write_records(
        self,
        document: Document,
        mentions: list[Mention],
        entities: list[Entity],
        relations: list[Relation] | None = None,
    ) -> None:
        """Write a document's record (incomplete), pages, mentions and relations, and delete
        its stale ones: what a Ray actor writes with its own client. The entities and the
        complete mark follow from the driver, in input order (finish_document), so the first
        writer of an entity's name is the one a single writer would have been."""
        stored, rels, found, prior, every = self._prepare(document, mentions, entities, relations)
        actions = [a for a in every if a["_index"] != self.names["entities"]]
        self._write_document(document, found, maps.children(document, stored, rels, prior), False)
        problems = self._bulk(actions, document.source)
        if problems:
            self._written(document, problems, len(actions))

    def _prepare(
        self,
        document: Document,
        mentions: list[Mention],
        entities: list[Entity],
        relations: list[Relation] | None,
    ) -> tuple[list[Mention], list[Relation], dict[str, Any], Any, list[dict[str, Any]]]:
        """Return the linked mentions, the relations, the stored record (and its source) and
        every bulk action that writes the document."""
        stored, kept = maps.keep_linked(mentions, entities)
        rels = list(relations or ())
        found = self._get(document.id)
        prior = found["_source"] if found.get("found") else None
        actions = maps.document_actions(self.names, document, stored, kept, rels, prior)
        return stored, rels, found, prior, actions

    def finish_document(
        self,
        document: Document,
        mentions: list[Mention],
        entities: list[Entity],
        relations: list[Relation] | None = None,
    ) -> None:
        """Write the entities of a document a worker wrote, then mark it complete."""
        stored, kept = maps.keep_linked(mentions, entities)
        actions = [maps.entity_action(e, self.names["entities"]) for e in kept]
        problems = self._bulk(actions, document.source)
        found = self._get(document.id)
        if problems or not found.get("found"):
            problems = problems or ["the document record is missing"]
        else:
            children = maps.children(document, stored, list(relations or ()))
            self._write_document(document, found, children, True)
        self._written(document, problems, len(actions))

    def _written(self, document: Document, problems: list[str], sent: int) -> None:
        """Refresh or mark resolution stale after a document; raise if records were refused."""
        if self.refresh_per_document:
            self.flush()
        else:
            # flush() marks it again once the batch is searchable; this covers a writer that
            # stops before flushing.
            self._mark_unresolved()
        if problems:
            raise StoreError(
                self._redact(
                    f"{document.source}: Elasticsearch rejected {len(problems)} of "
                    f"{sent} records ({problems[0]}); the rest is stored and the next "
                    "ingest retries this document"
                )
            )

    def _write_document(
        self,
        document: Document,
        found: dict[str, Any],
        children: dict[str, Any],
        complete: bool,
    ) -> dict[str, Any]:
        """Write the document record, guarded against a concurrent add_source; return it as
        a real-time get would."""
        now = _now()
        for _ in range(5):
            prior = found["_source"] if found.get("found") else None
            body = maps.document_source(document, prior, children, complete, now)
            guard: dict[str, Any] = (
                {"if_seq_no": found["_seq_no"], "if_primary_term": found["_primary_term"]}
                if prior
                else {"op_type": "create"}
            )
            with self._errors("record the document", document.source):
                try:
                    resp = self.client.index(
                        index=self.names["documents"],
                        id=document.id,
                        document=body,
                        require_alias=True,
                        **guard,
                    )
                    return {
                        "found": True,
                        "_source": body,
                        "_seq_no": resp["_seq_no"],
                        "_primary_term": resp["_primary_term"],
                    }
                except es.ConflictError:
                    pass  # changed since we read it: read it again and merge the sources
            found = self._get(document.id)
        raise StoreError(
            f"{document.source}: another writer kept changing this document; ingest it again"
        )

    def flush(self) -> None:
        """Make every write so far visible to searches and counts, and mark entity resolution
        stale (after the refresh, so the next resolution sees what was written)."""
        self._refresh("documents", "pages", "mentions", "entities", "relations", "failures")
        self._mark_unresolved()

    @contextmanager
    def deferred_refresh(self) -> Iterator[None]:
        """Skip the refresh after each document inside the block, and refresh once at its end."""
        saved = self.refresh_per_document
        self.refresh_per_document = False
        try:
            yield
        finally:
            self.refresh_per_document = saved
        self.flush()

    def add_source(self, document_id: str, source: str) -> None:
        """Record another name under which a stored document was found."""
        problems = self._bulk(maps.add_source_actions(self.names, document_id, source), source)
        if problems:
            raise StoreError(
                self._redact(
                    f"{source}: cannot record it as a name of document {document_id} "
                    f"({problems[0]}); ingest the document first"
                )
            )
        if self.refresh_per_document:
            self._refresh("documents", "failures")

    def has_document(self, document_id: str) -> bool:
        """Say whether a document is stored completely."""
        found = self._get(document_id, ["complete"])
        return bool(found.get("found") and found["_source"].get("complete"))

    def record_failure(self, failure: Failure) -> None:
        """Remember a failed input, replacing an older failure of the same source."""
        with self._errors("record a failure", failure.source):
            self.client.index(
                index=self.names["failures"],
                id=maps.failure_id(failure.source),
                document=maps.failure_source(failure, _now()),
                require_alias=True,
                refresh=True if self.refresh_per_document else None,
            )

    def clear_failure(self, source: str) -> None:
        """Forget the failure of a source that has now been ingested."""
        with self._errors("clear a failure", source):
            self.client.options(ignore_status=404).delete(
                index=self.names["failures"],
                id=maps.failure_id(source),
                refresh=True if self.refresh_per_document else None,
            )

    def failures(self) -> list[Failure]:
        """Return the recorded failures, newest first."""
        sort = [{"time": "desc"}, {"source": "asc"}]
        hits = self._scan("failures", {"match_all": {}}, sort)
        return [maps.failure_from_source(h["_source"]) for h in hits]

    # --- reads --------------------------------------------------------------------------
    def search(
        self,
        query: str,
        type_: str | None = None,
        limit: int = 10,
        offset: int = 0,
        country: str | None = None,
        chain: str | None = None,
    ) -> SearchResult:
        """Search page text and entity names; with a type, only mentions of that type; with a
        country or chain, only pages that mention that country or a wallet of that chain."""
        filters = q.page_filters(country, chain)
        entity = self._entity_hits(query, type_)
        if filters and entity:
            entity = self._keep_filtered(entity, filters)
        text: list[Hit] = []
        full: set[tuple[str, int]] = set()
        dsl = q.text_query(query) if type_ is None else None
        if dsl is not None:
            # Ranked on the whole text; a page matching only in its furniture is dropped.
            body = q.body_query(query)
            where = [*filters, q.outside_furniture(body)] if body is not None else filters
            if where:
                dsl = {"bool": {"must": [dsl], "filter": where}}
            size = limit + offset + len(entity)
            request = q.text_request(dsl, size, body)
            resp = self._search("pages", "search pages", query, **request)
            text = q.text_hits(resp["hits"]["hits"])
            full = q.full_pages(resp["hits"]["hits"])
        return q.merge_hits(query, type_, text, entity, limit, offset, full)

    def _keep_filtered(self, hits: list[Hit], filters: list[dict[str, Any]]) -> list[Hit]:
        """Keep the hits whose page passes the page filters (one ids query on the pages)."""
        ids = sorted({maps.page_id(h.document_id, h.page) for h in hits})
        dsl = {"bool": {"filter": [{"ids": {"values": ids}}, *filters]}}
        resp = self._search(
            "pages", "filter pages", None, query=dsl, size=len(ids), source_includes=["id"]
        )
        kept = {h["_id"] for h in resp["hits"]["hits"]}
        return [h for h in hits if maps.page_id(h.document_id, h.page) in kept]

    def _entity_hits(self, query: str, type_: str | None) -> list[Hit]:
        """Return a hit per page mentioning an entity the query names by an alias or key."""
        lookup = q.entity_lookup(query)
        if lookup is None:
            return []
        norms, key = lookup
        named = self._search("entities", "search entities", **q.alias_request(norms))
        keyed = self._search("mentions", "search mentions", **q.key_request(key))
        entities = {h["_id"]: h["_source"] for h in named["hits"]["hits"]}
        ids = set(entities) | {b["key"] for b in keyed["aggregations"]["entities"]["buckets"]}
        if not ids:
            return []
        request = q.entity_hits_request(sorted(ids), type_)
        resp = self._search("mentions", "search mentions", **request)
        entities.update(self._mget("entities", sorted(ids - set(entities)), ["id", "type", "name"]))
        return q.entity_hits(resp["hits"]["hits"], entities, query if type_ is None else None)

    def facets(
        self,
        query: str,
        type_: str | None = None,
        size: int = 10,
        country: str | None = None,
        chain: str | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """Count the actors, casinos, countries and chains on the pages a query matches.

        The pages are those search() would return without a limit; a count is a number of
        mentions on them; ties go by id, code or chain.
        """
        pages = [maps.page_id(h.document_id, h.page) for h in self._entity_hits(query, type_)]
        dsl = q.facet_query(query, type_, pages)
        if dsl is None:
            return q.empty_facets()
        filters = q.page_filters(country, chain)
        if filters:
            dsl = {"bool": {"must": [dsl], "filter": filters}}
        resp = self._search("pages", "count facets", query, **q.facets_request(dsl, size))
        aggs = resp["aggregations"]["sample"]
        entities = self._mget("entities", q.facet_entity_ids(aggs), ["name", "type"])
        return q.facets_from_aggs(aggs, entities, _country_label)

    def document(self, document_id: str) -> dict[str, Any] | None:
        """Return a stored document's metadata, pages and entities (id or unique id prefix)."""
        hits = self._search("documents", "read documents", **q.document_request(document_id))
        if len(hits["hits"]["hits"]) != 1:
            return None
        doc = hits["hits"]["hits"][0]["_source"]
        mine = {"term": {"document_id": doc["id"]}}
        fields = ["number", "start", "end", "has_text", "ocr", "chars"]
        pages = [h["_source"] for h in self._scan("pages", mine, [{"number": "asc"}], fields)]
        linked = {"bool": {"filter": [mine, {"exists": {"field": "entity_id"}}]}}
        pairs = [
            (h["_source"]["entity_id"], h["_source"]["page"])
            for h in self._scan("mentions", linked, [{"id": "asc"}], ["entity_id", "page"])
        ]
        entities = self._mget("entities", sorted({e for e, _ in pairs}), ["type", "name", "kind"])
        return q.document_view(doc, pages, q.document_entities(pairs, entities))

    def document_list(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Return stored documents (id, title, date, pages, source, kind) in source order."""
        resp = self._search("documents", "list documents", **q.document_list_request(limit, offset))
        return q.document_rows(resp["hits"]["hits"])

    def find_documents(self, ref: str) -> list[dict[str, Any]]:
        """Return the documents an id prefix or a source path (as ingested) names."""
        if not ref.strip():
            return []
        resp = self._search("documents", "find documents", **q.find_documents_request(ref.strip()))
        return q.document_rows(resp["hits"]["hits"])

    def page_text(self, document_id: str, number: int) -> str | None:
        """Return the text of one page of a stored document, or None."""
        ids = {"ids": {"values": [maps.page_id(document_id, number)]}}
        resp = self._search("pages", "read a page", query=ids, size=1, source_includes=["text"])
        found = resp["hits"]["hits"]
        return str(found[0]["_source"].get("text", "")) if found else None

    def entities(self, type_: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Return entities that have mentions, most mentioned first."""
        # Extra buckets so ties at the cut-off are settled by name, as the embedded store does.
        request = q.ranking_request(type_, min(limit + 1000, 60_000))
        aggs = self._search("mentions", "rank entities", **request)["aggregations"]
        ids = [b["key"] for b in aggs["entities"]["buckets"]]
        return q.ranked_entities(aggs, self._mget("entities", ids), limit)

    def stats(self) -> dict[str, Any]:
        """Return counts of documents, pages, mentions and entities per type."""
        resp = self._search("mentions", "count mentions", **q.stats_request())
        aggs = resp["aggregations"]
        return {
            "documents": self._count("documents", {"term": {"complete": True}}),
            "pages": self._count("pages"),
            "pages_without_text": self._count("pages", {"term": {"has_text": False}}),
            "mentions": int(resp["hits"]["total"]["value"]),
            "entities": int(aggs["entities"]["value"]),
            "failures": self._count("failures"),
            "by_type": q.by_type_from_aggs(aggs),
        }

    def documents_by_month(self) -> list[tuple[str, int]]:
        """Count documents per month of their date (YYYY-MM, a year alone, or 'undated')."""
        resp = self._search("documents", "count documents by date", **q.months_request())
        months: dict[str, int] = {}
        for bucket in resp["aggregations"]["dates"]["buckets"]:
            month = str(bucket["key"])[:7]
            months[month] = months.get(month, 0) + int(bucket["doc_count"])
        return sorted(months.items())

    # --- whole-corpus reads (exports, migration, embeddings) -----------------------------
    def iter_documents(self) -> Iterator[Document]:
        """Yield every stored document with its text and pages, in id order."""
        complete = {"term": {"complete": True}}
        docs = self._scan("documents", complete, [{"id": "asc"}], excludes=["children"])
        fields = ["document_id", "number", "start", "end", "has_text", "ocr", "text", "furniture"]
        sort = [{"document_id": "asc"}, {"number": "asc"}]
        pages = self._scan("pages", {"match_all": {}}, sort, fields, size=200)
        try:
            # Both streams are in document id order: merge them instead of a query per document.
            pending = next(pages, None)
            for hit in docs:
                doc = hit["_source"]
                own: list[Mapping[str, Any]] = []
                while pending is not None and pending["_source"]["document_id"] < doc["id"]:
                    pending = next(pages, None)
                while pending is not None and pending["_source"]["document_id"] == doc["id"]:
                    own.append(pending["_source"])
                    pending = next(pages, None)
                yield maps.document_from_sources(doc, own)
        finally:
            pages.close()
            docs.close()

    def iter_mentions(self, document_id: str | None = None) -> Iterator[Mention]:
        """Yield stored mentions, of one document or all, in document and text order."""
        query = {"term": {"document_id": document_id}} if document_id else {"match_all": {}}
        sort = [{"document_id": "asc"}, {"start": "asc"}, {"end": "asc"}, {"id": "asc"}]
        for hit in self._scan("mentions", query, sort, excludes=["doc_page", "source", "title"]):
            yield maps.mention_from_source(hit["_source"])

    def iter_entities(self) -> Iterator[Entity]:
        """Yield every entity that has mentions, with its aliases, in id order."""
        after: dict[str, Any] | None = None
        while True:
            resp = self._search("mentions", "list entities", **q.composite_request(after))
            agg = resp["aggregations"]["ids"]
            ids = [b["key"]["id"] for b in agg["buckets"]]
            found = self._mget("entities", ids)
            yield from (maps.entity_from_source(found[i]) for i in ids if i in found)
            after = agg.get("after_key")
            if not ids or not after:
                return

    def iter_relations(self) -> Iterator[Relation]:
        """Yield every stored relation, one per stating sentence."""
        sort = [{"document_id": "asc"}, {"id": "asc"}]
        for hit in self._scan("relations", {"match_all": {}}, sort):
            yield maps.relation_from_source(hit["_source"])

    def drop(self) -> None:
        """Delete this prefix's indices and everything in them (tests and benchmarks)."""
        with self._errors("delete its indices"):
            found = (
                self.client.options(ignore_status=404)
                .indices.get_alias(name=list(self.names.values()))
                .body
            )
            indices = sorted(k for k, v in found.items() if isinstance(v, dict) and "aliases" in v)
            if indices:
                self.client.indices.delete(index=indices)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()


CONFIG_KEYS = ("api_key", "user", "password", "ca_certs", "prefix")


def read_config(environ: Mapping[str, str]) -> dict[str, str]:
    """Read the Elasticsearch settings file: $MONEYTRAIL_ES_CONFIG, or
    ~/.config/moneytrail/elasticsearch.toml when it exists (a missing default is no error).

    The file holds secrets, so one that other users can read is refused, as ssh does.
    """
    import stat
    import tomllib

    named = environ.get("MONEYTRAIL_ES_CONFIG")
    path = Path(named) if named else Path.home() / ".config" / "moneytrail" / "elasticsearch.toml"
    if not path.is_file():
        if named:
            raise ConfigError(f"MONEYTRAIL_ES_CONFIG names {path}, which is not a file")
        return {}
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} holds Elasticsearch credentials but other users can read it; "
            f"run: chmod 600 {path}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not a readable TOML file ({exc})") from exc
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown keys {', '.join(unknown)}; known: {', '.join(CONFIG_KEYS)}"
        )
    return {k: str(v) for k, v in data.items() if v not in (None, "")}


def from_env(url: str, environ: Mapping[str, str], **options: Any) -> ElasticStore:
    """Open an ElasticStore with credentials from MONEYTRAIL_ES_* variables or a config file.

    MONEYTRAIL_ES_API_KEY (encoded, or id:key), or MONEYTRAIL_ES_USER with
    MONEYTRAIL_ES_PASSWORD; MONEYTRAIL_ES_CA_CERTS for a private CA; MONEYTRAIL_ES_PREFIX
    for the index prefix when the URL has no ?prefix=. Each may also come from the settings
    file (see read_config: keys api_key, user, password, ca_certs, prefix); a variable wins.
    """
    config = read_config(environ)

    def setting(key: str) -> str | None:
        return environ.get(f"MONEYTRAIL_ES_{key.upper()}") or config.get(key) or None

    user = setting("user")
    password = setting("password")
    if user and password is None:
        raise ConfigError(
            "MONEYTRAIL_ES_USER is set but MONEYTRAIL_ES_PASSWORD is not; set both, or use "
            "MONEYTRAIL_ES_API_KEY"
        )
    if "prefix" not in options and not parse_url(url).prefix:
        options["prefix"] = setting("prefix")
    return ElasticStore(
        url,
        api_key=setting("api_key"),
        user=user,
        password=password,
        ca_certs=setting("ca_certs"),
        **options,
    )
