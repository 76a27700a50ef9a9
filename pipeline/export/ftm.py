"""FollowTheMoney entities (Aleph, OpenSanctions), one JSON entity per line.

What becomes what (every schema and property checked against followthemoney 4's model):

- actors by kind: person -> Person; group, agency, organization, mixer -> Organization (a
  mixer is often a service with no company behind it); company, exchange, bank -> Company;
  anything else -> LegalEntity. The kind is kept as `classification`.
- casinos -> Company with `classification` (casino, casino_resort, online_casino, junket)
  and `sector` "gambling".
- wallets -> CryptoWallet: `publicKey` the address, `currencySymbol` the first candidate
  chain, `holder` every actor or casino a "holds" relation names. An address longer than
  FtM's 64-character identifier (Monero's 95) goes in `name` instead, with a note.
- countries are not entities in FtM: `located_in` sets the `country` of the actor or casino.
- documents -> Pages (the FtM document type that has Page children), one Page per page with
  its text; actors and casinos a document names -> Mention (its `resolved` must be a
  LegalEntity); wallets it names -> Documentation (a CryptoWallet is no LegalEntity).
- amounts -> the Value properties `amount` and `currency` of a Payment, for a "transferred"
  relation between two actors or casinos (Payment's payer and beneficiary must be legal
  entities); any other typed relation -> UnknownLink with the predicate as `role`, the
  evidence sentences as `summary`, the documents as `proof` and any amount in `description`.
  Amounts nothing points to stay in the jsonl and csv exports. Co-occurrence is left out:
  FtM links are statements, and two names in one sentence state nothing about each other.

Ids are "mt-" and the sha1 of a fixed prefix, the kind and moneytrail's own ids, so the same
store always exports the same ids.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import PurePosixPath
from typing import Any, TextIO

from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry

from pipeline.export.corpus import Corpus, clean_text
from pipeline.records import Document, Entity, Mention, Relation

ACTOR_SCHEMA = {
    "person": "Person",
    "group": "Organization",
    "agency": "Organization",
    "organization": "Organization",
    "mixer": "Organization",
    "company": "Company",
    "exchange": "Company",
    "bank": "Company",
}
MIME_TYPES = {"pdf": "application/pdf", "html": "text/html", "text": "text/plain"}
SKIPPED_PREDICATES = {"co_occurs"}
LEGAL_TYPES = ("actor", "casino")
_SENTENCES_PER_LINK = 5


def ftm_id(kind: str, *parts: str) -> str:
    """Return a stable FtM id from moneytrail ids: "mt-" and a sha1 hex digest."""
    joined = "\x1f".join(("moneytrail", kind, *parts))
    return "mt-" + hashlib.sha1(joined.encode("utf-8")).hexdigest()


def schema_of(entity: Entity) -> str | None:
    """Return the FtM schema an entity becomes, or None for types FtM keeps as values."""
    if entity.type == "actor":
        return ACTOR_SCHEMA.get(str(entity.attributes.get("kind")), "LegalEntity")
    if entity.type == "casino":
        return "Company"
    if entity.type == "wallet":
        return "CryptoWallet"
    return None


def _make(schema: str, entity_id: str, props: dict[str, Any]) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for name, values in props.items():
        if values is None or values == "" or values == []:
            continue
        proxy.add(name, values if isinstance(values, list) else [values])
    return proxy


def _line(out: TextIO, proxy: EntityProxy, counts: Counter[str]) -> None:
    out.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    counts[proxy.schema.name] += 1


def _entity(entity: Entity, holders: list[str], countries: list[str]) -> EntityProxy | None:
    schema = schema_of(entity)
    if schema is None:
        return None
    attrs = entity.attributes
    props: dict[str, Any]
    if schema == "CryptoWallet":
        chains = list(attrs.get("chains", []))
        address = str(attrs.get("address") or entity.name)
        props = {"currencySymbol": chains[0] if chains else None, "holder": holders}
        if registry.identifier.validate(address):
            props["publicKey"] = address
        else:
            # Monero addresses (95 characters) exceed FtM's identifier limit (64): an invalid
            # publicKey would fail validation, so the address goes where it fits, and says so.
            props["name"] = address
            props["notes"] = "the address is in `name`: it is too long for `publicKey`"
        return _make(schema, ftm_id("entity", entity.id), props)
    props = {
        "name": entity.name,
        "alias": list(entity.aliases),
        "classification": attrs.get("kind"),
        "country": countries,
    }
    if entity.type == "casino":
        props["sector"] = "gambling"
    return _make(schema, ftm_id("entity", entity.id), props)


def _document(corpus: Corpus, document: Document, countries: list[str]) -> EntityProxy:
    source = document.source
    name = PurePosixPath(source.split("?")[0].rstrip("/")).name or source
    return _make(
        "Pages",
        ftm_id("document", document.id),
        {
            "title": document.title or name,
            "fileName": name,
            "fileSize": document.size or None,
            "mimeType": MIME_TYPES.get(document.kind),
            "date": document.date,
            "author": document.byline,
            "sourceUrl": corpus.url_of(document),
            "detectedCountry": countries,
            "notes": list(document.warnings),
        },
    )


def _document_links(
    corpus: Corpus, document: Document, mentions: list[Mention]
) -> list[EntityProxy]:
    """Return a Mention or Documentation for each actor, casino or wallet the document names."""
    by_entity: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        if mention.entity_id:
            by_entity[mention.entity_id].append(mention)
    doc_id = ftm_id("document", document.id)
    out: list[EntityProxy] = []
    for entity_id in sorted(by_entity):
        entity = corpus.entities.get(entity_id)
        schema = schema_of(entity) if entity else None
        if entity is None or schema is None:
            continue
        target = ftm_id("entity", entity_id)
        group = by_entity[entity_id]
        if entity.type == "wallet":
            numbers = sorted({m.page for m in group})
            pages = ("page " if len(numbers) == 1 else "pages ") + ", ".join(map(str, numbers))
            out.append(
                _make(
                    "Documentation",
                    ftm_id("documentation", document.id, entity_id),
                    {
                        "document": doc_id,
                        "entity": target,
                        "role": "mentioned",
                        "description": pages,
                    },
                )
            )
            continue
        names = sorted({" ".join(m.text.split()) for m in group} | {entity.name})
        out.append(
            _make(
                "Mention",
                ftm_id("mention", document.id, entity_id),
                {"document": doc_id, "resolved": target, "name": names, "detectedSchema": schema},
            )
        )
    return out


def _amount(relation: Relation) -> dict[str, Any]:
    amount = relation.attributes.get("amount")
    return amount if isinstance(amount, dict) else {}


def _payment(relation: Relation) -> EntityProxy:
    amount = _amount(relation)
    values = [amount[k] for k in ("value", "min", "max") if amount.get(k) is not None]
    return _make(
        "Payment",
        ftm_id("relation", relation.id),
        {
            "payer": ftm_id("entity", relation.subject),
            "beneficiary": ftm_id("entity", relation.object),
            "amount": values[:1] if "value" in amount else values,
            "currency": amount.get("currency"),
            "summary": relation.sentence,
            "description": amount.get("text"),
            "proof": ftm_id("document", relation.document_id),
        },
    )


def _link(key: tuple[str, str, str], statements: list[Relation]) -> EntityProxy:
    subject, predicate, obj = key
    amounts = sorted({str(_amount(r)["text"]) for r in statements if _amount(r).get("text")})
    sentences = list(dict.fromkeys(r.sentence for r in statements))[:_SENTENCES_PER_LINK]
    return _make(
        "UnknownLink",
        ftm_id("link", subject, predicate, obj),
        {
            "subject": ftm_id("entity", subject),
            "object": ftm_id("entity", obj),
            "role": predicate,
            "summary": sentences,
            "description": "amount: " + "; ".join(amounts) if amounts else None,
            "proof": sorted({ftm_id("document", r.document_id) for r in statements}),
        },
    )


def _holding(a: Entity, b: Entity) -> bool:
    """Say whether a relation joins a wallet and a legal entity, in either order."""
    return {a.type, b.type} in ({"wallet", "actor"}, {"wallet", "casino"})


def write(corpus: Corpus, out: TextIO, kind: str | None = None) -> Counter[str]:
    """Write actors, casinos, wallets, documents, pages, mentions and links as FtM JSON lines."""
    counts: Counter[str] = Counter()
    exported = {e.id for e in corpus.entities.values() if schema_of(e) is not None}
    holders: dict[str, set[str]] = defaultdict(set)
    countries: dict[str, set[str]] = defaultdict(set)
    payments: list[Relation] = []
    links: dict[tuple[str, str, str], list[Relation]] = defaultdict(list)
    for r in corpus.relations:
        subject, obj = corpus.entities.get(r.subject), corpus.entities.get(r.object)
        if subject is None or obj is None or r.predicate in SKIPPED_PREDICATES:
            counts["skipped relation"] += 1
        elif r.predicate == "holds" and _holding(subject, obj):
            wallet, holder = (obj, subject) if obj.type == "wallet" else (subject, obj)
            holders[wallet.id].add(ftm_id("entity", holder.id))
        elif r.predicate == "located_in" and obj.type == "country" and subject.id in exported:
            countries[subject.id].add(str(obj.attributes.get("code")))
        elif (
            r.predicate == "transferred" and subject.type in LEGAL_TYPES and obj.type in LEGAL_TYPES
        ):
            payments.append(r)
        elif r.subject in exported and r.object in exported:
            links[(r.subject, r.predicate, r.object)].append(r)
        else:
            counts["skipped relation"] += 1
    for entity in corpus.sorted_entities():
        proxy = _entity(entity, sorted(holders[entity.id]), sorted(countries[entity.id]))
        if proxy is not None:
            _line(out, proxy, counts)
    for document in corpus.documents():
        mentions = list(corpus.mentions(document.id))
        codes = sorted({str(m.value.get("code")) for m in mentions if m.type == "country"})
        _line(out, _document(corpus, document, codes), counts)
        for page in document.pages:
            page_id = ftm_id("page", document.id, str(page.number))
            props = {"document": ftm_id("document", document.id), "index": page.number}
            # FtM drops control characters; a space keeps the words around them apart.
            props["bodyText"] = clean_text(document.page_text(page))
            _line(out, _make("Page", page_id, props), counts)
        for proxy in _document_links(corpus, document, mentions):
            _line(out, proxy, counts)
    for relation in payments:
        _line(out, _payment(relation), counts)
    for key in sorted(links):
        _line(out, _link(key, links[key]), counts)
    return counts
