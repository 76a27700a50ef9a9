"""CLI commands for semantic search: `embed`, plus a printer for semantic and hybrid hits.

`register(app)` adds the commands to the moneytrail Typer app. Nothing here imports torch or
transformers until a command runs, so the base install keeps a fast, light CLI.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.console import die as _die
from pipeline.console import err, out
from pipeline.errors import PipelineError
from pipeline.semantic.embedder import DEVICES, PRECISIONS, require_extra
from pipeline.settings import load_settings


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise typer.BadParameter(f"must be one of {', '.join(allowed)}")
        return value

    return check


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    if quiet or total == 0 or not err.is_terminal:
        yield lambda documents, passages: None
        return
    columns = (
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[passages]} passages"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("embedding", total=total, passages=0)

        def tick(documents: int, passages: int) -> None:
            bar.update(task, completed=documents, passages=passages)

        yield tick


def embed_cmd(
    store: Annotated[
        str | None,
        typer.Option("--store", help="Store file (default ./moneytrail.db, or $MONEYTRAIL_STORE)."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="A local transformers model folder (default all-MiniLM-L6-v2)."
        ),
    ] = None,
    device: Annotated[
        str, typer.Option("--device", callback=_choice(DEVICES), help="auto, cpu or cuda.")
    ] = "auto",
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=4096, help="Passages per model call.")
    ] = 32,
    precision: Annotated[
        str,
        typer.Option(
            "--precision",
            callback=_choice(PRECISIONS),
            help="auto (bf16 where the processor has it), fp32 or bf16.",
        ),
    ] = "auto",
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop all vectors and embed every document again.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a line.")] = False,
) -> None:
    """Embed the passages of stored documents that have no vectors yet, for --semantic search."""
    location = load_settings(store).store
    try:
        require_extra()
        from pipeline.semantic.search import embed_store, pending_documents

        total = pending_documents(location)
        with _progress(total, quiet=as_json) as tick:
            report = embed_store(location, model, device, batch_size, rebuild, tick, precision)
    except PipelineError as exc:
        _die(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
        return
    err.print(
        f"{report.documents} documents embedded, {report.skipped} already embedded; "
        f"{report.passages} passages in {report.seconds:.1f}s ({report.rate:.1f} passages/s on "
        f"{report.device}, {report.precision}) -> {report.vectors}",
        highlight=False,
    )


def print_hits(result: dict[str, Any], console: Console | None = None) -> None:
    """Print semantic or hybrid hits as `search` prints its own: source, page, snippet."""
    console = console or out
    if not result["hits"]:
        err.print(f"no hits for {result['query']!r}", highlight=False)
        return
    for hit in result["hits"]:
        found = "+".join(hit["retrievers"])
        entity = hit.get("entity")
        label = f" [{entity['type']}: {escape(entity['name'])}]" if entity else ""
        console.print(
            f"[bold]{escape(hit['document']['source'])}[/] p.{hit['page']}{label} "
            f"[dim]({found}, {hit['score']})[/]",
            highlight=False,
        )
        snippet = re.sub(r"<mark>(.*?)</mark>", r"[bold yellow]\1[/]", escape(hit["snippet"]))
        console.print(f"    {snippet}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the semantic-search commands to a Typer app."""
    app.command("embed")(embed_cmd)
