"""Import one file: sniff its format, stream its records and write them in batches."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.onchain.model import (
    ImportReport,
    Issue,
    Listing,
    OnchainError,
    Record,
    RowError,
    Skip,
    Tag,
    Tick,
    Token,
    Transfer,
    UtxoLeg,
)
from pipeline.onchain.reading import ReadContext
from pipeline.onchain.sniff import Format, get_format, sniff
from pipeline.onchain.source import head_text, open_input
from pipeline.store.sqlite import onchain as storage

# progress(bytes of the file read, file size in bytes, records read so far)
Progress = Callable[[int, int, int], None]
# token(chain, address): a token's symbol and decimals where the store knows them
TokenLookup = Callable[[str, str], Token | None]
TOO_MANY_PAIRS = "UTXO transaction with too many input x output pairs"
BATCH = 20_000
# A file this large, bringing at least half as many rows as are stored already, is bulk
# loaded: the hop indexes are dropped first and built once at the end.
BULK_BYTES = 64 * 2**20
BYTES_PER_ROW = 200  # a normalised transfer row, roughly
# The page cache while importing, in KiB: holds the id index and hot pages (restored after).
IMPORT_CACHE_KIB = 131_072


def _silent(done: int, total: int, rows: int) -> None:
    return None


def resolve_format(path: Path, name: str | None) -> str:
    """Return the format to read a file with: the one named, or the one sniffed."""
    if name is None:
        return sniff(path)
    if name == "transfers":  # either flavour: tell CSV from JSON lines by the first byte
        return (
            "transfers-jsonl"
            if head_text(path, 4096).lstrip().startswith("{")
            else ("transfers-csv")
        )
    return get_format(name).name


def import_file(
    db: sqlite3.Connection,
    path: str | Path,
    format: str | None = None,
    chain: str | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
    token_lookup: TokenLookup | None = None,
) -> ImportReport:
    """Import an on-chain, sanctions or attribution file into the store; safe to repeat.

    Token symbols and decimals come from `db`, or from `token_lookup` where the tokens are
    stored elsewhere (an import into Elasticsearch runs in a scratch store).
    """
    path = Path(path)
    started = time.perf_counter()
    tick = progress or _silent
    if not path.is_file():
        raise OnchainError(f"{path} is not a file; give the path of an export to import")
    fmt = get_format(resolve_format(path, format))
    storage.ensure_schema(db)
    tokens: dict[tuple[str, str], Token | None] = {}
    lookup = token_lookup or (lambda chain_, address: storage.token_info(db, chain_, address))

    def token(chain_: str, address: str) -> Token | None:
        if (chain_, address) not in tokens:
            tokens[(chain_, address)] = lookup(chain_, address)
        return tokens[(chain_, address)]

    ctx = ReadContext(source=str(path), chain=chain, token=token)
    report = ImportReport(source=str(path), format=fmt.name)
    bulk = fmt.transfers and _bulk(db, path)
    cache = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        if bulk:
            storage.drop_hop_indexes(db)
            report.note("bulk load: the from/to indexes were dropped and built again")
        _stream(db, path, fmt, ctx, report, tick, batch)
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache)}")
        if bulk:
            storage.ensure_schema(db)
    for note in ctx.notes:
        report.note(note)
    report.seconds = time.perf_counter() - started
    return report


def _bulk(db: sqlite3.Connection, path: Path) -> bool:
    """Say whether a file is big enough, against what is stored, to load in bulk."""
    size = path.stat().st_size
    if size < BULK_BYTES:
        return False
    return size // BYTES_PER_ROW >= storage.transfer_count_estimate(db) // 2


def _stream(
    db: sqlite3.Connection,
    path: Path,
    fmt: Format,
    ctx: ReadContext,
    report: ImportReport,
    tick: Progress,
    batch: int,
) -> None:
    """Read the file's records and write them in batches (one batch if the format is atomic)."""
    pending: list[Record] = []
    with open_input(path) as handle:
        try:
            for record in fmt.reader(handle, ctx):
                if isinstance(record, Tick):
                    tick(handle.done, handle.total, report.rows)
                    continue
                report.rows += 1
                if isinstance(record, RowError):
                    report.error(record)
                elif isinstance(record, Skip):
                    report.skipped[record.reason] += 1
                else:
                    pending.append(record)
                    if len(pending) >= batch and not fmt.atomic:
                        _flush(db, pending, report)
                        pending = []
                        tick(handle.done, handle.total, report.rows)
        except OnchainError as exc:
            stored = report.added + report.existing
            raise OnchainError(
                f"{exc}; {stored} records before it were already stored (re-running is safe)"
                if stored
                else str(exc)
            ) from exc
        _flush(db, pending, report)
        tick(handle.total, handle.total, report.rows)


def _flush(db: sqlite3.Connection, records: list[Record], report: ImportReport) -> None:
    """Write one batch in one transaction."""
    if not records:
        return
    groups: dict[type, list[Record]] = {}
    for record in records:
        groups.setdefault(type(record), []).append(record)
    db.execute("BEGIN IMMEDIATE")
    try:
        added = 0
        added += storage.write_transfers(db, groups.get(Transfer, []))  # type: ignore[arg-type]
        added += storage.write_listings(db, groups.get(Listing, []))  # type: ignore[arg-type]
        added += storage.write_tags(db, groups.get(Tag, []))  # type: ignore[arg-type]
        added += storage.write_tokens(db, groups.get(Token, []))  # type: ignore[arg-type]
        for issue in groups.get(Issue, []):
            added += storage.write_issue(db, issue)  # type: ignore[arg-type]
        legs, touched = storage.write_utxo_legs(db, groups.get(UtxoLeg, []))  # type: ignore[arg-type]
        added += legs
        edges = 0
        for chain, tx_hash in sorted(touched):
            derived = storage.derive_utxo_edges(db, chain, tx_hash)
            if derived is None:
                report.skipped[TOO_MANY_PAIRS] += 1
            else:
                edges += derived
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    report.added += added
    report.existing += len(records) - added
    report.derived_edges += edges
