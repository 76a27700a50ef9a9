"""The Ray engine: equal to the local pool, on a local cluster and on two nodes on loopback.

The cluster tests start real Ray processes (`ray start`) on 127.0.0.1; they skip where the
'ray' extra is not installed. The two-node ones are marked slow (about a minute together).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bulk.test_resume import ROOT, _count, clean_runs, corpus, run, snapshot

__all__ = ["clean_runs", "corpus"]  # fixtures shared with the local pool's resume tests

DEV = ROOT / "corpora" / "dev"


def test_ray_engine_without_the_extra_says_which_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    note = tmp_path / "note.txt"
    note.write_text("A note.", encoding="utf-8")
    code, _, err = run("ingest", str(note), "--store", str(tmp_path / "s.db"), "--engine", "ray")
    assert code == 2
    assert "pip install 'moneytrail[ray]'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s.db").exists()


def test_unknown_engine_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("ingest", str(tmp_path), "--engine", "spark")
    assert code == 2 and "local, ray" in err


ray = pytest.importorskip("ray", reason="the 'ray' extra is not installed")


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[None]:
    """Start a local Ray cluster in this process for the module's in-process runs."""
    from pipeline.engines.ray import _worker_env

    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": _worker_env()},
    )
    yield
    ray.shutdown()


def _hostile(folder: Path) -> None:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf\n")


def test_local_ray_run_equals_the_local_pool(
    local_cluster: None, corpus: Path, clean_runs: dict[int, dict[str, Any]], tmp_path: Path
) -> None:
    store = tmp_path / "ray.db"
    code, out, err = run(
        "ingest", str(corpus), "--store", str(store), "--engine", "ray", "--workers", "2", "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["workers"] == 2 and sum(report["nodes"].values()) == report["ingested"]
    assert snapshot(store) == clean_runs[2]
    # A second run finds everything in the store's ledger: nothing is computed again.
    code, out, err = run("ingest", str(corpus), "--store", str(store), "--engine", "ray", "--json")
    again = json.loads(out)
    assert (again["ingested"], again["skipped"], again["nodes"]) == (0, report["ingested"], {})


def test_local_ray_run_fails_bad_files_like_the_local_pool(
    local_cluster: None, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _hostile(folder)
    (folder / "ok.txt").write_text("The Lazarus Group used Tornado Cash.", encoding="utf-8")
    results = {}
    for engine in ("local", "ray"):
        code, out, err = run(
            "ingest",
            str(folder),
            "--store",
            str(tmp_path / f"{engine}.db"),
            "--engine",
            engine,
            "--workers",
            "1",
            "--json",
        )
        assert code == 1, err
        report = json.loads(out)
        failures = sorted((Path(f["source"]).name, f["stage"]) for f in report["failures"])
        results[engine] = (report["ingested"], report["mentions"], failures)
    assert results["ray"] == results["local"]
    assert [name for name, _ in results["ray"][2]] == ["broken.pdf", "empty.txt"]


# --- two nodes on loopback --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ray_env() -> dict[str, str]:
    env = dict(os.environ)
    # A throwaway cluster on loopback: no token file written into the home directory.
    env["RAY_AUTH_MODE"] = "disabled"
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    # Notice a lost node within seconds rather than the default half minute.
    env["RAY_health_check_period_ms"] = "500"
    env["RAY_health_check_failure_threshold"] = "4"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _ray_start(*args: str) -> subprocess.Popen[bytes]:
    """Start a Ray node in the foreground (--block), in a process group of its own."""
    beside = Path(sys.executable).with_name("ray")  # the venv's, even when it is not on PATH
    ray_bin = str(beside) if beside.exists() else shutil.which("ray") or "ray"
    command = [ray_bin, "start", "--block", "--num-cpus", "1"]
    return subprocess.Popen(
        [*command, "--node-ip-address", "127.0.0.1", *args],
        env=_ray_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(node: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(node.pid, sig)
    except ProcessLookupError:
        return
    try:
        node.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(node.pid, signal.SIGKILL)
        node.wait()


def _nodes_alive(address: str) -> int:
    probe = (
        f"import ray; ray.init(address={address!r}, log_to_driver=False); "
        "print(sum(1 for n in ray.nodes() if n['Alive']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=_ray_env(), capture_output=True, text=True, timeout=120
    )
    return int(result.stdout.strip().splitlines()[-1]) if result.returncode == 0 else 0


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[dict[str, Any]]:
    """Start a head node and a worker node on 127.0.0.1, one CPU each."""
    port = _free_port()
    address = f"127.0.0.1:{port}"
    temp = tempfile.mkdtemp(prefix="mtray", dir="/tmp")  # short: Ray's socket paths are long
    head = _ray_start(
        "--head",
        "--port",
        str(port),
        "--temp-dir",
        temp,
        "--include-dashboard",
        "false",
        "--disable-usage-stats",
    )
    nodes = {"address": address, "head": head, "worker": None}
    try:
        deadline = time.monotonic() + 90
        while _nodes_alive(address) < 1 and time.monotonic() < deadline:
            time.sleep(1)
        nodes["worker"] = _ray_start("--address", address)
        while _nodes_alive(address) < 2 and time.monotonic() < deadline:
            time.sleep(1)
        if _nodes_alive(address) < 2:
            pytest.fail("the two-node Ray cluster did not come up within 90 s")
        yield nodes
    finally:
        if nodes["worker"] is not None:
            _stop(nodes["worker"])
        _stop(head)
        shutil.rmtree(temp, ignore_errors=True)


def _ingest_command(folder: Path, store: Path, address: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from pipeline.cli import app; app()",
        "ingest",
        str(folder),
        "--store",
        str(store),
        "--engine",
        "ray",
        "--address",
        address,
        "--json",
    ]


@pytest.mark.slow
def test_two_nodes_share_the_work_and_equal_the_local_pool(
    two_nodes: dict[str, Any], corpus: Path, clean_runs: dict[int, dict[str, Any]], tmp_path: Path
) -> None:
    store = tmp_path / "two.db"
    result = subprocess.run(
        _ingest_command(corpus, store, two_nodes["address"]),
        env=_ray_env(),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["workers"] == 2
    assert len(report["nodes"]) == 2, f"tasks ran on {report['nodes']}, not on both nodes"
    assert snapshot(store) == clean_runs[2]


@pytest.fixture(scope="module")
def whole_dev(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Copy every development document, and ingest them once with the local pool."""
    folder = tmp_path_factory.mktemp("dev")
    for path in sorted(p for p in DEV.iterdir() if p.is_file() and p.suffix != ".json"):
        (folder / path.name).write_bytes(path.read_bytes())
    store = tmp_path_factory.mktemp("clean-dev") / "clean.db"
    code, _, err = run("ingest", str(folder), "--store", str(store), "--workers", "2", "--json")
    assert code == 0, err
    return folder, snapshot(store)


@pytest.mark.slow
def test_killing_a_worker_node_mid_run_loses_and_duplicates_nothing(
    two_nodes: dict[str, Any], whole_dev: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder, clean = whole_dev
    total = clean["stats"]["documents"]
    store = tmp_path / "killed.db"
    driver = subprocess.Popen(
        _ingest_command(folder, store, two_nodes["address"]),
        env=_ray_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 180
    while _count(store) < 3 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    _stop(two_nodes["worker"], signal.SIGKILL)  # the whole node: raylet, actors, their slots
    two_nodes["worker"] = None
    killed_at = _count(store)
    out, err = driver.communicate(timeout=300)
    assert driver.returncode == 0, err[-2000:]
    assert 0 < killed_at < total, "the node should have been killed part-way through the run"
    report = json.loads(out)
    assert report["worker_restarts"] >= 1, "the killed node's actor should have been replaced"
    assert report["failures"] == []
    assert snapshot(store) == clean
