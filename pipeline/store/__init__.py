"""Stores: the embedded SQLite default; Elasticsearch for shared deployments."""

from __future__ import annotations

import os
import re

from pipeline.errors import ConfigError
from pipeline.store.base import Hit, SearchResult, Store
from pipeline.store.sqlite.store import SqliteStore

__all__ = ["Hit", "SearchResult", "SqliteStore", "Store", "open_store"]


def open_store(location: str) -> Store:
    """Open the store a --store value names: a file path, or an http(s) URL for Elasticsearch."""
    if location.startswith(("http://", "https://")):
        try:
            # Imported only here: the client is an extra, and the embedded store needs none.
            from pipeline.store.elasticsearch.store import from_env
        except ImportError as exc:
            if (exc.name or "").split(".")[0] not in ("elasticsearch", "elastic_transport"):
                raise
            shown = re.sub(r"(?<=://)[^/@\s]+@", "***@", location)
            raise ConfigError(
                f"{shown} is an Elasticsearch URL but its client is missing; install the "
                "Elasticsearch extra: pip install 'moneytrail[es]'"
            ) from exc
        # Credentials come from MONEYTRAIL_ES_* variables (settings.py does not carry them yet).
        return from_env(location, os.environ)
    return SqliteStore(location)
