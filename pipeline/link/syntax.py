"""Who acts on whom in a sentence, read from spaCy's dependency parse.

Extraction leaves the parser out for speed; relations parse again only the sentences that
hold two or more arguments. Each argument is lifted to the word it attaches to (a verb, or a
noun such as "head" in "X, the head of Y") together with its role there: the acting subject,
the one acted on, or the object of a preposition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.extract.candidates import carry_text

# Dependencies inside one noun phrase: climb them to reach the phrase's own role. A list item
# ("X and Y stole") and an apposition ("the address 0x..") take the role of their head.
_INSIDE = {"compound", "flat", "amod", "nmod", "nummod", "quantmod", "punct", "case"}
_NOMINAL = {"NOUN", "PROPN", "PRON", "NUM", "X"}
_HEDGES = {"may", "might", "could", "would"}
# Adverbs and governing verbs that make a statement a guess or a claim, not a finding:
# "ISIL-K likely operates in", "a group believed to be based in", "Member States assessed that".
_HEDGING_ADVERBS = {
    "likely",
    "probably",
    "possibly",
    "reportedly",
    "allegedly",
    "purportedly",
    "apparently",
    "perhaps",
}
_HEDGING_VERBS = {"believe", "suspect", "assess", "estimate", "speculate", "think", "allege"}
_NEGATORS = {"none", "nobody", "neither", "nothing"}


def build_parser(preferred: str | None = None) -> Language:
    """Load the English model with its tagger and parser (no NER), once per process."""
    from pipeline.extract.nlp import model_name

    return _build_parser(model_name(preferred))


@lru_cache(maxsize=2)
def _build_parser(name: str) -> Language:
    """Load the English model with its tagger and parser (no NER); lemmas come on demand.

    The lemmatizer is loaded but disabled: the rules read the lemmas of a few heads per
    sentence, and `lemma_of` computes those as the component would have.

    The extraction pipeline is the same model, so the two share its vocabulary and tokenizer,
    read from disk once (0.1 s less start-up per worker, and one copy of the lexemes).
    """
    from pipeline.extract.nlp import load_model, loaded_pipeline

    words = loaded_pipeline(name)
    parser = load_model(
        name,
        vocab=words.vocab,
        exclude=["ner", "senter", "tokenizer", "vocab"],
        disable=["lemmatizer"],
    )
    parser.tokenizer = words.tokenizer
    return parser


def parse_sentences(sentences: Iterable[str], preferred: str | None = None) -> list[Doc]:
    """Parse sentences in one batch, each Doc carrying its text for candidates.text_of."""
    parser = build_parser(preferred)
    lemmatize = parser.get_pipe("lemmatizer").lemmatize
    texts = list(sentences)
    docs = list(parser.pipe(texts, batch_size=64))
    for doc, text in zip(docs, texts, strict=True):
        carry_text(doc, text)
        doc.user_data["mt_lemmatize"] = lemmatize
    return docs


def lemma_of(token: Token) -> str:
    """Return the token's lemma, computed the first time it is read.

    As spaCy's lemmatizer does it: a lemma the attribute ruler set stays; otherwise the
    rule lemmatizer's first answer for the token's text and part of speech.
    """
    if token.lemma == 0:
        lemmatize = token.doc.user_data.get("mt_lemmatize")
        if lemmatize is None:
            return token.lemma_  # a Doc from elsewhere: whatever its pipeline set
        token.lemma_ = lemmatize(token)[0]
    return token.lemma_


@dataclass(frozen=True, slots=True)
class Role:
    """Where one argument attaches: the governing word, the role, and the noun it hung on."""

    head: Token
    role: str  # subj, patient, obj, by, poss, appos, prep:<word>
    via: Token | None = None  # the noun between the argument and the verb ("funds from Y")
    modifier: bool = False  # the argument only modifies the noun that holds the role


def span_root(doc: Doc, start: int, end: int) -> Token | None:
    """Return the root token of the characters [start, end) of a parsed sentence."""
    span: Span | None = doc.char_span(start, end, alignment_mode="expand")
    return span.root if span is not None and len(span) else None


_MODIFYING = {"compound", "amod", "nmod", "nummod", "poss"}


def _climb(token: Token) -> tuple[Token, bool]:
    """Rise from a name to the top of its noun phrase, and from a list item to the list.

    Also say whether the name only modifies that phrase ("the BOI database", "Bybit's funds").
    """
    t, modifier = token, False
    for _ in range(8):
        if t.head.i == t.i:
            break
        if t.dep_ in _INSIDE or (t.dep_ in ("conj", "appos") and t.head.pos_ in _NOMINAL):
            modifier = modifier or t.dep_ in _MODIFYING
            t = t.head
            continue
        break
    return t, modifier


def role_of(token: Token) -> Role:
    """Return the word an argument attaches to and its role there."""
    t, modifier = _climb(token)
    dep, head = t.dep_, t.head
    if dep in ("nsubj", "csubj", "expl"):
        return Role(head, "subj", None, modifier)
    if dep == "nsubjpass":
        return Role(head, "patient", None, modifier)
    if dep in ("dobj", "dative", "oprd"):
        return Role(head, "obj", None, modifier)
    if dep == "pobj":
        prep = head
        if prep.dep_ == "agent" or prep.lower_ == "by":
            return Role(prep.head, "by", None, modifier)
        host = prep.head
        if host.pos_ in _NOMINAL and host.dep_ in ("dobj", "nsubjpass", "obj"):
            # "stole $1.5 billion from Bybit": the preposition hangs on the verb's object.
            return Role(host.head, f"prep:{prep.lower_}", host, modifier)
        return Role(host, f"prep:{prep.lower_}", None, modifier)
    return Role(head, dep, None, modifier)


def negated(verb: Token) -> bool:
    """Say whether a verb is denied ("did not", "never", "None of them were listed")."""
    for child in verb.children:
        if child.dep_ == "neg":
            return True
        if child.dep_ in ("nsubj", "nsubjpass") and (
            child.lower_ in _NEGATORS or any(c.lower_ == "no" for c in child.children)
        ):
            return True
    return False


def hedged(verb: Token) -> bool:
    """Say whether a verb is only possible, likely or claimed ("may have", "likely",
    "is believed to", "assessed that")."""
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    # "may have stolen": the modal hangs on "have".
    auxiliaries += [g for c in auxiliaries for g in c.children if g.dep_ == "aux"]
    if any(c.lower_ in _HEDGES for c in auxiliaries):
        return True
    if any(c.dep_ == "advmod" and c.lower_ in _HEDGING_ADVERBS for c in verb.children):
        return True
    governor = verb.head if verb.dep_ in ("ccomp", "xcomp") else None
    return governor is not None and lemma_of(governor).lower() in _HEDGING_VERBS


def subject_of(verb: Token) -> Token | None:
    """Return the nominal subject of a verb or copula, if it has one."""
    return next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
