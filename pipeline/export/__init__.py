"""Exports: the public JSON vocabulary (shape.py), and file formats registered by name.

NEW FORMAT: add a module with `write(corpus, out, kind) -> Counter` and register it in
FORMATS below; it is then reachable as `moneytrail export --format <name>`.
"""

from __future__ import annotations

import importlib
import os
import stat
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

from pipeline.errors import PipelineError
from pipeline.export.corpus import RECORD_KINDS, Corpus, load_corpus
from pipeline.store.base import Store

__all__ = ["FORMATS", "RECORD_KINDS", "ExportError", "ExportReport", "export", "exporter"]


class ExportError(PipelineError):
    """An export could not be written where or how it was asked for."""

    stage = "export"


class Exporter(Protocol):
    """Write a corpus to a text stream in one format; return counts of what was written."""

    def __call__(self, corpus: Corpus, out: TextIO, kind: str | None = None) -> Counter[str]:
        """Write the corpus (or one record kind of it) to `out`."""
        ...


@dataclass(frozen=True, slots=True)
class Format:
    """A registered export format: its module, file suffix and how it treats --type."""

    module: str
    suffix: str
    by_kind: bool = False  # --type picks one record kind
    split: bool = False  # without --type, one file per record kind into a folder
    extra: str | None = None  # the pip extra that brings the format's libraries


PLURALS = {
    "document": "documents",
    "mention": "mentions",
    "entity": "entities",
    "relation": "relations",
}
FORMATS: dict[str, Format] = {
    "jsonl": Format("jsonl", ".jsonl", by_kind=True),
    "csv": Format("csv", ".csv", by_kind=True, split=True),
    "ftm": Format("ftm", ".ftm.json", extra="ftm"),
    "tagpack": Format("tagpack", ".yaml"),
    "graphml": Format("graphml", ".graphml"),
}


@dataclass
class ExportReport:
    """What an export wrote: counts per kind, the files, and how long it took."""

    format: str
    counts: Counter[str] = field(default_factory=Counter)
    paths: list[str] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0


def exporter(name: str) -> Exporter:
    """Return the writer of a registered format (imported on first use: ftm is heavy)."""
    if name not in FORMATS:
        raise ExportError(f"unknown export format {name!r}; use one of {', '.join(FORMATS)}")
    chosen = FORMATS[name]
    try:
        module = importlib.import_module(f"pipeline.export.{chosen.module}")
    except ModuleNotFoundError as exc:
        if chosen.extra is None or (exc.name or "").startswith("pipeline"):
            raise
        raise ExportError(
            f"export --format {name} needs the '{chosen.extra}' extra: "
            f"pip install 'moneytrail[{chosen.extra}]'"
        ) from exc
    writer: Exporter = module.write
    return writer


def _file_mode(path: Path) -> int:
    """Return the permission bits a new file at `path` should get."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)  # the only way to read the umask is to set it
        os.umask(mask)
        return 0o666 & ~mask


@contextmanager
def _atomic(path: Path) -> Iterator[TextIO]:
    """Write a file under a temporary name and move it in place only when complete."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name with -o")
    if not path.parent.is_dir():
        raise ExportError(f"the folder {path.parent} does not exist; create it or pick another -o")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); an export is meant to be shared, so it gets
        # the mode a plain open() would give: the old file's, or 0666 less the umask.
        os.chmod(temporary, _file_mode(path))
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check(name: str, kind: str | None, destination: str) -> Format:
    spec = FORMATS.get(name)
    if spec is None:
        raise ExportError(f"unknown export format {name!r}; use one of {', '.join(FORMATS)}")
    if kind is not None and kind not in RECORD_KINDS:
        raise ExportError(f"--records must be one of {', '.join(RECORD_KINDS)}, not {kind!r}")
    if kind is not None and not spec.by_kind:
        raise ExportError(f"--records applies to jsonl and csv; {name} always writes every kind")
    if spec.split and kind is None and destination == "-":
        raise ExportError(
            f"{name} writes one file per record kind: give a folder with --out-dir, or pick "
            "one kind with --records"
        )
    if spec.split and kind is None and Path(destination).suffix.lower() == spec.suffix:
        raise ExportError(
            f"{destination} names a file, but {name} writes one file per record kind: give a "
            "folder with --out-dir, or pick one kind with --records"
        )
    return spec


def export(
    store: Store,
    name: str,
    destination: str = "-",
    kind: str | None = None,
    stdout: TextIO | None = None,
    entity_type: str | None = None,
) -> ExportReport:
    """Export the store in a named format to a file, a folder (csv) or `stdout` ("-");
    `kind` picks one record kind, `entity_type` keeps entities of one type (actor, wallet...)
    with their mentions and the relations that touch them."""
    spec = _check(name, kind, destination)
    write = exporter(name)
    started = time.perf_counter()
    corpus = load_corpus(store)
    if entity_type is not None:
        corpus.only_type(entity_type)
    report = ExportReport(name)
    if destination == "-":
        if stdout is None:
            raise ExportError("no output stream was given for '-'")
        report.counts = write(corpus, stdout, kind)
    elif spec.split and kind is None:
        folder = Path(destination)
        if folder.exists() and not folder.is_dir():
            raise ExportError(f"{folder} is a file; {name} needs a folder for one file per kind")
        folder.mkdir(parents=True, exist_ok=True)
        for each in RECORD_KINDS:
            path = folder / f"{PLURALS[each]}{spec.suffix}"
            with _atomic(path) as out:
                report.counts.update(write(corpus, out, each))
            report.paths.append(str(path))
    else:
        path = Path(destination)
        with _atomic(path) as out:
            report.counts = write(corpus, out, kind)
        report.paths.append(str(path))
    report.bytes = sum(Path(p).stat().st_size for p in report.paths)
    report.seconds = time.perf_counter() - started
    return report
