"""A small store built record by record, so every export of it can be checked line by line.

Two documents: a court filing (two pages, a local PDF) and a news page (one page, found at a
URL). They name the Lazarus Group (as "APT38" too, and as "Lazarus" in the news, joined by an
analyst's merge), a victim, a mixer, a casino, a country, two wallets, a suspect address and
two amounts, and state one relation of each kind the exporters treat differently.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.ids import entity_id, mention_id, sha256_bytes, stable_id
from pipeline.link.corpus import Judgement
from pipeline.records import Document, Entity, Mention, Page, Relation
from pipeline.store import SqliteStore

ETH = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
BTC = "bc1qeth6n6ryxexvkx34wnx3nuynun4474h3j0gkhw"
SUSPECT = "0x098B716B8Aaf21512996dC57EB0615e2383E2f9X"
NEWS_URL = "https://news.example.com/2025/bridge-hack"

COURT_PAGES = [
    f"The Lazarus Group controlled the wallet {ETH} during the Ronin theft. "
    f"APT38 moved 100 ETH to Tornado Cash.",
    "- NagaWorld in Cambodia handled\x0cchips for the group. "
    f"A typo address {SUSPECT} was also listed. "
    "The Lazarus Group laundered funds through NagaWorld.",
]
NEWS_PAGES = [
    "Lazarus hackers stole $182 million from Harbor Bridge. "
    f"Lazarus sent part of it to the wallet {BTC} on Tuesday.",
]


def _document(pages: list[str], source: str, kind: str, **meta: Any) -> Document:
    parts, spans, offset = [], [], 0
    for number, text in enumerate(pages, start=1):
        if number > 1:
            parts.append("\n\n")
            offset += 2
        spans.append(Page(number, offset, offset + len(text)))
        parts.append(text)
        offset += len(text)
    text = "".join(parts)
    return Document(
        id=sha256_bytes(text.encode("utf-8")),
        source=source,
        kind=kind,
        text=text,
        pages=tuple(spans),
        size=len(text.encode("utf-8")),
        **meta,
    )


def _sentence(doc: Document, start: int) -> str:
    """Return the sentence around an offset: sentences end at ". " or a line break."""
    for match in re.finditer(r"[^.\n]+(?:\.(?=\s|$)|$)", doc.text):
        if match.start() <= start < match.end():
            return match.group().strip()
    raise ValueError(f"no sentence at {start}")


def _mention(
    doc: Document,
    surface: str,
    type_: str,
    key: str,
    value: dict[str, Any],
    eid: str | None,
    nth: int = 0,
) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(surface, start + 1)
    end = start + len(surface)
    return Mention(
        mention_id(doc.id, type_, start, end),
        doc.id,
        doc.page_at(start),
        start,
        end,
        type_,
        surface,
        value,
        key,
        _sentence(doc, start),
        "handmade",
        1.0,
        eid,
    )


def _relation(
    doc: Document,
    predicate: str,
    subject: Mention,
    obj: Mention,
    attributes: dict[str, Any] | None = None,
) -> Relation:
    rid = stable_id(doc.id, predicate, subject.entity_id, obj.entity_id, subject.sentence)
    return Relation(
        f"r-{rid}",
        str(subject.entity_id),
        predicate,
        str(obj.entity_id),
        (subject.id, obj.id),
        doc.id,
        subject.page,
        subject.sentence,
        1,
        attributes or {},
    )


IDS = {
    "lazarus": entity_id("actor", "gz:lazarus group"),
    "lazarus_news": entity_id("actor", "lazarus"),
    "harbor": entity_id("actor", "harbor bridge"),
    "tornado": entity_id("actor", "gz:tornado cash"),
    "nagaworld": entity_id("casino", "gz:nagaworld"),
    "cambodia": entity_id("country", "KH"),
    "eth": entity_id("wallet", ETH.lower()),
    "btc": entity_id("wallet", BTC),
    "suspect": entity_id("wallet", "suspect:" + SUSPECT.lower()),
}


def _wallet(address: str, chains: list[str], family: str) -> dict[str, Any]:
    key = address.lower() if address.startswith("0x") else address
    return {"address": address, "chains": chains, "family": family, "key": key, "suspect": False}


def court_records() -> tuple[Document, list[Mention], list[Entity], list[Relation]]:
    """Return the court filing with its mentions, entities and relations."""
    doc = _document(
        COURT_PAGES,
        "filings/complaint.pdf",
        "pdf",
        title="United States v. Example Wallets: Verified Complaint for Forfeiture In Rem",
        warnings=("1 page has a form feed in its text",),
    )
    eth_value = _wallet(ETH, ["ETH", "BSC"], "evm")
    group = {"kind": "group"}
    lazarus = _mention(doc, "Lazarus Group", "actor", "gz:lazarus group", group, IDS["lazarus"])
    apt38 = _mention(doc, "APT38", "actor", "gz:lazarus group", group, IDS["lazarus"])
    wallet = _mention(doc, ETH, "wallet", ETH.lower(), eth_value, IDS["eth"])
    amount_id = entity_id("amount", f"{doc.id}:ETH:100")
    amount = _mention(
        doc, "100 ETH", "amount", "ETH:100", {"currency": "ETH", "value": 100.0}, amount_id
    )
    tornado = _mention(
        doc, "Tornado Cash", "actor", "gz:tornado cash", {"kind": "mixer"}, IDS["tornado"]
    )
    casino = {"kind": "casino_resort"}
    naga = _mention(doc, "NagaWorld", "casino", "gz:nagaworld", casino, IDS["nagaworld"])
    cambodia = _mention(doc, "Cambodia", "country", "KH", {"code": "KH"}, IDS["cambodia"])
    suspect_value = {"address": SUSPECT, "suspect": True, "reason": "EIP-55 checksum fails"}
    suspect = _mention(
        doc, SUSPECT, "wallet", "suspect:" + SUSPECT.lower(), suspect_value, IDS["suspect"]
    )
    lazarus2 = _mention(
        doc, "Lazarus Group", "actor", "gz:lazarus group", group, IDS["lazarus"], nth=1
    )
    naga2 = _mention(doc, "NagaWorld", "casino", "gz:nagaworld", casino, IDS["nagaworld"], nth=1)
    mentions = [lazarus, wallet, apt38, amount, tornado, naga, cambodia, suspect, lazarus2, naga2]
    entities = [
        Entity(IDS["lazarus"], "actor", "Lazarus Group", ("APT38",), group),
        Entity(IDS["eth"], "wallet", ETH, (), eth_value),
        Entity(amount_id, "amount", "100 ETH", (), {"currency": "ETH", "value": 100.0}),
        Entity(IDS["tornado"], "actor", "Tornado Cash", (), {"kind": "mixer"}),
        Entity(IDS["nagaworld"], "casino", "NagaWorld", (), casino),
        Entity(IDS["cambodia"], "country", "Cambodia", (), {"code": "KH"}),
        Entity(IDS["suspect"], "wallet", SUSPECT, (), suspect_value),
    ]
    moved = {"amount": {"currency": "ETH", "text": "100 ETH", "value": 100.0}}
    relations = [
        _relation(doc, "holds", lazarus, wallet),
        _relation(doc, "co_occurs", lazarus, wallet),
        _relation(doc, "transferred", apt38, tornado, moved),
        _relation(doc, "located_in", naga, cambodia),
        _relation(doc, "laundered_through", lazarus2, naga2),
    ]
    return doc, mentions, entities, relations


def news_records() -> tuple[Document, list[Mention], list[Entity], list[Relation]]:
    """Return the news page with its mentions, entities and relations."""
    doc = _document(
        NEWS_PAGES,
        NEWS_URL,
        "html",
        title="Lazarus hackers drain $182 million from Harbor Bridge",
        date="2025-11-24",
        byline="A. Reporter",
    )
    btc_value = _wallet(BTC, ["BTC"], "bech32")
    group = {"kind": "group"}
    lazarus = _mention(doc, "Lazarus", "actor", "lazarus", group, IDS["lazarus_news"])
    amount_id = entity_id("amount", f"{doc.id}:USD:182000000")
    usd = {"currency": "USD", "value": 182000000.0}
    amount = _mention(doc, "$182 million", "amount", "USD:182000000", usd, amount_id)
    company = {"kind": "company"}
    harbor = _mention(doc, "Harbor Bridge", "actor", "harbor bridge", company, IDS["harbor"])
    lazarus2 = _mention(doc, "Lazarus", "actor", "lazarus", group, IDS["lazarus_news"], nth=1)
    wallet = _mention(doc, BTC, "wallet", BTC, btc_value, IDS["btc"])
    mentions = [lazarus, amount, harbor, lazarus2, wallet]
    entities = [
        Entity(IDS["lazarus_news"], "actor", "Lazarus", (), group),
        Entity(amount_id, "amount", "$182 million", (), usd),
        Entity(IDS["harbor"], "actor", "Harbor Bridge", (), company),
        Entity(IDS["btc"], "wallet", BTC, (), btc_value),
    ]
    stolen = {"amount": {"currency": "USD", "text": "$182 million", "value": 182000000.0}}
    relations = [
        _relation(doc, "stole", lazarus, harbor, stolen),
        _relation(doc, "co_occurs", lazarus2, wallet),
    ]
    return doc, mentions, entities, relations


def build_store(path: Path) -> SqliteStore:
    """Write both documents into a new SQLite store, with the analyst's merge of the Lazarus
    spellings, and return it open."""
    store = SqliteStore(path)
    for doc, mentions, entities, relations in (court_records(), news_records()):
        store.upsert_document(doc, mentions, entities, relations)
    store.add_judgement(Judgement("merge", IDS["lazarus"], (IDS["lazarus_news"],)))
    return store
