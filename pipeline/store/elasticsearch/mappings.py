"""Elasticsearch index definitions, and how records map to and from their documents.

Pure data and functions: nothing here talks to a server, so all of it is unit-tested.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pipeline.extract.names import normalise
from pipeline.link.blocks import blocking_keys, form_keys
from pipeline.link.resolve import RESOLVED_TYPES
from pipeline.parse.furniture import masked
from pipeline.records import Document, Entity, Failure, Mention, Relation
from pipeline.store.base import text_and_pages

# Bump when a mapping changes: new indices get the next suffix. Version 2 added the resolved
# (canonical) ids of mentions, entities and relations and the `resolution` index; an older
# index gains those fields in place, since adding fields is a compatible mapping change.
# Version 3 added each entity's resolution block keys (`blocks`). Version 4 added the page
# furniture spans and `body`, the page text without them; pages written before keep neither
# and search as pages without furniture until re-ingested.
MAPPING_VERSION = 4
INDICES = (
    "documents",
    "pages",
    "mentions",
    "entities",
    "relations",
    "failures",
    "transfers",
    "judgements",
    "resolution",
)

_KEYWORD: dict[str, Any] = {"type": "keyword"}
_INT: dict[str, Any] = {"type": "integer"}
_BOOL: dict[str, Any] = {"type": "boolean"}
_TEXT: dict[str, Any] = {"type": "text", "analyzer": "folded_english"}
# Kept in _source for display only: neither searchable nor aggregatable.
_STORED: dict[str, Any] = {"type": "keyword", "index": False, "doc_values": False}
# Free-form dicts (attributes, normalised values): stored as given, never mapped field by field,
# so `dynamic: strict` elsewhere still rejects a typo in a top-level field.
_OPAQUE: dict[str, Any] = {"type": "object", "enabled": False}
_RAW = {"raw": {"type": "keyword", "ignore_above": 1024}}

# Porter stemming with folded diacritics and no stop words: what the embedded store's FTS5
# tokenizer ('porter unicode61 remove_diacritics 2') does, so both stores match the same words.
ANALYSIS: dict[str, Any] = {
    "analyzer": {
        "folded_english": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding", "porter_stem"],
        }
    },
    "normalizer": {"lower": {"type": "custom", "filter": ["lowercase"]}},
}

_FIELDS: dict[str, dict[str, Any]] = {
    "documents": {
        "id": _KEYWORD,
        "source": _KEYWORD,
        "sources": _KEYWORD,
        "kind": _KEYWORD,
        "title": {**_TEXT, "fields": _RAW},
        "date": _KEYWORD,  # partial dates ("2024-03") are common, so not a date field
        "byline": _TEXT,
        "size": {"type": "long"},
        "page_count": _INT,
        "warnings": {"type": "keyword", "ignore_above": 4096},
        "ingested_at": {"type": "date"},
        # False while a write is incomplete: has_document() says no, so ingest retries it.
        "complete": _BOOL,
        # Ids of the mentions and relations last written, so a re-ingest deletes exactly the
        # stale ones without a search (searches lag a refresh; get-by-id does not).
        "children": _OPAQUE,
    },
    "pages": {
        "id": _KEYWORD,
        "document_id": _KEYWORD,
        "source": _KEYWORD,
        "title": _STORED,
        "number": _INT,
        "start": _INT,
        "end": _INT,
        "has_text": _BOOL,
        "ocr": _BOOL,
        "chars": _INT,
        # Offsets in the postings let the unified highlighter skip re-analysing long pages.
        "text": {**_TEXT, "index_options": "offsets"},
        # Running headers, footers, page numbers and the like (pipeline/parse/furniture.py) as
        # document offsets, in order; `body` is the text with them blanked, written only on
        # pages that have some. Search ranks on `text`, needs a match in `body` where there
        # is one, and highlights from it, as the embedded store does.
        "furniture": {
            "type": "object",
            "properties": {"start": _INT, "end": _INT, "kind": _KEYWORD},
        },
        "body": {**_TEXT, "index_options": "offsets"},
        # Denormalised from the page's mentions: filters without a join, and per-value mention
        # counts (nested, one entry per facet value) that facets sum over the matching pages.
        "entity_ids": _KEYWORD,
        "types": _KEYWORD,
        "countries": _KEYWORD,
        "chains": _KEYWORD,
        "facets": {
            "type": "nested",
            "properties": {"facet": _KEYWORD, "key": _KEYWORD, "n": _INT},
        },
    },
    "mentions": {
        "id": _KEYWORD,
        "document_id": _KEYWORD,
        "doc_page": _KEYWORD,  # "<document id>:<page>", the key entity hits collapse on
        "source": _KEYWORD,
        "title": _STORED,
        "entity_id": _KEYWORD,
        "page": _INT,
        "start": _INT,
        "end": _INT,
        "type": _KEYWORD,
        "text": {**_TEXT, "fields": _RAW},
        "key": {"type": "keyword", "fields": {"lower": {"type": "keyword", "normalizer": "lower"}}},
        "value": _OPAQUE,
        "country": _KEYWORD,
        "chains": _KEYWORD,
        "currency": _KEYWORD,
        "amount": {"type": "double"},
        "kind": _KEYWORD,
        "sentence": _TEXT,
        "extractor": _KEYWORD,
        "score": {"type": "float"},
        # Written by resolution across documents: the cluster the mention belongs to, and
        # whether a split judgement moved this one mention out of its entity's cluster.
        "canonical_id": _KEYWORD,
        "moved": _BOOL,
    },
    "entities": {
        "id": _KEYWORD,
        "type": _KEYWORD,
        "name": {**_TEXT, "fields": _RAW},
        # Every name the entity goes by, the preferred one included: exact and full-text.
        "aliases": {"type": "keyword", "fields": {"text": _TEXT}},
        "alias_norms": _KEYWORD,
        "kind": _KEYWORD,
        "attributes": _OPAQUE,
        # The cluster an entity was resolved into; absent while it is its own canonical one.
        "canonical_id": _KEYWORD,
        # Resolution block keys (pipeline/link/blocks.py), from the first name and kind and
        # every alias: the blocks are listed by aggregating this field.
        "blocks": _KEYWORD,
    },
    "relations": {
        "id": _KEYWORD,
        "subject": _KEYWORD,
        "predicate": _KEYWORD,
        "object": _KEYWORD,
        "document_id": _KEYWORD,
        "page": _INT,
        "sentence": _TEXT,
        "evidence": _KEYWORD,
        "count": _INT,
        "attributes": _OPAQUE,
        # Both ends as resolved entities, written by resolution (the stored ends until then).
        "subject_canonical": _KEYWORD,
        "object_canonical": _KEYWORD,
    },
    "failures": {
        "source": _KEYWORD,
        "stage": _KEYWORD,
        "error": _KEYWORD,
        "message": {"type": "text"},
        "time": _KEYWORD,  # as recorded, which need not be a timestamp
        "document_id": _KEYWORD,
    },
    # On-chain transfers (pipeline/onchain): address keys are normalised like wallet mention
    # keys, so a terms query on mentions.key joins documents to transactions.
    "transfers": {
        "id": _KEYWORD,
        "chain": _KEYWORD,
        "tx_hash": _KEYWORD,
        "block": {"type": "long"},
        "time": {"type": "date"},
        "from_key": _KEYWORD,
        "to_key": _KEYWORD,
        "asset": _KEYWORD,
        "amount": {"type": "double"},
        "amount_usd": {"type": "double"},
        "source": _KEYWORD,
        "attributes": _OPAQUE,
    },
    # Analysts' merge, split and rename judgements, shared by every client of the cluster
    # and applied in `seq` order (see pipeline/store/elasticsearch/entities.py).
    "judgements": {
        "seq": {"type": "long"},
        "action": _KEYWORD,
        "subject": _KEYWORD,
        "args": _KEYWORD,
        "time": _KEYWORD,
    },
    # One document, `state`: whether the canonical ids above are up to date, a generation
    # every change bumps (so a resolution that raced a change never claims to be current),
    # and the names judgements gave to clusters. See pipeline/store/elasticsearch/entities.py.
    "resolution": {
        "resolved": _BOOL,
        "generation": {"type": "long"},
        "names": _OPAQUE,
        "time": _KEYWORD,
    },
}


def alias_name(prefix: str, name: str) -> str:
    """Return the alias every read and write goes through."""
    return f"{prefix}-{name}"


def index_name(prefix: str, name: str, version: int = MAPPING_VERSION) -> str:
    """Return the concrete, versioned index behind an alias."""
    return f"{prefix}-{name}-v{version}"


def index_body(name: str) -> dict[str, Any]:
    """Return the settings and strict mappings that create one index."""
    return {
        "settings": {
            # One primary shard keeps term counts exact (facets, entity rankings) and holds tens
            # of GB; a bigger corpus reindexes into more shards behind the same alias.
            "number_of_shards": 1,
            "auto_expand_replicas": "0-1",
            "analysis": ANALYSIS,
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"moneytrail_mapping": MAPPING_VERSION, "index": name},
            "properties": _FIELDS[name],
        },
    }


def mapping_version(mapping: Mapping[str, Any]) -> int:
    """Return the moneytrail mapping version an index's mapping records (0: none)."""
    meta = mapping.get("_meta") or {}
    version = meta.get("moneytrail_mapping")
    return int(version) if isinstance(version, int) else 0


def mapping_upgrade(name: str) -> dict[str, Any]:
    """Return the put-mapping arguments that bring an older index of this name up to date."""
    mappings = index_body(name)["mappings"]
    return {"dynamic": "strict", "meta": mappings["_meta"], "properties": mappings["properties"]}


def page_id(document_id: str, number: int) -> str:
    """Return the id of a page document."""
    return f"{document_id}:{number}"


def failure_id(source: str) -> str:
    """Return the id of a failure: a digest, since paths can exceed the 512-byte id limit."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:40]


# Keyword lists a page document carries about its mentions, for filters.
PAGE_SUMMARY = ("entity_ids", "types", "countries", "chains")


def facet_key(mention: Mention) -> tuple[str, str] | None:
    """Return the facet and value a mention counts towards, as the embedded store counts them.

    Linked actors and casinos by entity, countries by code, and wallets that are not suspect
    by their most likely chain.
    """
    value = mention.value
    if mention.type in ("actor", "casino") and mention.entity_id is not None:
        return mention.type, mention.entity_id
    if mention.type == "country" and isinstance(value.get("code"), str):
        return "country", value["code"]
    chains = value.get("chains")
    if mention.type == "wallet" and not value.get("suspect") and chains:
        return ("chain", chains[0]) if isinstance(chains[0], str) else None
    return None


def _page_summaries(mentions: Iterable[Mention]) -> dict[int, dict[str, Any]]:
    pages: dict[int, dict[str, Any]] = {}
    for m in mentions:
        summary = pages.setdefault(
            m.page, {**{k: set() for k in PAGE_SUMMARY}, "facets": Counter()}
        )
        summary["types"].add(m.type)
        if m.entity_id is not None:
            summary["entity_ids"].add(m.entity_id)
        if m.type == "country" and isinstance(m.value.get("code"), str):
            summary["countries"].add(m.value["code"])
        if m.type == "wallet" and not m.value.get("suspect"):
            summary["chains"].update(c for c in m.value.get("chains") or () if isinstance(c, str))
        key = facet_key(m)
        if key is not None:
            summary["facets"][key] += 1
    return pages


def page_sources(document: Document, mentions: list[Mention], source: str) -> list[dict[str, Any]]:
    """Return the page documents of a document, each with its mentions summarised."""
    summaries = _page_summaries(mentions)
    out = []
    for page in document.pages:
        text = document.page_text(page)
        summary = summaries.get(page.number, {})
        facets = summary.get("facets", Counter())
        furniture: dict[str, Any] = {}
        if page.furniture:
            furniture = {
                "furniture": [{"start": s, "end": e, "kind": k} for s, e, k in page.furniture],
                "body": masked(text, page.start, page.furniture),
            }
        out.append(
            {
                "id": page_id(document.id, page.number),
                "document_id": document.id,
                "source": source,
                "title": document.title,
                "number": page.number,
                "start": page.start,
                "end": page.end,
                "has_text": page.has_text,
                "ocr": page.ocr,
                "chars": len(text),
                "text": text,
                **furniture,
                **{k: sorted(summary.get(k, ())) for k in PAGE_SUMMARY},
                "facets": [{"facet": f, "key": k, "n": n} for (f, k), n in sorted(facets.items())],
            }
        )
    return out


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def mention_source(mention: Mention, source: str, title: str | None) -> dict[str, Any]:
    """Return the mention document: the record plus keyword fields lifted from its value."""
    value = mention.value
    chains = value.get("chains") if mention.type == "wallet" else None
    amount = value.get("value")
    return {
        "id": mention.id,
        "document_id": mention.document_id,
        "doc_page": page_id(mention.document_id, mention.page),
        "source": source,
        "title": title,
        "entity_id": mention.entity_id,
        "page": mention.page,
        "start": mention.start,
        "end": mention.end,
        "type": mention.type,
        "text": mention.text,
        "key": mention.key,
        "value": value,
        "country": value.get("code") if mention.type == "country" else None,
        "chains": [c for c in chains if isinstance(c, str)] if isinstance(chains, list) else [],
        "currency": value.get("currency") if mention.type == "amount" else None,
        "amount": amount if mention.type == "amount" and _is_number(amount) else None,
        "kind": value.get("kind") if isinstance(value.get("kind"), str) else None,
        "sentence": mention.sentence,
        "extractor": mention.extractor,
        "score": mention.score,
        # Its own entity until resolution says otherwise (ingest marks resolution stale).
        "canonical_id": mention.entity_id,
    }


def entity_source(entity: Entity) -> dict[str, Any]:
    """Return the entity document: its names exact, normalised and as text."""
    names = {entity.name, *entity.aliases}
    kind = entity.attributes.get("kind")
    kind = kind if isinstance(kind, str) else None
    resolved = entity.type in RESOLVED_TYPES
    return {
        "id": entity.id,
        "type": entity.type,
        "name": entity.name,
        "aliases": sorted(names),
        "alias_norms": sorted({normalise(n) for n in names}),
        "kind": kind,
        "attributes": entity.attributes,
        "blocks": blocking_keys(entity.type, entity.name, kind, names) if resolved else [],
    }


# Add aliases a document brings, keep the first name, type and attributes (as the embedded
# store does); a no-op when nothing is new, so re-ingesting writes nothing.
ALIAS_UNION = (
    "boolean changed = false; "
    "for (def a : params.aliases) { if (!ctx._source.aliases.contains(a)) "
    "{ ctx._source.aliases.add(a); changed = true; } } "
    "for (def n : params.norms) { if (!ctx._source.alias_norms.contains(n)) "
    "{ ctx._source.alias_norms.add(n); changed = true; } } "
    "def forms = ctx._source.kind == 'person' ? params.person_forms : params.forms; "
    "if (ctx._source.blocks == null) { ctx._source.blocks = []; } "
    "for (def k : forms) { if (!ctx._source.blocks.contains(k)) "
    "{ ctx._source.blocks.add(k); changed = true; } } "
    "if (!changed) { ctx.op = 'noop'; }"
)


def alias_block_params(type_: str, names: list[str]) -> dict[str, list[str]]:
    """Return the exact-form block keys of a document's names for either stored kind."""
    if type_ not in RESOLVED_TYPES:
        return {"forms": [], "person_forms": []}
    return {
        "forms": sorted(form_keys(type_, None, names)),
        "person_forms": sorted(form_keys(type_, "person", names)),
    }


def entity_action(entity: Entity, index: str) -> dict[str, Any]:
    """Return the bulk update that creates an entity or adds its new aliases."""
    body = entity_source(entity)
    return {
        "_op_type": "update",
        "_index": index,
        "_id": entity.id,
        "retry_on_conflict": 5,
        "script": {
            "source": ALIAS_UNION,
            "lang": "painless",
            "params": {
                "aliases": body["aliases"],
                "norms": body["alias_norms"],
                # The stored kind (the first document's) decides which forms key the entity.
                **alias_block_params(entity.type, body["aliases"]),
            },
        },
        "upsert": body,
    }


def relation_source(relation: Relation, document_id: str) -> dict[str, Any]:
    """Return the relation document."""
    return {
        "id": relation.id,
        "subject": relation.subject,
        "predicate": relation.predicate,
        "object": relation.object,
        "document_id": relation.document_id or document_id,
        "page": relation.page,
        "sentence": relation.sentence,
        "evidence": list(relation.evidence),
        "count": relation.count,
        "attributes": relation.attributes,
        "subject_canonical": relation.subject,
        "object_canonical": relation.object,
    }


def document_source(
    document: Document,
    prior: Mapping[str, Any] | None,
    children: Mapping[str, Any],
    complete: bool,
    now: str,
) -> dict[str, Any]:
    """Return the document record; the first source and ingest time survive a re-ingest."""
    sources = {document.source, *(prior or {}).get("sources", ())}
    return {
        "id": document.id,
        "source": prior["source"] if prior else document.source,
        "sources": sorted(sources),
        "kind": document.kind,
        "title": document.title,
        "date": document.date,
        "byline": document.byline,
        "size": document.size,
        "page_count": len(document.pages),
        "warnings": list(document.warnings),
        "ingested_at": prior["ingested_at"] if prior else now,
        "complete": complete,
        "children": dict(children),
    }


def index_action(index: str, body: dict[str, Any]) -> dict[str, Any]:
    """Return a bulk index action keyed by the body's id."""
    return {"_op_type": "index", "_index": index, "_id": body["id"], "_source": body}


def delete_action(index: str, id_: str) -> dict[str, Any]:
    """Return a bulk delete action."""
    return {"_op_type": "delete", "_index": index, "_id": id_}


def keep_linked(
    mentions: list[Mention], entities: list[Entity]
) -> tuple[list[Mention], list[Entity]]:
    """Drop suspect entities and unlink their mentions, as the embedded store does."""
    kept = [e for e in entities if not e.attributes.get("suspect")]
    ids = {e.id for e in kept}
    return [m if m.entity_id in ids else replace(m, entity_id=None) for m in mentions], kept


def document_actions(
    names: Mapping[str, str],
    document: Document,
    mentions: list[Mention],
    entities: list[Entity],
    relations: list[Relation],
    prior: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    """Return every bulk action that writes a document's records and removes stale ones.

    Mentions and entities are those keep_linked() returned.
    """
    source = prior["source"] if prior else document.source
    actions = [index_action(names["pages"], p) for p in page_sources(document, mentions, source)]
    actions += [entity_action(e, names["entities"]) for e in entities]
    actions += [
        index_action(names["mentions"], mention_source(m, source, document.title)) for m in mentions
    ]
    actions += [
        index_action(names["relations"], relation_source(r, document.id)) for r in relations
    ]
    mention_ids, relation_ids = {m.id for m in mentions}, {r.id for r in relations}
    actions += stale_deletes(names, document, prior, mention_ids, relation_ids)
    # A stored document is no longer a failure, as in the embedded store.
    actions.append(delete_action(names["failures"], failure_id(document.source)))
    return actions


def add_source_actions(names: Mapping[str, str], document_id: str, source: str) -> list[Any]:
    """Return the bulk actions that add a name to a stored document and clear its failure."""
    script = (
        "if (ctx._source.sources.contains(params.source)) { ctx.op = 'noop' } "
        "else { ctx._source.sources.add(params.source) }"
    )
    return [
        {
            "_op_type": "update",
            "_index": names["documents"],
            "_id": document_id,
            "retry_on_conflict": 5,
            "script": {"source": script, "lang": "painless", "params": {"source": source}},
        },
        delete_action(names["failures"], failure_id(source)),
    ]


def children(
    document: Document,
    mentions: list[Mention],
    relations: list[Relation],
    prior: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return what a document record lists of its records, with the prior copy's too if given:
    mention and relation ids, and how many pages there may be."""
    old = (prior or {}).get("children") or {}
    pages = len(document.pages)
    if prior:
        pages = max(pages, int(old.get("pages") or prior.get("page_count") or 0))
    return {
        "mentions": sorted({m.id for m in mentions} | set(old.get("mentions", ()))),
        "relations": sorted({r.id for r in relations} | set(old.get("relations", ()))),
        "pages": pages,
    }


def stale_deletes(
    names: Mapping[str, str],
    document: Document,
    prior: Mapping[str, Any] | None,
    mention_ids: set[str],
    relation_ids: set[str],
) -> list[dict[str, Any]]:
    """Return deletes for what the previous copy of a document had and this one lacks."""
    if not prior:
        return []
    old = prior.get("children") or {}
    pages = int(old.get("pages") or prior.get("page_count") or 0)
    deletes = [
        (names["pages"], page_id(document.id, n)) for n in range(len(document.pages) + 1, pages + 1)
    ]
    deletes += [(names["mentions"], i) for i in sorted(set(old.get("mentions", ())) - mention_ids)]
    deletes += [
        (names["relations"], i) for i in sorted(set(old.get("relations", ())) - relation_ids)
    ]
    return [delete_action(index, i) for index, i in deletes]


def failure_source(failure: Failure, now: str) -> dict[str, Any]:
    """Return the failure document."""
    return {
        "source": failure.source,
        "stage": failure.stage,
        "error": failure.error,
        "message": failure.message,
        "time": failure.time or now,
        "document_id": failure.document_id,
    }


# --- back to records ------------------------------------------------------------------------
def document_from_sources(doc: Mapping[str, Any], pages: Sequence[Mapping[str, Any]]) -> Document:
    """Rebuild a Document from its record and its page documents in page order."""
    text, rebuilt = text_and_pages(pages)
    spans = [
        tuple((f["start"], f["end"], f["kind"]) for f in p.get("furniture") or ()) for p in pages
    ]
    return Document(
        id=doc["id"],
        source=doc["source"],
        kind=doc["kind"],
        text=text,
        pages=tuple(replace(p, furniture=f) for p, f in zip(rebuilt, spans, strict=True)),
        title=doc.get("title"),
        date=doc.get("date"),
        byline=doc.get("byline"),
        size=doc.get("size") or 0,
        warnings=tuple(doc.get("warnings") or ()),
    )


def mention_from_source(src: Mapping[str, Any]) -> Mention:
    """Rebuild a Mention from its document."""
    return Mention(
        src["id"],
        src["document_id"],
        src["page"],
        src["start"],
        src["end"],
        src["type"],
        src["text"],
        dict(src.get("value") or {}),
        src["key"],
        src["sentence"],
        src["extractor"],
        float(src["score"]),
        src.get("entity_id"),
    )


def entity_from_source(src: Mapping[str, Any]) -> Entity:
    """Rebuild an Entity; its aliases are every other name, sorted."""
    aliases = sorted(set(src.get("aliases") or ()) - {src["name"]})
    return Entity(src["id"], src["type"], src["name"], tuple(aliases), dict(src["attributes"]))


def relation_from_source(src: Mapping[str, Any]) -> Relation:
    """Rebuild a Relation from its document."""
    return Relation(
        src["id"],
        src["subject"],
        src["predicate"],
        src["object"],
        tuple(src.get("evidence") or ()),
        src["document_id"],
        src["page"],
        src["sentence"],
        src["count"],
        dict(src.get("attributes") or {}),
    )


def failure_from_source(src: Mapping[str, Any]) -> Failure:
    """Rebuild a Failure from its document."""
    return Failure(
        src["source"],
        src["stage"],
        src["error"],
        src["message"],
        src["time"],
        src.get("document_id"),
    )
