"""Resumable and idempotent ingest: worker counts agree, kill -9 loses and duplicates nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "corpora" / "dev"
# Twelve development documents (texts and PDFs): enough to kill a run part-way through.
COUNT = 12
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def snapshot(store_path: Path) -> dict[str, Any]:
    """Return what must be equal between runs: stats, mention ids, entities, sources."""
    code, out, err = run("stats", "--store", str(store_path), "--json")
    assert code == 0, err
    store = SqliteStore(store_path)
    try:
        sources = store.db.execute(
            "SELECT document_id, source FROM document_sources ORDER BY 1, 2"
        ).fetchall()
        return {
            "stats": json.loads(out),
            "mentions": sorted(m.id for m in store.iter_mentions()),
            "entities": [(e.id, e.name, e.aliases) for e in store.iter_entities()],
            "sources": [tuple(r) for r in sources],
        }
    finally:
        store.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copy the first development documents into a folder of their own."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in sorted(p for p in DEV.iterdir() if not p.name.endswith(".json"))[:COUNT]:
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.fixture(scope="module")
def clean_runs(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, Any]]:
    """Ingest the corpus once with one worker and once with two."""
    folder = tmp_path_factory.mktemp("clean")
    runs = {}
    for workers in (1, 2):
        store = folder / f"w{workers}.db"
        code, out, err = run(
            "ingest", str(corpus), "--store", str(store), "--workers", str(workers), "--json"
        )
        assert code == 0, err
        assert json.loads(out)["workers"] == workers
        runs[workers] = snapshot(store)
    return runs


def test_two_workers_store_what_one_worker_stores(clean_runs: dict[int, dict[str, Any]]) -> None:
    one, two = clean_runs[1], clean_runs[2]
    assert one["stats"]["documents"] == COUNT and one["stats"]["mentions"] > 300
    assert one["stats"] == two["stats"]
    assert one["mentions"] == two["mentions"]
    # Writes happen in input order, so even first-writer-wins entity names agree.
    assert one["entities"] == two["entities"]


def _count(store: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1)
        try:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0  # not created yet, or the schema is being written


def _workers_of(parent: int) -> list[int]:
    """Return the pids of live moneytrail workers started by `parent`."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().split()[2]
        except OSError:
            continue
        ours = len(args) > 4 and args[4] == str(parent).encode()
        if ours and b"pipeline.workers import serve" in args[2] and state != "Z":
            pids.append(int(proc.name))
    return pids


@pytest.mark.parametrize("kill_after", [1, COUNT // 2], ids=["first-document", "half-way"])
def test_kill_9_then_rerun_equals_a_clean_run(
    tmp_path: Path, corpus: Path, clean_runs: dict[int, dict[str, Any]], kill_after: int
) -> None:
    store = tmp_path / "killed.db"
    command = [sys.executable, "-c", "from pipeline.cli import app; app()", "ingest", str(corpus)]
    proc = subprocess.Popen(
        [*command, "--store", str(store), "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _count(store) < kill_after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _workers_of(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = _count(store)
    assert 0 < stored < COUNT, "the run should have been killed part-way"
    assert workers, "the ingest should have been running worker processes"
    # Workers die with their parent (PR_SET_PDEATHSIG): nothing keeps running unseen.
    for _ in range(100):
        if not _workers_of(proc.pid):
            break
        time.sleep(0.05)
    assert not _workers_of(proc.pid)

    code, out, err = run("ingest", str(corpus), "--store", str(store), "--workers", "2", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["skipped"] == stored and report["ingested"] == COUNT - stored
    assert snapshot(store) == clean_runs[1]
