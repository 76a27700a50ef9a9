"""Fixtures for the workbench: one ingested store per session, copies for tests that write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.web.scene import build_store


@pytest.fixture(scope="session")
def scene_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scene ingested once; tests that write must use `writable_store`."""
    return build_store(tmp_path_factory.mktemp("web-scene"))


@pytest.fixture
def writable_store(scene_store: Path, tmp_path: Path) -> Path:
    """A private copy of the scene's store and documents."""
    shutil.copytree(scene_store.parent / "docs", tmp_path / "docs")
    target = tmp_path / "mt.db"
    shutil.copyfile(scene_store, target)
    return target
