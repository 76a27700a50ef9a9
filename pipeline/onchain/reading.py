"""What every importer receives besides its file: the source name, hints and lookups."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pipeline.ids import stable_id
from pipeline.onchain.model import Record, RowError, Token
from pipeline.onchain.source import Input
from pipeline.onchain.units import FieldError


def _no_token(chain: str, address: str) -> Token | None:
    return None


@dataclass(slots=True)
class ReadContext:
    """The import's settings and lookups, handed to a reader."""

    source: str
    chain: str | None = None  # a --chain given by the user, overriding the reader's default
    token: Callable[[str, str], Token | None] = _no_token
    notes: list[str] = field(default_factory=list)
    legs: LegNamer = field(default_factory=lambda: LegNamer())

    def note(self, text: str) -> None:
        """Record something the analyst should know about the whole file, once."""
        if text not in self.notes:
            self.notes.append(text)


Reader = Callable[[Input, ReadContext], Iterator[Record]]


def field_of(row: dict[str, str], name: str, required: bool = True) -> str:
    """Return a CSV or JSON field as text; a missing required one is a FieldError."""
    value = row.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(f"{name} is missing")
        return ""
    return str(value).strip()


def guarded(line: int, build: Callable[[], Iterator[Record]]) -> Iterator[Record]:
    """Run a row's builder, turning a FieldError into that row's RowError."""
    try:
        # Materialised first so that a problem in a later leg drops the whole row.
        records = list(build())
    except FieldError as exc:
        yield RowError(line, str(exc))
        return
    yield from records


class LegNamer:
    """Name legs by content where an export has no log or trace index.

    The same token transfer exported by Etherscan (no log index) and by BigQuery then gets
    the same leg, so it is stored once; identical legs within one transaction are numbered
    in file order. Only the most recent names are remembered, to keep memory bounded.
    """

    def __init__(self, remember: int = 200_000) -> None:
        self.remember = remember
        self.counts: OrderedDict[str, int] = OrderedDict()

    def __call__(self, kind: str, tx_hash: str, *content: str) -> str:
        """Return the leg of one transfer of `kind` within a transaction."""
        body = stable_id(kind, *(c.lower() for c in content), length=12)
        key = f"{tx_hash}:{body}"
        count = self.counts.pop(key, 0) + 1
        self.counts[key] = count
        if len(self.counts) > self.remember:
            self.counts.popitem(last=False)
        return f"{kind}:{body}" + (f"#{count}" if count > 1 else "")
