"""The Elasticsearch entity layer's own logic: snapshot sync and shared judgements.

No Elasticsearch can run here. The cluster side is a STAND-IN: a SQLite store plays the
cluster's corpus, and a list plays its `judgements` index (the requests sent are checked).
What runs for real is ElasticEntities itself: the snapshot, its sync, and the entity queries.
The same behaviour runs against a live cluster in tests/store/test_contract.py.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipeline.ingest import ingest
from pipeline.link import judge
from pipeline.settings import Settings
from pipeline.store import SqliteStore
from pipeline.store.elastic_entities import ElasticEntities, snapshot_path


class _Judgements:
    """Stands in for the client's calls on the judgements index."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.indices = self
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def refresh(self, **kwargs: Any) -> None:
        self.calls.append(("refresh", kwargs))

    def index(self, **kwargs: Any) -> None:
        self.calls.append(("index", kwargs))
        self.docs[kwargs["id"]] = kwargs["document"]

    def search(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("search", kwargs))
        ordered = sorted(self.docs.values(), key=lambda d: d["seq"])
        return {"hits": {"hits": [{"_source": d} for d in ordered]}}


class _Client(ElasticEntities):
    """ElasticEntities over a stand-in cluster: `corpus` answers the corpus reads."""

    def __init__(self, corpus: SqliteStore, judgements: _Judgements) -> None:
        self.corpus = corpus
        self.client = judgements
        self.url = "http://cluster.example:9200"
        self.prefix = "mt"
        self.names = {"judgements": "mt-judgements"}
        self._snap = None

    @contextmanager
    def _errors(self, doing: str, subject: str | None = None) -> Any:
        yield

    def __getattr__(self, name: str) -> Any:  # stats, iter_*, document, has_document...
        return getattr(self.corpus, name)


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MONEYTRAIL_CACHE", str(tmp_path / "cache"))
    corpus = SqliteStore(tmp_path / "cluster.db")
    docs = tmp_path / "docs"
    _write(docs, "a.txt", "The Lazarus Group laundered funds through NagaWorld in Cambodia.\n")
    ingest([str(docs)], corpus, Settings(workers=0, ocr="never"))
    yield corpus, _Judgements(), docs
    corpus.close()


def test_judgements_are_shared_between_clients(
    cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, judgements, _ = cluster
    first = _Client(corpus, judgements)
    judge.rename(first, "Lazarus Group", "Lazarus (DPRK)")  # type: ignore[arg-type]
    (sent,) = [kw for verb, kw in judgements.calls if verb == "index"]
    assert sent["index"] == "mt-judgements" and sent["require_alias"] is True
    assert sent["document"]["action"] == "rename" and sent["document"]["args"] == ["Lazarus (DPRK)"]
    first.close_snapshot()
    # Another analyst's client, with a snapshot of its own, applies the same judgement.
    monkeypatch.setenv("MONEYTRAIL_CACHE", str(tmp_path / "other-cache"))
    second = _Client(corpus, judgements)
    assert second.entity_page(second.find_entities("Lazarus Group")[0])["name"] == (
        "Lazarus (DPRK)"
    )
    second.close_snapshot()


def test_snapshot_follows_new_documents(cluster: Any) -> None:
    corpus, judgements, docs = cluster
    client = _Client(corpus, judgements)
    page = judge.entity_view(client, "Lazarus Group")  # type: ignore[arg-type]
    assert [Path(d["source"]).name for d in page["documents"]] == ["a.txt"]
    client.close_snapshot()
    _write(docs, "b.txt", "Investigators tied the Lazarus Group to the Ronin bridge theft.\n")
    ingest([str(docs)], corpus, Settings(workers=0, ocr="never"))
    reopened = _Client(corpus, judgements)
    page = judge.entity_view(reopened, "Lazarus Group")  # type: ignore[arg-type]
    assert sorted(Path(d["source"]).name for d in page["documents"]) == ["a.txt", "b.txt"]
    reopened.close_snapshot()


def test_snapshot_lives_in_the_cache_and_names_no_secret(cluster: Any) -> None:
    path = snapshot_path("https://es.example:9200", "mt")
    assert path.name.startswith("es-mt-") and path.suffix == ".db"
    assert snapshot_path("https://es.example:9200", "other") != path
