"""Open an import file as a stream (plain, gzip or bzip2) and count the bytes read from disk."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pipeline.onchain.model import OnchainError

# Fields longer than csv's default 128 KiB occur in exports with contract input data.
csv.field_size_limit(64 * 1024 * 1024)
# The key under which csv_table reports a row it could not split into the header's fields.
ROW_ERROR = "__error__"


class CountingReader(io.RawIOBase):
    """A raw binary stream that counts bytes read, so progress works under compression."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        """Say the stream is readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill the buffer from the file and count what was read."""
        data = self.raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size

    def close(self) -> None:
        """Close the underlying file."""
        self.raw.close()
        super().close()


class Input:
    """An open import file: a binary stream of the decompressed bytes plus progress counters."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.total = path.stat().st_size
        self.counter = CountingReader(path.open("rb"))
        buffered = io.BufferedReader(self.counter, buffer_size=1 << 20)
        head = buffered.peek(3)[:3]
        self.binary: IO[bytes]
        if head[:2] == b"\x1f\x8b":
            self.binary = gzip.GzipFile(fileobj=buffered)  # type: ignore[assignment]
        elif head == b"BZh":
            self.binary = bz2.BZ2File(buffered)  # type: ignore[assignment]
        else:
            self.binary = buffered

    @property
    def done(self) -> int:
        """Return how many bytes of the file on disk have been read."""
        return self.counter.count

    def text(self) -> IO[str]:
        """Return the content as text; a UTF-8 BOM is dropped, other bytes must be UTF-8."""
        # newline="" keeps csv's own handling of quoted line breaks intact.
        return io.TextIOWrapper(self.binary, encoding="utf-8-sig", newline="")

    def close(self) -> None:
        """Close the file."""
        self.binary.close()
        self.counter.close()


@contextmanager
def open_input(path: Path) -> Iterator[Input]:
    """Open an import file; a missing or unreadable file is an OnchainError."""
    if not path.is_file():
        raise OnchainError(f"{path} is not a file; give the path of an export to import")
    try:
        handle = Input(path)
    except OSError as exc:
        raise OnchainError(f"cannot read {path} ({exc})") from exc
    try:
        yield handle
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise OnchainError(f"{path} is unreadable or truncated ({exc})") from exc
    finally:
        handle.close()


def head_text(path: Path, size: int = 65536) -> str:
    """Return the first decompressed characters of a file, for sniffing its format."""
    with open_input(path) as handle:
        data = handle.binary.read(size)
    return data.decode("utf-8-sig", errors="replace")


def csv_table(stream: IO[str]) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Return a CSV file's header and its (line number, row) pairs; the header is line 1."""
    reader = csv.reader(stream)
    header = [h.strip() for h in next(reader, [])]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # the reader resumes at the next line
                yield reader.line_num, {ROW_ERROR: f"is not valid CSV ({exc})"}
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                yield (
                    reader.line_num,
                    {ROW_ERROR: f"has {len(row)} fields, the header has {len(header)}"},
                )
                continue
            yield reader.line_num, dict(zip(header, row, strict=True))

    return header, rows()


def csv_header(text: str) -> list[str]:
    """Return the header fields of CSV text."""
    first = next(csv.reader(io.StringIO(text)), [])
    return [h.strip() for h in first]


def json_lines(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield (line number, object) per JSON line, or the reason a line is not a JSON object."""
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield line, f"is not valid JSON ({exc.msg})"
            continue
        if not isinstance(value, dict):
            yield line, "is not a JSON object"
            continue
        yield line, value


def first_json(text: str) -> dict[str, Any] | None:
    """Return the first JSON-lines object of some text, or None."""
    for line in text.splitlines():
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                return None
            return value if isinstance(value, dict) else None
    return None


def records(handle: Input) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield (line, row or reason) from JSON lines or a CSV with a header, whichever it is."""
    start = handle.binary.peek(256)[:256]  # type: ignore[attr-defined]
    stream = handle.text()
    if start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        yield from json_lines(stream)
        return
    _, rows = csv_table(stream)
    for line, row in rows:
        yield line, row.get(ROW_ERROR, row)
