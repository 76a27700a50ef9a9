"""Wire parse -> OCR -> extract -> link -> store for a batch; a failed file is data, not a crash.

The parent plans (walks the inputs, hashes each file, consults the ledger) and is the only
writer to the store; worker processes (pipeline.parallel) do the parsing, OCR, extraction and
linking. The ledger is the store itself: a document whose sha256 is stored is done, and a
recorded failure with the same sha256 is done too until `retry_failed` or `force` asks again.
Each document is written in one transaction, so a run killed at any moment resumes cleanly.
"""

from __future__ import annotations

import glob
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.engines.resolution import resolve_store
from pipeline.errors import ParseError, PipelineError
from pipeline.parallel import Pool, run_inline
from pipeline.parse import SUFFIXES
from pipeline.records import Document, Failure
from pipeline.settings import Settings
from pipeline.store.base import Store, batched_writes
from pipeline.workers import Outcome, Task, check_limits, failure_of, read_file, stamp

if TYPE_CHECKING:
    from pipeline.extract.extractor import Extractor

# Called with an event name and a source: "files" (pages holds the number of inputs), then
# "ingested" (with the page count), "skipped" or "failed" once per input.
Progress = Callable[[str, str, int], None]
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass
class IngestReport:
    """What a batch saw, kept, skipped and failed."""

    files: int = 0
    ingested: int = 0
    skipped: int = 0
    pages: int = 0
    mentions: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    # Inputs whose unchanged bytes failed in an earlier run, not tried again.
    failed_before: list[Failure] = field(default_factory=list)
    ocr_pages: int = 0
    # Worker processes run at once, and replacements for killed or crashed ones.
    workers: int = 0
    worker_restarts: int = 0
    interrupted: bool = False
    # One-per-run notices, such as OCR being skipped because Tesseract is missing.
    notes: list[str] = field(default_factory=list)
    # Seconds spent per stage, summed over workers (hash and store are the parent's).
    timings: dict[str, float] = field(default_factory=dict)
    worker_peak_rss: int = 0
    # Documents processed per Ray node id (empty with the local pool).
    placements: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Say whether every input is ingested or already stored."""
        return not (self.failures or self.failed_before or self.interrupted)


def unsupported_files(inputs: list[str]) -> dict[str, int]:
    """Count the files inside input directories that no parser reads, by suffix ("" for none).

    collect_paths() leaves them out without a word; the CLI says how many and of what kind.
    """
    counts: dict[str, int] = {}
    for raw in inputs:
        roots = (
            [Path(m) for m in glob.glob(raw, recursive=True)]
            if glob.has_magic(raw)
            else [Path(raw)]
        )
        for root in roots:
            if not root.is_dir():
                continue
            for p in root.rglob("*"):
                if (
                    p.is_file()
                    and p.suffix.lower() not in SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(root).parts)
                ):
                    counts[p.suffix.lower()] = counts.get(p.suffix.lower(), 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def collect_paths(inputs: list[str]) -> tuple[list[Path], list[Failure]]:
    """Expand files, directories (recursively) and globs; a missing input is a failure."""
    files: list[Path] = []
    failures: list[Failure] = []
    for raw in inputs:
        path = Path(raw)
        matches = (
            [Path(m) for m in sorted(glob.glob(raw, recursive=True))]
            if glob.has_magic(raw)
            else ([path] if path.exists() else [])
        )
        if not matches:
            failures.append(
                Failure(
                    raw, "parse", "FileNotFoundError", f"{raw}: no such file or directory", stamp()
                )
            )
        for match in matches:
            if match.is_dir():
                files.extend(
                    sorted(
                        p
                        for p in match.rglob("*")
                        if p.is_file()
                        and p.suffix.lower() in SUFFIXES
                        and not any(part.startswith(".") for part in p.parts)
                    )
                )
            else:
                files.append(match)
    seen: set[Path] = set()
    unique: list[Path] = []
    for file in files:
        if file.resolve() not in seen:
            seen.add(file.resolve())
            unique.append(file)
    return unique, failures


class _Batch:
    """One ingest run's bookkeeping: the plan, the ordered writes, and the report."""

    def __init__(
        self, store: Store, settings: Settings, progress: Progress | None, force: bool
    ) -> None:
        self.store, self.settings, self.progress, self.force = store, settings, progress, force
        self.report = IngestReport()
        self.known = {Path(f.source).resolve(): f for f in store.failures()}
        self.inflight: dict[str, int] = {}
        self.failed_digests: dict[str, Failure] = {}
        self.twins: dict[int, list[str]] = {}
        self.kinds: Any = None
        # Set when the engine's workers wrote each document's records (Ray on Elasticsearch):
        # this writer then adds the entities, in input order, and the complete mark.
        self.prewritten = False
        if settings.classify_kinds:
            # Loaded here, in the one writer, so a missing extra stops the run before any work.
            from pipeline.semantic.kinds import KindDecider

            self.kinds = KindDecider()

    def notify(self, event: str, source: str, pages: int = 0) -> None:
        if self.progress is not None:
            self.progress(event, source, pages)

    def fail(self, failure: Failure, record: bool = True) -> None:
        self.report.failures.append(failure)
        if record:
            self.store.record_failure(failure)
        self.notify("failed", failure.source)

    def plan(self, files: list[Path], retry_failed: bool) -> Iterator[Task]:
        """Yield a Task for each file not done yet; settle the others on the spot."""
        for seq, path in enumerate(files):
            source = str(path)
            started = time.perf_counter()
            digest = self._digest(path, source)
            self._time("hash", started)
            if digest is None:
                continue
            if not self.force and self.store.has_document(digest):
                self.store.add_source(digest, source)
                self.report.skipped += 1
                self.notify("skipped", source)
                continue
            old = self.known.get(path.resolve())
            if not (self.force or retry_failed) and old is not None and old.document_id == digest:
                self.report.failed_before.append(old)
                self.notify("failed", source)
                continue
            if digest in self.failed_digests:
                self.fail(_twin_failure(self.failed_digests[digest], source))
            elif digest in self.inflight:
                self.twins.setdefault(self.inflight[digest], []).append(source)
            else:
                self.inflight[digest] = seq
                yield Task(seq, source, source, digest)

    def _digest(self, path: Path, source: str) -> str | None:
        """Return the sha256 of a file within the size limit, or record why there is none."""
        digest: str | None = None
        try:
            size = path.stat().st_size
            if size > self.settings.max_bytes:
                read_file(path, source, self.settings)  # raises the size-limit ParseError
            if size == 0:
                digest = EMPTY_SHA256
                raise ParseError(f"{source}: the file is empty (0 bytes)")
            with path.open("rb") as handle:
                return hashlib.file_digest(handle, "sha256").hexdigest()
        except (OSError, ParseError) as exc:
            self.fail(failure_of(source, exc, "parse", digest))
            return None

    def write(self, outcome: Outcome) -> None:
        """Store one outcome (in task order), and settle the files with the same bytes."""
        report = self.report
        for stage, seconds in outcome.timings.items():
            report.timings[stage] = report.timings.get(stage, 0.0) + seconds
        report.worker_peak_rss = max(report.worker_peak_rss, outcome.peak_rss)
        from pipeline.parse.ocr import MISSING_TESSERACT  # pypdfium2: only when ingesting

        if outcome.ocr_missing and MISSING_TESSERACT not in report.notes:
            report.notes.append(MISSING_TESSERACT)
        twins = self.twins.pop(outcome.seq, [])
        if outcome.failure is None and outcome.document is not None and outcome.linked:
            started = time.perf_counter()
            failure = self._store(outcome.document, outcome)
            self._time("store", started)
        else:
            failure = outcome.failure
        if failure is not None:
            self.fail(failure)
            if failure.document_id:
                self.failed_digests[failure.document_id] = failure
            for twin in twins:
                self.fail(_twin_failure(failure, twin))
            return
        document = outcome.document
        assert document is not None and outcome.linked is not None
        report.ingested += 1
        report.pages += len(document.pages)
        report.mentions += len(outcome.linked.mentions)
        report.ocr_pages += outcome.ocr_pages
        self.notify("ingested", document.source, len(document.pages))
        for twin in twins:
            self.store.add_source(document.id, twin)
            report.skipped += 1
            self.notify("skipped", twin)

    def _store(self, document: Document, outcome: Outcome) -> Failure | None:
        linked = outcome.linked
        assert linked is not None
        entities = linked.entities
        if self.kinds is not None:
            entities = self.kinds.relabel(entities, linked.mentions)
        try:
            if self.prewritten:
                elastic: Any = self.store  # only Elasticsearch has workers write first
                elastic.finish_document(document, linked.mentions, entities, linked.relations)
            else:
                self.store.upsert_document(document, linked.mentions, entities, linked.relations)
        except PipelineError as exc:
            return failure_of(document.source, exc, "store", document.id)
        return None

    def _time(self, stage: str, started: float) -> None:
        timings = self.report.timings
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def _twin_failure(failure: Failure, source: str) -> Failure:
    """Return the failure of a file with the same bytes as one that failed, under its own name."""
    message = failure.message
    if message.startswith(failure.source):
        message = source + message[len(failure.source) :]
    return replace(failure, source=source, message=message, time=stamp())


def ingest(
    inputs: list[str],
    store: Store,
    settings: Settings,
    extractor: Extractor | None = None,
    progress: Progress | None = None,
    force: bool = False,
    retry_failed: bool = False,
) -> IngestReport:
    """Ingest files into the store in worker processes, skipping what is already done.

    `force` re-processes stored and failed documents; `retry_failed` processes only inputs
    with a recorded failure (all of them when `inputs` is empty). With an `extractor`, or
    `settings.workers == 0`, everything runs in this process, without time or memory limits.
    """
    started = time.perf_counter()
    batch = _Batch(store, settings, progress, force)
    report = batch.report
    if retry_failed:
        inputs = inputs or sorted(f.source for f in batch.known.values())
    files, missing = collect_paths(inputs)
    if retry_failed:
        files = [f for f in files if f.resolve() in batch.known]
    files = largest_first(files)
    report.files = len(files) + len(missing)
    batch.notify("files", "", report.files)
    for failure in missing:
        batch.fail(failure, record=False)
    tasks = batch.plan(files, retry_failed)
    try:
        # Elasticsearch refreshes once at the end of the batch, not after every document.
        with batched_writes(store):
            _run(tasks, batch, settings, extractor)
        if report.ingested and extractor is None:
            # Cross-document resolution once, on the same engine's workers (issue 16).
            try:
                resolve_store(store, settings)
            except PipelineError as exc:
                report.notes.append(f"{exc}; resolution runs again on the next read")
    except KeyboardInterrupt:
        report.interrupted = True
    report.seconds = time.perf_counter() - started
    return report


def _run(
    tasks: Iterator[Task], batch: _Batch, settings: Settings, extractor: Extractor | None
) -> None:
    """Process the tasks in worker processes, or in this one; the batch writes each outcome."""
    report = batch.report
    if extractor is None and settings.engine == "ray":
        from pipeline.engines.ray import RayEngine

        queued = _peek(tasks)
        if queued is None:
            return  # nothing to compute: no cluster to join
        with RayEngine(settings, settings.workers) as engine:
            batch.prewritten = engine.writes
            for outcome in engine.run(queued):
                batch.write(outcome)
        report.workers = engine.peak_workers
        report.worker_restarts = engine.restarts
        report.placements = dict(engine.placements)
        return
    if extractor is None and settings.worker_count() > 0:
        with Pool(settings, settings.worker_count()) as pool:
            for outcome in pool.run(tasks):
                batch.write(outcome)
        report.workers = pool.peak_workers
        report.worker_restarts = pool.started_workers - pool.peak_workers
        return
    report.workers = 0
    pending = _peek(tasks)
    if pending is not None:
        # The model loads only when something needs extracting: re-runs are fast.
        extractor = extractor or _extractor(settings)
        for outcome in run_inline(pending, extractor, settings):
            batch.write(outcome)


def largest_first(files: list[Path]) -> list[Path]:
    """Order files by size, largest first, so a long report does not run alone at the end.

    The store is written in this order too, whatever the number of workers, so runs agree.
    """

    def size(path: Path) -> int:
        try:
            return path.stat().st_size
        except OSError:
            return 0  # the planner reports why it cannot be read

    return sorted(files, key=lambda p: -size(p))


def _peek(tasks: Iterator[Task]) -> Iterator[Task] | None:
    first = next(tasks, None)
    if first is None:
        return None

    def chained() -> Iterator[Task]:
        yield first
        yield from tasks

    return chained()


def _extractor(settings: Settings) -> Extractor:
    from pipeline.extract.extractor import Extractor

    return Extractor(batch_size=settings.batch_size, model=settings.spacy_model)


def extract_files(
    inputs: list[str], settings: Settings, extractor: Extractor | None = None
) -> Iterator[dict[str, object] | Failure]:
    """Parse, OCR and extract files without a store: the public extract object, or a Failure."""
    from pipeline.export.shape import document_json
    from pipeline.link import link
    from pipeline.link.table_relations import add_table_relations
    from pipeline.parse import parse_bytes
    from pipeline.parse.ocr import ocr_document

    files, missing = collect_paths(inputs)
    yield from missing
    parsed: list[Document] = []
    # PDF bytes are kept for the table finder, which reads pages again after extraction.
    pdf_bytes: dict[str, bytes] = {}
    for path in files:
        try:
            data = read_file(path, str(path), settings)
            document = parse_bytes(data, str(path), path.suffix, settings.max_pages)
            check_limits(document, settings)
            parsed.append(ocr_document(document, data, settings).document)
            if document.kind == "pdf":
                pdf_bytes[document.source] = data
        except PipelineError as exc:
            yield failure_of(str(path), exc, "parse", None)
    if not parsed:
        return
    extractor = extractor or _extractor(settings)
    for outcome in extractor.extract_many(parsed):
        if outcome.error is not None:
            yield failure_of(outcome.document.source, outcome.error, "extract", None)
            continue
        linked = link(outcome.document, outcome.mentions)
        data = pdf_bytes.pop(outcome.document.source, b"")
        if data:
            linked = add_table_relations(outcome.document, data, linked)
        yield document_json(outcome.document, linked.mentions, linked.entities, linked.relations)
