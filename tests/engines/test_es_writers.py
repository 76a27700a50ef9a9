"""Several writers on Elasticsearch: Ray actors bulk-write their documents' records, the
driver adds the entities in input order and the complete mark, and the store ends as one
writer's would, also after a run stopped between the two.

FAKE: no Elasticsearch runs here. ElasticStore's calls to the cluster (_get, _bulk,
_write_document, the resolution mark) are answered from dicts; the bulk actions are applied
as Elasticsearch would apply these ones (index, delete, and the entity upsert script: first
name and kind kept, aliases and form keys added). The live check at the end runs when
MONEYTRAIL_ES_URL is set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("elasticsearch", reason="the 'es' extra is not installed")

from pipeline.engines.ray import DocumentWorker
from pipeline.errors import StoreError
from pipeline.link import Linked
from pipeline.records import Document, Entity, Mention, Page, Relation
from pipeline.store.elasticsearch import mappings as maps
from pipeline.store.elasticsearch.store import ElasticStore
from pipeline.workers import Outcome

ROOT = Path(__file__).resolve().parents[2]


class FakeElastic(ElasticStore):
    """An ElasticStore whose cluster is dicts (FAKE; see the module docstring)."""

    def __init__(self, shared: dict[str, dict[str, dict[str, Any]]] | None = None) -> None:
        self.names = {n: n for n in maps.INDICES}
        self.indices = shared if shared is not None else {n: {} for n in maps.INDICES}
        self.refresh_per_document = False
        self._secrets = ()
        self.bulks: list[list[dict[str, Any]]] = []
        self.refuse: set[str] = set()

    def _get(self, document_id: str, includes: list[str] | None = None) -> dict[str, Any]:
        doc = self.indices["documents"].get(document_id)
        if doc is None:
            return {"found": False}
        return {"found": True, "_source": dict(doc), "_seq_no": 1, "_primary_term": 1}

    def _write_document(
        self, document: Document, found: dict[str, Any], children: dict[str, Any], complete: bool
    ) -> dict[str, Any]:
        prior = found["_source"] if found.get("found") else None
        body = maps.document_source(document, prior, children, complete, "2026-12-05T00:00:00Z")
        self.indices["documents"][document.id] = body
        return {"found": True, "_source": body, "_seq_no": 1, "_primary_term": 1}

    def _mark_unresolved(self) -> None:
        pass

    def _bulk(self, actions: list[dict[str, Any]], subject: str) -> list[str]:
        self.bulks.append(actions)
        problems = []
        for a in actions:
            index, id_ = self.indices[a["_index"]], a["_id"]
            if a["_index"] in self.refuse:
                problems.append(f"index {id_}: 429 refused")
            elif a["_op_type"] == "index":
                index[id_] = json.loads(json.dumps(a["_source"]))
            elif a["_op_type"] == "delete":
                index.pop(id_, None)
            elif id_ not in index:  # the entity upsert
                index[id_] = json.loads(json.dumps(a["upsert"]))
            else:  # ALIAS_UNION: keep name and kind, add aliases, norms and form keys
                doc, params = index[id_], a["script"]["params"]
                forms = params["person_forms"] if doc["kind"] == "person" else params["forms"]
                for field, new in (("aliases", params["aliases"]), ("alias_norms", params["norms"]),
                                   ("blocks", forms)):  # fmt: skip
                    doc[field] += [v for v in new if v not in doc[field]]
        return problems


def _document(n: int, names: list[tuple[str, str, str]]) -> tuple[Document, Linked]:
    text = " ".join(name for _, name, _ in names)
    doc = Document(f"{n:064x}", f"in/{n}.txt", "text", text, (Page(1, 0, len(text)),))
    mentions, entities, at = [], [], 0
    for i, (entity_id, name, kind) in enumerate(names):
        mentions.append(
            Mention(f"m{n}-{i}", doc.id, 1, at, at + len(name), "actor", name, {"kind": kind},
                    name.lower(), text, "test", 1.0, entity_id)
        )  # fmt: skip
        entities.append(Entity(entity_id, "actor", name, (name,), {"kind": kind}))
        at += len(name) + 1
    relations = [Relation(f"r{n}", entities[0].id, "co_occurs", entities[-1].id,
                          (mentions[0].id, mentions[-1].id), doc.id, 1, text)]  # fmt: skip
    return doc, Linked(mentions, entities, relations)


DOCS = [
    _document(1, [("ac-1", "Lazarus Group", "group"), ("ac-2", "Kim Il", "person")]),
    _document(2, [("ac-1", "LAZARUS GROUP", "organization"), ("ac-3", "Ri Jong", "person")]),
    _document(3, [("ac-3", "Ri Jong Hyok", "person"), ("ac-1", "Lazarus", "group")]),
]


def one_writer() -> FakeElastic:
    store = FakeElastic()
    for doc, linked in DOCS:
        store.upsert_document(doc, linked.mentions, linked.entities, linked.relations)
    return store


def test_actors_then_the_driver_in_order_store_what_one_writer_stores() -> None:
    store = FakeElastic()
    for doc, linked in reversed(DOCS):  # the actors finish in any order
        store.write_records(doc, linked.mentions, linked.entities, linked.relations)
        assert not store.has_document(doc.id)
    actor_bulks = list(store.bulks)
    assert all(a["_index"] != "entities" for bulk in actor_bulks for a in bulk)
    for doc, linked in DOCS:
        store.finish_document(replace_text(doc), linked.mentions, linked.entities, linked.relations)
        assert store.has_document(doc.id)
    driver_bulks = store.bulks[len(actor_bulks) :]
    assert all(a["_index"] == "entities" for bulk in driver_bulks for a in bulk)
    assert store.indices == one_writer().indices
    # The first document's name and kind won, as with one writer in input order.
    assert store.indices["entities"]["ac-1"]["name"] == "Lazarus Group"


def replace_text(doc: Document) -> Document:
    """The document as an actor sends it back: without its text."""
    from dataclasses import replace

    return replace(doc, text="")


def test_a_run_stopped_between_actor_and_driver_is_redone_to_the_same_store() -> None:
    store = FakeElastic()
    first, second, third = DOCS
    for doc, linked in (first, second):
        store.write_records(doc, linked.mentions, linked.entities, linked.relations)
        store.finish_document(doc, linked.mentions, linked.entities, linked.relations)
    doc, linked = third
    store.write_records(doc, linked.mentions, linked.entities, linked.relations)
    # Killed here: the record is incomplete, so the next run does the document again.
    assert not store.has_document(doc.id)
    store.write_records(doc, linked.mentions, linked.entities, linked.relations)
    store.finish_document(doc, linked.mentions, linked.entities, linked.relations)
    assert store.indices == one_writer().indices


def test_refused_records_leave_the_document_to_redo() -> None:
    store = FakeElastic()
    doc, linked = DOCS[0]
    store.refuse = {"mentions"}
    with pytest.raises(StoreError, match="rejected"):
        store.write_records(doc, linked.mentions, linked.entities, linked.relations)
    store.refuse = {"entities"}
    with pytest.raises(StoreError, match="rejected"):
        store.finish_document(doc, linked.mentions, linked.entities, linked.relations)
    assert not store.has_document(doc.id)


def test_an_actor_writes_then_sends_back_the_outcome_without_text() -> None:
    doc, linked = DOCS[0]
    store = FakeElastic()
    actor = SimpleNamespace(store=store, location="http://es.invalid:9200")
    outcome = DocumentWorker._write(actor, Outcome(0, doc.source, doc, linked))  # type: ignore[arg-type]
    assert outcome.failure is None and outcome.document is not None
    assert outcome.document.text == "" and outcome.document.pages == doc.pages
    assert set(store.indices["mentions"]) == {m.id for m in linked.mentions}
    store.refuse = {"pages"}
    failed = DocumentWorker._write(actor, Outcome(1, doc.source, doc, linked))  # type: ignore[arg-type]
    assert failed.failure is not None and failed.failure.stage == "store"


@pytest.mark.skipif(
    not os.environ.get("MONEYTRAIL_ES_URL"), reason="MONEYTRAIL_ES_URL is not set: no cluster"
)
def test_live_ray_writers_equal_a_local_run(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the 'ray' extra is not installed")
    from pipeline.store import open_store
    from tests.bulk.test_resume import run

    url = os.environ["MONEYTRAIL_ES_URL"].rstrip("/")
    corpus = ROOT / "corpora" / "dev"
    answers = []
    for engine, prefix in (("ray", "mt16b-ray"), ("local", "mt16b-local")):
        store = f"{url}/?prefix={prefix}"
        old: Any = open_store(store)
        old.drop()
        old.close()
        code, out, err = run("ingest", str(corpus), "--store", store, "--engine", engine,
                             "--workers", "2", "--json")  # fmt: skip
        assert code in (0, 1), err
        report = json.loads(out)
        opened: Any = open_store(store)
        answers.append(
            (
                {k: report[k] for k in ("ingested", "pages", "mentions")},
                sorted(m.id for m in opened.iter_mentions()),
                sorted((e.id, e.name) for e in opened.iter_entities()),
            )
        )
        opened.close()
    assert answers[0] == answers[1]
