"""An actor's kind from the embedding of its mentions in context, where the rules are unsure.

extract/'s rules give most actors a kind (person, group, agency, company, exchange, bank,
mixer). Some they leave without one, or with the generic `organization`. For those,
`ingest --classify-kinds` asks a softmax regression over the mean all-MiniLM-L6-v2 embedding
of "NAME: sentence" for the entity's mentions. The weights (`models/kind_classifier.npz`) are
trained on the development set by `python bench/kind_classifier.py --save`; the same script
measures, on held-apart documents, that the classifier beats the rules where they are unsure
(README and docs/semantic.md give the figures). A decision replaces the rules' kind only when
the classifier is confident enough, and it says so in the entity's attributes:
`kind_source: "classifier"` with `kind_confidence`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ConfigError
from pipeline.records import Entity, Mention
from pipeline.settings import MODELS_DIR

UNSURE = (None, "", "organization")
WEIGHTS = MODELS_DIR / "kind_classifier.npz"
THRESHOLD = 0.5
CONTEXTS_PER_ENTITY = 8


def context(text: str, sentence: str) -> str:
    """Return the text embedded for one mention: its surface, then its sentence."""
    return f"{text}: {sentence}"


def train(x: np.ndarray, y: np.ndarray, classes: int, l2: float = 1e-3) -> np.ndarray:
    """Fit softmax regression weights (the last row is the bias) by gradient descent."""
    x = np.hstack([x, np.ones((len(x), 1), dtype=x.dtype)])
    w = np.zeros((x.shape[1], classes), dtype=np.float64)
    onehot = np.eye(classes)[y]
    for _ in range(800):
        p = softmax(x @ w)
        w -= 2.0 * (x.T @ (p - onehot) / len(x) + l2 * w)
    return w


def softmax(logits: np.ndarray) -> np.ndarray:
    """Return row-wise probabilities."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class KindClassifier:
    """Trained weights, their labels, and the model whose embeddings they expect."""

    weights: np.ndarray
    labels: tuple[str, ...]
    model: str

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> KindClassifier:
        """Read the weights; a missing file is a ConfigError saying how to make it."""
        if not path.exists():
            raise ConfigError(
                f"{path} is missing; make it with: python bench/kind_classifier.py --save"
            )
        data = np.load(path, allow_pickle=False)
        return cls(data["weights"], tuple(str(x) for x in data["labels"]), str(data["model"]))

    def save(self, path: Path = WEIGHTS) -> None:
        """Write the weights beside the other models."""
        np.savez(path, weights=self.weights, labels=np.array(self.labels), model=self.model)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Return label probabilities for unit-length embeddings, one row each."""
        x = np.hstack([x, np.ones((len(x), 1), dtype=x.dtype)])
        return softmax(x @ self.weights)


class KindDecider:
    """Loads the embedder and the weights once; relabels a document's unsure actors."""

    def __init__(self, embedder: Any = None, classifier: KindClassifier | None = None) -> None:
        from pipeline.semantic.embedder import load_embedder, require_extra

        require_extra()
        self.classifier = classifier or KindClassifier.load()
        self.embedder = embedder or load_embedder(None, "auto")
        if self.embedder.info.name != self.classifier.model:
            raise ConfigError(
                f"the kind classifier was trained on {self.classifier.model!r} embeddings, not "
                f"{self.embedder.info.name!r}"
            )

    def relabel(self, entities: list[Entity], mentions: list[Mention]) -> list[Entity]:
        """Return the entities, with the classifier's kind where the rules were unsure."""
        unsure = [e for e in entities if e.type == "actor" and e.attributes.get("kind") in UNSURE]
        if not unsure:
            return entities
        texts: dict[str, list[str]] = {e.id: [] for e in unsure}
        for m in mentions:
            found = texts.get(m.entity_id or "")
            if found is not None and len(found) < CONTEXTS_PER_ENTITY:
                found.append(context(m.text, m.sentence))
        rows = []
        for e in unsure:
            vectors = self.embedder.embed(texts[e.id] or [e.name])
            mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
            rows.append(mean / (np.linalg.norm(mean) or 1.0))
        probs = self.classifier.probabilities(np.asarray(rows))
        decided: dict[str, Entity] = {}
        for e, p in zip(unsure, probs, strict=True):
            best = int(p.argmax())
            label = self.classifier.labels[best]
            # Casinos are a type, not a kind: changing it would change the entity's id.
            if label == "casino" or label == e.attributes.get("kind") or p[best] < THRESHOLD:
                continue
            attributes = {
                **e.attributes,
                "kind": label,
                "kind_source": "classifier",
                "kind_confidence": round(float(p[best]), 3),
            }
            decided[e.id] = replace(e, attributes=attributes)
        return [decided.get(e.id, e) for e in entities]
