"""The workbench on Elasticsearch: the scene migrated into a live cluster, every page shown.

Runs only where MONEYTRAIL_ES_URL names a cluster (no machine here has one); the indices get
a prefix of their own and are deleted afterwards.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from pipeline.store import open_store
from pipeline.store.migrate import migrate
from pipeline.store.sqlite.store import SqliteStore
from pipeline.web import create_workbench
from tests.api.server import running
from tests.onchain.conftest import LAZARUS

HTML = {"Accept": "text/html"}


@pytest.fixture
def elastic(request: pytest.FixtureRequest) -> Iterator[str]:
    url = os.environ.get("MONEYTRAIL_ES_URL")
    if not url:
        pytest.skip("MONEYTRAIL_ES_URL is not set: no Elasticsearch cluster to test against")
    pytest.importorskip("elasticsearch", reason="the Elasticsearch extra is not installed")
    scene_store: Path = request.getfixturevalue("scene_store")  # built only when it will run
    location = f"{url.rstrip('/')}/?prefix=mt-web-{uuid.uuid4().hex[:12]}"
    source = SqliteStore(scene_store)
    target = open_store(location)
    try:
        migrate(source, target)
        yield location
    finally:
        source.close()
        drop = getattr(target, "drop", None)
        if callable(drop):
            drop()
        target.close()


def test_every_page_renders_on_elasticsearch(elastic: str) -> None:
    with running(cast(Any, create_workbench(elastic))) as base:
        hits = httpx.get(f"{base}/search", params={"q": "Sinaloa"}).json()["hits"]
        assert hits and hits[0]["page"] == 2
        document = hits[0]["document"]["id"]
        for path in (
            "/",
            "/search?q=Lazarus",
            f"/documents/{document}?page=2&find=Sinaloa",
            "/entities/Lazarus%20Group",
            f"/wallets/{LAZARUS}",
        ):
            response = httpx.get(base + path, headers=HTML, timeout=30)
            assert response.status_code == 200, (path, response.text[:300])
        page = httpx.get(f"{base}/documents/{document}?page=2&find=Sinaloa", headers=HTML)
        assert re.search(r'id="focus"[^>]*>Sinaloa Cartel<', page.text)
