"""A small real corpus for the workbench tests: ingested by the pipeline, with OFAC lists.

Four documents: an analyst memo naming wallets (the on-chain fixtures know them), a two-page
PDF with an actor on page 2 (so a hit must open on the right page, with a page image), and two
hostile documents whose text carries script, event-handler and javascript: payloads.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import make_pdf
from tests.onchain.conftest import CASINO, FIXTURES, LAZARUS, MIDDLE, TORNADO

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = [sys.executable, "-c", "from pipeline.cli import app; app()"]
MEMO = f"""Analyst memo, 2025-02-03

The Lazarus Group sent 1,580 ETH from {LAZARUS} to {MIDDLE} in August 2023.
About 1,000 ETH then reached the junket wallet {CASINO} on 11 August 2023.
Tornado Cash, at {TORNADO}, received funds the next day.
"""
PDF_PAGES = [
    "Quarterly compliance review. Nothing of note was found on this page.",
    "The Sinaloa Cartel moved cash through NagaWorld in Cambodia during 2023.",
]
PAYLOADS = (
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    "javascript:alert('xss-link')",
    '<a href="http://evil.example/steal">click</a>',
)
HOSTILE_TEXT = "Hostile note\n\n" + " ".join(
    f"Payload {n}: {p} was pasted here by Lazarus Group." for n, p in enumerate(PAYLOADS)
)
# In HTML the payloads are escaped in the source, so the parser keeps them as text; the real
# <script> and onerror below are markup the parser drops.
HOSTILE_HTML = (
    "<html><head><title>Hostile &lt;script&gt;alert('xss-title')&lt;/script&gt; page</title>"
    "<script>alert('xss-real')</script></head><body><article><h1>Hostile page</h1>"
    + "".join(
        f"<p>Paragraph {n} quotes {p.replace('&', '&amp;').replace('<', '&lt;')} "
        "as seen on a forum run by the Lazarus Group.</p>"
        for n, p in enumerate(PAYLOADS)
    )
    + "<img src='http://evil.example/pixel.png' onerror=\"alert('xss-markup')\">"
    "</article></body></html>"
)


def write_corpus(folder: Path, hostile: bool = True) -> Path:
    """Write the documents into a folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "memo.txt").write_text(MEMO, encoding="utf-8")
    (folder / "review.pdf").write_bytes(make_pdf(PDF_PAGES))
    if hostile:
        (folder / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
        (folder / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    return folder


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the moneytrail CLI as a user would, in a child process."""
    return subprocess.run(
        [*LAUNCH, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def build_store(folder: Path, hostile: bool = True) -> Path:
    """Ingest the corpus and import the OFAC fixtures through the CLI; return the store."""
    store = folder / "mt.db"
    docs = write_corpus(folder / "docs", hostile)
    done = cli("ingest", str(docs), "--store", str(store), "--workers", "0")
    assert done.returncode == 0, done.stderr
    for name in ("sdn-2024-01-10.xml", "sdn-2025-03-25.xml", "transfers.csv"):
        done = cli("onchain", "import", str(FIXTURES / name), "--store", str(store))
        # transfers.csv carries malformed lines on purpose: exit 1, the rest imported.
        assert done.returncode in (0, 1) and "added" in done.stderr, done.stderr
    return store


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(store: Path, key: str | None = None) -> Iterator[str]:
    """Run `moneytrail serve` on a free loopback port; yield its URL; stop it."""
    port = free_port()
    args = ["serve", "--port", str(port), "--store", str(store)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if key is not None:
        env["MT_WEB_TEST_KEY"] = key
        args += ["--api-key-env", "MT_WEB_TEST_KEY"]
    child = subprocess.Popen(
        [*LAUNCH, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                httpx.get(f"{url}/openapi.json", timeout=1)
                break
            except httpx.TransportError as exc:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"serve did not start: {child.communicate()[0]}") from exc
                time.sleep(0.1)
        yield url
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
