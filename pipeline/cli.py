"""The moneytrail command line: each command reads its flags and calls one library function."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import __version__
from pipeline.console import die as _die
from pipeline.console import err, out
from pipeline.console import print_json as _print_json
from pipeline.errors import PipelineError
from pipeline.ingest import collect_paths, extract_files, ingest, unsupported_files
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
def _store(settings: Settings, create: bool = False) -> Iterator[Store]:
    """Open the store; a read refuses a store file that does not exist rather than make one."""
    from pathlib import Path

    location = settings.store
    is_url = location.startswith(("http://", "https://"))
    if not create and not is_url and not Path(location).is_file():
        _die(f"no store at {location}; ingest documents first or give --store")
    try:
        store = open_store(location)
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
    unsupported = unsupported_files(paths or [])
    with _store(settings, create=True) as db, _progress(len(files), quiet=as_json) as tick:
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
                "unsupported": unsupported,
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
        if unsupported:
            count = sum(unsupported.values())
            kinds = ", ".join(f"{k or '(no suffix)'} {n}" for k, n in unsupported.items())
            err.print(
                f"skipped {count} unsupported file{'' if count == 1 else 's'} ({kinds}); "
                "moneytrail reads PDF, HTML and text",
                highlight=False,
            )
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


def _detail(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "/".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return str(value)


def _print_extract(item: dict[str, Any]) -> None:
    doc = item["document"]
    title = f"{doc['source']} ({_plural(doc['pages'], 'page')})"
    table = Table(title=escape(title), title_justify="left")
    table.add_column("type", no_wrap=True)
    table.add_column("name", ratio=1)
    table.add_column("details", ratio=1)
    table.add_column("pages")
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
            escape(", ".join(f"{k} {_detail(v)}" for k, v in details.items())),
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
        typer.Option(
            "--chain", help="Only pages with a wallet of this chain (ETH or ethereum, BTC, TRX)."
        ),
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
    # Facets count mentions on the matching pages only; `entities` counts the whole store.
    for name, rows in facets.items():
        if rows:
            top = ", ".join(f"{r.get('name') or r.get('chain')} ({r['count']})" for r in rows[:5])
            plural = "countries" if name == "country" else f"{name}s"
            err.print(f"{plural} on these pages: {escape(top)}", highlight=False)
    for hit in result.hits:
        label = f" [{hit.entity['type']}: {hit.entity['name']}]" if hit.entity else ""
        if hit.alias is not None and hit.entity:
            label = (
                f" [alias: the page says {hit.alias!r} for "
                f"{hit.entity['type']} {hit.entity['name']}]"
            )
        entity = escape(label)
        out.print(
            f"[bold]{escape(hit.source)}[/] p.{hit.page} {hit.score:.2f}{entity}", highlight=False
        )
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _short_ids(ids: list[str], least: int = 12) -> dict[str, str]:
    """Return for each id its shortest prefix (at least `least` long) unique among them."""
    size = least
    while len({i[:size] for i in ids}) < len(set(ids)) and size < 64:
        size += 4
    return {i: i[:size] for i in ids}


def _documents_table(rows: list[dict[str, Any]]) -> Table:
    """A 64-hex id never fits beside a title: show a unique prefix, which `show` takes."""
    short = _short_ids([r["id"] for r in rows])
    table = Table()
    table.add_column("id (prefix)", no_wrap=True)
    table.add_column("title", ratio=2, min_width=12)
    table.add_column("date", no_wrap=True)
    table.add_column("pages", justify="right", no_wrap=True)
    table.add_column("source", ratio=1, min_width=12, overflow="fold")
    for r in rows:
        table.add_row(
            short[r["id"]],
            escape(r["title"] or ""),
            r["date"] or "",
            str(r["pages"] or 0),
            escape(r["source"]),
        )
    return table


@app.command("documents")
def documents_cmd(
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored documents: id, title, date, pages and source."""
    with _store(load_settings(store)) as db:
        rows = db.document_list(limit, offset)
    if as_json:
        _print_json({"documents": rows, "limit": limit, "offset": offset})
        return
    if not rows:
        err.print("no documents stored; add some with: moneytrail ingest PATH", highlight=False)
        return
    out.print(_documents_table(rows))


def _marked_page(text: str, start: int, mentions: list[Any]) -> str:
    """Return a page's text as rich markup with each mention shown and its type after it."""
    parts: list[str] = []
    at = 0
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        begin, end = m.start - start, m.end - start
        if begin < at or end > len(text):
            continue  # overlapping or outside the page: the first one wins
        parts.append(escape(text[at:begin]))
        parts.append(f"[bold cyan]{escape(text[begin:end])}[/][dim]⟨{m.type}⟩[/]")
        at = end
    parts.append(escape(text[at:]))
    return "".join(parts)


@app.command("show")
def show_cmd(
    document: Annotated[
        str, typer.Argument(help="A document id, an id prefix or the source path it came from.")
    ],
    page: Annotated[
        int | None,
        typer.Option("--page", min=1, help="Print this page's text with its mentions marked."),
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a stored document: metadata, pages and the entities it mentions, or one page."""
    with _store(load_settings(store)) as db:
        found = db.find_documents(document)
        if not found:
            _die(
                f"no stored document has the id or source {document!r}; "
                "list them with 'moneytrail documents'",
                1,
            )
        if len(found) > 1:
            err.print(f"{document!r} matches {len(found)} documents:", highlight=False)
            err.print(_documents_table(found))
            _die("give more of the id, or the source path", 1)
        doc = db.document(found[0]["id"])
        text = db.page_text(found[0]["id"], page) if page is not None else None
        mentions = (
            [m for m in db.iter_mentions(found[0]["id"]) if m.page == page]
            if text is not None
            else []
        )
    if doc is None:
        _die(f"the document {found[0]['id']} is no longer stored", 1)
    if page is not None:
        meta = next((p for p in doc["pages"] if p["number"] == page), None)
        if meta is None or text is None:
            _die(f"{doc['source']} has {_plural(doc['page_count'], 'page')}, not a page {page}", 1)
        if as_json:
            _print_json(
                {
                    "document": {"id": doc["id"], "source": doc["source"], "title": doc["title"]},
                    "page": page,
                    "text": text,
                    "mentions": [
                        {
                            "type": m.type,
                            "text": m.text,
                            "start": m.start - meta["start"],
                            "end": m.end - meta["start"],
                            "entity": m.entity_id,
                        }
                        for m in mentions
                    ],
                }
            )
            return
        out.print(
            f"[bold]{escape(doc['source'])}[/] page {page} of {doc['page_count']} "
            f"({_plural(len(mentions), 'mention')})",
            highlight=False,
        )
        out.print(_marked_page(text, meta["start"], mentions), highlight=False)
        return
    if as_json:
        _print_json(doc)
        return
    out.print(
        f"[bold]{escape(doc['title'] or doc['source'])}[/]  ({doc['kind']}, "
        f"{_plural(doc['page_count'], 'page')})\n  id {doc['id']}\n"
        f"  source {escape(doc['source'])}",
        highlight=False,
    )
    for warning in doc["warnings"]:
        out.print(f"  [yellow]note:[/] {escape(warning)}", highlight=False)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("type", no_wrap=True)
    table.add_column("name", ratio=2, min_width=16, overflow="fold")
    table.add_column("kind", overflow="fold")
    table.add_column("mentions", justify="right", no_wrap=True)
    table.add_column("pages", ratio=1)
    for e in doc["entities"]:
        table.add_row(
            e["type"],
            escape(e["name"]),
            e["kind"] or "",
            str(e["mentions"]),
            ",".join(map(str, e["pages"])),
        )
    out.print(table)
    err.print(f"read a page with: moneytrail show {doc['id'][:12]} --page 1", highlight=False)


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
    longest = max((len(r["name"]) for r in rows if r["type"] == "wallet"), default=0)
    if longest and out.width < longest + 60:
        # A whole address beside the other columns does not fit: a block per entity, so the
        # address stays on one line, ready to copy.
        for r in rows:
            kind = r["kind"] or r["attributes"].get("code") or ""
            out.print(escape(r["name"]), highlight=False)
            out.print(
                f"    {r['type']} {escape(kind)}, {_plural(r['mentions'], 'mention')} in "
                f"{_plural(r['documents'], 'document')}, id {r['id']}",
                highlight=False,
            )
        return
    # No outer border and no column lines, so a name keeps room at 80 columns; a name wraps,
    # folding a word longer than its cell, and is never cut.
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    if type_ is None:
        table.add_column("type", no_wrap=True)
    table.add_column("name", ratio=1, min_width=14, overflow="fold")
    table.add_column("kind", overflow="fold")
    table.add_column("mentions", justify="right", no_wrap=True)
    table.add_column("docs", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)  # an id is copied into other commands: never cut
    for r in rows:
        table.add_row(
            *([r["type"]] if type_ is None else []),
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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (as --format json).")] = False,
) -> None:
    """Print an entity's neighbourhood in the relation graph (Gephi, yEd, Neo4j)."""
    from pipeline.link import judge
    from pipeline.link.graph import neighbourhood, to_graphml

    if fmt not in ("json", "graphml"):
        raise typer.BadParameter("must be json or graphml", param_hint="--format")
    if as_json and fmt != "json":
        _die("give --json or --format graphml, not both")
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
    relations: Annotated[
        bool,
        typer.Option(
            "--relations",
            help="FOLDER is a relation dev set (corpora/real-dev): score typed relations "
            "per predicate and actor kinds.",
        ),
    ] = False,
    shared: Annotated[
        str, typer.Option("--shared", help="Folder holding the dev set's PDFs (with --relations).")
    ] = "../shared/data",
) -> None:
    """Score extraction against annotated documents: precision, recall, F1 per type."""
    from pathlib import Path

    from pipeline.evaluate import evaluate, gold_files

    if relations:
        _evaluate_relations(folder, shared, errors, as_json)
        return
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


def _evaluate_relations(folder: str, shared: str, errors: bool, as_json: bool) -> None:
    """Print typed-relation and kind scores on a real-text dev set, per split."""
    from pathlib import Path

    from pipeline.evaluate_relations import run

    try:
        outcomes = run(Path(folder), [Path(shared)])
    except PipelineError as exc:
        _die(str(exc))
    if as_json:
        _print_json({split: o.to_json(errors) for split, o in outcomes.items()})
        return
    for split, outcome in outcomes.items():
        data = outcome.to_json(errors)
        table = Table(
            "predicate",
            "precision",
            "recall",
            "F1",
            "tp",
            "fp",
            "fn",
            title=f"{split}: typed relations in {folder}",
            title_justify="left",
        )
        for name, row in data["predicates"].items():
            table.add_row(
                name,
                f"{row['precision']:.3f}",
                f"{row['recall']:.3f}",
                f"{row['f1']:.3f}",
                str(row["tp"]),
                str(row["fp"]),
                str(row["fn"]),
            )
        micro = data["typed_micro"]
        table.add_row(
            "all typed",
            f"{micro['precision']:.3f}",
            f"{micro['recall']:.3f}",
            f"{micro['f1']:.3f}",
            "",
            "",
            "",
        )
        out.print(table)
        kinds = data["kinds"]
        out.print(
            f"{split}: kind accuracy {kinds['accuracy']:.3f} ({kinds['right']} of "
            f"{kinds['found']} gold actors found; {kinds['gold']} annotated)",
            highlight=False,
        )
        for note in data.get("skipped_documents", []):
            out.print(f"{split}: {escape(note)}", highlight=False)
        if errors:
            for row in data["predicates"].values():
                for miss in row["false_negatives"]:
                    out.print(f"missed   {escape(miss)}", highlight=False)
                for extra in row["false_positives"]:
                    out.print(f"spurious {escape(extra)}", highlight=False)
            for wrong in kinds["errors"]:
                out.print(f"kind     {escape(wrong)}", highlight=False)


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


def _plain_help() -> None:
    """Show value types in help the way click does (TEXT, INTEGER; nothing for a flag) and
    arguments as QUERY, instead of Typer 0.29's <str>, <bool> and {query}."""
    from typer.core import TyperArgument, TyperOption

    words = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "", "Path": "PATH"}
    original = TyperOption.display_type

    def display_type(self: Any, ctx: Any) -> str:
        label = str(original(self, ctx)).strip("<>")
        if label.startswith("list[") and label.endswith("]"):
            label = label[5:-1]
        first, _, rest = label.partition(" ")
        return f"{words.get(first, first.upper())} {rest.upper()}".strip()

    def usage_name(self: Any) -> str:
        name = self.metavar or self.name.upper()
        shown = name if self.required else f"[{name}]"
        return shown + ("..." if self.nargs != 1 else "")

    def rich_name(self: Any) -> str:
        return str(self.metavar or self.name.upper()) + ("..." if self.nargs != 1 else "")

    TyperOption.display_type = display_type  # type: ignore[method-assign]
    TyperArgument.display_type = display_type  # type: ignore[method-assign]
    TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]
    TyperArgument._rich_display_name = rich_name  # type: ignore[method-assign]


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
_plain_help()
