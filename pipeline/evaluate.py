"""Score extraction against annotated documents: precision, recall and F1 per entity type."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.extract.addresses import validate
from pipeline.extract.names import normalise
from pipeline.records import MENTION_TYPES

GOLD_SUFFIX = ".gold.json"
AMOUNT_TOLERANCE = 0.005


@dataclass
class Score:
    """Counts for one type, and the misses for review."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Return TP / (TP + FP), 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Return TP / (TP + FN), 1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Scores per type over a set of documents."""

    documents: int = 0
    scores: dict[str, Score] = field(default_factory=lambda: {t: Score() for t in MENTION_TYPES})

    @property
    def overall(self) -> float:
        """Return the mean F1 of the five types."""
        return sum(s.f1 for s in self.scores.values()) / len(self.scores)

    def to_json(self, errors: bool = False) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        types: dict[str, Any] = {}
        for name, s in self.scores.items():
            row: dict[str, Any] = {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
            }
            if errors:
                row["false_positives"] = s.false_positives
                row["false_negatives"] = s.false_negatives
            types[name] = row
        return {"documents": self.documents, "overall_f1": round(self.overall, 4), "types": types}


def _address_key(address: str) -> str:
    check = validate(address)
    return check.key if check is not None else address.strip().lower()


def _surfaces(entity: dict[str, Any]) -> set[str]:
    forms = [entity.get("name", ""), *entity.get("aliases", [])]
    forms += [m["text"] for m in entity.get("mentions", [])]
    texts = entity.get("text")
    forms += texts if isinstance(texts, list) else [texts] if texts else []
    # An entity is the same with or without "Ltd." or "Inc.": compare without the suffix.
    return {normalise(f) for f in forms if f} - {""}


def _amount_equal(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if str(gold.get("currency", "")).upper() != str(pred.get("currency", "")).upper():
        return False
    fields = ("value",) if gold.get("value") is not None else ("min", "max")
    for name in fields:
        g, p = gold.get(name), pred.get(name)
        if g is None or p is None or abs(float(g) - float(p)) > AMOUNT_TOLERANCE * abs(float(g)):
            return False
    return True


def matches(type_: str, gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    """Say whether a predicted entity is the gold entity."""
    if type_ == "wallet":
        return _address_key(gold["address"]) == _address_key(str(pred.get("address", "")))
    if type_ == "country":
        return str(gold.get("code", "")).upper() == str(pred.get("code", "")).upper()
    if type_ == "amount":
        return _amount_equal(gold, pred)
    return bool(_surfaces(gold) & _surfaces(pred))


def _label(entity: dict[str, Any]) -> str:
    for name in ("address", "code", "name"):
        if entity.get(name):
            extra = f" {entity['currency']}" if entity.get("currency") else ""
            return f"{entity[name]}{extra}"
    if "value" in entity or "min" in entity:
        return json.dumps({k: entity.get(k) for k in ("value", "min", "max", "currency")})
    return json.dumps(entity)[:80]


def score_document(
    report: Report, source: str, gold: list[dict[str, Any]], predicted: list[dict[str, Any]]
) -> None:
    """Add one document's matches to the report (suspect wallets are left out on both sides)."""
    report.documents += 1
    for type_ in MENTION_TYPES:
        golds = [g for g in gold if g.get("type") == type_ and not g.get("suspect")]
        preds = [p for p in predicted if p.get("type") == type_ and not p.get("suspect")]
        free = list(range(len(preds)))
        score = report.scores[type_]
        for g in golds:
            hit = next((i for i in free if matches(type_, g, preds[i])), None)
            if hit is None:
                score.fn += 1
                score.false_negatives.append(f"{source}: {_label(g)}")
            else:
                score.tp += 1
                free.remove(hit)
        score.fp += len(free)
        score.false_positives.extend(f"{source}: {_label(preds[i])}" for i in free)


def gold_files(folder: Path) -> list[tuple[Path, Path]]:
    """Return (document, gold file) pairs found in a folder."""
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such folder of annotated documents")
    pairs = []
    for gold in sorted(folder.glob(f"*{GOLD_SUFFIX}")):
        source = json.loads(gold.read_text(encoding="utf-8")).get("source")
        doc = folder / source if source else None
        if doc is None or not doc.exists():
            raise ConfigError(f"{gold}: its source document {source!r} is missing")
        pairs.append((doc, gold))
    if not pairs:
        raise ConfigError(f"{folder}: no *{GOLD_SUFFIX} files to evaluate against")
    return pairs


def evaluate(pairs: Iterable[tuple[Path, Path]], extracted: dict[str, dict[str, Any]]) -> Report:
    """Score extracted documents (by source path) against their gold files."""
    report = Report()
    for doc, gold_path in pairs:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))["entities"]
        predicted = extracted.get(str(doc), {}).get("entities", [])
        score_document(report, doc.name, gold, predicted)
    return report
