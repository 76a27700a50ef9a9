"""GraphSense TagPacks: tags inherit the pack's fields; bad tags are reported by line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.onchain import lookups
from pipeline.onchain.importer import import_file
from pipeline.onchain.model import ImportReport, OnchainError
from pipeline.store.sqlite.store import SqliteStore
from tests.onchain.conftest import MIDDLE, NEVER, YAN_BTC

Load = Callable[..., ImportReport]


def test_tagpack_tags_inherit_pack_fields(load: Load, store: SqliteStore) -> None:
    report = load("tagpack.yaml")
    assert report.format == "tagpack"
    assert report.added == 3
    assert [(e.line, e.reason) for e in report.errors] == [
        (18, "tag has no address (transaction tags are not imported)")
    ]
    tags = lookups.tags(store.db, [MIDDLE, NEVER, YAN_BTC])
    exchange, casino, cluster = tags[MIDDLE][0], tags[NEVER][0], tags[YAN_BTC][0]
    assert (exchange["label"], exchange["category"], exchange["actor"]) == (
        "Fixture Exchange hot wallet",
        "exchange",
        "fixture_exchange",
    )
    assert (casino["category"], casino["confidence"], casino["currency"]) == (
        "gambling",
        "ownership",
        "ETH",
    )
    assert (cluster["currency"], cluster["source"]) == ("BTC", "https://example.org/fixture-tags")
    assert load("tagpack.yaml").added == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [("- just\n- a list\n", "a YAML mapping"), ("title: x\ntags: [a, b\n", "not valid YAML")],
)
def test_tagpack_that_is_not_a_pack_is_refused(
    store: SqliteStore, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(text)
    with pytest.raises(OnchainError, match=message):
        import_file(store.db, path)


def test_tagpack_tag_without_label_or_source_is_a_row_error(
    store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text("title: t\ntags:\n  - address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n")
    report = import_file(store.db, path)
    assert [(e.line, e.reason) for e in report.errors] == [
        (3, "tag has no label or source, and the pack sets none")
    ]
