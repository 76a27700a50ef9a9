"""Shared pieces for the on-chain tests: a real store, the fixtures, and documents with mentions."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.ids import entity_id, mention_id, sha256_bytes
from pipeline.onchain.importer import import_file
from pipeline.onchain.keys import address_key
from pipeline.onchain.model import ImportReport
from pipeline.records import Document, Entity, Mention, Page
from pipeline.store.sqlite.store import SqliteStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "onchain"

# Real published addresses: the Lazarus Group's Ronin-hack wallet (listed in both issues of
# the fixture list) and a Tornado Cash contract (listed in the first issue only).
LAZARUS = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
TORNADO = "0x12D66f87A04A9E220743712cE6d9bB1B5616B8Fc"
# Made-up addresses of the fixture transfers: LAZARUS -> MIDDLE -> CASINO -> TORNADO.
MIDDLE = "0x7f367cc41522ce07553e823bf3be79a889debe1b"
CASINO = "0x5A14E72060C11313E38738009254A90968F58F51"
NEVER = "0x3e6f2d8a8d4e5c1b9f0a7e6d5c4b3a2918273645"
YAN_BTC = "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h"
TRON_UNDER_XBT = "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A fresh embedded store in a real SQLite file."""
    db = SqliteStore(tmp_path / "store.db")
    yield db
    db.close()


@pytest.fixture
def load(store: SqliteStore) -> Callable[..., ImportReport]:
    """Import a fixture file by name into the store."""

    def load_(name: str, **kwargs: Any) -> ImportReport:
        return import_file(store.db, FIXTURES / name, **kwargs)

    return load_


def _sentence(text: str, start: int) -> str:
    bounds = [0] + [m.end() for m in re.finditer(r"[.!?]\s+", text)] + [len(text)]
    for a, b in itertools.pairwise(bounds):
        if a <= start < b:
            return text[a:b].strip()
    return text


def _value(kind: str, surface: str, extra: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if kind == "wallet":
        norm = address_key(surface)
        value = {
            "address": surface,
            "key": norm.key,
            "chains": list(norm.chains),
            "family": "evm",
            "suspect": extra.get("suspect", False),
        }
        return value, norm.key if not value["suspect"] else f"suspect:{surface}"
    if kind == "amount":
        return dict(extra), f"{extra['currency']}:{extra.get('value')}"
    return {"kind": extra.get("kind", "group")}, surface.lower()


def add_document(
    store: SqliteStore,
    text: str,
    spans: list[tuple[str, str, dict[str, Any]]],
    date: str | None = None,
    source: str = "report.txt",
) -> str:
    """Store a one-page document whose mentions are (type, surface text, value extras)."""
    doc_id = sha256_bytes(text.encode())
    document = Document(doc_id, source, "text", text, (Page(1, 0, len(text)),), date=date)
    mentions, entities = [], []
    for kind, surface, extra in spans:
        start = text.index(surface)
        value, key = _value(kind, surface, extra)
        ent = entity_id(kind, key)
        entities.append(Entity(ent, kind, surface, attributes=value))
        mentions.append(
            Mention(
                mention_id(doc_id, kind, start, start + len(surface)),
                doc_id,
                1,
                start,
                start + len(surface),
                kind,
                surface,
                value,
                key,
                _sentence(text, start),
                "test",
                entity_id=ent,
            )
        )
    store.upsert_document(document, mentions, entities)
    return doc_id
