"""The worker pool: one killable process per slot, per-document time limits, ordered outcomes.

Each slot is a separate Python process with the spaCy model loaded once. The parent sends a
worker at most DEPTH tasks (one running, one waiting, so it never idles on a round trip) and
hears when each starts and which stage it is in. A worker that overruns the time limit is
killed with its whole process group (Tesseract included) and replaced; one that dies (a
crash in a C library, or the memory cap) is replaced too. Either way that document becomes
a failure and the batch goes on. Outcomes come back in task order, so the single writer
stores documents in the same order whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError
from pipeline.records import Failure
from pipeline.settings import Settings
from pipeline.workers import Outcome, Task, process, stamp

if TYPE_CHECKING:
    from pipeline.extract.extractor import Extractor

# Tasks a worker holds at once. One: documents come largest first, and a second task queued
# behind a long report waits there while the other worker runs dry (bench/bulk_speed.py, 11
# real PDFs on 2 workers: 4 to 5% less wall time than 2). A freed worker gets its next task
# before the parent writes anything.
DEPTH = 1
# Outcomes may run this many tasks per worker ahead of the oldest one not yet written.
WINDOW_PER_WORKER = 4
STARTUP_SECONDS = 180.0
MAX_START_FAILURES = 3
# A task whose worker died before saying it had started is tried again this often.
MAX_ATTEMPTS = 2
ROOT = Path(__file__).resolve().parents[1]
BOOT = "from pipeline.workers import serve; serve()"


def _signal_name(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Feed:
    """Tasks in, outcomes out in the order the tasks came, at most `window` tasks ahead.

    The local pool and the Ray engine share it. A task sent again after its worker died goes
    before new ones; a new task is taken only while fewer than `window` tasks wait to be
    yielded, so memory stays flat however many files are queued.
    """

    def __init__(self, tasks: Iterable[Task]) -> None:
        self.source = iter(tasks)
        self.order: deque[int] = deque()
        self.retry: deque[Task] = deque()
        self.done: dict[int, Outcome] = {}
        self.sent: dict[int, Task] = {}  # taken and not yet yielded, by seq
        self.exhausted = False

    def take(self, window: int) -> Task | None:
        """Return the next task to send: one to retry, else a new one if the window has room."""
        if self.retry:
            return self.retry.popleft()
        if self.exhausted or len(self.order) >= window:
            return None
        task = next(self.source, None)
        if task is None:
            self.exhausted = True
            return None
        self.order.append(task.seq)
        self.sent[task.seq] = task
        return task

    def ready(self) -> Iterator[Outcome]:
        """Yield the outcomes that come next in task order."""
        while self.order and self.order[0] in self.done:
            seq = self.order.popleft()
            self.sent.pop(seq, None)
            yield self.done.pop(seq)

    @property
    def finished(self) -> bool:
        """Say whether every task has been taken and its outcome yielded."""
        return self.exhausted and not self.order


class _Slot:
    """One worker process and the tasks it has been sent."""

    def __init__(self, settings: Settings) -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        # The worker must import this package even when it is not installed (bench, tests).
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")  # parallelism comes from processes, not BLAS threads
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, str(theirs.fileno()), str(os.getpid())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own process group, so a kill takes any Tesseract it started with it.
            start_new_session=True,
            env=env,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.queue: deque[Task] = deque()
        self.ready = False
        self.born = time.monotonic()
        self.started: float | None = None
        self.stage = "parse"
        self.peak_rss = 0
        self.conn.send(settings)

    def kill(self) -> int | None:
        """Kill the worker and everything it started; return its exit status."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait()
        self.conn.close()
        return code


class Pool:
    """Run tasks in up to `size` worker processes; yield outcomes in task order."""

    def __init__(self, settings: Settings, size: int) -> None:
        self.settings = settings
        self.size = max(size, 1)
        self.slots: list[_Slot] = []
        self.start_failures = 0
        self.attempts: dict[int, int] = {}
        self.feed = Feed(())
        self.started_workers = 0
        self.peak_workers = 0

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(graceful=exc[0] is None)

    def close(self, graceful: bool = True) -> None:
        """Stop every worker: ask politely after a clean run, kill otherwise."""
        for slot in self.slots:
            if graceful:
                try:
                    slot.conn.send(None)
                    slot.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            slot.kill()
        self.slots = []

    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Yield one Outcome per task, in the order the tasks came."""
        feed = self.feed = Feed(tasks)
        window = self.size * WINDOW_PER_WORKER
        while True:
            while (target := self._pick()) is not None and (task := feed.take(window)) is not None:
                self._send(target if isinstance(target, _Slot) else self._spawn(), task)
            yield from feed.ready()
            if feed.finished:
                return
            self._listen()

    def _pick(self) -> _Slot | str | None:
        """Return an idle worker, "new" when another may start, or a worker with room."""
        for slot in self.slots:
            if not slot.queue:
                return slot
        if len(self.slots) < self.size:
            return "new"
        roomy = [s for s in self.slots if len(s.queue) < DEPTH]
        return min(roomy, key=lambda s: len(s.queue)) if roomy else None

    def _spawn(self) -> _Slot:
        slot = _Slot(self.settings)
        self.slots.append(slot)
        self.started_workers += 1
        self.peak_workers = max(self.peak_workers, len(self.slots))
        return slot

    def _send(self, slot: _Slot, task: Task) -> None:
        slot.queue.append(task)
        try:
            slot.conn.send(task)
        except OSError:
            self._lost(slot, None)

    def _listen(self) -> None:
        """Wait for messages from workers or the nearest deadline, and act on them."""
        now = time.monotonic()
        limit = self.settings.max_seconds
        deadlines = [
            s.started + limit if s.started is not None else s.born + STARTUP_SECONDS
            for s in self.slots
            if s.started is not None or not s.ready
        ]
        timeout = max(min(deadlines) - now, 0.0) + 0.01 if deadlines else 1.0
        by_conn = {id(s.conn): s for s in self.slots}
        for conn in wait([s.conn for s in self.slots], timeout):
            slot = by_conn[id(conn)]
            try:
                message = slot.conn.recv()
            except (EOFError, OSError):
                self._lost(slot, None)
                continue
            self._handle(slot, message)
        self._enforce_deadlines()

    def _handle(self, slot: _Slot, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "ready":
            slot.ready = True
            self.start_failures = 0
        elif kind == "fatal":
            raise ConfigError(f"a worker could not start: {message[1]}")
        elif kind == "start":
            slot.started, slot.stage = time.monotonic(), "parse"
        elif kind == "stage":
            slot.stage = message[2]
        elif kind == "done":
            outcome: Outcome = message[1]
            slot.queue.popleft()
            slot.started = None
            slot.peak_rss = max(slot.peak_rss, outcome.peak_rss)
            self.feed.done[outcome.seq] = outcome

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for slot in list(self.slots):
            if slot.started is not None and now - slot.started > self.settings.max_seconds:
                task = slot.queue[0]
                self._lost(
                    slot,
                    Failure(
                        task.source,
                        slot.stage,
                        "TimeLimitExceeded",
                        f"{task.source}: stopped after {self.settings.max_seconds:g} s in the "
                        f"{slot.stage} stage, over the time limit per document; raise it with "
                        "--max-seconds",
                        stamp(),
                        task.digest,
                    ),
                )
            elif not slot.ready and now - slot.born > STARTUP_SECONDS:
                self._lost(slot, None)

    def _lost(self, slot: _Slot, failure: Failure | None) -> None:
        """Replace a dead or killed worker; its running task fails, its waiting ones go again."""
        was_ready, running = slot.ready, slot.started is not None
        code = slot.kill()
        self.slots.remove(slot)
        queue = list(slot.queue)
        if queue and running:
            task = queue.pop(0)
            if failure is None:
                failure = Failure(
                    task.source,
                    slot.stage,
                    "WorkerCrashed",
                    f"{task.source}: the worker crashed in the {slot.stage} stage "
                    f"({_signal_name(code)}); the file is malformed or needs more than the "
                    f"{self.settings.worker_memory // 2**20} MB allowed per worker "
                    "(--worker-memory)",
                    stamp(),
                    task.digest,
                )
            self.feed.done[task.seq] = Outcome(task.seq, task.source, failure=failure)
        for task in reversed(queue):
            self.attempts[task.seq] = self.attempts.get(task.seq, 0) + 1
            if self.attempts[task.seq] > MAX_ATTEMPTS:
                self.feed.done[task.seq] = Outcome(
                    task.seq,
                    task.source,
                    failure=Failure(
                        task.source,
                        "ingest",
                        "WorkerCrashed",
                        f"{task.source}: workers kept dying before starting on it "
                        f"({_signal_name(code)})",
                        stamp(),
                        task.digest,
                    ),
                )
            else:
                self.feed.retry.appendleft(task)
        if not was_ready:
            self.start_failures += 1
            if self.start_failures >= MAX_START_FAILURES:
                raise ConfigError(
                    f"worker processes exit while starting ({_signal_name(code)}); check that "
                    "moneytrail imports with this Python, or ingest with --workers 0"
                )


def run_inline(
    tasks: Iterable[Task], extractor: Extractor, settings: Settings
) -> Iterator[Outcome]:
    """Run tasks one by one in this process (no time limit or memory cap can be enforced)."""
    for task in tasks:
        yield process(task, extractor, settings)
