"""Score typed relations and actor kinds against the real-text dev set (corpora/real-dev).

The set stores no document text: each judged pair names its PDF (file name and sha256) and
the character offsets of its sentence, subject and object in the text moneytrail's parser
gives. The PDFs are read in place from the shared data folders at run time.

A scanned PDF has text only through OCR. Its entry in documents.json says `"ocr": true` and
gives `text_sha256`, the sha256 of the OCR text the annotations point into; another Tesseract
can read other text, so a document whose OCR text differs is left out with a note.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.evaluate import Score
from pipeline.records import Document, Mention, Relation

# Two names for one statement: both say an authority acted against the subject, or that
# money went from the subject to the object. Scored as one predicate.
SAME_AS = {"sanctioned_by": "designated_by", "transferred": "paid"}
NONE = "none"
NOT_ACTOR = "not_actor"
SPLITS = ("development", "held-apart")


def canonical(predicate: str) -> str:
    """Return the predicate a relation is scored as."""
    return SAME_AS.get(predicate, predicate)


def _space(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Pair:
    """One judged pair of mentions in one sentence."""

    file: str
    sentence: tuple[int, int]
    subject: tuple[int, int]
    subject_text: str
    object: tuple[int, int]
    object_text: str
    predicate: str


@dataclass(frozen=True, slots=True)
class DevSet:
    """The judged pairs and kinds, and which split each document belongs to."""

    documents: dict[str, dict[str, str]]
    pairs: list[Pair]
    kinds: list[dict[str, str]]


@dataclass
class Outcome:
    """One split's scores: per predicate, and kinds."""

    scores: dict[str, Score] = field(default_factory=dict)
    misaligned: int = 0
    unjudged: int = 0
    kinds_right: int = 0
    kinds_found: int = 0
    kinds_gold: int = 0
    junk_gold: int = 0
    junk_kept: int = 0
    kind_errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def score(self, predicate: str) -> Score:
        """Return the score of a predicate, created on first use."""
        return self.scores.setdefault(predicate, Score())

    @property
    def kind_accuracy(self) -> float:
        """Return the share of found gold actors whose kind is right."""
        return self.kinds_right / self.kinds_found if self.kinds_found else 0.0

    def to_json(self, errors: bool = False) -> dict[str, Any]:
        """Return the outcome as JSON-ready data."""
        typed = {
            name: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
                **({"false_positives": s.false_positives} if errors else {}),
                **({"false_negatives": s.false_negatives} if errors else {}),
            }
            for name, s in sorted(self.scores.items())
        }
        tp = sum(s.tp for s in self.scores.values())
        fp = sum(s.fp for s in self.scores.values())
        fn = sum(s.fn for s in self.scores.values())
        micro = Score(tp, fp, fn)
        out: dict[str, Any] = {
            "predicates": typed,
            "typed_micro": {
                "precision": round(micro.precision, 4),
                "recall": round(micro.recall, 4),
                "f1": round(micro.f1, 4),
            },
            "misaligned_pairs": self.misaligned,
            "unjudged_typed_predictions": self.unjudged,
            "kinds": {
                "accuracy": round(self.kind_accuracy, 4),
                "right": self.kinds_right,
                "found": self.kinds_found,
                "gold": self.kinds_gold,
                "not_actors_gold": self.junk_gold,
                "not_actors_still_extracted": self.junk_kept,
            },
        }
        if errors:
            out["kinds"]["errors"] = self.kind_errors
        if self.skipped:
            out["skipped_documents"] = self.skipped
        return out


def load_dev_set(folder: Path) -> DevSet:
    """Read the documents, judged pairs and kinds of a real-text dev set."""
    try:
        documents = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        # relations.jsonl, plus relations-*.jsonl: one file per annotation pass.
        files = [folder / "relations.jsonl", *sorted(folder.glob("relations-*.jsonl"))]
        lines = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]
        kind_lines = (folder / "kinds.jsonl").read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{folder}: not a relation dev set (needs documents.json, relations.jsonl and "
            f"kinds.jsonl): {exc}"
        ) from exc
    pairs = []
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        pairs.append(
            Pair(
                row["file"],
                (row["sentence"][0], row["sentence"][1]),
                (row["subject"]["start"], row["subject"]["end"]),
                row["subject"]["text"],
                (row["object"]["start"], row["object"]["end"]),
                row["object"]["text"],
                canonical(row["predicate"]),
            )
        )
    return DevSet(
        {d["file"]: d for d in documents["documents"]},
        pairs,
        [json.loads(line) for line in kind_lines],
    )


def find_documents(dev: DevSet, roots: list[Path]) -> dict[str, Path]:
    """Return each dev-set PDF's path under the shared data folders, checked by sha256."""
    found: dict[str, Path] = {}
    for name, doc in dev.documents.items():
        path = next(
            (
                p
                for root in roots
                for p in (root / doc["folder"] / name, root / name)
                if p.is_file()
            ),
            None,
        )
        if path is None:
            raise ConfigError(
                f"{name}: not found under {', '.join(map(str, roots))}; the real-text dev set "
                "reads the shared PDFs in place (give --shared the data folder)"
            )
        if hashlib.sha256(path.read_bytes()).hexdigest() != doc["sha256"]:
            raise ConfigError(f"{path}: its sha256 differs from the one the dev set was made on")
        found[name] = path
    return found


def _overlaps(span: tuple[int, int], mention: Mention) -> bool:
    return mention.start < span[1] and span[0] < mention.end


def _score_pairs(
    outcome: Outcome,
    document: Document,
    pairs: list[Pair],
    mentions: list[Mention],
    relations: list[Relation],
) -> None:
    by_id = {m.id: m for m in mentions}
    typed = []
    for r in relations:
        if r.predicate == "co_occurs" or len(r.evidence) < 2:
            continue
        subject, obj = by_id.get(r.evidence[0]), by_id.get(r.evidence[1])
        if subject is not None and obj is not None:
            typed.append((canonical(r.predicate), subject, obj))
    used: set[int] = set()
    for pair in pairs:
        text = document.text
        if (
            _space(text[pair.subject[0] : pair.subject[1]]) != pair.subject_text
            or _space(text[pair.object[0] : pair.object[1]]) != pair.object_text
        ):
            outcome.misaligned += 1
            continue
        gold = pair.predicate
        label = f"{document.source.rsplit('/', 1)[-1][:3]}@{pair.sentence[0]}: "
        hit = False
        for i, (predicate, s, o) in enumerate(typed):
            forward = _overlaps(pair.subject, s) and _overlaps(pair.object, o)
            backward = _overlaps(pair.subject, o) and _overlaps(pair.object, s)
            if not (forward or backward):
                continue
            used.add(i)
            if predicate == gold and forward and not hit:
                outcome.score(gold).tp += 1
                hit = True
            elif not (predicate == gold and forward):
                outcome.score(predicate).fp += 1
                outcome.score(predicate).false_positives.append(
                    f"{label}{s.text!r} {predicate} {o.text!r} (gold: {gold})"
                )
        if gold != NONE and not hit:
            outcome.score(gold).fn += 1
            outcome.score(gold).false_negatives.append(
                f"{label}{pair.subject_text!r} {gold} {pair.object_text!r}"
            )
    sentences = {p.sentence for p in pairs}
    outcome.unjudged += sum(
        1
        for i, (_, s, _o) in enumerate(typed)
        if i not in used and any(a <= s.start < b for a, b in sentences)
    )


def _score_kinds(
    outcome: Outcome, name: str, kinds: list[dict[str, str]], mentions: list[Mention]
) -> None:
    seen: dict[str, Counter[str]] = {}
    for m in mentions:
        if m.type in ("actor", "casino"):
            kind = str(m.value.get("kind") or m.type)
            seen.setdefault(_space(m.text), Counter())[kind] += 1
    for row in kinds:
        if row["file"] != name:
            continue
        predicted = seen.get(row["name"])
        if row["kind"] == NOT_ACTOR:
            outcome.junk_gold += 1
            outcome.junk_kept += predicted is not None
            continue
        outcome.kinds_gold += 1
        if predicted is None:
            continue
        outcome.kinds_found += 1
        kind = predicted.most_common(1)[0][0]
        if kind == row["kind"]:
            outcome.kinds_right += 1
        else:
            outcome.kind_errors.append(f"{name[:3]}: {row['name']!r} {kind} (gold {row['kind']})")


def score(
    dev: DevSet,
    extracted: dict[str, tuple[Document, list[Mention], list[Relation]]],
) -> dict[str, Outcome]:
    """Score extracted documents (by file name) per split and over all documents."""
    outcomes = {split: Outcome() for split in (*SPLITS, "all")}
    for name, (document, mentions, relations) in extracted.items():
        split = dev.documents[name]["split"]
        pairs = [p for p in dev.pairs if p.file == name]
        for key in (split, "all"):
            _score_pairs(outcomes[key], document, pairs, mentions, relations)
            _score_kinds(outcomes[key], name, dev.kinds, mentions)
    return outcomes


def ocr_text_note(name: str, doc: dict[str, Any], document: Document) -> str | None:
    """Say why a scanned document's OCR text is not the one it was annotated on, or None."""
    if not doc.get("ocr"):
        return None
    digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    if digest == doc.get("text_sha256"):
        return None
    return (
        f"{name}: left out: its OCR text differs from the text it was annotated on (another "
        "Tesseract version, or none installed); install Tesseract 5.3.0 to score it"
    )


def read_text(path: Path, doc: dict[str, Any]) -> Document:
    """Parse a dev-set PDF as it was annotated: with OCR (default settings) where it says so."""
    from pipeline.parse import parse

    document = parse(path)
    if doc.get("ocr"):
        from pipeline.parse.ocr import ocr_document
        from pipeline.settings import Settings

        document = ocr_document(document, path.read_bytes(), Settings()).document
    return document


def run(folder: Path, roots: list[Path], only: set[str] | None = None) -> dict[str, Outcome]:
    """Parse, extract and link every dev-set PDF (or those in `only`), then score them."""
    from pipeline.extract.extractor import Extractor
    from pipeline.link import link

    dev = load_dev_set(folder)
    if only is not None:
        dev = DevSet({k: v for k, v in dev.documents.items() if k in only}, dev.pairs, dev.kinds)
    paths = find_documents(dev, roots)
    extractor = Extractor()
    extracted = {}
    skipped = []
    for name, path in sorted(paths.items()):
        document = read_text(path, dev.documents[name])
        note = ocr_text_note(name, dev.documents[name], document)
        if note is not None:
            skipped.append((dev.documents[name]["split"], note))
            continue
        linked = link(document, extractor.extract(document))
        extracted[name] = (document, linked.mentions, linked.relations)
    outcomes = score(dev, extracted)
    for split, note in skipped:
        outcomes[split].skipped.append(note)
        outcomes["all"].skipped.append(note)
    return outcomes
