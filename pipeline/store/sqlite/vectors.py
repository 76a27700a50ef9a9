"""The embedded store's vectors: a float32 matrix and a passages table beside the SQLite file.

`moneytrail.db` gets a folder `moneytrail.db.vectors/` holding `vectors.f32` (raw little-endian
float32, one row of `dims` numbers per passage, row i = passage row i) and `passages.sqlite`
(the passages, the documents they came from, and which model made the vectors). Search is
exact: one matrix-vector product over every row, then argpartition for the best rows.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import ConfigError, StoreError
from pipeline.semantic.passages import Passage

SUFFIX = ".vectors"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT, passages INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL, document_id TEXT NOT NULL, page INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document_id);
"""


@dataclass(frozen=True, slots=True)
class StoredPassage:
    """A passage as the index returns it, with its document's source and title."""

    row: int
    document_id: str
    source: str
    title: str | None
    page: int
    start: int
    end: int
    text: str


def vectors_dir(store_path: str | Path) -> Path:
    """Return the folder that holds a store file's vectors."""
    return Path(f"{store_path}{SUFFIX}")


class VectorIndex:
    """Passage vectors of one embedded store; appends are atomic, search is exact cosine."""

    def __init__(self, store_path: str | Path) -> None:
        self.dir = vectors_dir(store_path)
        self.matrix_path = self.dir / "vectors.f32"
        try:
            self.dir.mkdir(exist_ok=True)
            self.db = sqlite3.connect(
                self.dir / "passages.sqlite", timeout=30, isolation_level=None
            )
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the vectors in {self.dir} ({exc})") from exc
        self._matrix: np.ndarray | None = None

    # --- model ------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """Return the model name, fingerprint and dims the vectors were made with (or {})."""
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    @property
    def dims(self) -> int:
        """Return the vector length, 0 before anything was embedded."""
        return int(self.meta().get("dims", 0))

    def check_model(self, name: str, fingerprint: str, dims: int) -> None:
        """Record the model on first use; refuse a different model afterwards."""
        meta = self.meta()
        if not meta:
            self.db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("model", name), ("fingerprint", fingerprint), ("dims", str(dims))],
            )
        elif meta["fingerprint"] != fingerprint:
            made, wanted = repr(meta["model"]), repr(name)
            if meta["model"] == name:  # one model, two runtimes: name the runtimes
                from pipeline.semantic.embedder import runtime_of

                made += f" on the {runtime_of(meta['fingerprint'])} runtime"
                wanted += f" on the {runtime_of(fingerprint)} runtime"
            raise ConfigError(
                f"the vectors in {self.dir} were made with the model {made}, not {wanted}; "
                "use that model, or run 'moneytrail embed --rebuild' to re-embed"
            )

    # --- writes -----------------------------------------------------------------------
    def embedded(self) -> set[str]:
        """Return the ids of documents already embedded (with or without passages)."""
        return {r[0] for r in self.db.execute("SELECT id FROM documents")}

    def add(
        self,
        documents: Sequence[tuple[str, str, str | None]],
        passages: Sequence[Passage],
        vectors: np.ndarray,
    ) -> None:
        """Append passages and their vectors, and mark the (id, source, title) documents done.

        Vectors reach the disk before the rows that point to them are committed; rows past the
        last committed one are left over from an interrupted run and are cut off first.
        """
        if len(passages) != len(vectors):
            raise ValueError(f"{len(passages)} passages but {len(vectors)} vectors")
        data = np.ascontiguousarray(vectors, dtype="<f4")
        try:
            self.db.execute("BEGIN IMMEDIATE")  # one writer at a time appends
            try:
                # Another run may have embedded some of these documents meanwhile: keep theirs.
                taken = self.embedded() & {d for d, _, _ in documents}
                if taken:
                    keep = [i for i, p in enumerate(passages) if p.document_id not in taken]
                    passages = [passages[i] for i in keep]
                    data = data[keep]
                    documents = [d for d in documents if d[0] not in taken]
                first = self._committed_rows()
                if len(passages) and data.shape[1] != self.dims:
                    raise ValueError(f"vectors of {data.shape[1]} numbers, index holds {self.dims}")
                with open(self.matrix_path, "ab") as handle:
                    handle.truncate(first * self.dims * 4)
                    handle.write(data.tobytes())
                    handle.flush()
                    os.fsync(handle.fileno())
                self.db.executemany(
                    'INSERT INTO passages (row, id, document_id, page, start, "end", text) '
                    "VALUES (?,?,?,?,?,?,?)",
                    [
                        (first + i, p.id, p.document_id, p.page, p.start, p.end, p.text)
                        for i, p in enumerate(passages)
                    ],
                )
                counts: dict[str, int] = {}
                for p in passages:
                    counts[p.document_id] = counts.get(p.document_id, 0) + 1
                self.db.executemany(
                    "INSERT OR REPLACE INTO documents VALUES (?,?,?,?)",
                    [(d, source, title, counts.get(d, 0)) for d, source, title in documents],
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"could not write vectors to {self.dir} ({exc})") from exc
        self._matrix = None

    def clear(self) -> None:
        """Forget every passage, vector and the model, to re-embed from scratch."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DELETE FROM passages")
        self.db.execute("DELETE FROM documents")
        self.db.execute("DELETE FROM meta")
        self.matrix_path.unlink(missing_ok=True)
        self.db.execute("COMMIT")
        self._matrix = None

    def _committed_rows(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(row) + 1, 0) FROM passages").fetchone()[0])

    # --- reads ------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._committed_rows()

    def matrix(self) -> np.ndarray:
        """Return the vectors of every committed passage, memory-mapped read-only."""
        if self._matrix is None:
            rows, dims = self._committed_rows(), self.dims
            if rows == 0:
                return np.zeros((0, dims), dtype=np.float32)
            size = self.matrix_path.stat().st_size if self.matrix_path.exists() else 0
            if size < rows * dims * 4:
                raise StoreError(
                    f"{self.matrix_path} holds fewer vectors than its index lists; "
                    "run 'moneytrail embed --rebuild'"
                )
            self._matrix = np.memmap(self.matrix_path, dtype="<f4", mode="r", shape=(rows, dims))
        return self._matrix

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Return the cosine similarity of the query to every passage (vectors are unit length)."""
        return self.matrix() @ np.asarray(query, dtype=np.float32)

    def passages(self, rows: Iterable[int]) -> dict[int, StoredPassage]:
        """Return stored passages by row."""
        wanted = [int(r) for r in rows]
        out: dict[int, StoredPassage] = {}
        for chunk in range(0, len(wanted), 500):
            part = wanted[chunk : chunk + 500]
            marks = ",".join("?" * len(part))
            for r in self.db.execute(
                'SELECT p.row, p.document_id, d.source, d.title, p.page, p.start, p."end", '
                "p.text FROM passages p JOIN documents d ON d.id = p.document_id "
                f"WHERE p.row IN ({marks})",
                part,
            ):
                out[r[0]] = StoredPassage(*r)
        return out

    def spans(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Return every row's document id, start and end offsets (for filters)."""
        rows = self.db.execute('SELECT document_id, start, "end" FROM passages ORDER BY row')
        ids: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for document_id, start, end in rows:
            ids.append(document_id)
            starts.append(start)
            ends.append(end)
        return ids, np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)

    def close(self) -> None:
        """Close the passages database."""
        self._matrix = None
        self.db.close()


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Return the indices of the k highest scores, best first (argpartition, then a small sort)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.argsort(-scores[best], kind="stable")]
