"""Wire parse -> extract -> link -> store for a batch; a failed document is data, not a crash."""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import ParseError, PipelineError
from pipeline.extract.extractor import Extractor
from pipeline.ids import sha256_bytes
from pipeline.link import link
from pipeline.parse import SUFFIXES, parse_bytes
from pipeline.records import Document, Failure
from pipeline.settings import Settings
from pipeline.store.base import Store

# Called with an event name ("ingested", "skipped", "failed"), the source and its page count.
Progress = Callable[[str, str, int], None]


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

    @property
    def ok(self) -> bool:
        """Say whether every input was ingested or already stored."""
        return not self.failures


def _failure(source: str, exc: Exception) -> Failure:
    stage = exc.stage if isinstance(exc, PipelineError) else "ingest"
    return Failure(
        source, stage, type(exc).__name__, str(exc), datetime.now(UTC).isoformat(timespec="seconds")
    )


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
                    raw, "parse", "FileNotFoundError", f"{raw}: no such file or directory", _stamp()
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
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return unique, failures


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ingest(
    inputs: list[str],
    store: Store,
    settings: Settings,
    extractor: Extractor | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> IngestReport:
    """Ingest files into the store, skipping documents already stored unless `force`."""
    started = time.perf_counter()
    report = IngestReport()
    files, missing = collect_paths(inputs)
    report.files = len(files) + len(missing)
    for failure in missing:
        report.failures.append(failure)
        _notify(progress, "failed", failure.source, 0)

    def fail(source: str, exc: Exception) -> None:
        failure = _failure(source, exc)
        report.failures.append(failure)
        store.record_failure(failure)
        _notify(progress, "failed", source, 0)

    def documents() -> Iterator[Document]:
        for path in files:
            source = str(path)
            try:
                data = _read(path, settings)
            except ParseError as exc:
                fail(source, exc)
                continue
            if not force and store.has_document(sha256_bytes(data)):
                store.add_source(sha256_bytes(data), source)
                report.skipped += 1
                _notify(progress, "skipped", source, 0)
                continue
            try:
                yield parse_bytes(data, source, path.suffix, settings.max_pages)
            except PipelineError as exc:
                fail(source, exc)

    pending = documents()
    first = next(pending, None)
    if first is not None:
        # The model loads only when something needs extracting: re-runs of stored files are fast.
        extractor = extractor or Extractor(
            batch_size=settings.batch_size, model=settings.spacy_model
        )
        for outcome in extractor.extract_many(_chain(first, pending)):
            document = outcome.document
            if outcome.error is not None:
                fail(document.source, outcome.error)
                continue
            try:
                linked = link(document, outcome.mentions)
                store.upsert_document(document, linked.mentions, linked.entities, linked.relations)
            except PipelineError as exc:
                fail(document.source, exc)
                continue
            report.ingested += 1
            report.pages += len(document.pages)
            report.mentions += len(linked.mentions)
            _notify(progress, "ingested", document.source, len(document.pages))
    report.seconds = time.perf_counter() - started
    return report


def _chain(first: Document, rest: Iterator[Document]) -> Iterator[Document]:
    yield first
    yield from rest


def _notify(progress: Progress | None, event: str, source: str, pages: int) -> None:
    if progress is not None:
        progress(event, source, pages)


def extract_files(
    inputs: list[str], settings: Settings, extractor: Extractor | None = None
) -> Iterator[dict[str, object] | Failure]:
    """Parse and extract files without a store: the public extract object, or a Failure, each."""
    from pipeline.export.shape import document_json

    files, missing = collect_paths(inputs)
    yield from missing
    parsed: list[Document] = []
    for path in files:
        try:
            parsed.append(
                parse_bytes(_read(path, settings), str(path), path.suffix, settings.max_pages)
            )
        except PipelineError as exc:
            yield _failure(str(path), exc)
    if not parsed:
        return
    extractor = extractor or Extractor(batch_size=settings.batch_size, model=settings.spacy_model)
    for outcome in extractor.extract_many(parsed):
        if outcome.error is not None:
            yield _failure(outcome.document.source, outcome.error)
            continue
        linked = link(outcome.document, outcome.mentions)
        yield document_json(outcome.document, linked.mentions, linked.entities, linked.relations)


def _read(path: Path, settings: Settings) -> bytes:
    try:
        size = path.stat().st_size
        if size > settings.max_bytes:
            raise ParseError(
                f"{path}: {size / 1e6:.1f} MB is over the size limit of "
                f"{settings.max_bytes / 1e6:.0f} MB; raise it with --max-bytes"
            )
        return path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
