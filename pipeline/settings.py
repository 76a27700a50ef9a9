"""The one place that reads the environment and config; everything else receives a Settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STORE = "moneytrail.db"
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True, slots=True)
class Settings:
    """Run-time configuration, built once and passed down."""

    store: str = DEFAULT_STORE
    # Per-document limits: beyond them a document becomes a failure, not a crash.
    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 5000
    max_chars: int = 50_000_000
    spacy_model: str | None = None
    batch_size: int = 64
    models_dir: Path = MODELS_DIR


def load_settings(store: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from flags first, then MONEYTRAIL_* environment variables, then defaults."""
    env = os.environ if environ is None else environ
    chosen = store or env.get("MONEYTRAIL_STORE") or DEFAULT_STORE
    model = env.get("MONEYTRAIL_SPACY_MODEL") or None
    return Settings(store=chosen, spacy_model=model)
