"""Linked entities for the Elasticsearch store: judgements in the cluster, resolution locally.

Resolution across documents clusters every actor and casino of the corpus at once (see
pipeline/link/resolve.py), so it runs in the client, not in the cluster, exactly as it runs for
the embedded store. The analyst's judgements are shared: they live in the `judgements` index
of the cluster, and every client applies all of them. To answer `entity`, `graph`, merges,
splits and renames, the client keeps a snapshot of the corpus's mentions, entities and
relations in a local SQLite file (under $MONEYTRAIL_CACHE, default ~/.cache/moneytrail), kept
in step with the cluster: new documents are copied in, a changed corpus is copied again, and
the judgements are re-read on every use. The same code as the embedded store then answers,
so both backends give the same pages and the same JSON.

Cost: the first use copies the corpus (like `moneytrail migrate` to a file); later uses copy
only what is new. The snapshot is a cache: deleting it loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from pipeline.link.corpus import Judgement, Resolution
from pipeline.link.resolve import EntityRow


def snapshot_path(url: str, prefix: str) -> Path:
    """Return the local snapshot file for one cluster and index prefix."""
    root = Path(os.environ.get("MONEYTRAIL_CACHE") or Path.home() / ".cache" / "moneytrail")
    digest = hashlib.sha256(f"{url}|{prefix}".encode()).hexdigest()[:16]
    return root / f"es-{prefix}-{digest}.db"


class ElasticEntities:
    """Mixed into ElasticStore: the entity queries of the embedded store, over a snapshot."""

    url: str
    prefix: str
    names: dict[str, str]
    client: Any
    _snap: Any = None

    # --- the snapshot -------------------------------------------------------------------
    def _stamp(self) -> dict[str, int]:
        counts = self.stats()  # type: ignore[attr-defined]
        return {k: int(counts[k]) for k in ("documents", "pages", "mentions", "entities")}

    def _snapshot(self) -> Any:
        """Open the local snapshot and bring it in step with the cluster."""
        from pipeline.store.migrate import migrate
        from pipeline.store.sqlite import SqliteStore

        if self._snap is not None:
            self._sync_judgements(self._snap)
            return self._snap
        path = snapshot_path(self.url, self.prefix)
        path.parent.mkdir(parents=True, exist_ok=True)
        snap = SqliteStore(path)
        stamp = self._stamp()
        row = snap.db.execute("SELECT value FROM meta WHERE key = 'es_stamp'").fetchone()
        old = json.loads(row[0]) if row else None
        if old != stamp:
            # More documents: copy the new ones. Same documents but other counts (a forced
            # re-ingest changed them): copy everything again.
            grew = old is not None and stamp["documents"] > old["documents"]
            migrate(self, snap, force=old is not None and not grew)  # type: ignore[arg-type]
            snap.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('es_stamp', ?)", (json.dumps(stamp),)
            )
            snap._mark_unresolved()
        self._sync_judgements(snap)
        self._snap = snap
        return snap

    def _sync_judgements(self, snap: Any) -> None:
        """Make the snapshot's judgements exactly the cluster's, in order."""
        shared = self._shared_judgements()
        if snap.judgements() == shared:
            return
        snap.db.execute("DELETE FROM judgments")
        for judgement in shared:
            snap.db.execute(
                "INSERT INTO judgments (action, subject, args, time) VALUES (?,?,?,?)",
                (judgement.action, judgement.subject, json.dumps(list(judgement.args)), ""),
            )
        snap._mark_unresolved()

    def _shared_judgements(self) -> list[Judgement]:
        index = self.names["judgements"]
        with self._errors(f"read {index}"):  # type: ignore[attr-defined]
            self.client.indices.refresh(index=index)
            response = self.client.search(
                index=index, size=10_000, sort=[{"seq": "asc"}], query={"match_all": {}}
            )
        return [
            Judgement(h["_source"]["action"], h["_source"]["subject"], tuple(h["_source"]["args"]))
            for h in response["hits"]["hits"]
        ]

    def add_judgement(self, judgement: Judgement) -> None:
        """Record a judgement in the cluster, for every analyst; it survives re-ingestion."""
        seq = time.time_ns()
        index = self.names["judgements"]
        with self._errors(f"record a judgement in {index}"):  # type: ignore[attr-defined]
            self.client.index(
                index=index,
                id=str(seq),
                document={
                    "seq": seq,
                    "action": judgement.action,
                    "subject": judgement.subject,
                    "args": list(judgement.args),
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
                refresh="wait_for",
                require_alias=True,
            )
        if self._snap is not None:
            self._sync_judgements(self._snap)

    # --- the embedded store's queries, answered by the snapshot --------------------------
    def ensure_resolved(self) -> None:
        """Re-link the snapshot if the corpus or the judgements changed."""
        self._snapshot().ensure_resolved()

    def judgements(self) -> list[Judgement]:
        """Return the shared judgements, oldest first."""
        return self._shared_judgements()

    def entity_rows(self) -> list[EntityRow]:
        """Return every actor and casino entity with aliases and mention counts."""
        return list(self._snapshot().entity_rows())

    def mention_texts(self, entity_ids: list[str]) -> list[tuple[str, str, str]]:
        """Return (mention id, entity id, text) for the mentions of these entities."""
        return list(self._snapshot().mention_texts(entity_ids))

    def write_resolution(self, resolution: Resolution) -> None:
        """Keep a resolution in the snapshot (it is derived data, recomputed when stale)."""
        self._snapshot().write_resolution(resolution)

    def canonical_of(self, entity_id: str) -> str:
        """Return the canonical id of an entity id."""
        snap = self._snapshot()
        snap.ensure_resolved()
        return str(snap.canonical_of(entity_id))

    def find_entities(self, name_or_id: str) -> list[str]:
        """Return canonical ids an id, a name or an alias points to, most mentioned first."""
        return list(self._snapshot().find_entities(name_or_id))

    def entity_page(self, canonical_id: str) -> dict[str, Any] | None:
        """Return one resolved entity: names, documents with pages, relations with evidence."""
        page: dict[str, Any] | None = self._snapshot().entity_page(canonical_id)
        return page

    def entity_relations(self, canonical_id: str) -> list[dict[str, Any]]:
        """Return the entity's relations, grouped, with evidence."""
        snap = self._snapshot()
        snap.ensure_resolved()
        return list(snap.entity_relations(canonical_id))

    def brief(self, canonical_id: str) -> dict[str, Any]:
        """Return the id, name and type of a resolved entity."""
        snap = self._snapshot()
        snap.ensure_resolved()
        return dict(snap.brief(canonical_id))

    def neighbours(self, canonical_ids: set[str]) -> list[tuple[str, str, str, int]]:
        """Return (subject, predicate, object, count) of relations touching these entities."""
        return list(self._snapshot().neighbours(canonical_ids))

    def close_snapshot(self) -> None:
        """Close the local snapshot file."""
        if self._snap is not None:
            self._snap.close()
            self._snap = None
