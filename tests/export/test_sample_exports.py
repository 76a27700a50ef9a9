"""Every export of the ingested sample corpus, read back as the issue's check will read it."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipeline.export import export
from pipeline.ingest import ingest
from pipeline.settings import Settings
from pipeline.store import SqliteStore
from tests.export.ftm_check import validate_ftm

SAMPLE = Path(__file__).resolve().parents[2] / "corpora" / "sample"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    store = SqliteStore(path)
    report = ingest([str(SAMPLE)], store, Settings(store=str(path)))
    assert report.ok and report.ingested == 5
    yield store
    store.close()


def render(store: SqliteStore, name: str, kind: str | None = None) -> str:
    out = io.StringIO()
    export(store, name, "-", kind, stdout=out)
    return out.getvalue()


def wallets(store: SqliteStore) -> set[str]:
    return {str(e.attributes["address"]) for e in store.iter_entities() if e.type == "wallet"}


def test_sample_ftm_is_valid_with_a_crypto_wallet_per_wallet(sample: SqliteStore) -> None:
    entities = validate_ftm(render(sample, "ftm").splitlines())
    keys = {
        (e["properties"].get("publicKey") or e["properties"]["name"])[0]
        for e in entities.values()
        if e["schema"] == "CryptoWallet"
    }
    assert keys == wallets(sample) and len(keys) == 22
    held = [e for e in entities.values() if e["properties"].get("holder")]
    assert held, "the sample states at least one 'holds' relation"
    pages = [e for e in entities.values() if e["schema"] == "Page"]
    assert len(pages) == sample.stats()["pages"]


def test_sample_tagpack_tags_every_wallet(sample: SqliteStore) -> None:
    pack = yaml.safe_load(render(sample, "tagpack"))
    assert {t["address"] for t in pack["tags"]} == wallets(sample)
    kinds = {json.loads(t["context"])["source_kind"] for t in pack["tags"]}
    assert {"court", "government", "news"} <= kinds


def test_sample_graphml_and_jsonl_parse(sample: SqliteStore) -> None:
    root = ET.fromstring(render(sample, "graphml").encode("utf-8"))
    nodes = {n.get("id") for n in root.iter(f"{GRAPHML}node")}
    edges = list(root.iter(f"{GRAPHML}edge"))
    assert edges and all(e.get("source") in nodes and e.get("target") in nodes for e in edges)
    records = [json.loads(line) for line in render(sample, "jsonl").splitlines()]
    assert sum(r["record"] == "mention" for r in records) == sample.stats()["mentions"]
