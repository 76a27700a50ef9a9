"""A worker leaves out what spaCy imports but extraction never uses, and extracts the same."""

from __future__ import annotations

import json
import subprocess
import sys

from pipeline.extract.nlp import build_nlp

TEXT = (
    "The Lazarus Group laundered funds through Huione Guarantee in Cambodia, and the Office "
    "of Foreign Assets Control designated Sinbad.io on 29 November 2023."
)

# Runs in a fresh interpreter, as a worker starts: lean imports first, then the model.
PROBE = f"""
import json, sys
from pipeline.workers import lean_imports
lean_imports()
from pipeline.extract.nlp import build_nlp
from pipeline.link.syntax import build_parser
doc = build_nlp()({TEXT!r})
parsed = build_parser()({TEXT!r})
heavy = [m for m in ("weasel", "httpx", "requests", "jinja2", "trafilatura") if m in sys.modules]
import spacy
from spacy.cli.download import get_model_filename  # a real module of the CLI still loads
legacy = spacy.registry.architectures.get("spacy-legacy.HashEmbedCNN.v1")  # an entry point
print(json.dumps({{
    "ents": [[e.start_char, e.end_char, e.label_] for e in doc.ents],
    "deps": [t.dep_ for t in parsed],
    "heavy": heavy,
    "info": sorted(spacy.info()),
    "legacy": legacy.__module__,
    "download": get_model_filename("en_core_web_sm", "3.8.0"),
}}))
"""


def test_a_lean_worker_extracts_the_same_without_the_cli() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    here = build_nlp()(TEXT)
    assert found["ents"] == [[e.start_char, e.end_char, e.label_] for e in here.ents]
    assert len(found["ents"]) >= 3
    from pipeline.link.syntax import build_parser

    assert found["deps"] == [t.dep_ for t in build_parser()(TEXT)]
    assert found["heavy"] == [], "the lean worker imported spaCy's command line"
    assert "spacy_version" in found["info"], "spacy.info() loads the real command on demand"
    assert found["legacy"].startswith("spacy_legacy")
    assert found["download"].startswith("en_core_web_sm-3.8.0")
