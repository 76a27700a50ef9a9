"""Re-link the whole corpus: automatic clusters, then the analyst's judgements on top."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.extract.names import normalise
from pipeline.ids import stable_id
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


class ResolvableStore(Protocol):
    """The store calls relinking needs."""

    def entity_rows(self) -> list[EntityRow]:
        """Return every actor and casino entity with its aliases and mention count."""
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


def resolve(
    rows: list[EntityRow],
    judgements: list[Judgement],
    mention_texts: dict[str, list[tuple[str, str]]] | None = None,
) -> Resolution:
    """Cluster entities, then apply merges, splits and renames in the order they were made."""
    mapping = cluster(rows)
    by_id = {r.id: r for r in rows}
    clusters = _Clusters(mapping)
    for member, canonical in mapping.items():
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


def relink(store: ResolvableStore) -> Resolution:
    """Recompute the corpus's clusters and write them; judgements survive every re-run."""
    rows = store.entity_rows()
    judgements = store.judgements()
    splits = [j for j in judgements if j.action == "split"]
    texts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if splits:
        for mention_id, entity_id, text in store.mention_texts([r.id for r in rows]):
            texts[entity_id].append((mention_id, text))
    resolution = resolve(rows, judgements, texts)
    store.write_resolution(resolution)
    return resolution
