"""One document's work (read, parse, OCR, extract, link) and the worker process that runs it.

The parent process plans and writes; workers only compute, so the store has one writer. A
worker is started by pipeline.parallel as `python -c "from pipeline.workers import serve;
serve()" FD` and talks to the parent over a socket: Settings first, then one Task at a time.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ParseError, PipelineError
from pipeline.records import Document, Failure
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.extract.extractor import Extractor
    from pipeline.link import Linked

StageHook = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Task:
    """One file to process; `seq` orders the writes, `digest` is the sha256 the parent read."""

    seq: int
    path: str
    source: str
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one task produced: a linked document, or the failure that stopped it."""

    seq: int
    source: str
    document: Document | None = None
    linked: Linked | None = None
    failure: Failure | None = None
    ocr_pages: int = 0
    ocr_missing: bool = False
    # Seconds per stage, for the summary and the benchmark's account of where time goes.
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss: int = 0


def stamp() -> str:
    """Return the current UTC time as an ISO string with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def failure_of(source: str, exc: BaseException, stage: str, digest: str | None) -> Failure:
    """Turn an exception into a Failure record, naming the stage it stopped."""
    if isinstance(exc, PipelineError):
        stage = exc.stage if exc.stage != "pipeline" else stage
        message = str(exc)
    elif isinstance(exc, MemoryError):
        message = (
            f"{source}: ran out of memory in the {stage} stage; raise the limit per worker "
            "with --worker-memory"
        )
    else:
        where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        at = f" at {Path(where[0].filename).name}:{where[0].lineno}" if where else ""
        message = (
            f"{source}: unexpected {type(exc).__name__} in the {stage} stage{at} ({exc}); "
            "this is a moneytrail bug, please report it with the file if you can"
        )
    return Failure(source, stage, type(exc).__name__, message, stamp(), digest)


def read_file(path: Path, source: str, settings: Settings) -> bytes:
    """Read a file within the byte limit."""
    try:
        size = path.stat().st_size
        if size > settings.max_bytes:
            raise ParseError(
                f"{source}: {size / 1e6:.1f} MB is over the size limit of "
                f"{settings.max_bytes / 1e6:.0f} MB; raise it with --max-bytes"
            )
        return path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{source}: cannot be read ({exc.strerror or exc})") from exc


def check_limits(document: Document, settings: Settings) -> None:
    """Fail a parsed document over the page or character limit, whatever its format."""
    if len(document.pages) > settings.max_pages:
        raise ParseError(
            f"{document.source}: {len(document.pages)} pages is over the limit of "
            f"{settings.max_pages}; raise it with --max-pages to ingest this file"
        )
    if len(document.text) > settings.max_chars:
        raise ParseError(
            f"{document.source}: {len(document.text):,} characters is over the limit of "
            f"{settings.max_chars:,} per document"
        )


def process(
    task: Task, extractor: Extractor, settings: Settings, on_stage: StageHook | None = None
) -> Outcome:
    """Read, parse, OCR, extract and link one file; any error becomes the Outcome's failure."""
    from pipeline.link import link
    from pipeline.link.table_relations import add_table_relations
    from pipeline.parse import parse_bytes
    from pipeline.parse.ocr import ocr_document

    timings: dict[str, float] = {}
    stage = "parse"
    clock = time.perf_counter()

    def enter(name: str) -> None:
        nonlocal stage, clock
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - clock
        stage, clock = name, now
        if on_stage is not None and name != "done":
            on_stage(name)

    try:
        path = Path(task.path)
        data = read_file(path, task.source, settings)
        document = parse_bytes(data, task.source, path.suffix, settings.max_pages)
        check_limits(document, settings)
        enter("ocr")
        ocr = ocr_document(document, data, settings)
        document = ocr.document
        enter("extract")
        extracted = next(iter(extractor.extract_many([document])))
        if extracted.error is not None:
            raise extracted.error
        enter("link")
        linked = link(document, extracted.mentions)
        # Wallet annexes and transaction tables: pdfplumber reads the PDF's pages again.
        linked = add_table_relations(document, data, linked)
        del data  # the bytes can be large; only the text goes on
        enter("done")
    except Exception as exc:  # one bad file must not stop the batch, whatever the bug
        failure = failure_of(task.source, exc, stage, task.digest)
        enter("done")
        return Outcome(
            task.seq,
            task.source,
            failure=failure,
            timings=timings,
            peak_rss=peak_rss(),
        )
    return Outcome(
        task.seq,
        task.source,
        document,
        linked,
        ocr_pages=len(ocr.pages),
        ocr_missing=ocr.missing,
        timings=timings,
        peak_rss=peak_rss(),
    )


def peak_rss() -> int:
    """Return this process's peak resident memory in bytes (0 where /proc is absent)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def lean_imports() -> None:
    """Leave out of a worker what spaCy imports but a worker never uses (0.3 s of its start).

    Call it before spaCy is imported. Workers only parse, extract and link, so:
    - torch: thinc imports it eagerly when it is installed (1.7 s and ~190 MB per worker),
      and the small English model never uses it.
    - spaCy's command line: the package imports it only to offer `spacy.info`, and with it
      the model downloader's HTTP clients, weasel, typer and jinja2 (0.15 s). A stand-in
      package takes its place. It keeps the real package's path, so `import spacy.cli.X`
      still loads the real module, and `spacy.info` loads the real one when called.
    - Entry points: every registry lookup while a model loads (about 200 of them) filters
      all installed packages' entry points for its group (0.1 s). They are grouped once,
      in the dict form that catalogue reads directly.
    """
    sys.modules.setdefault("torch", None)  # type: ignore[arg-type]
    if "spacy" not in sys.modules:
        import importlib.util
        import types

        found = importlib.util.find_spec("spacy")
        if found is not None and found.submodule_search_locations:
            cli = types.ModuleType("spacy.cli")
            cli.__path__ = [str(Path(found.submodule_search_locations[0]) / "cli")]
            info = types.ModuleType("spacy.cli.info")
            info.info = _real_spacy_info  # type: ignore[attr-defined]
            cli.info = info  # type: ignore[attr-defined]
            sys.modules["spacy.cli"], sys.modules["spacy.cli.info"] = cli, info
    import catalogue

    available = catalogue.AVAILABLE_ENTRY_POINTS
    if isinstance(available, dict):  # Python 3.11: a dict of groups behind a deprecation
        grouped = {group: list(points) for group, points in dict.items(available)}
    else:
        grouped = {}
        for point in available:
            grouped.setdefault(point.group, []).append(point)
    catalogue.AVAILABLE_ENTRY_POINTS = grouped


def _real_spacy_info(*args: Any, **kwargs: Any) -> Any:
    """Stand in for `spacy.info`: import spaCy's command line after all, and call it."""
    import importlib

    sys.modules.pop("spacy.cli.info", None)
    return importlib.import_module("spacy.cli.info").info(*args, **kwargs)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the parent dies, so a kill -9 leaves no orphans."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


def _limit_memory(limit: int) -> None:
    import resource

    # A lower hard limit set by the system already applies when this one is refused.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _stage_hook(conn: Any, seq: int) -> StageHook:
    return lambda name: conn.send(("stage", seq, name))


def serve() -> None:
    """Run a worker: load the model once, then answer tasks until the parent says stop."""
    lean_imports()
    from multiprocessing.connection import Connection

    conn = Connection(int(sys.argv[1]))
    _die_with_parent(int(sys.argv[2]))
    settings: Settings = conn.recv()
    try:
        from pipeline.extract.extractor import Extractor

        extractor = Extractor(batch_size=settings.batch_size, model=settings.spacy_model)
    except Exception as exc:
        conn.send(("fatal", str(exc) if isinstance(exc, PipelineError) else repr(exc)))
        return
    _limit_memory(settings.worker_memory)
    conn.send(("ready",))
    while True:
        try:
            task: Task | None = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            # Nothing is left to write here (the parent writes the store), and tearing the
            # interpreter down around a loaded model took half a second the parent waited on.
            os._exit(0)
        try:
            conn.send(("start", task.seq))
            outcome = process(task, extractor, settings, _stage_hook(conn, task.seq))
            conn.send(("done", outcome))
        except (BrokenPipeError, EOFError, OSError):
            return
