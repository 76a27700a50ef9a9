"""The one place that reads the environment and config; everything else receives a Settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.resources import models_dir

DEFAULT_STORE = "moneytrail.db"
MODELS_DIR = models_dir()
OCR_MODES = ("auto", "always", "never")


def cpu_count() -> int:
    """Return the number of cores this process may run on (affinity and cgroups respected)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


@dataclass(frozen=True, slots=True)
class Settings:
    """Run-time configuration, built once and passed down."""

    store: str = DEFAULT_STORE
    # Per-document limits: beyond them a document becomes a failure, not a crash.
    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 5000
    max_chars: int = 50_000_000
    # Wall-clock seconds one document may take in a worker (parse, OCR, extract, link).
    max_seconds: float = 600.0
    # Address space one worker process may use; a document that needs more fails alone.
    worker_memory: int = 2048 * 1024 * 1024
    # Worker processes for ingest; None means one per core.
    workers: int | None = None
    spacy_model: str | None = None
    batch_size: int = 64
    models_dir: Path = MODELS_DIR
    # OCR of pages without a usable text layer: auto (those pages), always (every page), never.
    ocr: str = "auto"
    tesseract: str = "tesseract"
    ocr_language: str = "eng"
    ocr_dpi: int = 300
    # Let the embedding classifier (pipeline/semantic/kinds.py) decide the kind of actors the
    # rules are unsure of; needs the 'semantic' extra.
    classify_kinds: bool = False
    # Where the per-document work runs: "local" (the process pool) or "ray" (pipeline/engines).
    engine: str = "local"
    # The Ray cluster to join ("host:port"); None starts a local one.
    ray_address: str | None = None

    def worker_count(self) -> int:
        """Return how many worker processes ingest starts at most."""
        return self.workers if self.workers is not None else cpu_count()


def load_settings(store: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from flags first, then MONEYTRAIL_* environment variables, then defaults."""
    env = os.environ if environ is None else environ
    chosen = store or env.get("MONEYTRAIL_STORE") or DEFAULT_STORE
    model = env.get("MONEYTRAIL_SPACY_MODEL") or None
    tesseract = env.get("MONEYTRAIL_TESSERACT") or "tesseract"
    language = env.get("MONEYTRAIL_OCR_LANGUAGE") or "eng"
    return Settings(store=chosen, spacy_model=model, tesseract=tesseract, ocr_language=language)
