"""Relations stated in a document's sentences, each with its evidence.

Two kinds: co-occurrence of actors, casinos and wallets in one sentence (counted), and typed
relations read from the words between two mentions of the right types. The patterns work on
the sentence text, not on a dependency parse: the parser is left out of extraction for speed,
and in this domain the cue words sit between the two names ("X laundered the funds through
Y", "addresses controlled by X").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from pipeline.ids import stable_id
from pipeline.records import Document, Mention, Relation

CO_OCCURRING = ("actor", "casino", "wallet")
MAX_PER_SENTENCE = 8
MAX_GAP = 160  # characters between two mentions for a typed relation

_OWNS_AFTER = re.compile(
    r"\b(?:controll?ed|owned|held|used|operated|belong(?:s|ing)?|"
    r"attributed|associated|linked|tied|registered)\b|"
    r"\baddress(?:es)?\s+of\b|\bwallets?\s+of\b|^\s*(?:'s|’s)\b"
)
_OWNS_BEFORE = re.compile(
    r"\b(?:controls?|owns?|holds?|used|operat(?:es|ed)|received\s+"
    r"(?:funds\s+)?(?:at|in|into)|(?:'s|’s)\s+(?:\w+\s+){0,2}"
    r"(?:wallets?|address(?:es)?|accounts?))\b"
)
_LAUNDER = re.compile(
    r"\b(?:launder\w*|mov(?:ed|ing|es)|funnel\w*|channel\w*|cash(?:ed|ing)\s+"
    r"out|convert\w*|rout\w*|pass(?:ed|ing)|swap\w*|deposit\w*|wash\w*|mix\w*|"
    r"layer\w*|process\w*)\b.*\b(?:through|via|at|into|using|on)\s*(?:the\s+)?$"
)
_STEAL = re.compile(
    r"\b(?:st(?:ole|olen|eal\w*)|hack\w*|drain\w*|loot\w*|siphon\w*|robb\w*|"
    r"compromis\w*|theft|heist|attack\w*|breach\w*|exploit\w*)\b"
)
_BY = re.compile(r"\bby\s+(?:the\s+)?$")
_SANCTION = re.compile(
    r"\b(?:designat\w*|sanction\w*|block\w*|blacklist\w*|list(?:ed|s|ing)|"
    r"identif\w*|add(?:ed|s)\s+to)\b"
)
_LOCATED = re.compile(
    r"^\W{0,3}(?:(?:is|was|which\s+is)\s+)?(?:(?:located|based|headquartered|"
    r"registered|operating)\s+)?(?:in|of|near)\s+(?:the\s+)?$|^\s*,\s*$"
)
_TRANSFER = re.compile(
    r"\b(?:transferr\w*|sent|sending|wir(?:ed|ing)|mov(?:ed|ing)|paid|"
    r"deposit\w*|rout\w*|remitt\w*)\b"
)
_FROM_TO = re.compile(r"\bto\s+(?:the\s+)?(?:\w+\s+){0,3}$")
_VICTIM_KINDS = {"exchange", "company", "bank", "organization", "agency", "mixer"}
_THIEF_KINDS = {"group", "person", "organization"}
_VENUE_KINDS = {"exchange", "mixer", "bank"}


@dataclass(frozen=True, slots=True)
class _Slot:
    """A mention placed in its sentence."""

    mention: Mention
    start: int
    end: int

    @property
    def type(self) -> str:
        return self.mention.type

    @property
    def kind(self) -> str | None:
        kind = self.mention.value.get("kind")
        return str(kind) if kind else None


def _place(sentence: str, mentions: list[Mention]) -> list[_Slot]:
    """Find each mention's position in its (whitespace-normalised) sentence, in order."""
    slots, cursor = [], 0
    for mention in sorted(mentions, key=lambda m: m.start):
        text = " ".join(mention.text.split())
        at = sentence.find(text, cursor)
        if at < 0:
            at = sentence.find(text)
        if at < 0:
            continue
        slots.append(_Slot(mention, at, at + len(text)))
        cursor = at + len(text)
    return slots


def _amount(slots: list[_Slot], lo: int, hi: int) -> dict[str, Any]:
    """Return the first amount stated between two positions (or anywhere in the sentence)."""
    amounts = [s for s in slots if s.type == "amount"]
    inside = [s for s in amounts if lo <= s.start <= hi] or amounts
    if not inside:
        return {}
    value = {
        k: v
        for k, v in inside[0].mention.value.items()
        if k in ("value", "min", "max", "currency", "qualifier")
    }
    return {"amount": {**value, "text": inside[0].mention.text}}


def _typed(
    sentence: str, a: _Slot, b: _Slot, slots: list[_Slot]
) -> list[tuple[str, _Slot, _Slot, dict[str, Any]]]:
    """Return (predicate, subject, object, attributes) read from the words between a and b."""
    between = sentence[a.end : b.start]
    if len(between) > MAX_GAP:
        return []
    low = between.lower()
    found: list[tuple[str, _Slot, _Slot, dict[str, Any]]] = []
    actor_a, actor_b = a.type == "actor", b.type == "actor"
    if actor_a and b.type == "wallet" and _OWNS_BEFORE.search(low):
        found.append(("holds", a, b, {}))
    if a.type == "wallet" and actor_b and (_OWNS_AFTER.search(low) or _BY.search(low)):
        found.append(("holds", b, a, {}))
    target_b = b.type == "casino" or (actor_b and b.kind in _VENUE_KINDS)
    if actor_a and a.kind not in _VENUE_KINDS and target_b and _LAUNDER.search(low):
        found.append(("laundered_through", a, b, {}))
    if actor_a and actor_b and _STEAL.search(low):
        if _BY.search(low) and a.kind in _VICTIM_KINDS:
            found.append(("stole", b, a, _amount(slots, a.end, b.start)))
        elif a.kind in _THIEF_KINDS and b.kind in _VICTIM_KINDS and " from " in f" {low} ":
            found.append(("stole", a, b, _amount(slots, a.end, b.start)))
    if _SANCTION.search(low):
        if (
            actor_a
            and a.kind == "agency"
            and b.type in ("actor", "wallet", "casino")
            and b.kind != "agency"
        ):
            found.append(("sanctioned_by", b, a, {}))
        elif actor_b and b.kind == "agency" and _BY.search(low) and a.kind != "agency":
            found.append(("sanctioned_by", a, b, {}))
    if a.type in ("casino", "actor") and b.type == "country" and _LOCATED.search(low):
        found.append(("located_in", a, b, {}))
    if (
        a.type in ("actor", "wallet")
        and b.type in ("actor", "wallet")
        and _TRANSFER.search(sentence[: b.start].lower())
        and _FROM_TO.search(low)
        and " from " in f" {sentence[max(a.start - 12, 0) : a.start].lower()}"
    ):
        found.append(("transferred", a, b, _amount(slots, 0, len(sentence))))
    return found


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


def find_relations(document: Document, mentions: list[Mention]) -> list[Relation]:
    """Return the relations between entities that the document's sentences state."""
    sentences: dict[tuple[int, str], list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.entity_id and not m.value.get("suspect"):
            sentences[(m.page, m.sentence)].append(m)
    relations: dict[str, Relation] = {}
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
        for i, a in enumerate(slots):
            for b in slots[i + 1 :]:
                if a.mention.entity_id == b.mention.entity_id:
                    continue
                for predicate, subj, obj, attrs in _typed(sentence, a, b, slots):
                    evidence = (subj.mention.id, obj.mention.id)
                    rel = _relation(
                        document, predicate, subj.mention, obj.mention, sentence, evidence, attrs
                    )
                    relations.setdefault(rel.id, rel)
    return list(relations.values())
