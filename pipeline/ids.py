"""Stable ids derived from content, so a re-run produces the same ids."""

from __future__ import annotations

import hashlib


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of bytes: a document's id."""
    return hashlib.sha256(data).hexdigest()


def stable_id(*parts: object, length: int = 24) -> str:
    """Return a short hex id from the given parts, stable across runs and machines."""
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def entity_id(type_: str, key: str) -> str:
    """Return the id of an entity from its type and normalised key."""
    return f"{type_[:2]}-{stable_id(type_, key, length=20)}"


def mention_id(document_id: str, type_: str, start: int, end: int) -> str:
    """Return the id of a mention from its document, type and span."""
    return f"m-{stable_id(document_id, type_, start, end, length=24)}"
