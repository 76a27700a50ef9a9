"""Resolution by blocks: the same clusters as resolve.cluster(), computed a block at a time.

resolve.cluster() only ever compares two entities that share a block of one of three kinds,
all within one type: a normalised form (name or alias), an acronym (an expansion and the
acronym that abbreviates it), or a name token (fuzzy and fragment matches, in blocks of at
most MAX_BLOCK entities). Each entity's keys for those blocks are computed when it is
written and stored with it, so the store can list the blocks with two or more members
without anyone reading every entity, and each block is clustered on its own, anywhere.

Why the union of the blocks' answers is today's answer: the clusters are the connected
components of the pairs the three passes join, and every pair is found inside one block,
from the two rows alone, except one test: an acronym joins only when all its expansions
fall into one cluster of the exact-form pass, which may run through entities outside the
acronym's block. A block with more than one expansion therefore hands its candidates back,
and the driver decides them once every exact-form block has answered (the second pass over
the few cross-block candidates). Token blocks are counted over the stored rows, so a block
skipped as too common is the one today's code skips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.link.resolve import (
    _STOP_TOKENS,
    MAX_BLOCK,
    EntityRow,
    _Clusters,
    _forms,
    _fuzzy_match,
    _is_acronym,
    acronym,
    fragments_match,
    normalise,
)

FORM, TOKEN, ACRONYM, EXPANSION = "x", "t", "a", "e"


def name_keys(type_: str, name: str, kind: str | None) -> set[str]:
    """Return the token and acronym block keys a name gives an entity (its form keys apart)."""
    keys = {
        f"{TOKEN}:{type_}:{t}" for t in set(normalise(name).split()) - _STOP_TOKENS if len(t) > 2
    }
    if _is_acronym(name):
        keys.add(f"{ACRONYM}:{type_}:{name.replace('.', '')}")
    if kind != "person" and len(name.split()) >= 2:
        short = acronym(name).upper()
        if short:
            keys.add(f"{EXPANSION}:{type_}:{short}")
    return keys


def form_keys(type_: str, kind: str | None, names: Iterable[str]) -> set[str]:
    """Return the exact-form block keys of an entity's names (its preferred one included)."""
    row = EntityRow("", type_, "", tuple(names), kind, 0, False)
    return {f"{FORM}:{type_}:{f}" for f in _forms(row)}


def blocking_keys(type_: str, name: str, kind: str | None, aliases: Iterable[str]) -> list[str]:
    """Return every block key of an entity, sorted."""
    return sorted(name_keys(type_, name, kind) | form_keys(type_, kind, (name, *aliases)))


def row_keys(row: EntityRow) -> list[str]:
    """Return the block keys of a stored entity row."""
    return blocking_keys(row.type, row.name, row.kind, row.aliases)


def fetch_keys(key: str) -> list[str]:
    """Return the keys whose members a block needs: an acronym block reads its expansions."""
    kind, rest = key.split(":", 1)
    return [key, f"{EXPANSION}:{rest}"] if kind == ACRONYM else [key]


def wanted(key: str, count: int, exact: bool) -> bool:
    """Say whether a block listed with this many members can join anything; `exact` says the
    count is of entities with mentions (not an upper bound), so a common token is skipped."""
    kind = key.split(":", 1)[0]
    if kind == TOKEN and exact and count > MAX_BLOCK:
        return False
    # An acronym block's expansions are stored under their own key: one acronym suffices.
    return count >= 1 if kind == ACRONYM else count >= 2 and kind != EXPANSION


@dataclass
class BlockAnswer:
    """What one block found: pairs to join, acronyms waiting on the exact-form pass, and the
    rows it joined (the canonical choice needs their names, gazetteer flags and counts)."""

    exact: list[tuple[str, str]] = field(default_factory=list)
    joins: list[tuple[str, str]] = field(default_factory=list)
    pending: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    rows: dict[str, EntityRow] = field(default_factory=dict)


def cluster_block(key: str, rows: list[EntityRow]) -> BlockAnswer:
    """Cluster one block's rows with resolve's judgements."""
    kind, type_, value = key.split(":", 2)
    rows = [r for r in rows if r.type == type_]
    answer = BlockAnswer()
    if kind == FORM:
        members = [r for r in rows if value in _forms(r)]
        answer.exact = [(members[0].id, r.id) for r in members[1:]]
    elif kind == TOKEN:
        members = [r for r in rows if value in set(normalise(r.name).split())]
        if len(members) <= MAX_BLOCK:
            answer.joins = _pairs(members)
    elif kind == ACRONYM:
        acronyms = [r for r in rows if _is_acronym(r.name) and r.name.replace(".", "") == value]
        expansions = sorted(
            {
                r.id
                for r in rows
                if r.kind != "person"
                and len(r.name.split()) >= 2
                and acronym(r.name).upper() == value
            }
        )
        if acronyms and len(expansions) == 1:
            answer.joins = [(expansions[0], r.id) for r in acronyms]
        elif acronyms and expansions:
            answer.pending = [(tuple(sorted(r.id for r in acronyms)), tuple(expansions))]
    joined = {i for pair in answer.exact + answer.joins for i in pair}
    # A waiting acronym's expansions join only if exact-form blocks joined them all, and
    # those blocks send their rows: only the acronyms' rows need to travel from here.
    joined |= {i for acronyms, _ in answer.pending for i in acronyms}
    answer.rows = {r.id: r for r in rows if r.id in joined}
    return answer


def _pairs(block: list[EntityRow]) -> list[tuple[str, str]]:
    local = _Clusters(r.id for r in block)
    found = []
    for i, a in enumerate(block):
        for b in block[i + 1 :]:
            if local.find(a.id) != local.find(b.id) and (
                _fuzzy_match(a, b) or fragments_match(a, b)
            ):
                local.union(a.id, b.id)
                found.append((a.id, b.id))
    return found


def combine(answers: Iterable[BlockAnswer]) -> tuple[dict[str, str], dict[str, EntityRow]]:
    """Join the blocks' answers: return entity -> canonical for every entity joined to another
    (an entity missing from it is its own cluster), and the rows of those entities."""
    exact, clusters = _Clusters(()), _Clusters(())
    pending: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    rows: dict[str, EntityRow] = {}
    for answer in answers:
        for a, b in answer.exact:
            exact.union(a, b)
        for a, b in answer.exact + answer.joins:
            clusters.union(a, b)
        pending += answer.pending
        rows.update(answer.rows)
    # The second pass: an acronym joins when its expansions form one exact-form cluster.
    for acronyms, expansions in pending:
        if len({exact.find(e) for e in expansions}) == 1:
            for a in acronyms:
                clusters.union(expansions[0], a)
    groups: dict[str, list[EntityRow]] = {}
    for id_ in list(clusters.parent):
        groups.setdefault(clusters.find(id_), []).append(rows[id_])
    mapping: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        best = min(members, key=lambda r: (not r.gazetteer, -r.mentions, r.id))
        mapping.update({m.id: best.id for m in members})
    return mapping, rows


class BlockSource(Protocol):
    """What a store offers resolution by blocks."""

    def resolution_blocks(self) -> Iterator[list[tuple[str, int]]]:
        """Yield pages of (block key, member count) of the blocks wanted() keeps."""
        ...

    def block_rows(self, keys: list[str]) -> dict[str, list[EntityRow]]:
        """Return the rows (entities with mentions) stored under each key."""
        ...


def cluster_blocks(source: BlockSource, keys: list[str]) -> list[BlockAnswer]:
    """Read a batch of blocks' rows from the store and cluster each block."""
    wanted_keys = sorted({k for key in keys for k in fetch_keys(key)})
    found = source.block_rows(wanted_keys)
    answers = []
    for key in keys:
        rows = {r.id: r for k in fetch_keys(key) for r in found.get(k, ())}
        answers.append(cluster_block(key, list(rows.values())))
    return answers


# Blocks sent to one worker at a time: enough to amortise a store round trip.
BATCH = 500
Runner = Callable[[Iterator[list[str]]], Iterator[list[BlockAnswer]]]


def batches(source: BlockSource, size: int | None = None) -> Iterator[list[str]]:
    """Yield the keys of the blocks worth clustering, a batch at a time, as the store lists them."""
    size = size or BATCH
    batch: list[str] = []
    for page in source.resolution_blocks():
        batch += [key for key, _ in page]
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
    if batch:
        yield batch


def in_process(source: BlockSource) -> Runner:
    """Return a runner that clusters each batch here, with the driver's own store."""

    def run(work: Iterator[list[str]]) -> Iterator[list[BlockAnswer]]:
        for keys in work:
            yield cluster_blocks(source, keys)

    return run


def clusters_by_blocks(
    source: BlockSource, runner: Runner | None = None
) -> tuple[dict[str, str], dict[str, EntityRow]]:
    """Cluster the store's entities block by block; see combine() for what comes back."""
    run = runner or in_process(source)
    return combine(a for answers in run(batches(source)) for a in answers)
