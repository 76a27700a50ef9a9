"""Export and serve commands for the CLI: files for other tools, and a read-only HTTP API."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.console import die as _die
from pipeline.console import err
from pipeline.errors import PipelineError
from pipeline.export import FORMATS, RECORD_KINDS, export
from pipeline.records import MENTION_TYPES
from pipeline.settings import load_settings
from pipeline.store import open_store

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Store file (default ./moneytrail.db, or $MONEYTRAIL_STORE)."),
]


def _shown(location: str) -> str:
    """Return a store location fit to print: a password in a URL becomes ***."""
    return _USERINFO.sub("***@", location)


def _existing_store(store: str | None) -> str:
    """Return the store location, refusing a file that does not exist (it would be created)."""
    location = load_settings(store).store
    if not location.startswith(("http://", "https://")) and not Path(location).is_file():
        _die(f"no store at {location}; ingest documents first or give --store")
    return location


def export_cmd(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")
    ] = "jsonl",
    records: Annotated[
        str | None,
        typer.Option("--records", help=f"jsonl and csv: only {', '.join(RECORD_KINDS)} records."),
    ] = None,
    type_: Annotated[
        str | None,
        typer.Option(
            "--type",
            help=f"Only entities of this type ({', '.join(MENTION_TYPES)}), their mentions "
            "and the relations that touch them.",
        ),
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="A file, or - for stdout (the default).")
    ] = "-",
    out_dir: Annotated[
        str | None,
        typer.Option("--out-dir", help="csv of every kind: the folder for one file per kind."),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Export the store for other tools: jsonl, csv, ftm (FollowTheMoney), tagpack, graphml."""
    if type_ in RECORD_KINDS and records is None:
        err.print(
            f"moneytrail: note: --type {type_} now means an entity type; use --records {type_} "
            "for one kind of record (taken as that this time)",
            highlight=False,
        )
        records, type_ = type_, None
    if type_ is not None and type_ not in MENTION_TYPES:
        _die(f"--type must be one of {', '.join(MENTION_TYPES)}, not {type_!r}")
    if out_dir is not None and output != "-":
        _die("give -o FILE or --out-dir FOLDER, not both")
    destination = out_dir if out_dir is not None else output
    location = _existing_store(store)
    try:
        db = open_store(location)
    except PipelineError as exc:
        _die(str(exc))
    try:
        report = export(db, fmt, destination, records, stdout=sys.stdout, entity_type=type_)
    except PipelineError as exc:
        _die(str(exc))
    except BrokenPipeError:
        # The reader (head, less) stopped early: not an error, and nothing left to say.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        raise typer.Exit(0) from None
    finally:
        db.close()
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items()))
    where = ", ".join(report.paths) if report.paths else "stdout"
    size = f", {report.bytes:,} bytes" if report.paths else ""
    err.print(
        f"{fmt}: {counts or 'nothing'} -> {where}{size} in {report.seconds:.2f}s",
        highlight=False,
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    store: StoreOpt = None,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            "--api-key-env",
            metavar="VAR",
            help="Require the API key held in this environment variable (X-API-Key header; "
            "the pages ask for it on a login form).",
        ),
    ] = None,
) -> None:
    """Serve the analyst's workbench at / and the JSON API beside it (OpenAPI at /openapi.json)."""
    import uvicorn

    from pipeline.web import create_workbench

    location = _existing_store(store)
    api_key: str | None = None
    if api_key_env is not None:
        # The variable's name comes from the user; its value is never printed.
        api_key = os.environ.get(api_key_env, "")
        if not api_key.strip():
            _die(f"the environment variable {api_key_env} is not set or is empty")
    try:
        open_store(location).close()
    except PipelineError as exc:
        _die(str(exc))
    if not _loopback(host) and api_key is None:
        err.print(
            f"moneytrail: warning: listening on {escape(host)} without an API key; anyone who "
            "can reach this machine can read the store (see --api-key-env)",
            highlight=False,
        )
    guarded = " (API key required)" if api_key else ""
    err.print(
        f"serving {escape(_shown(location))} on http://{escape(host)}:{port}{guarded}",
        highlight=False,
    )
    uvicorn.run(create_workbench(location, api_key), host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    """Add the export and serve commands to the moneytrail CLI."""
    app.command("export")(export_cmd)
    app.command("serve")(serve_cmd)
