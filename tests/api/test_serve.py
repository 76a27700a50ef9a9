"""`serve` for real: a child process on loopback, asked over HTTP, then stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.export.handmade import build_store

ROOT = Path(__file__).resolve().parents[2]
# The command as pipeline/cli.py will wire it: a Typer app with register() applied.
LAUNCH = (
    "import typer; from pipeline.export.commands import register; "
    "app = typer.Typer(); register(app); app()"
)
KEY = "serve-test-key-7d1f"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_over_http_and_never_prints_the_key(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    build_store(store).close()
    port = free_port()
    env = {**os.environ, "MT_SERVE_TEST_KEY": KEY, "PYTHONPATH": str(ROOT)}
    args = ["serve", "--port", str(port), "--store", str(store), "--api-key-env"]
    child = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *args, "MT_SERVE_TEST_KEY"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                spec = httpx.get(f"{url}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if child.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve did not start: {child.communicate()[0]}")
                time.sleep(0.1)
        assert spec.status_code == 200 and "/search" in spec.json()["paths"]
        hits = httpx.get(f"{url}/search", params={"q": "NagaWorld"}, headers={"X-API-Key": KEY})
        assert hits.status_code == 200 and hits.json()["hits"]
        assert httpx.get(f"{url}/search", params={"q": "NagaWorld"}).status_code == 401
    finally:
        child.send_signal(signal.SIGINT)
        output = child.communicate(timeout=15)[0]
    assert f"on http://127.0.0.1:{port} (API key required)" in output
    assert KEY not in output
