"""A GraphSense TagPack (YAML): one tag per wallet attribution, each citing its document.

A wallet that a document attributes to an actor or casino (a "holds" relation stated there)
gets a tag labelled with the holder's name, with the holder as `actor` (its name's letters
and digits, as GraphSense actor ids are written) and a category from the holder's kind. A
wallet a document only mentions gets a tag labelled with the document's title, with a
category read from the sentences around it (sanctions, laundering, theft, gambling, mixing)
or "mention".

`confidence` is GraphSense's level for the kind of source the document is, read from its
address, file name and title (SOURCE_CUES): court filings and government or UN sources
-> authority_data (60); research by analytics firms -> forensic (50); news -> web_crawl (20);
anything else (memos, unknown) -> heuristic (10).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

import yaml

from pipeline.export.corpus import Corpus

CONFIDENCE = {
    "court": "authority_data",
    "government": "authority_data",
    "research": "forensic",
    "news": "web_crawl",
    "other": "heuristic",
}
# Checked in order on the normalised source, then (for PDFs and text) on the title; the first
# match names the source kind. HTML pages without a source cue are news.
SOURCE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "court",
        re.compile(
            r" (court|courts|complaint|indictment|forfeiture|docket|pacer|courtlistener|"
            r"uscourts|judgment|affidavit|plaintiff|in rem) "
        ),
    ),
    (
        "government",
        re.compile(
            r" (gov|treasury|ofac|fincen|fatf|europol|interpol|fbi|ic3|un|unsc|panel of experts|"
            r"security council|united nations|department of|ministry|financial action task force|"
            r"sanctions committee|s \d{4} \d+) "
        ),
    ),
    ("research", re.compile(r" (chainalysis|elliptic|trm labs|trmlabs|whitepaper|journal) ")),
)
ACTOR_CATEGORY = {
    "group": "perpetrator",
    "person": "user",
    "exchange": "exchange",
    "mixer": "mixing_service",
    "organization": "organization",
    "agency": "organization",
    "company": "organization",
    "bank": "organization",
}
# For a wallet a document only mentions: the first cue its sentences carry.
CONTEXT_CATEGORY: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sanction", re.compile(r"sanction|designat|ofac|blocked|sdn list", re.I)),
    ("ransomware", re.compile(r"ransom", re.I)),
    ("service_hack", re.compile(r"hack|stole|stolen|theft|heist|exploit|drain", re.I)),
    ("mixing_service", re.compile(r"mixer|mixing|tumbler|tornado", re.I)),
    ("gambling", re.compile(r"casino|junket|gambl|betting", re.I)),
    ("money_laundering", re.compile(r"launder", re.I)),
    ("scam", re.compile(r"scam|fraud", re.I)),
)


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def source_kind(source: str, kind: str, title: str | None) -> str:
    """Say what kind of source a document is: court, government, research, news or other."""
    for name, cue in SOURCE_CUES:
        if cue.search(_words(source)):
            return name
    if kind == "html":
        return "news"
    for name, cue in SOURCE_CUES:
        if title and cue.search(_words(title)):
            return name
    return "other"


def slug(name: str) -> str:
    """Return a GraphSense-style actor id: the name's letters and digits, lower case."""
    # GraphSense's own actor pack writes "Tornado Cash" as tornadocash and "KuCoin" as
    # kucoin, so a holder it already knows resolves to its actor.
    return "".join(re.findall(r"[a-z0-9]+", name.lower())) or "unknown"


@dataclass
class _Seen:
    """Where one wallet appears in one document."""

    pages: set[int] = field(default_factory=set)
    sentences: list[str] = field(default_factory=list)


# "has no recorded sanctions history", "was not sanctioned", "never linked to a mixer": a cue
# within a few words after a negation says the opposite of the category.
NEGATION = re.compile(r"\b(?:no|not|never|without|nor|neither|none)\b(?:\W+\w+){0,3}?\W+$", re.I)


def _affirmed(cue: re.Pattern[str], text: str) -> bool:
    """Say whether a cue occurs at least once without a negation before it in its clause."""
    for m in cue.finditer(text):
        clause = re.split(r"[,;:()]", text[max(0, m.start() - 60) : m.start()])[-1]
        if not NEGATION.search(clause):
            return True
    return False


def _context_category(sentences: list[str], sanctioned: bool) -> str:
    if sanctioned:
        return "sanction"
    text = " ".join(sentences)
    return next((name for name, cue in CONTEXT_CATEGORY if _affirmed(cue, text)), "mention")


def build(corpus: Corpus) -> dict[str, Any]:
    """Return the TagPack as a mapping, tags sorted by address, document and label."""
    seen: dict[tuple[str, str], _Seen] = defaultdict(_Seen)
    for m in corpus.mentions():
        entity = corpus.entities.get(m.entity_id or "")
        if m.type == "wallet" and entity is not None and entity.type == "wallet":
            where = seen[(entity.id, m.document_id)]
            where.pages.add(m.page)
            if m.sentence not in where.sentences:
                where.sentences.append(m.sentence)
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    sanctioned: set[tuple[str, str]] = set()
    for r in corpus.relations:
        ends = {r.subject: corpus.entities.get(r.subject), r.object: corpus.entities.get(r.object)}
        wallets = [i for i, e in ends.items() if e is not None and e.type == "wallet"]
        others = [i for i, e in ends.items() if e is not None and e.type in ("actor", "casino")]
        if r.predicate == "holds" and wallets and others:
            holders[(wallets[0], r.document_id)].add(others[0])
        if r.predicate in ("sanctioned_by", "designated_by") and r.subject in wallets:
            sanctioned.add((r.subject, r.document_id))
    documents: dict[str, dict[str, Any]] = {}
    tags: list[dict[str, Any]] = []
    for (wallet_id, document_id), where in seen.items():
        if document_id not in documents:
            documents[document_id] = corpus.store.document(document_id) or {"id": document_id}
        doc = documents[document_id]
        wallet = corpus.entities[wallet_id]
        chains = list(wallet.attributes.get("chains", []))
        names = sorted({str(doc.get("source", "")), *map(str, doc.get("sources", []))})
        url = next((s for s in names if s.startswith(("http://", "https://"))), None)
        kind = source_kind(str(doc.get("source", "")), str(doc.get("kind", "")), doc.get("title"))
        base = {
            "address": str(wallet.attributes.get("address") or wallet.name),
            "currency": chains[0] if chains else "UNKNOWN",
            "network": chains[0] if chains else "UNKNOWN",
            "source": url or f"moneytrail:document/{document_id}",
            "confidence": CONFIDENCE[kind],
        }
        context = {
            "document": document_id,
            "source_kind": kind,
            "pages": sorted(where.pages),
            "sentence": where.sentences[0],
        }
        for holder_id in sorted(holders.get((wallet_id, document_id), ())):
            holder = corpus.entities[holder_id]
            holder_kind = str(holder.attributes.get("kind"))
            category = "gambling" if holder.type == "casino" else ACTOR_CATEGORY.get(holder_kind)
            tag = {**base, "label": holder.name, "actor": slug(holder.name)}
            tag["category"] = category or "organization"
            tag["context"] = json.dumps({**context, "holder": holder_id}, ensure_ascii=False)
            tags.append(tag)
        if (wallet_id, document_id) not in holders:
            title = doc.get("title") or doc.get("source") or document_id
            category = _context_category(where.sentences, (wallet_id, document_id) in sanctioned)
            tag = {**base, "label": str(title), "category": category}
            tag["context"] = json.dumps(context, ensure_ascii=False)
            tags.append(tag)
    tags.sort(key=lambda t: (t["address"], t["source"], t["label"], t["context"]))
    return {
        "title": "moneytrail wallet attributions",
        "creator": "moneytrail",
        "description": (
            f"Wallet addresses read from {len(documents)} documents by moneytrail; each tag "
            "cites its document, and `context` gives the pages and a sentence."
        ),
        # No `is_public`: GraphSense's tagpack tool calls it deprecated and warns on it; a
        # pack is private unless the one who inserts it says otherwise.
        "tags": tags,
    }


def write(corpus: Corpus, out: TextIO, kind: str | None = None) -> Counter[str]:
    """Write the TagPack as YAML."""
    pack = build(corpus)
    yaml.safe_dump(pack, out, sort_keys=False, allow_unicode=True, width=120)
    return Counter(tag=len(pack["tags"]), wallet=len({t["address"] for t in pack["tags"]}))
