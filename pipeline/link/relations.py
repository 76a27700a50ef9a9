"""Relations stated in a document's sentences, each with its evidence.

Two kinds: co-occurrence of actors, casinos and wallets in one sentence (counted), and typed
relations read from the sentence's dependency parse (pipeline.link.rules): who acts, who is
acted on, negation and list subjects. Only sentences holding two or more arguments are parsed.
A pair no rule is sure of stays a co-occurrence: no typed guess is stored.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any

from pipeline.ids import stable_id
from pipeline.link.rules import ARGUMENTS, Slot, typed_relations
from pipeline.records import Document, Mention, Relation

CO_OCCURRING = ("actor", "casino", "wallet")
MAX_PER_SENTENCE = 8
# A sentence with more arguments than this is a list or a table row: no typed relation.
MAX_ARGUMENTS = 12


def _place(sentence: str, mentions: list[Mention]) -> list[Slot]:
    """Find each mention's position in its (whitespace-normalised) sentence, in order."""
    slots, cursor = [], 0
    for mention in sorted(mentions, key=lambda m: m.start):
        text = " ".join(mention.text.split())
        at = sentence.find(text, cursor)
        if at < 0:
            at = sentence.find(text)
        if at < 0:
            continue
        slots.append(Slot(mention, at, at + len(text)))
        cursor = at + len(text)
    return slots


def _relation(
    document: Document,
    predicate: str,
    subject: Mention,
    obj: Mention,
    sentence: str,
    evidence: tuple[str, ...],
    attributes: dict[str, Any],
) -> Relation:
    rid = stable_id(document.id, predicate, subject.entity_id, obj.entity_id, sentence)
    return Relation(
        f"r-{rid}",
        str(subject.entity_id),
        predicate,
        str(obj.entity_id),
        evidence,
        document.id,
        subject.page,
        sentence,
        1,
        attributes,
    )


def _worth_parsing(slots: list[Slot]) -> bool:
    """Say whether a sentence holds two distinct arguments, one of them an actor or wallet."""
    args = [s for s in slots if s.type in ARGUMENTS]
    if not 2 <= len(args) <= MAX_ARGUMENTS:
        return False
    if len({s.mention.entity_id for s in args}) < 2:
        return False
    return any(s.type in CO_OCCURRING for s in args)


def find_relations(document: Document, mentions: list[Mention]) -> list[Relation]:
    """Return the relations between entities that the document's sentences state."""
    from pipeline.link.syntax import parse_sentences

    sentences: dict[tuple[int, str], list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.entity_id and not m.value.get("suspect"):
            sentences[(m.page, m.sentence)].append(m)
    relations: dict[str, Relation] = {}
    todo: list[tuple[str, list[Slot]]] = []
    for (_, sentence), group in sentences.items():
        slots = _place(sentence, group)
        named = [s for s in slots if s.type in CO_OCCURRING]
        distinct = list({s.mention.entity_id: s for s in named}.values())[:MAX_PER_SENTENCE]
        for a, b in combinations(sorted(distinct, key=lambda s: str(s.mention.entity_id)), 2):
            rel = _relation(
                document,
                "co_occurs",
                a.mention,
                b.mention,
                sentence,
                (a.mention.id, b.mention.id),
                {},
            )
            relations.setdefault(rel.id, rel)
        if _worth_parsing(slots):
            todo.append((sentence, slots))
    if not todo:
        return list(relations.values())
    for (sentence, slots), parsed in zip(todo, parse_sentences(s for s, _ in todo), strict=True):
        for predicate, subj, obj, attrs in typed_relations(parsed, slots):
            evidence = (subj.mention.id, obj.mention.id)
            rel = _relation(
                document, predicate, subj.mention, obj.mention, sentence, evidence, attrs
            )
            relations.setdefault(rel.id, rel)
    return list(relations.values())
