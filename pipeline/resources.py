"""Find the data files that ship inside the package, installed or in a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def models_dir() -> Path:
    """Return the folder of gazetteers, tables and weights (the checkout's `models/`)."""
    # `models/` is installed as the package `pipeline.models` (see setup.py), so it travels
    # in a wheel; an editable install maps the same name back to the checkout's folder.
    try:
        root = resources.files("pipeline.models")
    except ModuleNotFoundError:  # a checkout on PYTHONPATH, never installed
        return Path(__file__).resolve().parent.parent / "models"
    if not isinstance(root, Path):  # a zipped install: nothing here reads from zips
        raise RuntimeError(f"moneytrail's data must be installed as files, not in {root}")
    return root


def model_file(*parts: str) -> Path:
    """Return one data file under `models/`, such as `model_file("gazetteer", "actors.jsonl")`."""
    return models_dir().joinpath(*parts)
