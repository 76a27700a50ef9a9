"""Workbench page times on a large store: the search page and the document page, p50 and p95.

The store is generated, not ingested: spaCy on 10,000 texts takes far longer than 2 cores
allow for a bench, and page times depend on the store's size and shape, not on how the
records were found. Each synthetic document has three pages of filing-like sentences naming
actors, casinos, countries, wallets and amounts from fixed pools (so facets have real
competition), written through `SqliteStore.upsert_document` like an ingest writes them.

`moneytrail serve` then runs in a child process on loopback and each page is fetched over HTTP
(as a browser asks for it, Accept: text/html). The baseline, measured in the same run against
the same server, is the JSON API call that serves the same data (`/api/search`,
`/api/documents/<id>/pages/<n>`), each request alternating with its page's; the ratio is what
rendering the page adds. A measurement stops after --budget seconds, or at a request that
takes longer than --timeout.

    python bench/web_pages.py [--documents 10000] [--store PATH] [--requests 40]
                              [--budget 60] [--timeout 600]

With --store PATH an existing store is reused (built there first when the file is missing).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ids import entity_id, mention_id, sha256_bytes  # noqa: E402
from pipeline.records import Document, Entity, Mention, Page  # noqa: E402
from pipeline.store.sqlite.store import SqliteStore  # noqa: E402

FIRST = ["Viktor", "Lena", "Arjun", "Mei", "Omar", "Sofia", "Dmitri", "Grace", "Kwame", "Ines"]
LAST = ["Petrov", "Okafor", "Tanaka", "Silva", "Haddad", "Novak", "Reyes", "Lindqvist", "Chen"]
GROUPS = ["Lazarus Group", "Tornado Cash", "Sinaloa Cartel", "Golden Triangle Syndicate"]
CASINOS = ["NagaWorld", "Star Vegas", "Kings Roman", "Okada Manila", "Crown Melbourne", "Jin Bei"]
COUNTRIES = [
    ("Cambodia", "KH"),
    ("Laos", "LA"),
    ("Myanmar", "MM"),
    ("Philippines", "PH"),
    ("Macao", "MO"),
    ("Singapore", "SG"),
    ("Cyprus", "CY"),
    ("Panama", "PA"),
]
FILLER = [
    "The ledger entries were reconciled by the compliance team after the audit.",
    "Cash deposits were structured below the reporting threshold over several weeks.",
    "The junket operator extended credit to high-rolling patrons without due diligence.",
    "Investigators traced the proceeds through a chain of shell companies.",
    "The court granted the forfeiture motion in part and denied it in part.",
    "Funds were exchanged for stablecoins on an unlicensed over-the-counter desk.",
]
HEX = "0123456789abcdef"
PAIRS = (("search page", "search JSON (baseline)"), ("document page", "page JSON (baseline)"))


def _actors(rng: random.Random) -> list[str]:
    people = [f"{f} {last}" for f in FIRST for last in LAST]
    rng.shuffle(people)
    return GROUPS + people[:60]


def _sentence_doc(
    rng: random.Random, n: int, actors: list[str], wallets: list[str]
) -> tuple[Document, list[Mention], list[Entity]]:
    """Return one synthetic document with its mentions and entities."""
    pages: list[str] = []
    for _ in range(3):
        parts: list[str] = []
        for _ in range(rng.randint(3, 5)):
            actor = rng.choice(actors)
            casino = rng.choice(CASINOS)
            country, _code = rng.choice(COUNTRIES)
            wallet = rng.choice(wallets)
            amount = f"{rng.randint(1, 9000):,} USDT"
            sentence = (
                f"{actor} moved {amount} to the wallet {wallet} through {casino} in {country}. "
                f"{rng.choice(FILLER)} "
            )
            parts.append(sentence)
        pages.append("".join(parts).strip())
    text = "\n\n".join(pages)
    doc_id = sha256_bytes(f"bench-{n}".encode() + text.encode())
    spans, offset = [], 0
    for number, body in enumerate(pages, start=1):
        spans.append(Page(number, offset, offset + len(body)))
        offset += len(body) + 2
    doc = Document(
        id=doc_id,
        source=f"bench/filing-{n:05d}.txt",
        kind="text",
        text=text,
        pages=tuple(spans),
        title=f"Filing {n}: {rng.choice(GROUPS)} and {rng.choice(CASINOS)}",
        date=f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        size=len(text.encode()),
    )
    mentions: list[Mention] = []
    entities: dict[str, Entity] = {}
    for page in doc.pages:
        body = doc.page_text(page)
        for name in set(actors) | set(CASINOS) | {c for c, _ in COUNTRIES} | set(wallets):
            start = body.find(name)
            while start >= 0:
                absolute = page.start + start
                mentions.append(_mention(doc, page.number, absolute, name, entities))
                start = body.find(name, start + len(name))
    return doc, mentions, list(entities.values())


def _mention(
    doc: Document, page: int, start: int, name: str, entities: dict[str, Entity]
) -> Mention:
    countries = dict(COUNTRIES)
    if name.startswith("0x"):
        type_, key = "wallet", name.lower()
        value: dict[str, Any] = {"address": name, "key": key, "chains": ["ETH"], "suspect": False}
    elif name in CASINOS:
        type_, key, value = "casino", f"gz:{name.lower()}", {"kind": "casino"}
    elif name in countries:
        type_, key, value = "country", countries[name], {"code": countries[name]}
    else:
        kind = "group" if name in GROUPS else "person"
        type_, key, value = "actor", f"gz:{name.lower()}", {"kind": kind}
    eid = entity_id(type_, key)
    entities.setdefault(eid, Entity(eid, type_, name, (), value))
    end = start + len(name)
    sentence_start = doc.text.rfind(". ", 0, start) + 2
    sentence_end = doc.text.find(". ", end)
    return Mention(
        mention_id(doc.id, type_, start, end),
        doc.id,
        page,
        start,
        end,
        type_,
        name,
        value,
        key,
        doc.text[max(sentence_start, 0) : sentence_end + 1],
        "bench",
        1.0,
        eid,
    )


def build(path: Path, documents: int, seed: int = 13) -> float:
    """Write a synthetic store of `documents` documents; return the seconds it took."""
    rng = random.Random(seed)
    actors = _actors(rng)
    wallets = ["0x" + "".join(rng.choice(HEX) for _ in range(40)) for _ in range(300)]
    started = time.perf_counter()
    store = SqliteStore(path)
    try:
        for n in range(documents):
            doc, mentions, entities = _sentence_doc(rng, n, actors, wallets)
            store.upsert_document(doc, mentions, entities)
        store.stats()  # resolution runs once here, as the first read after an ingest does
    finally:
        store.close()
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _times(client: httpx.Client, paths: list[str], html: bool) -> list[float]:
    """Fetch each path in turn and return the seconds each took (inf for a timeout, then stop)."""
    headers = {"Accept": "text/html" if html else "application/json"}
    out: list[float] = []
    for path in paths:
        started = time.perf_counter()
        try:
            response = client.get(path, headers=headers)
        except httpx.TimeoutException:
            out.append(float("inf"))  # reported as a timeout; the measurement stops here
            break
        out.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.text[:200]}")
    return out


def _timeouts(values: list[float]) -> bool:
    return bool(values) and values[-1] == float("inf")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--store", type=Path, default=None, help="Reuse (or build) this store.")
    parser.add_argument("--requests", type=int, default=40, help="Requests per measurement.")
    parser.add_argument(
        "--budget", type=float, default=60, help="Seconds per measurement, at most (then stop)."
    )
    parser.add_argument("--timeout", type=float, default=600, help="Seconds per request, at most.")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory(prefix="mt-web-bench-")
    path = args.store or Path(scratch.name) / "bench.db"
    if not path.is_file():
        seconds = build(path, args.documents)
        print(f"built {args.documents} documents in {seconds:.1f} s at {path}")
    store = SqliteStore(path)
    stats = store.stats()
    doc_ids = [r[0] for r in store.db.execute("SELECT id FROM documents ORDER BY random()")]
    store.close()
    print(
        f"store: {stats['documents']} documents, {stats['pages']} pages, "
        f"{stats['mentions']} mentions, {stats['entities']} entities"
    )
    rng = random.Random(5)
    words = [
        "Lazarus",
        "NagaWorld",
        "forfeiture",
        "stablecoins",
        '"shell companies"',
        "Petrov",
        "Cambodia",
        "junket",
        "Okada Manila",
        "ledger",
    ]
    queries = [rng.choice(words) for _ in range(args.requests)]
    opened = [(rng.choice(doc_ids), rng.randint(1, 3)) for _ in range(args.requests)]
    port = _free_port()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from pipeline.cli import app; app()",
            "serve",
            "--port",
            str(port),
            "--store",
            str(path),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=args.timeout) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/static/app.css")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or child.poll() is not None:
                        raise SystemExit("serve did not start") from None
                    time.sleep(0.2)
            runs = {
                "search page": ([f"/search?q={q}" for q in queries], True),
                "search JSON (baseline)": ([f"/api/search?q={q}&limit=20" for q in queries], False),
                "document page": ([f"/documents/{d}?page={p}" for d, p in opened], True),
                "page JSON (baseline)": (
                    [f"/api/documents/{d}/pages/{p}" for d, p in opened],
                    False,
                ),
            }
            # Warm the templates and the connection once, with requests that find nothing (a
            # search without hits costs no facet counting), so no measurement pays for them.
            _times(client, ["/search?q=zzqqxxnothing", "/api/search?q=zzqqxxnothing"], True)
            _times(client, [runs["document page"][0][0]], True)
            results: dict[str, list[float]] = {name: [] for name in runs}
            # Page and baseline requests alternate, so a busy machine slows both alike.
            # Documents first: a search that times out keeps its server thread busy afterwards.
            for page, base in reversed(PAIRS):
                stop = time.perf_counter() + args.budget
                for page_path, base_path in zip(runs[page][0], runs[base][0], strict=True):
                    for name, one in ((page, page_path), (base, base_path)):
                        if not _timeouts(results[name]):
                            results[name] += _times(client, [one], runs[name][1])
                    if time.perf_counter() > stop or _timeouts(results[page] + results[base]):
                        break
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a request still running in a worker thread
            child.kill()
            child.wait()
    print("one request at a time, over HTTP on loopback:")
    print(f"{'':24} {'requests':>9} {'p50 ms':>9} {'p95 ms':>9} {'mean ms':>9}")
    for name, values in results.items():
        if values[-1] == float("inf"):
            print(f"{name:24} timed out after {args.timeout:.0f} s ({len(values) - 1} answered)")
            values[:] = values[:-1] or [float("nan")]
            continue
        print(
            f"{name:24} {len(values):9d} {_pct(values, 0.5):9.1f} {_pct(values, 0.95):9.1f} "
            f"{statistics.fmean(values) * 1000:9.1f}"
        )
    for page, base in PAIRS:
        ratio50 = _pct(results[page], 0.5) / _pct(results[base], 0.5)
        ratio95 = _pct(results[page], 0.95) / _pct(results[base], 0.95)
        print(f"{page} / {base}: p50 x{ratio50:.2f}, p95 x{ratio95:.2f}")
    scratch.cleanup()


if __name__ == "__main__":
    main()
