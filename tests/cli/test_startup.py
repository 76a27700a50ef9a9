"""Start-up stays light: read commands load none of the heavy libraries (issue 12).

Each command runs in a fresh interpreter, as a user would start it, and reports which heavy
modules ended up imported. bench/startup.py measures the time; this guards the cause.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "spacy",
    "thinc",
    "torch",
    "transformers",
    "onnxruntime",
    "pypdfium2",
    "pdfplumber",
    "trafilatura",
    "numpy",
    "elasticsearch",
    "followthemoney",
    "fastapi",
)

PROBE = """
import json, sys
from pipeline.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
sys.stderr.write("HEAVY=" + json.dumps(sorted({{m.split(".")[0] for m in heavy}})) + "\\n")
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store holding one small document, ingested in its own process."""
    folder = tmp_path_factory.mktemp("docs")
    (folder / "memo.txt").write_text(
        "The Lazarus Group moved stolen funds through a casino in Cambodia.\n", encoding="utf-8"
    )
    path = str(tmp_path_factory.mktemp("store") / "mt.db")
    ingest = ["ingest", str(folder), "--store", path]
    done = subprocess.run(
        [sys.executable, "-c", "from pipeline.cli import app; app()", *ingest],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["stats"],
        ["entities"],
        ["failures"],
        ["search", "Lazarus"],
    ],
)
def test_read_commands_import_no_heavy_library(store: str, args: list[str]) -> None:
    argv = args if args == ["--version"] else [*args, "--store", store]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(store).parent,
    )
    line = next((x for x in done.stderr.splitlines() if x.startswith("HEAVY=")), None)
    assert line is not None, done.stderr
    assert json.loads(line.removeprefix("HEAVY=")) == [], f"{args}: {line}"
    assert "Traceback" not in done.stderr, done.stderr
