"""GraphSense TagPacks (YAML): attribution tags, each inheriting the pack's header fields.

The YAML is read as a stream of parser events, so a pack with a million tags is never held
in memory; each tag mapping is built, checked and handed on as soon as it closes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from pipeline.onchain.model import OnchainError, Record, RowError, Tag
from pipeline.onchain.reading import ReadContext
from pipeline.onchain.source import Input

# Fields a tag may inherit from its pack's header ("network" is the newer "currency").
INHERITED = ("label", "source", "currency", "network", "category", "confidence", "actor")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(events: Iterator[yaml.Event], first: yaml.Event) -> Any:
    """Build the Python value that starts with `first` (scalars stay strings)."""
    if isinstance(first, yaml.ScalarEvent):
        return first.value
    if isinstance(first, yaml.SequenceStartEvent):
        items: list[Any] = []
        for event in events:
            if isinstance(event, yaml.SequenceEndEvent):
                return items
            items.append(_compose(events, event))
    if isinstance(first, yaml.MappingStartEvent):
        mapping: dict[str, Any] = {}
        for event in events:
            if isinstance(event, yaml.MappingEndEvent):
                return mapping
            mapping[str(_compose(events, event))] = _compose(events, next(events))
    if isinstance(first, yaml.AliasEvent):
        return None  # anchors and aliases are not used by TagPacks
    raise OnchainError(f"unexpected YAML event {type(first).__name__}")


def _tag(item: Any, header: dict[str, Any], ctx: ReadContext) -> Tag | str:
    if not isinstance(item, dict):
        return "is not a mapping"
    merged = {k: header[k] for k in INHERITED if k in header} | item
    address = str(merged.get("address") or "").strip()
    if not address:
        return "has no address (transaction tags are not imported)"
    missing = [k for k in ("label", "source") if not str(merged.get(k) or "").strip()]
    if missing:
        return f"has no {' or '.join(missing)}, and the pack sets none"

    def text(name: str) -> str | None:
        value = merged.get(name)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    return Tag(
        address=address,
        label=str(merged["label"]).strip(),
        source=str(merged["source"]).strip(),
        actor=text("actor"),
        category=text("category"),
        confidence=text("confidence"),
        currency=text("network") or text("currency"),
        pack=text("title") or str(header.get("title") or ctx.source),
    )


def read(handle: Input, ctx: ReadContext) -> Iterator[Record]:
    """Read a TagPack's tags, each with the pack's defaults applied."""
    events = iter(yaml.parse(handle.text(), Loader=_Loader))
    header: dict[str, Any] = {}
    seen_tags = False
    try:
        for event in events:
            if isinstance(event, yaml.MappingStartEvent):
                break
        else:
            raise OnchainError(f"{ctx.source}: a TagPack is a YAML mapping with a tags list")
        for event in events:
            if isinstance(event, yaml.MappingEndEvent):
                break
            key = str(_compose(events, event))
            start = next(events)
            if key != "tags":
                if seen_tags and key in INHERITED:
                    ctx.note(f"the pack field {key!r} comes after the tags and was not applied")
                header[key] = _compose(events, start)
                continue
            seen_tags = True
            if not isinstance(start, yaml.SequenceStartEvent):
                raise OnchainError(f"{ctx.source}: 'tags' must be a list")
            for item_start in events:
                if isinstance(item_start, yaml.SequenceEndEvent):
                    break
                line = item_start.start_mark.line + 1
                result = _tag(_compose(events, item_start), header, ctx)
                yield RowError(line, f"tag {result}") if isinstance(result, str) else result
    except yaml.YAMLError as exc:
        raise OnchainError(f"{ctx.source} is not valid YAML ({exc})") from exc
