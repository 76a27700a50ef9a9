"""On-chain and sanctions records passed from the importers to storage, and their errors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import ConfigError, PipelineError

# How many malformed rows a report keeps verbatim; the rest are only counted.
MAX_KEPT_ERRORS = 1000


class OnchainError(PipelineError):
    """An on-chain or sanctions file could not be imported."""

    stage = "onchain"


class UnknownFormatError(ConfigError):
    """A file's format could not be recognised (or a named format does not exist)."""

    stage = "onchain"


@dataclass(frozen=True, slots=True)
class Transfer:
    """One movement of an asset from one address to another: a leg of a transaction."""

    chain: str
    tx_hash: str
    leg: str
    block_time: str | None
    block_number: int | None
    from_address: str
    to_address: str
    asset: str
    amount: str  # exact decimal string in asset units
    amount_usd: str | None
    source: str
    # 1 when derived from UTXO inputs and outputs: who paid whom is then an estimate.
    approx: int = 0


@dataclass(frozen=True, slots=True)
class UtxoLeg:
    """One input or output of a UTXO transaction (Bitcoin-style), before edges are derived."""

    chain: str
    tx_hash: str
    side: str  # "in" or "out"
    index: int
    address: str
    value: str  # exact decimal string in coin units
    block_time: str | None
    block_number: int | None
    source: str


@dataclass(frozen=True, slots=True)
class Listing:
    """One sanctioned address as one issue of a list publishes it."""

    publication: str  # e.g. "OFAC SDN advanced"
    issue_date: str  # ISO date of the issue
    list: str  # e.g. "SDN List"
    profile_id: str
    name: str
    label: str  # the list's own currency label, a hint only
    address: str
    program: str | None = None
    # When the profile (not necessarily this address) was first designated.
    designated: str | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """One issue of a sanctions list: when it was published and where it was read from."""

    publication: str
    issue_date: str
    source: str


@dataclass(frozen=True, slots=True)
class Tag:
    """An attribution tag: who an address belongs to, according to whom."""

    address: str
    label: str
    source: str
    actor: str | None = None
    category: str | None = None
    confidence: str | None = None
    currency: str | None = None
    pack: str | None = None


@dataclass(frozen=True, slots=True)
class Token:
    """A token contract's symbol and decimals, used to scale raw transfer values."""

    chain: str
    address: str
    symbol: str | None
    decimals: int | None


@dataclass(frozen=True, slots=True)
class RowError:
    """A malformed row: where it is and what is wrong with it."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Skip:
    """A well-formed row left out on purpose (a failed transaction, a zero amount)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Tick:
    """No data: a reader that works long between records yields one so progress can move."""


Record = Transfer | UtxoLeg | Listing | Issue | Tag | Token | RowError | Skip | Tick


@dataclass(slots=True)
class ImportReport:
    """What one import saw, stored, skipped and could not read."""

    source: str
    format: str
    rows: int = 0
    added: int = 0
    existing: int = 0
    derived_edges: int = 0  # approximate transfers estimated from UTXO inputs and outputs
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Say whether every row was read."""
        return self.error_count == 0

    def error(self, row: RowError) -> None:
        """Count a malformed row, keeping the first ones verbatim."""
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(row)

    def note(self, text: str) -> None:
        """Add a note once."""
        if text not in self.notes:
            self.notes.append(text)

    def to_json(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {
            "source": self.source,
            "format": self.format,
            "rows": self.rows,
            "added": self.added,
            "existing": self.existing,
            "derived_edges": self.derived_edges,
            "skipped": dict(sorted(self.skipped.items())),
            "errors": self.error_count,
            "error_rows": [{"line": e.line, "reason": e.reason} for e in self.errors],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }
