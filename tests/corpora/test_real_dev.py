"""The real-text relation dev set: its shape, the scorer, and a run on one shared PDF."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluate_relations import Pair, load_dev_set, run, score
from pipeline.parse.base import PageText, assemble
from pipeline.records import Mention, Relation
from tests.conftest import make_pdf

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "corpora" / "real-dev"
SHARED = ROOT.parent / "shared" / "data"
PREDICATES = {
    "none",
    "owns",
    "controls",
    "employs",
    "member_of",
    "attributed_to",
    "paid",
    "received",
    "designated_by",
    "stole",
    "laundered_through",
    "located_in",
}


def test_dev_set_holds_judged_pairs_from_fifteen_documents_and_no_text() -> None:
    dev = load_dev_set(DEV)
    assert len(dev.documents) >= 15
    assert {d["split"] for d in dev.documents.values()} == {"development", "held-apart"}
    assert len(dev.pairs) >= 1800
    assert {p.predicate for p in dev.pairs} <= PREDICATES
    assert sum(p.predicate != "none" for p in dev.pairs) >= 400
    for p in dev.pairs:
        assert p.file in dev.documents
        assert p.sentence[0] <= min(p.subject[0], p.object[0])
        assert max(p.subject[0], p.object[0]) < p.sentence[1]
    raw = "".join(f.read_text(encoding="utf-8") for f in DEV.glob("relations*.jsonl"))
    assert '"sentence": [' in raw and '"text": "' in raw  # offsets and names only


def _mention(mid: str, start: int, end: int, text: str) -> Mention:
    return Mention(mid, "d", 1, start, end, "actor", text, {"kind": "person"}, mid, "", "t")


def test_scorer_counts_direction_and_unjudged_pairs() -> None:
    text = "Alice Smith owns Acme. Bob Jones met Carol King."
    document = assemble(text.encode(), "x.pdf", "text", [PageText(text)])
    alice, acme = _mention("a", 0, 11, "Alice Smith"), _mention("b", 17, 21, "Acme")
    bob, carol = _mention("c", 23, 32, "Bob Jones"), _mention("d", 37, 47, "Carol King")
    pairs = [
        Pair("x.pdf", (0, 22), (0, 11), "Alice Smith", (17, 21), "Acme", "owns"),
        Pair("x.pdf", (23, 48), (23, 32), "Bob Jones", (37, 47), "Carol King", "none"),
    ]
    relations = [
        Relation("r1", "A", "owns", "B", ("b", "a")),  # reversed: wrong direction
        Relation("r2", "C", "employs", "D", ("c", "d")),  # on a negative pair
    ]
    dev = load_dev_set(DEV)
    dev = type(dev)({"x.pdf": {"split": "development"}}, pairs, [])
    outcome = score(dev, {"x.pdf": (document, [alice, acme, bob, carol], relations)})["all"]
    assert (outcome.score("owns").tp, outcome.score("owns").fp, outcome.score("owns").fn) == (
        0,
        1,
        1,
    )
    assert outcome.score("employs").fp == 1


def test_missing_shared_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["evaluate", "--relations", str(DEV), "--shared", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "not found under" in result.output


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data (the real PDFs) is absent")
def test_dev_set_evaluation_runs_on_a_shared_pdf() -> None:
    name = "H08_FinCEN-FIN-2009-A003-casino-structuring-advisory.pdf"
    outcomes = run(DEV, [SHARED], only={name})
    development = outcomes["development"]
    # The parser still gives the offsets the annotations were made on.
    assert development.misaligned == 0
    assert development.kinds_gold >= 4 and development.kinds_found >= 4
    assert outcomes["held-apart"].kinds_gold == 0


def test_scanned_documents_carry_the_sha256_of_their_ocr_text() -> None:
    dev = load_dev_set(DEV)
    scanned = {name: d for name, d in dev.documents.items() if d.get("ocr")}
    assert {name[:3] for name in scanned} == {"R09", "R10"}
    assert all(len(d["text_sha256"]) == 64 for d in scanned.values())


def test_ocr_text_that_differs_is_left_out_with_a_note(tmp_path: Path) -> None:
    # No Tesseract needed: the text layer of a generated PDF stands in for OCR text, and the
    # dev set names a text sha256 it cannot have, as another Tesseract version would give.
    name = "S01_scan.pdf"
    (tmp_path / name).write_bytes(make_pdf(["Alice Smith owns Acme Ltd in Panama."]))
    folder = tmp_path / "dev"
    folder.mkdir()
    digest = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
    entry = {"file": name, "folder": ".", "sha256": digest, "split": "held-apart"}
    entry |= {"ocr": True, "text_sha256": "0" * 64}
    (folder / "documents.json").write_text(json.dumps({"documents": [entry]}))
    pair = {"file": name, "sentence": [0, 36], "predicate": "owns"}
    pair |= {"subject": {"start": 0, "end": 11, "text": "Alice Smith", "type": "actor"}}
    pair |= {"object": {"start": 17, "end": 25, "text": "Acme Ltd", "type": "actor"}}
    (folder / "relations.jsonl").write_text(json.dumps(pair) + "\n")
    (folder / "kinds.jsonl").write_text("")
    outcomes = run(folder, [tmp_path])
    for split in ("held-apart", "all"):
        (note,) = outcomes[split].skipped
        assert note.startswith(name) and "Tesseract 5.3.0" in note
        assert outcomes[split].to_json()["skipped_documents"] == [note]
    assert outcomes["all"].score("owns").fn == 0  # not scored against shifted offsets
    assert outcomes["development"].skipped == []
