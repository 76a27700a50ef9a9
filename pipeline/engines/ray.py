"""The Ray engine: the per-document work on a Ray cluster, the writes in this process.

Each Ray actor is long-lived and holds a one-slot local Pool (pipeline.parallel), so the
spaCy model stays loaded between documents and today's per-document limits apply unchanged
on every node: the time limit kills the slot's process group (Tesseract included), the
memory cap is the slot's address-space limit, and a crash in a C library costs one
document. The driver reads each file and sends its bytes through the object store, so a
node needs no shared file system, only this package installed.

Backpressure: at most DEPTH tasks per actor are in flight, and outcomes may run at most
WINDOW_PER_WORKER tasks per actor ahead of the oldest one not yet written, so the driver's
memory stays flat however many files are queued. Outcomes are yielded in task order; the
ingest batch writes them (one writer on SQLite, bulk requests on Elasticsearch) and the
store stays the ledger: a document is done once stored, so a killed run resumes cleanly.

When an actor dies with its node, the tasks it held are sent to the other actors, and a
replacement starts where the cluster has a free CPU.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, PipelineError
from pipeline.parallel import Feed
from pipeline.records import Failure
from pipeline.settings import Settings
from pipeline.workers import Outcome, Task, failure_of, stamp

MISSING = (
    "the Ray engine needs the 'ray' extra: pip install 'moneytrail[ray]' "
    "(or ingest with --engine local)"
)
# Tasks an actor holds at once. One, as in the local pool: documents come largest first, and
# a second task queued behind a long report waited there while the other actor ran dry
# (bench/ray_scale.py, 12 real PDFs on 2 actors: 1.58x-1.65x one local worker, against
# 1.32x-1.40x with two).
DEPTH = 1
WINDOW_PER_WORKER = 4
# A task whose actor died (its node lost) is sent again at most this many times.
MAX_ATTEMPTS = 3
# Seconds without any outcome, and no actor alive to make one, before the run gives up.
STARTUP_SECONDS = 300.0


def import_ray() -> Any:
    """Import ray, or say which extra installs it."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(MISSING) from exc
    return ray


class DocumentWorker:
    """A Ray actor: a one-slot local Pool that keeps the model loaded between documents."""

    def __init__(self, settings: Settings, writes: bool = False) -> None:
        import ray

        from pipeline.parallel import Pool

        self.pool = Pool(replace(settings, workers=1), 1)
        self.node = ray.get_runtime_context().get_node_id()
        self.scratch = Path(tempfile.mkdtemp(prefix="moneytrail-ray-"))
        self.location = settings.store if writes else None
        self.store: Any = None

    def where(self) -> str:
        """Return the id of the node this actor runs on."""
        return str(self.node)

    def process(self, task: Task, data: bytes | None) -> tuple[Outcome, str, int]:
        """Process one task; return its outcome, this node's id and the slot restarts so far."""
        path: Path | None = None
        if data is not None:
            # The bytes came through the object store; the slot reads them from a local file.
            path = self.scratch / f"{task.seq}{Path(task.source).suffix.lower()}"
            path.write_bytes(data)
            task = replace(task, path=str(path))
        try:
            outcome = next(iter(self.pool.run([task])))
        finally:
            if path is not None:
                with contextlib.suppress(OSError):
                    path.unlink()
        if self.location is not None:
            outcome = self._write(outcome)
        restarts = self.pool.started_workers - self.pool.peak_workers
        return outcome, self.node, restarts

    def _write(self, outcome: Outcome) -> Outcome:
        """Bulk-write the document's records with this actor's own client; send back the
        outcome without the text (the driver writes the entities and the complete mark)."""
        document, linked = outcome.document, outcome.linked
        if outcome.failure is not None or document is None or linked is None:
            return outcome
        try:
            if self.store is None:
                from pipeline.store import open_store

                self.store = open_store(self.location or "")
                # The driver refreshes once at the end of the batch.
                self.store.refresh_per_document = False
            self.store.write_records(document, linked.mentions, linked.entities, linked.relations)
        except PipelineError as exc:
            return replace(outcome, failure=failure_of(outcome.source, exc, "store", document.id))
        return replace(outcome, document=replace(document, text=""))

    def shutdown(self) -> None:
        """Stop the slot's process."""
        self.pool.close()
        with contextlib.suppress(OSError):
            self.scratch.rmdir()


class RayEngine:
    """Run tasks on a Ray cluster's actors; yield outcomes in task order."""

    def __init__(self, settings: Settings, size: int | None = None) -> None:
        self.ray = import_ray()
        _notices_to_stderr()
        self.settings = settings
        self._owns_ray = _join(self.ray, settings)
        cpus = int(self.ray.cluster_resources().get("CPU", 1))
        self.size = max(size if size else cpus, 1)
        # On Elasticsearch every actor writes its documents' records itself (several bulk
        # writers); on SQLite the driver stays the one writer.
        self.writes = settings.store.startswith(("http://", "https://"))
        self.actor_class = self.ray.remote(num_cpus=1, max_restarts=0)(DocumentWorker)
        self.actors: list[Any] = []
        self.booting: dict[Any, Any] = {}
        self.load: dict[Any, int] = {}
        self.started_workers = 0
        self.peak_workers = 0
        self.slot_restarts: dict[Any, int] = {}
        self.lost_actors = 0
        # Node id -> documents processed there, for the report and the cluster tests.
        self.placements: dict[str, int] = {}
        self.attempts: dict[int, int] = {}
        for _ in range(self.size):
            self._spawn()

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(graceful=exc[0] is None)

    def _spawn(self) -> Any:
        """Start an actor; it takes tasks once it answers, so one no node can host holds none."""
        actor = self.actor_class.remote(self.settings, self.writes)
        self.booting[actor.where.remote()] = actor
        self.started_workers += 1
        return actor

    def close(self, graceful: bool = True) -> None:
        """Stop the actors, and the local cluster if this engine started one."""
        for actor in [*self.actors, *self.booting.values()]:
            if graceful and actor in self.load:
                with contextlib.suppress(Exception):
                    self.ray.get(actor.shutdown.remote(), timeout=10)
            with contextlib.suppress(Exception):
                self.ray.kill(actor)
        self.actors = []
        self.booting = {}
        if self._owns_ray:
            with contextlib.suppress(Exception):
                self.ray.shutdown()
            self._owns_ray = False

    @property
    def restarts(self) -> int:
        """Return the slots and actors replaced during the run (killed, crashed, lost)."""
        return sum(self.slot_restarts.values()) + self.lost_actors

    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Yield one Outcome per task, in the order the tasks came."""
        feed = Feed(tasks)
        pending: dict[Any, tuple[Task, Any]] = {}
        quiet_since = time.monotonic()
        while True:
            # Yield first: writing the oldest outcomes frees room in the window for more tasks.
            yield from feed.ready()
            if feed.finished:
                return
            window = max(len(self.actors), 1) * WINDOW_PER_WORKER
            while (actor := self._pick()) is not None and (task := feed.take(window)) is not None:
                ref = actor.process.remote(task, _read(task))
                pending[ref] = (task, actor)
                self.load[actor] = sum(1 for _, a in pending.values() if a == actor)
            if feed.finished:
                return
            if not pending and not self.booting and not self._recover(feed):
                raise ConfigError("the Ray cluster has no actor left to run tasks on")
            ready, _ = self.ray.wait([*pending, *self.booting], num_returns=1, timeout=5.0)
            if not ready:
                if not self.actors and time.monotonic() - quiet_since > STARTUP_SECONDS:
                    raise ConfigError(
                        f"no Ray node could start a worker in {STARTUP_SECONDS:g} s; check "
                        "that the cluster has a free CPU and this package installed"
                    )
                continue
            quiet_since = time.monotonic()
            for ref in ready:
                if ref in self.booting:
                    self._booted(ref)
                    continue
                task, actor = pending.pop(ref)
                try:
                    outcome, node, restarts = self.ray.get(ref)
                except self.ray.exceptions.RayActorError:
                    self._lost(actor)
                    self._again(task, feed)
                    continue
                if actor in self.load:
                    self.load[actor] = sum(1 for _, a in pending.values() if a == actor)
                self.slot_restarts[actor] = restarts
                self.placements[node] = self.placements.get(node, 0) + 1
                feed.done[outcome.seq] = outcome

    def _recover(self, feed: Feed) -> bool:
        """With nothing in flight, queue again any sent task without an outcome; say if any."""
        queued = {t.seq for t in feed.retry}
        missing = [t for seq, t in feed.sent.items() if seq not in feed.done and seq not in queued]
        feed.retry.extend(missing)
        if not self.actors and not self.booting:
            self._spawn()
        return bool(missing or feed.retry) or bool(self.booting)

    def _booted(self, ref: Any) -> None:
        """Put an actor that answered to work, or forget one that died while starting."""
        actor = self.booting.pop(ref)
        try:
            self.ray.get(ref)
        except self.ray.exceptions.RayActorError:
            self.lost_actors += 1
            if not self.actors and not self.booting:
                self._spawn()
            return
        self.actors.append(actor)
        self.load[actor] = 0
        self.peak_workers = max(self.peak_workers, len(self.actors))

    def _pick(self) -> Any | None:
        """Return the least loaded actor with room for another task, or None."""
        roomy = [a for a in self.actors if self.load[a] < DEPTH]
        return min(roomy, key=lambda a: self.load[a]) if roomy else None

    def _lost(self, actor: Any) -> None:
        """Drop a dead actor, and start a replacement where a CPU is free."""
        if actor not in self.load:
            return  # already dropped on an earlier task of the same actor
        self.actors.remove(actor)
        del self.load[actor]
        self.slot_restarts.pop(actor, None)
        self.lost_actors += 1
        with contextlib.suppress(Exception):
            self.ray.kill(actor)
        free = self.ray.available_resources().get("CPU", 0)
        if (free >= 1 or not self.actors) and not self.booting:
            self._spawn()

    def _again(self, task: Task, feed: Feed) -> None:
        """Send a task whose actor died to another one, or fail it after MAX_ATTEMPTS."""
        self.attempts[task.seq] = self.attempts.get(task.seq, 0) + 1
        if self.attempts[task.seq] < MAX_ATTEMPTS:
            feed.retry.append(task)
            return
        feed.done[task.seq] = Outcome(
            task.seq,
            task.source,
            failure=Failure(
                task.source,
                "ingest",
                "WorkerCrashed",
                f"{task.source}: the Ray workers running it died {MAX_ATTEMPTS} times "
                "(nodes lost or killed); check the cluster and ingest again",
                stamp(),
                task.digest,
            ),
        )


def _join(ray: Any, settings: Settings) -> bool:
    """Join the cluster the settings name, or start a local one; say if this call started it."""
    if ray.is_initialized():
        return False
    address = settings.ray_address or "local"
    if settings.ray_address:
        _reachable(settings.ray_address)
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
            # The driver's own directory is this checkout; workers import the package
            # from the same path on a one-machine cluster, or their install elsewhere.
            runtime_env={"env_vars": _worker_env()},
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(
            f"cannot join the Ray cluster at {address} ({exc}); check the address "
            "(and RAY_AUTH_MODE=token where the cluster uses token authentication), "
            "or leave out --address for a local cluster"
        ) from exc
    return True


@contextlib.contextmanager
def connect(settings: Settings) -> Iterator[Any]:
    """Yield ray joined to the settings' cluster; leave a local cluster this started."""
    ray = import_ray()
    _notices_to_stderr()
    owns = _join(ray, settings)
    try:
        yield ray
    finally:
        if owns:
            with contextlib.suppress(Exception):
                ray.shutdown()


def _notices_to_stderr() -> None:
    """Send the cluster notices Ray prints on the driver to stderr; stdout carries --json."""
    import importlib

    try:
        module: Any = importlib.import_module("ray._private.worker")
    except ImportError:
        return
    original = getattr(module, "print_to_stdstream", None)
    if original is None or getattr(original, "moneytrail", False):
        return

    # Ray's notice thread ("node marked dead" and the like) writes to sys.stdout; there is no
    # setting for it, so the function it calls is wrapped (looked up at each call).
    def to_stderr(data: dict[str, Any], ignore_prefix: bool) -> None:
        original({**data, "is_err": True}, ignore_prefix)

    to_stderr.moneytrail = True  # type: ignore[attr-defined]
    module.print_to_stdstream = to_stderr


def _reachable(address: str) -> None:
    """Fail at once on an address nothing listens on (Ray itself retries for minutes)."""
    import socket

    host, _, port = address.rpartition(":")
    if address.startswith(("ray://", "http://", "https://")) or not port.isdigit():
        return  # a client or job address: Ray says what is wrong with it
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
    except OSError as exc:
        raise ConfigError(
            f"nothing answers at the Ray address {address} ({exc.strerror or exc}); start the "
            "head node with 'ray start --head', or leave out --address for a local cluster"
        ) from exc


def _read(task: Task) -> bytes | None:
    """Return the file's bytes for the object store, or None to let the worker report why not."""
    try:
        return Path(task.path).read_bytes()
    except OSError:
        return None


def _worker_env() -> dict[str, str]:
    """Return the environment Ray workers need to import this package and stay single-threaded."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = {"PYTHONPATH": path}
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = os.environ.get(name, "1")
    # Actors that write to Elasticsearch open their own client with the driver's settings.
    env.update({k: v for k, v in os.environ.items() if k.startswith("MONEYTRAIL_ES_")})
    return env
