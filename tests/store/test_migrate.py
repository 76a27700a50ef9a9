"""Migration between stores: real SQLite files on both sides, and the migrate command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.errors import StoreError
from pipeline.ids import entity_id, mention_id
from pipeline.records import Document, Entity, Failure, Mention, Page, Relation
from pipeline.store import SqliteStore
from pipeline.store.commands import register
from pipeline.store.migrate import migrate

ADDRESS = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
LAZARUS = entity_id("actor", "gz:lazarus group")
WALLET = entity_id("wallet", ADDRESS.lower())


def _document(pages: list[str], source: str) -> Document:
    text = "\n\n".join(pages)
    starts = [sum(len(p) + 2 for p in pages[:i]) for i in range(len(pages))]
    return Document(
        id=f"doc-{source}",
        source=source,
        kind="text",
        text=text,
        pages=tuple(
            Page(i + 1, s, s + len(p)) for i, (s, p) in enumerate(zip(starts, pages, strict=True))
        ),
        title=f"About {source}",
        size=len(text),
        warnings=("1 of 2 pages has no usable text layer",),
    )


def _mention(doc: Document, surface: str, type_: str, key: str, eid: str | None) -> Mention:
    start = doc.text.index(surface)
    end = start + len(surface)
    value = {"chains": ["ETH"], "address": surface} if type_ == "wallet" else {"kind": "group"}
    return Mention(
        mention_id(doc.id, type_, start, end), doc.id, doc.page_at(start), start, end, type_,
        surface, value, key, f"It says {surface}.", "test", 0.9, eid,
    )  # fmt: skip


def _load(store: SqliteStore) -> list[Document]:
    docs = [
        _document(["The Lazarus Group hit Ronin.", f"APT38 moved funds to {ADDRESS}."], "a.txt"),
        _document(["A memo naming the Lazarus Group again."], "b.txt"),
    ]
    lazarus = Entity(LAZARUS, "actor", "Lazarus Group", ("APT38",), {"kind": "group"})
    wallet = Entity(WALLET, "wallet", ADDRESS, (), {"address": ADDRESS, "chains": ["ETH"]})
    for doc in docs:
        mentions = [_mention(doc, "Lazarus Group", "actor", "gz:lazarus group", LAZARUS)]
        relations: list[Relation] = []
        if ADDRESS in doc.text:
            mentions += [
                _mention(doc, "APT38", "actor", "gz:lazarus group", LAZARUS),
                _mention(doc, ADDRESS, "wallet", ADDRESS.lower(), WALLET),
            ]
            relations.append(
                Relation(
                    "r-" + doc.id,
                    LAZARUS,
                    "holds",
                    WALLET,
                    (mentions[2].id,),
                    doc.id,
                    2,
                    f"APT38 moved funds to {ADDRESS}.",
                    1,
                    {},
                )
            )
        store.upsert_document(doc, mentions, [lazarus, wallet], relations)
    store.add_source(docs[0].id, "copy-of-a.txt")
    store.record_failure(Failure("broken.pdf", "parse", "ParseError", "broken.pdf: corrupt", "t1"))
    return docs


@pytest.fixture
def source(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "source.db")
    _load(store)
    return store


def _snapshot(store: SqliteStore) -> dict[str, object]:
    docs = list(store.iter_documents())
    return {
        "documents": docs,
        "mentions": list(store.iter_mentions()),
        "entities": list(store.iter_entities()),
        "relations": list(store.iter_relations()),
        "failures": [(f.source, f.message, f.time) for f in store.failures()],
        "sources": {d.id: sorted(store.document(d.id)["sources"]) for d in docs},  # type: ignore[index]
        "stats": store.stats(),
    }


def test_migrate_copies_the_whole_corpus(source: SqliteStore, tmp_path: Path) -> None:
    target = SqliteStore(tmp_path / "target.db")
    report = migrate(source, target)
    assert _snapshot(target) == _snapshot(source)
    assert (report["documents"], report["skipped"], report["mentions"]) == (2, 0, 4)
    assert (report["entities"], report["relations"], report["failures"]) == (2, 1, 1)
    assert report["failed"] == []


def test_migrate_again_changes_nothing(source: SqliteStore, tmp_path: Path) -> None:
    target = SqliteStore(tmp_path / "target.db")
    migrate(source, target)
    before = _snapshot(target)
    again = migrate(source, target)
    assert (again["documents"], again["skipped"]) == (0, 2)
    assert _snapshot(target) == before
    forced = migrate(source, target, force=True)
    assert (forced["documents"], forced["skipped"]) == (2, 0)
    assert _snapshot(target) == before


class _RejectingStore(SqliteStore):
    """A real SQLite target that refuses one document, as a cluster may reject one."""

    def upsert_document(self, document, mentions, entities, relations=None):  # type: ignore[no-untyped-def]
        if document.source == "b.txt":
            raise StoreError("b.txt: Elasticsearch rejected 1 of 3 records (mapping conflict)")
        super().upsert_document(document, mentions, entities, relations)


def test_migrate_reports_a_rejected_document_and_copies_the_rest(
    source: SqliteStore, tmp_path: Path
) -> None:
    events: list[tuple[str, str]] = []
    target = _RejectingStore(tmp_path / "target.db")
    report = migrate(source, target, progress=lambda e, s, _: events.append((e, s)))
    assert [f["source"] for f in report["failed"]] == ["b.txt"]
    assert "mapping conflict" in report["failed"][0]["message"]
    assert report["documents"] == 1 and target.stats()["documents"] == 1
    assert sorted(events) == [("copied", "a.txt"), ("failed", "b.txt")]


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Keep 'migrate' a subcommand, as in the real app."""

    register(app)
    return app


@pytest.mark.parametrize("as_json", [True, False])
def test_migrate_command_copies_and_summarises(
    source: SqliteStore, tmp_path: Path, as_json: bool
) -> None:
    target = str(tmp_path / "target.db")
    args = ["migrate", "--from", str(source.path), "--to", target] + (["--json"] if as_json else [])
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.stderr
    if as_json:
        out = json.loads(result.stdout)
        assert (out["documents"], out["to"], out["failed"]) == (2, target, [])
    else:
        assert "2 copied, 0 already there, 0 failed" in result.stderr
    assert SqliteStore(target).stats() == source.stats()


@pytest.mark.parametrize(
    ("make_args", "expected"),
    [
        (lambda d: ["--from", d, "--to", d], "name two different stores"),
        (
            lambda d: ["--from", d, "--to", "http://analyst:hunter2pass@127.0.0.1:1"],
            "cannot reach Elasticsearch at http://127.0.0.1:1",
        ),
        (lambda d: ["--from", "/no/such/dir/x.db", "--to", d], "does not exist"),
    ],
)
def test_migrate_command_fails_with_one_line_and_exit_2(
    source: SqliteStore, make_args: object, expected: str
) -> None:
    pytest.importorskip("elasticsearch", reason="the Elasticsearch extra is not installed")
    args = make_args(str(source.path))  # type: ignore[operator]
    result = CliRunner().invoke(_app(), ["migrate", *args])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "hunter2pass" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
