"""Re-link the whole corpus: automatic clusters, then the analyst's judgements on top."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.extract.names import normalise
from pipeline.ids import stable_id
from pipeline.link.blocks import BlockSource, Runner, clusters_by_blocks
from pipeline.link.resolve import EntityRow, _Clusters, cluster


@dataclass(frozen=True, slots=True)
class Judgement:
    """An analyst's decision, kept apart from derived data: merge, split or rename."""

    action: str
    subject: str
    args: tuple[str, ...]


@dataclass
class Resolution:
    """What relinking writes: entity -> canonical, split mentions, and names."""

    canonical: dict[str, str] = field(default_factory=dict)
    mentions: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


class ResolvableStore(BlockSource, Protocol):
    """The store calls relinking needs."""

    def rows_by_id(self, ids: list[str]) -> list[EntityRow]:
        """Return the actor and casino entities among these ids that have mentions."""
        ...

    def judgements(self) -> list[Judgement]:
        """Return the analyst's judgements, oldest first."""
        ...

    def mention_texts(self, entity_ids: list[str]) -> list[tuple[str, str, str]]:
        """Return (mention id, entity id, text) for the mentions of these entities."""
        ...

    def write_resolution(self, resolution: Resolution) -> None:
        """Replace the derived resolution tables in one transaction."""
        ...


class ScannableStore(Protocol):
    """What resolution by a full scan reads."""

    def entity_rows(self) -> list[EntityRow]:
        """Return every actor and casino entity with its aliases and mention count."""
        ...

    def judgements(self) -> list[Judgement]:
        """Return the analyst's judgements, oldest first."""
        ...

    def mention_texts(self, entity_ids: list[str]) -> list[tuple[str, str, str]]:
        """Return (mention id, entity id, text) for the mentions of these entities."""
        ...


def resolve(
    rows: list[EntityRow],
    judgements: list[Judgement],
    mention_texts: dict[str, list[tuple[str, str]]] | None = None,
    mapping: dict[str, str] | None = None,
) -> Resolution:
    """Cluster entities, then apply merges, splits and renames in the order they were made.

    With `mapping` (the clusters by blocks, which leave out single entities) the rows may be
    a part of the corpus closed under clusters: every entity of a cluster or a judgement.
    """
    found = cluster(rows) if mapping is None else {r.id: mapping.get(r.id, r.id) for r in rows}
    by_id = {r.id: r for r in rows}
    clusters = _Clusters(found)
    for member, canonical in found.items():
        clusters.union(member, canonical)
    for j in judgements:
        if j.action == "merge" and j.subject in by_id:
            for other in j.args:
                if other in by_id:
                    clusters.union(j.subject, other)
    resolution = Resolution(canonical=_choose(rows, clusters))
    for j in judgements:
        if j.action == "split":
            _split(resolution, rows, j, mention_texts or {})
    for j in judgements:
        if j.action == "rename" and j.args:
            target = resolution.mentions.get(j.subject) or resolution.canonical.get(
                j.subject, j.subject
            )
            resolution.names[target] = j.args[0]
    return resolution


def _choose(rows: list[EntityRow], clusters: _Clusters) -> dict[str, str]:
    groups: dict[str, list[EntityRow]] = defaultdict(list)
    for row in rows:
        groups[clusters.find(row.id)].append(row)
    out: dict[str, str] = {}
    for members in groups.values():
        best = min(members, key=lambda r: (not r.gazetteer, -r.mentions, r.id))
        out.update({m.id: best.id for m in members})
    return out


def _split(
    resolution: Resolution,
    rows: list[EntityRow],
    judgement: Judgement,
    mention_texts: dict[str, list[tuple[str, str]]],
) -> None:
    """Move the members and mentions named by the aliases out into a cluster of their own."""
    canonical = resolution.canonical.get(judgement.subject, judgement.subject)
    aliases = {normalise(a) for a in judgement.args}
    members = [r for r in rows if resolution.canonical.get(r.id) == canonical]
    moved = [r for r in members if normalise(r.name) in aliases]
    if len(moved) == len(members):
        return  # splitting everything off is a rename, not a split
    new_id = (
        min(moved, key=lambda r: (-r.mentions, r.id)).id
        if moved
        else f"sp-{stable_id(canonical, *sorted(aliases), length=20)}"
    )
    for row in moved:
        resolution.canonical[row.id] = new_id
    # Mentions of the alias inside members that stay (a gazetteer entry lists it): move them.
    for row in members:
        if row in moved:
            continue
        for mention_id, text in mention_texts.get(row.id, []):
            if normalise(text) in aliases:
                resolution.mentions[mention_id] = new_id
    if not moved:
        resolution.names[new_id] = sorted(judgement.args, key=len)[-1]


def relink(store: ResolvableStore, runner: Runner | None = None) -> Resolution:
    """Recompute the corpus's clusters block by block and write them; judgements survive
    every re-run. Only the entities joined to another, or named by a judgement, are read
    whole; `runner` says where the blocks are clustered (here by default)."""
    mapping, rows = clusters_by_blocks(store, runner)
    judgements = store.judgements()
    named = {j.subject for j in judgements if j.action in ("merge", "split")}
    named |= {i for j in judgements if j.action == "merge" for i in j.args}
    rows.update({r.id: r for r in store.rows_by_id(sorted(named - rows.keys()))})
    texts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if any(j.action == "split" for j in judgements):
        for mention_id, entity_id, text in store.mention_texts(sorted(rows)):
            texts[entity_id].append((mention_id, text))
    resolution = resolve(sorted(rows.values(), key=lambda r: r.id), judgements, texts, mapping)
    store.write_resolution(resolution)
    return resolution


def relink_by_scan(store: ScannableStore) -> Resolution:
    """Resolve as before blocks: read every entity, cluster them all here (the baseline the
    equality tests and bench/resolution_scale.py compare against)."""
    rows = store.entity_rows()
    judgements = store.judgements()
    texts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if any(j.action == "split" for j in judgements):
        for mention_id, entity_id, text in store.mention_texts([r.id for r in rows]):
            texts[entity_id].append((mention_id, text))
    return resolve(rows, judgements, texts)
