"""The embedding classifier for actors' kinds, used only where the rules are unsure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.records import Entity, Mention
from pipeline.semantic.kinds import THRESHOLD, WEIGHTS, KindClassifier, KindDecider


def _mention(entity: str, text: str, sentence: str) -> Mention:
    return Mention(
        id=f"m-{entity}",
        document_id="d",
        type="actor",
        text=text,
        value={},
        key=text.lower(),
        page=1,
        start=0,
        end=len(text),
        sentence=sentence,
        extractor="test",
        score=1.0,
        entity_id=entity,
    )


def _biased(label: str, labels: tuple[str, ...], model: str) -> KindClassifier:
    """Weights that ignore the embedding and always answer `label` with 0.9 or more."""
    weights = np.zeros((385, len(labels)))
    weights[-1, labels.index(label)] = 5.0
    return KindClassifier(weights, labels, model)


LABELS = ("agency", "bank", "casino", "company", "person")


def test_only_unsure_actors_change_and_say_so(embedder: Any) -> None:
    decider = KindDecider(embedder, _biased("bank", LABELS, embedder.info.name))
    entities = [
        Entity("a1", "actor", "Vostok Consortium", (), {"kind": "organization"}),
        Entity("a2", "actor", "Kim Il", (), {"kind": "person"}),
        Entity("a3", "actor", "Nameless", (), {}),
        Entity("c1", "casino", "NagaWorld", (), {"kind": "casino_resort"}),
    ]
    mentions = [_mention("a1", "Vostok Consortium", "The Vostok Consortium wired money.")]
    out = {e.id: e for e in decider.relabel(entities, mentions)}
    assert out["a1"].attributes["kind"] == "bank"
    assert out["a1"].attributes["kind_source"] == "classifier"
    assert out["a1"].attributes["kind_confidence"] >= 0.9
    assert out["a3"].attributes["kind"] == "bank", "no kind at all is unsure too"
    assert out["a2"] is entities[1] and out["c1"] is entities[3], "sure ones are untouched"


def test_casino_is_never_given_as_a_kind(embedder: Any) -> None:
    decider = KindDecider(embedder, _biased("casino", LABELS, embedder.info.name))
    entity = Entity("a1", "actor", "Royal Hall", (), {"kind": "organization"})
    assert decider.relabel([entity], []) == [entity]


def test_weights_from_another_model_are_refused(embedder: Any) -> None:
    with pytest.raises(ConfigError, match="trained on"):
        KindDecider(embedder, _biased("bank", LABELS, "some-other-model"))


def test_shipped_weights_load_and_cover_the_actor_kinds() -> None:
    classifier = KindClassifier.load(WEIGHTS)
    assert {"person", "agency", "company", "exchange", "bank"} <= set(classifier.labels)
    assert classifier.weights.shape == (385, len(classifier.labels))


def test_ingest_classifies_kinds_when_asked(embedder: Any, tmp_path: Path) -> None:
    from pipeline.ingest import ingest
    from pipeline.settings import Settings
    from pipeline.store import SqliteStore

    folder = tmp_path / "docs"
    folder.mkdir()
    # The classifier says company with p = 0.66 here, far from the 0.5 threshold (the plain
    # "wired money to the traders" sentence sat at 0.4999 and flipped between machines).
    (folder / "a.txt").write_text(
        "Vostok Consortium, a cryptocurrency exchange registered in the Seychelles, let "
        "customers trade bitcoin for tether.\n",
        encoding="utf-8",
    )
    store = SqliteStore(tmp_path / "mt.db")
    ingest([str(folder)], store, Settings(workers=0, ocr="never", classify_kinds=True))
    row = store.db.execute(
        "SELECT kind, json_extract(attributes, '$.kind_source'), "
        "json_extract(attributes, '$.kind_confidence') FROM entities "
        "WHERE name = 'Vostok Consortium'"
    ).fetchone()
    store.close()
    assert row is not None and row[1] == "classifier" and row[0] not in (None, "organization")
    assert row[2] >= THRESHOLD + 0.1, "the example must be decided by a clear margin"


@pytest.mark.usefixtures("no_torch")
def test_classify_kinds_without_the_extra_stops_before_any_work(tmp_path: Path) -> None:
    from pipeline.ingest import ingest
    from pipeline.settings import Settings
    from pipeline.store import SqliteStore

    store = SqliteStore(tmp_path / "mt.db")
    with pytest.raises(ConfigError, match="semantic"):
        ingest([str(tmp_path)], store, Settings(workers=0, classify_kinds=True))
    assert store.stats()["documents"] == 0
    store.close()
