"""CLI commands: `onchain import`, `wallet`, `path` and `xref`; register(app) adds them."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from pipeline.console import die as _die
from pipeline.console import err, out
from pipeline.console import print_json as _print_json
from pipeline.errors import PipelineError
from pipeline.onchain import render
from pipeline.onchain.importer import import_file, resolve_format
from pipeline.onchain.model import ImportReport
from pipeline.onchain.queries import paths, wallet_report
from pipeline.onchain.sniff import FORMATS
from pipeline.onchain.xref import xref
from pipeline.settings import load_settings
from pipeline.store.sqlite.store import SqliteStore

SHOWN_ERRORS = 20

onchain_app = typer.Typer(
    name="onchain",
    help="Import transfers, sanctions lists and attribution tags.",
    no_args_is_help=True,
    add_completion=False,
)
StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Store file (default ./moneytrail.db, or $MONEYTRAIL_STORE)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
HopsOpt = Annotated[int, typer.Option("--max-hops", min=1, max=6, help="Longest path, in hops.")]


Importer = Callable[[str, str, str | None, Any], ImportReport]


@contextmanager
def _store(store: str | None) -> Iterator[SqliteStore]:
    """Open the embedded store, or say plainly what is wrong with it."""
    location = load_settings(store).store
    try:
        db = SqliteStore(location)
    except PipelineError as exc:
        _die(str(exc))
    try:
        yield db
    except PipelineError as exc:
        _die(str(exc))
    finally:
        db.close()


@contextmanager
def _importer(store: str | None) -> Iterator[Importer]:
    """Yield what imports one file into the store: the embedded one, or the cluster."""
    location = load_settings(store).store
    if not location.startswith(("http://", "https://")):
        with _store(store) as db:
            yield lambda name, fmt, chain, tick: import_file(db.db, name, fmt, chain, tick)
        return
    from pipeline.store import open_store
    from pipeline.store.elasticsearch import onchain as onchain_es

    try:
        es = open_store(location)
    except PipelineError as exc:
        _die(str(exc))

    try:
        yield lambda name, fmt, chain, tick: onchain_es.import_into(es, name, fmt, chain, tick)
    finally:
        es.close()


def _answer(store: str | None, query: Callable[..., Any], *args: Any) -> Any:
    """Run an on-chain query on the embedded store, or in the cluster on Elasticsearch,
    step by step, without a local copy of any table."""
    location = load_settings(store).store
    if not location.startswith(("http://", "https://")):
        with _store(store) as db:
            return query(db.db, *args)
    from pipeline.store import open_store
    from pipeline.store.elasticsearch.onchain_paths import in_cluster

    try:
        es = open_store(location)
    except PipelineError as exc:
        _die(str(exc))
    try:
        return in_cluster(es, query, *args)
    except PipelineError as exc:
        _die(str(exc))
    finally:
        es.close()


@contextmanager
def _progress(name: str, quiet: bool) -> Iterator[Callable[[int, int, int], None]]:
    if quiet or not err.is_terminal:
        yield lambda done, total, rows: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]} records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(escape(name), total=None, rows=0)

        def tick(done: int, total: int, rows: int) -> None:
            bar.update(task, completed=done, total=total, rows=rows)

        yield tick


def _summary(report: ImportReport) -> str:
    rate = report.rows / report.seconds if report.seconds else 0.0
    skipped = sum(report.skipped.values())
    edges = f", {report.derived_edges} approximate edges" if report.derived_edges else ""
    return (
        f"{report.source}: {report.format}, {report.rows} records: {report.added} added, "
        f"{report.existing} already stored or repeated, {skipped} skipped, "
        f"{report.error_count} malformed{edges} in {report.seconds:.1f}s ({rate:,.0f}/s)"
    )


@onchain_app.command("import")
def import_cmd(
    files: Annotated[list[str], typer.Argument(help="Files to import (plain, .gz or .bz2).")],
    format_: Annotated[
        str | None, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}, transfers.")
    ] = None,
    chain: Annotated[
        str | None, typer.Option("--chain", help="Chain of a BigQuery or explorer export.")
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import transfers, an OFAC sdn_advanced.xml issue or a TagPack; safe to repeat."""
    try:
        formats = [resolve_format(Path(f), format_) for f in files]
    except PipelineError as exc:
        _die(str(exc))
    failed = False
    reports = []
    with _importer(store) as run:
        for name, fmt in zip(files, formats, strict=True):
            try:
                with _progress(Path(name).name, as_json) as tick:
                    report = run(name, fmt, chain, tick)
            except PipelineError as exc:
                failed = True
                err.print(f"failed: {escape(str(exc))}", highlight=False)
                continue
            failed = failed or not report.ok
            reports.append(report)
            if as_json:
                continue
            err.print(escape(_summary(report)), highlight=False)
            for row in report.errors[:SHOWN_ERRORS]:
                err.print(f"  line {row.line}: {escape(row.reason)}", highlight=False)
            if report.error_count > SHOWN_ERRORS:
                err.print(f"  ... and {report.error_count - SHOWN_ERRORS} more", highlight=False)
            for reason, count in sorted(report.skipped.items()):
                err.print(f"  skipped {count}: {escape(reason)}", highlight=False)
            for note in report.notes:
                err.print(f"  note: {escape(note)}", highlight=False)
    if as_json:
        _print_json({"imports": [r.to_json() for r in reports]})
    raise typer.Exit(1 if failed else 0)


@onchain_app.command("formats")
def formats_cmd() -> None:
    """List the import formats."""
    for fmt in FORMATS.values():
        out.print(f"{fmt.name:30} {escape(fmt.description)}", highlight=False)


def wallet_cmd(
    address: Annotated[str, typer.Argument(help="An address, in any case.")],
    max_hops: HopsOpt = 3,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show an address: documents, sanctions, activity, counterparties, paths to sanctioned."""
    report = _answer(store, wallet_report, address, max_hops)
    known = report["documents"] or report["sanctions"] or report["tags"]
    known = known or report["counterparties_total"]
    if not report["chains"] and not report["recognised"] and not known:
        _die(
            f"{address.strip()!r} is not a wallet address moneytrail recognises (Bitcoin, "
            "Ethereum and EVM chains, Tron, Litecoin ...) and nothing in the store names it"
        )
    if as_json:
        _print_json(report)
    else:
        render.wallet(out, report)


def path_cmd(
    a: Annotated[str, typer.Argument(help="First address.")],
    b: Annotated[str, typer.Argument(help="Second address.")],
    max_hops: HopsOpt = 3,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the shortest transfer paths between two addresses, both ways."""
    result = _answer(store, paths, a, b, max_hops)
    if as_json:
        _print_json(result)
    else:
        render.paths(out, result)


def xref_cmd(
    max_hops: HopsOpt = 3,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per wallet.")] = False,
) -> None:
    """Cross-reference every wallet the documents mention with sanctions and transfers."""
    if as_json and as_csv:
        _die("give --json or --csv, not both")
    result = _answer(store, xref, max_hops)
    if as_json:
        _print_json(result)
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(render.XREF_COLUMNS)
        writer.writerows(render.xref_row(w) for w in result["wallets"])
    else:
        render.xref(out, result)


def register(app: typer.Typer) -> None:
    """Add the on-chain commands to the moneytrail app."""
    app.add_typer(onchain_app, name="onchain")
    app.command("wallet")(wallet_cmd)
    app.command("path")(path_cmd)
    app.command("xref")(xref_cmd)
