"""Store commands for the CLI: `migrate` copies a corpus between the file and Elasticsearch."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.console import die as _die
from pipeline.console import err
from pipeline.errors import PipelineError
from pipeline.store import open_store
from pipeline.store.migrate import migrate

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def _shown(location: str) -> str:
    """Return a store location fit to print: a password in a URL becomes ***."""
    return _USERINFO.sub("***@", location)


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, str, int], None]]:
    if quiet or not err.is_terminal:
        yield lambda event, source, pages: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} documents, {task.fields[failed]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("migrating", total=None, failed=0)
        failed = 0

        def tick(event: str, source: str, pages: int) -> None:
            nonlocal failed
            failed += event == "failed"
            bar.update(task, advance=1, failed=failed)

        yield tick


def migrate_cmd(
    source: Annotated[
        str, typer.Option("--from", help="Store to read: a file path or http(s)://host:9200.")
    ],
    target: Annotated[
        str, typer.Option("--to", help="Store to write: a file path or http(s)://host:9200.")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Copy documents the target already has.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a line.")] = False,
) -> None:
    """Copy a corpus between stores, the embedded file and Elasticsearch, either way."""
    if source == target:
        _die(f"--from and --to are both {_shown(source)}; name two different stores")
    with ExitStack() as stack:
        try:
            reader = open_store(source)
            stack.callback(reader.close)
            writer = open_store(target)
            stack.callback(writer.close)
            with _progress(quiet=as_json) as tick:
                report = migrate(reader, writer, progress=tick, force=force)
        except PipelineError as exc:
            _die(str(exc))
    if as_json:
        shown = {"from": _shown(source), "to": _shown(target)}
        sys.stdout.write(json.dumps({**shown, **report}, ensure_ascii=False) + "\n")
    else:
        err.print(_summary(report, source, target), highlight=False)
        for failure in report["failed"]:
            err.print(f"failed: {escape(failure['message'])}", highlight=False)
    raise typer.Exit(1 if report["failed"] else 0)


def _summary(report: dict[str, Any], source: str, target: str) -> str:
    return (
        f"{report['documents']} copied, {report['skipped']} already there, "
        f"{len(report['failed'])} failed; {report['pages']} pages, {report['mentions']} "
        f"mentions, {report['entities']} entities, {report['relations']} relations, "
        f"{report['failures']} failure records in {report['seconds']:.1f}s: "
        f"{escape(_shown(source))} -> {escape(_shown(target))}"
    )


def register(app: typer.Typer) -> None:
    """Add the store commands to the CLI."""
    app.command("migrate")(migrate_cmd)
