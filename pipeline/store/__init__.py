"""Stores: the embedded SQLite default; Elasticsearch for shared deployments (later)."""

from __future__ import annotations

from pipeline.errors import ConfigError
from pipeline.store.base import Hit, SearchResult, Store
from pipeline.store.sqlite import SqliteStore

__all__ = ["Hit", "SearchResult", "SqliteStore", "Store", "open_store"]


def open_store(location: str) -> Store:
    """Open the store a --store value names: a file path, or an http(s) URL for Elasticsearch."""
    if location.startswith(("http://", "https://")):
        raise ConfigError(
            f"{location}: the Elasticsearch backend is not available in this version; "
            "use a file path for the embedded store"
        )
    return SqliteStore(location)
