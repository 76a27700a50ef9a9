"""Analyst judgements on resolved entities: look up, merge, split, rename."""

from __future__ import annotations

from typing import Any, Protocol

from pipeline.errors import PipelineError
from pipeline.link.corpus import Judgement


class EntityError(PipelineError):
    """An entity could not be found or named unambiguously."""

    stage = "link"


class JudgingStore(Protocol):
    """The store calls judgements need."""

    def find_entities(self, name_or_id: str) -> list[str]:
        """Return canonical ids a name, alias or id points to."""
        ...

    def entity_page(self, canonical_id: str) -> dict[str, Any] | None:
        """Return one resolved entity's page."""
        ...

    def add_judgement(self, judgement: Judgement) -> None:
        """Record a judgement."""
        ...


def resolve_one(store: JudgingStore, name_or_id: str) -> str:
    """Return the one canonical id a name, alias or id names, or say why not."""
    found = store.find_entities(name_or_id)
    if not found:
        raise EntityError(
            f"no entity is named {name_or_id!r}; list them with "
            "'moneytrail entities' or search with 'moneytrail search'"
        )
    if len(found) > 1:
        shown = ", ".join(found[:5])
        raise EntityError(
            f"{name_or_id!r} names {len(found)} entities ({shown}); give an id instead"
        )
    return found[0]


def entity_view(store: JudgingStore, name_or_id: str) -> dict[str, Any]:
    """Return the page of the entity a name, alias or id resolves to."""
    page = store.entity_page(resolve_one(store, name_or_id))
    if page is None:
        raise EntityError(f"the entity {name_or_id!r} has no mentions left")
    return page


def merge(store: JudgingStore, first: str, second: str) -> dict[str, Any]:
    """Record that two entities are one, and return the merged entity."""
    a, b = resolve_one(store, first), resolve_one(store, second)
    if a == b:
        raise EntityError(f"{first!r} and {second!r} are already the same entity ({a})")
    store.add_judgement(Judgement("merge", a, (b,)))
    return entity_view(store, a)


def split(store: JudgingStore, name_or_id: str, aliases: list[str]) -> dict[str, Any]:
    """Record that some names of an entity belong to another, and return what remains."""
    if not aliases:
        raise EntityError("name at least one alias to split off")
    canonical = resolve_one(store, name_or_id)
    page = store.entity_page(canonical) or {}
    known = {a.lower() for a in [page.get("name", ""), *page.get("aliases", [])]}
    missing = [a for a in aliases if a.lower() not in known]
    if missing:
        raise EntityError(f"{', '.join(map(repr, missing))} is not a name of {page.get('name')}")
    store.add_judgement(Judgement("split", canonical, tuple(aliases)))
    return entity_view(store, canonical)


def rename(store: JudgingStore, name_or_id: str, name: str) -> dict[str, Any]:
    """Record the preferred name of an entity, and return it."""
    if not name.strip():
        raise EntityError("the new name is empty")
    canonical = resolve_one(store, name_or_id)
    store.add_judgement(Judgement("rename", canonical, (name.strip(),)))
    return entity_view(store, canonical)
