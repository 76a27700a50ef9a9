"""The moneytrail command line: each command reads its flags and calls one library function."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import __version__
from pipeline.console import die as _die
from pipeline.console import err, out
from pipeline.console import print_json as _print_json
from pipeline.errors import PipelineError
from pipeline.ingest import collect_paths, extract_files, ingest
from pipeline.records import MENTION_TYPES, Failure
from pipeline.settings import Settings, load_settings
from pipeline.store import Store, open_store

app = typer.Typer(
    name="moneytrail",
    help="Find actors, wallets, casinos, amounts and countries in financial-crime documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Store file (default ./moneytrail.db, or $MONEYTRAIL_STORE)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _type_check(value: str | None) -> str | None:
    if value is not None and value not in MENTION_TYPES:
        raise typer.BadParameter(f"must be one of {', '.join(MENTION_TYPES)}")
    return value


TypeOpt = Annotated[
    str | None,
    typer.Option("--type", callback=_type_check, help="actor, wallet, casino, amount or country."),
]


@contextmanager
def _store(settings: Settings) -> Iterator[Store]:
    try:
        store = open_store(settings.store)
    except PipelineError as exc:
        _die(str(exc))
    try:
        yield store
    except PipelineError as exc:
        _die(str(exc))
    finally:
        store.close()


def _marked(snippet: str) -> str:
    return re.sub(r"<mark>(.*?)</mark>", r"[bold yellow]\1[/]", escape(snippet))


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Files, directories (recursive) or globs.")
    ] = None,
    store: StoreOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            help="Worker processes (default: one per core; 0: in this process, no limits).",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine", help="Where documents are processed: local (process pool) or ray."
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="Ray cluster to join, host:port (with --engine ray; default: a local one).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-process stored and failed documents.")
    ] = False,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed", help="Retry only recorded failures (all of them without PATH)."
        ),
    ] = False,
    ocr: Annotated[
        str, typer.Option("--ocr", help="OCR pages without a text layer: auto, always, never.")
    ] = "auto",
    max_pages: Annotated[int, typer.Option(min=1, help="Pages per document, at most.")] = 5000,
    max_bytes: Annotated[int, typer.Option(min=1, help="Bytes per file, at most.")] = 200_000_000,
    max_seconds: Annotated[
        float, typer.Option(min=1, help="Seconds per document in a worker, at most.")
    ] = 600.0,
    worker_memory: Annotated[
        int, typer.Option("--worker-memory", min=256, help="Memory per worker process, in MB.")
    ] = 2048,
    classify_kinds: Annotated[
        bool,
        typer.Option(
            "--classify-kinds",
            help="Let an embedding classifier decide the kind of actors the rules are unsure "
            "of (needs the 'semantic' extra).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Parse, OCR, extract, link and index documents into the store, in parallel; resumable."""
    from dataclasses import replace

    from pipeline.settings import OCR_MODES

    if ocr not in OCR_MODES:
        raise typer.BadParameter(f"must be one of {', '.join(OCR_MODES)}", param_hint="--ocr")
    from pipeline.engines import ENGINES

    if engine not in ENGINES:
        raise typer.BadParameter(f"must be one of {', '.join(ENGINES)}", param_hint="--engine")
    if address is not None and engine != "ray":
        raise typer.BadParameter("only with --engine ray", param_hint="--address")
    if engine == "ray":
        import importlib.util

        if importlib.util.find_spec("ray") is None:
            from pipeline.engines.ray import MISSING

            _die(MISSING, 2)
    if not paths and not retry_failed:
        raise typer.BadParameter("give files, directories or globs (or --retry-failed)")
    settings = replace(
        load_settings(store),
        max_pages=max_pages,
        max_bytes=max_bytes,
        max_seconds=max_seconds,
        worker_memory=worker_memory * 2**20,
        workers=workers,
        ocr=ocr,
        classify_kinds=classify_kinds,
        engine=engine,
        ray_address=address,
    )
    files, _ = collect_paths(paths or [])
    with _store(settings) as db, _progress(len(files), quiet=as_json) as tick:
        report = ingest(
            paths or [], db, settings, progress=tick, force=force, retry_failed=retry_failed
        )
    if as_json:
        _print_json(
            {
                "files": report.files,
                "ingested": report.ingested,
                "skipped": report.skipped,
                "pages": report.pages,
                "ocr_pages": report.ocr_pages,
                "mentions": report.mentions,
                "seconds": round(report.seconds, 2),
                "workers": report.workers,
                "worker_restarts": report.worker_restarts,
                "worker_peak_rss": report.worker_peak_rss,
                "nodes": report.placements,
                "interrupted": report.interrupted,
                "notes": report.notes,
                "failures": [_failure_json(f) for f in report.failures],
                "failed_before": [_failure_json(f) for f in report.failed_before],
            }
        )
    else:
        rate = report.pages / report.seconds if report.seconds else 0.0
        before = f", {len(report.failed_before)} failed before" if report.failed_before else ""
        ocr_note = f" ({report.ocr_pages} by OCR)" if report.ocr_pages else ""
        workers = f"{report.workers} worker{'' if report.workers == 1 else 's'}"
        err.print(
            f"{report.ingested} ingested, {report.skipped} already stored, "
            f"{len(report.failures)} failed{before}; {report.pages} pages{ocr_note}, "
            f"{report.mentions} mentions in {report.seconds:.1f}s ({rate:.1f} pages/s, "
            f"{workers}) -> {settings.store}",
            highlight=False,
        )
        for note in report.notes:
            err.print(f"note: {escape(note)}", highlight=False)
        for failure in report.failures:
            err.print(f"failed: {escape(failure.message)}", highlight=False)
        for failure in report.failed_before:
            err.print(f"failed before: {escape(failure.message)}", highlight=False)
        if report.failed_before:
            err.print("files that failed before are unchanged, so were skipped: --retry-failed")
        if report.interrupted:
            err.print("interrupted: run the same command again to resume where it stopped")
    raise typer.Exit(0 if report.ok else 1)


def _fields(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[str, str, int], None]]:
    from rich.progress import TimeRemainingColumn

    if quiet or not err.is_terminal:
        yield lambda event, source, pages: None
        return
    counts = {"documents": 0, "pages": 0, "failed": 0}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rates]}, {task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("ingesting", total=total or None, rates="", failed=0)

        def tick(event: str, source: str, pages: int) -> None:
            if event == "files":
                bar.update(task, total=pages)
                return
            counts["documents"] += event == "ingested"
            counts["pages"] += pages
            counts["failed"] += event == "failed"
            elapsed = max(bar.tasks[0].elapsed or 0.0, 1e-6)
            rates = (
                f"{counts['documents'] / elapsed:.1f} docs/s, {counts['pages']} pages "
                f"({counts['pages'] / elapsed:.1f}/s)"
            )
            bar.update(task, advance=1, rates=rates, failed=counts["failed"])

        yield tick


def _failure_json(failure: Failure) -> dict[str, Any]:
    return {
        "source": failure.source,
        "stage": failure.stage,
        "error": failure.error,
        "message": failure.message,
        "time": failure.time,
    }


@app.command("extract")
def extract_cmd(
    files: Annotated[list[str], typer.Argument(help="Files to parse and extract.")],
    as_json: JsonOpt = False,
) -> None:
    """Parse and extract files without touching the store."""
    settings = load_settings()
    failed = False
    try:
        for item in extract_files(files, settings):
            if isinstance(item, Failure):
                failed = True
                err.print(f"failed: {escape(item.message)}", highlight=False)
            elif as_json:
                _print_json(item)
            else:
                _print_extract(item)
    except PipelineError as exc:
        _die(str(exc))
    raise typer.Exit(1 if failed else 0)


def _print_extract(item: dict[str, Any]) -> None:
    doc = item["document"]
    table = Table(title=f"{doc['source']} ({doc['pages']} pages)", title_justify="left")
    for column in ("type", "name", "details", "pages"):
        table.add_column(column)
    for entity in item["entities"]:
        details = {
            k: v
            for k, v in entity.items()
            if k in ("kind", "code", "chains", "currency", "value", "min", "max", "suspect")
        }
        pages = sorted({m["page"] for m in entity["mentions"]})
        table.add_row(
            entity["type"],
            escape(entity["name"]),
            escape(json.dumps(details)),
            ",".join(map(str, pages)),
        )
    out.print(table)


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help='Words, "a phrase", OR, an address or a name.')],
    type_: TypeOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 10,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    country: Annotated[
        str | None,
        typer.Option("--country", help="Only pages that mention this country (ISO code: KP)."),
    ] = None,
    chain: Annotated[
        str | None,
        typer.Option("--chain", help="Only pages with a wallet of this chain (ETH, BTC, TRX)."),
    ] = None,
    semantic: Annotated[
        bool,
        typer.Option("--semantic", help="Rank pages by meaning (needs the 'semantic' extra)."),
    ] = False,
    hybrid: Annotated[
        bool,
        typer.Option("--hybrid", help="Fuse full-text and semantic ranks (reciprocal rank)."),
    ] = False,
    model: Annotated[
        str | None,
        typer.Option("--model", help="A local transformers model folder for --semantic/--hybrid."),
    ] = None,
    device: Annotated[
        str, typer.Option("--device", help="auto, cpu or cuda, for --semantic/--hybrid.")
    ] = "auto",
) -> None:
    """Search the store: full text with pages and snippets, or mentions of one type."""
    if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
        raise typer.BadParameter("give a two-letter ISO code, such as KP", param_hint="--country")
    if semantic or hybrid:
        if country or chain:
            _die("--country and --chain filter full-text search; leave them out of --semantic")
        _meaning_search(query, type_, limit, store, as_json, hybrid, model, device, semantic)
        return
    with _store(load_settings(store)) as db:
        result = db.search(query, type_, limit, country=country, chain=chain)
        facets = db.facets(query, type_, country=country, chain=chain)
    if as_json:
        _print_json({**result.to_json(), "facets": facets})
        return
    if not result.hits:
        err.print(f"no hits for {query!r}", highlight=False)
        return
    for name, rows in facets.items():
        if rows:
            top = ", ".join(f"{r.get('name') or r.get('chain')} ({r['count']})" for r in rows[:5])
            plural = "countries" if name == "country" else f"{name}s"
            err.print(f"top {plural}: {escape(top)}", highlight=False)
    for hit in result.hits:
        entity = f" [{hit.entity['type']}: {escape(hit.entity['name'])}]" if hit.entity else ""
        out.print(f"[bold]{escape(hit.source)}[/] p.{hit.page}{entity}", highlight=False)
        out.print(f"    {_marked(hit.snippet)}", highlight=False)


def _meaning_search(
    query: str,
    type_: str | None,
    limit: int,
    store: str | None,
    as_json: bool,
    hybrid: bool,
    model: str | None,
    device: str,
    semantic: bool,
) -> None:
    if semantic and hybrid:
        _die("give --semantic or --hybrid, not both")
    if device not in ("auto", "cpu", "cuda"):
        _die(f"--device must be auto, cpu or cuda, not {device!r}")
    location = load_settings(store).store
    from pipeline.semantic.commands import print_hits
    from pipeline.semantic.search import hybrid_search, semantic_search

    run = hybrid_search if hybrid else semantic_search
    try:
        result = run(location, query, limit, type_, model, device)
    except PipelineError as exc:
        _die(str(exc))
    if as_json:
        _print_json(result)
    else:
        print_hits(result)


@app.command("show")
def show_cmd(
    document_id: Annotated[str, typer.Argument(help="A document id (or a unique prefix).")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a stored document: metadata, pages and the entities it mentions."""
    with _store(load_settings(store)) as db:
        doc = db.document(document_id)
    if doc is None:
        _die(f"no stored document has the id {document_id!r}; list them with 'moneytrail stats'", 1)
    if as_json:
        _print_json(doc)
        return
    out.print(
        f"[bold]{escape(doc['title'] or doc['source'])}[/]  ({doc['kind']}, "
        f"{doc['page_count']} pages)\n  id {doc['id']}\n  source {escape(doc['source'])}",
        highlight=False,
    )
    for warning in doc["warnings"]:
        out.print(f"  [yellow]note:[/] {escape(warning)}", highlight=False)
    table = Table("type", "name", "kind", "mentions", "pages")
    for e in doc["entities"]:
        table.add_row(
            e["type"],
            escape(e["name"]),
            e["kind"] or "",
            str(e["mentions"]),
            ",".join(map(str, e["pages"])),
        )
    out.print(table)


@app.command("entities")
def entities_cmd(
    type_: TypeOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List entities, most mentioned first."""
    with _store(load_settings(store)) as db:
        rows = db.entities(type_, limit)
    if as_json:
        _print_json({"entities": rows})
        return
    table = Table("type", "name", "kind", "mentions", "documents", "id")
    for r in rows:
        table.add_row(
            r["type"],
            escape(r["name"]),
            r["kind"] or r["attributes"].get("code") or "",
            str(r["mentions"]),
            str(r["documents"]),
            r["id"],
        )
    out.print(table)


@app.command("stats")
def stats_cmd(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Count documents, pages, mentions and entities per type."""
    with _store(load_settings(store)) as db:
        stats = db.stats()
    if as_json:
        _print_json(stats)
        return
    out.print(
        f"documents {stats['documents']}, pages {stats['pages']} "
        f"({stats['pages_without_text']} without text), mentions {stats['mentions']}, "
        f"entities {stats['entities']}, failures {stats['failures']}",
        highlight=False,
    )
    table = Table("type", "mentions", "entities")
    for type_, counts in stats["by_type"].items():
        table.add_row(type_, str(counts["mentions"]), str(counts["entities"]))
    out.print(table)


@app.command("failures")
def failures_cmd(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List inputs that failed: source, stage, error and time, newest first."""
    with _store(load_settings(store)) as db:
        rows = db.failures()
    if as_json:
        _print_json({"failures": [_failure_json(f) for f in rows]})
        return
    if not rows:
        err.print("no failures recorded", highlight=False)
        return
    # One line per failure (the message starts with the source), so it greps and never wraps.
    for f in rows:
        out.print(f"{f.time}  {f.stage:<7}  {f.error:<17}  {escape(f.message)}", highlight=False)
    err.print(
        f"{len(rows)} failed; retry them with: moneytrail ingest --retry-failed", highlight=False
    )


def _needs_resolution(db: Store) -> None:
    if not hasattr(db, "find_entities"):
        _die(
            "entities across documents and judgements are kept by the embedded store only; "
            "run this against a --store file (moneytrail migrate can copy the corpus there)"
        )


@app.command("entity")
def entity_cmd(
    words: Annotated[
        list[str],
        typer.Argument(help="NAME_OR_ID, or: merge A B | split ID ALIAS... | rename ID NAME"),
    ],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show an entity across documents, or record a judgement: merge, split, rename."""
    from pipeline.link import judge

    action, rest = words[0], words[1:]
    with _store(load_settings(store)) as db:
        _needs_resolution(db)
        try:
            if action == "merge" and len(rest) == 2:
                page = judge.merge(db, rest[0], rest[1])  # type: ignore[arg-type]
            elif action == "split" and len(rest) >= 2:
                page = judge.split(db, rest[0], rest[1:])  # type: ignore[arg-type]
            elif action == "rename" and len(rest) == 2:
                page = judge.rename(db, rest[0], rest[1])  # type: ignore[arg-type]
            elif action in ("merge", "split", "rename"):
                _die(
                    f"usage: moneytrail entity {action} "
                    + {"merge": "A B", "split": "ID ALIAS...", "rename": "ID NAME"}[action]
                )
            else:
                page = judge.entity_view(db, " ".join(words))  # type: ignore[arg-type]
        except judge.EntityError as exc:
            _die(str(exc), 1)
    if as_json:
        _print_json({k: v for k, v in page.items() if k != "members"})
        return
    kind = f", {page['kind']}" if page.get("kind") else ""
    out.print(
        f"[bold]{escape(page['name'])}[/] ({page['type']}{kind})  {page['id']}", highlight=False
    )
    if page["aliases"]:
        out.print("  also: " + escape(", ".join(page["aliases"][:20])), highlight=False)
    for doc in page["documents"]:
        out.print(
            f"  {escape(doc['source'])} p.{','.join(map(str, doc['pages']))}", highlight=False
        )
    for rel in page["relations"][:30]:
        arrow = "->" if rel["direction"] == "out" else "<-"
        first = rel["evidence"][0]
        out.print(
            f"  {rel['predicate']} {arrow} {escape(str(rel['other']['name']))} "
            f"(x{rel['count']}): {escape(first['sentence'][:140])} "
            + escape(f"[{first['source']} p.{first['page']}]"),
            highlight=False,
        )


@app.command("graph")
def graph_cmd(
    entity: Annotated[str, typer.Argument(help="A name, alias or id.")],
    depth: Annotated[int, typer.Option("--depth", min=1, max=4)] = 1,
    fmt: Annotated[str, typer.Option("--format", help="json or graphml.")] = "json",
    store: StoreOpt = None,
) -> None:
    """Print an entity's neighbourhood in the relation graph (Gephi, yEd, Neo4j)."""
    from pipeline.link import judge
    from pipeline.link.graph import neighbourhood, to_graphml

    if fmt not in ("json", "graphml"):
        raise typer.BadParameter("must be json or graphml", param_hint="--format")
    with _store(load_settings(store)) as db:
        _needs_resolution(db)
        try:
            graph = neighbourhood(db, judge.resolve_one(db, entity), depth)  # type: ignore[arg-type]
        except judge.EntityError as exc:
            _die(str(exc), 1)
    if fmt == "json":
        _print_json(graph)
    else:
        sys.stdout.write(to_graphml(graph) + "\n")


@app.command("evaluate")
def evaluate_cmd(
    folder: Annotated[str, typer.Argument(help="Folder of documents with *.gold.json files.")] = (
        "corpora/dev"
    ),
    errors: Annotated[bool, typer.Option("--errors", help="List every miss.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Score extraction against annotated documents: precision, recall, F1 per type."""
    from pathlib import Path

    from pipeline.evaluate import evaluate, gold_files

    try:
        pairs = gold_files(Path(folder))
        extracted = {
            str(item["document"]["source"]): item  # type: ignore[index]
            for item in extract_files([str(d) for d, _ in pairs], load_settings())
            if not isinstance(item, Failure)
        }
        report = evaluate(pairs, extracted)
    except PipelineError as exc:
        _die(str(exc))
    if as_json:
        _print_json(report.to_json(errors))
        return
    table = Table(
        "type",
        "precision",
        "recall",
        "F1",
        "tp",
        "fp",
        "fn",
        title=f"{report.documents} documents in {folder}",
        title_justify="left",
    )
    for name, s in report.scores.items():
        table.add_row(
            name,
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.f1:.3f}",
            str(s.tp),
            str(s.fp),
            str(s.fn),
        )
    table.add_row("overall", "", "", f"{report.overall:.3f}", "", "", "")
    out.print(table)
    if errors:
        for name, s in report.scores.items():
            for miss in s.false_negatives:
                out.print(f"missed   {name:8} {escape(miss)}", highlight=False)
            for extra in s.false_positives:
                out.print(f"spurious {name:8} {escape(extra)}", highlight=False)


def version_callback(value: bool) -> None:
    """Print the version and stop."""
    if value:
        out.print(f"moneytrail {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """moneytrail: document intelligence for financial-crime analysts."""


def _register_extensions() -> None:
    """Add the commands that live beside their own library code."""
    from pipeline.export.commands import register as register_export
    from pipeline.onchain.commands import register as register_onchain
    from pipeline.semantic.commands import register as register_semantic
    from pipeline.store.commands import register as register_store

    register_store(app)
    register_onchain(app)
    register_export(app)
    register_semantic(app)


_register_extensions()
