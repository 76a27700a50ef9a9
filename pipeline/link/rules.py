"""Typed relation rules over a parsed sentence: verb frames, noun frames and hyphen frames.

Each rule names the roles its subject and object must hold on one governing word and the
kinds they may be. A denied ("did not", "None ... were listed") or hedged ("may have") verb
yields nothing, and a list subject ("X and Y stole") gives each member the relation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import permutations
from typing import Any

from spacy.tokens import Doc, Token

from pipeline.extract.candidates import text_of
from pipeline.link.syntax import (
    Role,
    hedged,
    lemma_of,
    negated,
    role_of,
    span_root,
    subject_of,
)
from pipeline.records import Mention

ARGUMENTS = ("actor", "casino", "wallet", "country")
AGENT = frozenset({"subj", "by"})
THEME = frozenset({"obj", "patient"})
AUTHORITY = frozenset({"agency", "court"})
VENUES = frozenset({"exchange", "mixer", "bank", "casino", "junket"})


@dataclass(frozen=True, slots=True)
class Slot:
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


@dataclass(frozen=True, slots=True)
class VerbRule:
    """A predicate stated by a verb: the roles its subject and object hold."""

    predicate: str
    subject_roles: frozenset[str]
    object_roles: frozenset[str]


def _rules(*pairs: tuple[str, VerbRule]) -> dict[str, list[VerbRule]]:
    table: dict[str, list[VerbRule]] = {}
    for lemmas, rule in pairs:
        for lemma in lemmas.split():
            table.setdefault(lemma, []).append(rule)
    return table


def _r(predicate: str, subject: frozenset[str] | str, obj: frozenset[str] | str) -> VerbRule:
    as_set = lambda x: frozenset(x.split()) if isinstance(x, str) else x  # noqa: E731
    return VerbRule(predicate, as_set(subject), as_set(obj))


_LAUNDER_PREPS = frozenset({"prep:through", "prep:via", "prep:at", "prep:into", "prep:using"})
VERBS = _rules(
    (
        "steal misappropriate embezzle siphon loot drain divert",
        _r("stole", AGENT, THEME | {"prep:from"}),
    ),
    ("hack rob breach compromise", _r("stole", AGENT, THEME)),
    ("attribute", _r("attributed_to", THEME, "prep:to")),
    ("deploy develop use write create", _r("attributed_to", THEME, AGENT)),
    ("designate list blacklist", _r("designated_by", THEME, AGENT)),
    ("sanction penalize fine", _r("sanctioned_by", THEME, AGENT)),
    ("own", _r("owns", AGENT, THEME)),
    (
        # Not "found" or "establish": setting a body up is no hold over it.
        "control operate run manage head lead direct oversee chair command",
        _r("controls", AGENT, THEME),
    ),
    ("employ hire recruit", _r("employs", AGENT, THEME)),
    ("join", _r("member_of", AGENT, THEME)),
    ("work serve", _r("member_of", AGENT, "prep:for prep:at")),
    ("pay send transfer wire remit", _r("paid", AGENT, "prep:to dative")),
    ("transfer send wire move", _r("transferred", "prep:from", "prep:to")),
    ("receive obtain accept collect", _r("received", AGENT, "prep:from")),
    (
        "launder move convert cash route deposit funnel channel process wash mix transfer send",
        _r("laundered_through", AGENT, _LAUNDER_PREPS),
    ),
    (
        # Not "maintain": one maintains accounts or offices in a country without being there.
        "base locate headquarter register incorporate operate reside live station hide be remain",
        _r("located_in", "subj patient", "prep:in"),
    ),
)
# Nouns that state a tie: "X, the head of Y", "X is a member of Y", "a front company for Y".
HEAD_NOUNS = {
    "head",
    "leader",
    "chief",
    "president",
    "chair",
    "chairman",
    "chairperson",
    "ceo",
    "creator",
    "administrator",
    "operator",
    "emir",
    "commander",
    "director",
    "boss",
    "founder",
}
OWNER_NOUNS = {"owner", "proprietor", "shareholder"}
MEMBER_NOUNS = {
    "member",
    "employee",
    "officer",
    "agent",
    "operative",
    "representative",
    "official",
    "staff",
    "judge",
    "part",
    "unit",
    "subsidiary",
    "branch",
    "affiliate",
    "faction",
    "arm",
    "wing",
    "office",
    "committee",
    "bureau",
    "division",
    "component",
    "subgroup",
    "deputy",
    "spokesman",
    "spokesperson",
    "associate",
}
FRONT_NOUNS = {"front", "shell"}
FIRM_NOUNS = {"fund", "company", "firm", "business", "exchange", "platform", "venture"}
SANCTION_NOUNS = {"sanction", "penalty", "embargo"}
# Not "action": an action against someone is as often a lawsuit or a seizure as a listing.
DESIGNATION_NOUNS = {"designation", "rule", "rulemaking", "finding"}
_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|"
    r"Dec(?:ember|\.)?)"
)
_DATE = re.compile(
    rf"\b{_MONTH}\s+(?:\d{{1,2}},?\s+)?(?:19|20)\d\d\b|\b\d{{1,2}}\s+{_MONTH}\s+(?:19|20)\d\d\b|"
    r"(?<=\b[Ii]n\s)(?:19|20)\d\d\b"
)
_PRIMARY_CONCERN = re.compile(r"primary\s+money\s+laundering\s+concern", re.I)


def _fits(predicate: str, a: Slot, b: Slot) -> bool:
    """Say whether the subject and object are of the kinds the predicate relates."""
    actor_a, actor_b = a.type in ("actor", "casino"), b.type in ("actor", "casino")
    if predicate == "located_in":
        return actor_a and b.type == "country"
    if predicate in ("designated_by", "sanctioned_by"):
        authority = (b.type == "actor" and b.kind in AUTHORITY) or b.type == "country"
        return authority and a.kind not in AUTHORITY and (a.type != "country" or actor_b)
    if predicate == "laundered_through":
        return actor_a and a.kind not in VENUES and (b.type == "casino" or b.kind in VENUES)
    if predicate == "stole":
        return actor_a and actor_b and a.kind not in AUTHORITY and b.kind not in AUTHORITY
    if predicate == "attributed_to":
        return actor_a and actor_b and a.kind == "malware" and b.kind != "malware"
    if predicate in ("paid", "received", "transferred"):
        return a.type in ("actor", "wallet") and b.type in ("actor", "wallet")
    if predicate == "member_of":
        # One is a member of a body, not of a person ("an associate of X" is no membership).
        return (actor_a or a.type == "country") and actor_b and b.kind != "person"
    if predicate in ("owns", "controls"):
        return actor_a and (b.type == "wallet" or (actor_b and b.kind != "person"))
    if predicate == "employs":
        return actor_a and actor_b
    return False


@dataclass(frozen=True, slots=True)
class _Arg:
    """A slot with its parsed root token and the places it attaches."""

    slot: Slot
    root: Token
    top: Token
    roles: tuple[Role, ...]


def _phrase_top(token: Token) -> Token:
    t = token
    for _ in range(8):
        if t.head.i != t.i and (
            t.dep_ in ("compound", "flat", "amod", "nmod", "nummod", "punct")
            or (t.dep_ == "conj" and t.head.pos_ in ("NOUN", "PROPN"))
        ):
            t = t.head
            continue
        break
    return t


def _clause_roles(top: Token) -> list[Role]:
    """Return the roles a noun holds in clauses that hang on it ("X, which stole", "X based in")."""
    roles = []
    for child in top.children:
        if child.dep_ == "acl" and child.tag_ == "VBN":
            roles.append(Role(child, "patient"))
        elif child.dep_ == "acl" and child.tag_ == "VBG":
            roles.append(Role(child, "subj"))
        elif child.dep_ == "relcl":
            wh = next(
                (
                    c
                    for c in child.children
                    if c.tag_ in ("WDT", "WP") or c.lower_ in ("which", "who", "that")
                ),
                None,
            )
            if wh is not None:
                mapped = {"nsubj": "subj", "nsubjpass": "patient", "dobj": "obj"}.get(wh.dep_)
                if mapped:
                    roles.append(Role(child, mapped))
    return roles


def _argument(doc: Doc, slot: Slot) -> _Arg | None:
    root = span_root(doc, slot.start, slot.end)
    if root is None:
        return None
    if slot.type == "country" and root.dep_ in ("amod", "compound", "nmod", "npadvmod"):
        # "North Korean individuals", "China-based": a country used as an adjective is no
        # argument of its own (the hyphen frame reads "China-based").
        return _Arg(slot, root, root, ())
    role = role_of(root)
    top = _phrase_top(root)
    roles = [role, *_clause_roles(top)]
    for described in (c for c in top.children if c.dep_ == "appos"):
        # "Wu Huihui, an over-the-counter trader based in China".
        roles += _clause_roles(described)
    if role.role == "subj" and lemma_of(role.head) == "be" and role.head.dep_ in ("ccomp", "xcomp"):
        # "FinCEN found Iran to be a jurisdiction of ...": Iran is what was found.
        roles.append(Role(role.head.head, "obj"))
    if role.role == "subj":
        # "X hacked A and stole B": the subject of the first verb acts in the second too.
        roles += [
            Role(c, "subj")
            for c in role.head.children
            if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") and subject_of(c) is None
        ]
    return _Arg(slot, root, _phrase_top(root), tuple(roles))


def _as_member(verb: Token) -> bool:
    """Say whether "worked/served as ..." names a post: "served as a conduit for" does not."""
    roles = [
        lemma_of(pobj).lower()
        for prep in verb.children
        if prep.dep_ == "prep" and prep.lower_ == "as"
        for pobj in prep.children
        if pobj.dep_ == "pobj"
    ]
    return all(r in MEMBER_NOUNS or r in HEAD_NOUNS for r in roles)


def _verb_frame(a: _Arg, b: _Arg) -> list[str]:
    """Return predicates stated by a verb both arguments attach to, a as subject."""
    found = []
    for ra in a.roles:
        for rb in b.roles:
            verb = ra.head
            if verb.i != rb.head.i or verb.pos_ not in ("VERB", "AUX"):
                continue
            if negated(verb) or hedged(verb):
                continue
            lemma = lemma_of(verb).lower()
            for rule in VERBS.get(lemma, []):
                if ra.role in rule.subject_roles and rb.role in rule.object_roles:
                    # A name that only modifies the argument ("established a BOI database")
                    # is no argument, except a victim ("stole Bybit's funds").
                    # "The DYEPACK malware was attributed to ...": the name modifies its kind.
                    if (ra.modifier and rule.predicate != "attributed_to") or (
                        rb.modifier and rule.predicate != "stole"
                    ):
                        continue
                    if rule.predicate == "member_of" and not _as_member(verb):
                        continue
                    found.append(rule.predicate)
            if (
                lemma == "find"
                and ra.role == "obj"
                and rb.role == "subj"
                and _PRIMARY_CONCERN.search(text_of(verb.doc))
            ):
                found.append("designated_by")
            via = ra.via
            if rb.role in AGENT and via is not None and ra.role in ("prep:on", "prep:against"):
                noun = lemma_of(via).lower()
                words = {t.lower_ for t in via.subtree}
                if noun in SANCTION_NOUNS:
                    found.append("sanctioned_by")
                elif noun in DESIGNATION_NOUNS and not words & {"forfeiture", "enforcement"}:
                    found.append("designated_by")
    return found


# Verbs an authority puts sanctions or a penalty on someone with.
_IMPOSE = frozenset(
    {"impose", "assess", "levy", "administer", "enforce", "maintain", "apply", "adopt", "take"}
)
_PENALTY_NOUNS = SANCTION_NOUNS | {"fine", "restriction", "prohibition"}


def _penalty(noun: Token) -> bool:
    """Say whether a noun is a sanction or penalty: "penalties", "a sanctions program"."""
    lemma = lemma_of(noun).lower()
    if lemma in _PENALTY_NOUNS:
        return True
    return lemma in ("program", "programme", "regime", "measure") and any(
        c.dep_ in ("compound", "amod") and lemma_of(c).lower() in SANCTION_NOUNS
        for c in noun.children
    )


def _sanction_frame(a: _Arg, b: _Arg) -> list[str]:
    """Return sanctioned_by for "B imposed penalties on A", "B maintains a sanctions program
    on A", "B's sanctions against A": a penalty noun, on/against the subject, B its author."""
    top = a.top
    if top.dep_ != "pobj" or top.head.lower_ not in ("on", "against"):
        return []
    host = top.head.head
    verb: Token | None
    if host.pos_ in ("VERB", "AUX"):
        noun = next((c for c in host.children if c.dep_ == "dobj" and _penalty(c)), None)
        verb = host
    else:
        noun = host if _penalty(host) else None
        verb = host.head if host.dep_ in ("dobj", "conj") else None
    if noun is None:
        return []
    if b.root.dep_ in ("compound", "poss") and b.root.head.i == noun.i:
        return ["sanctioned_by"]  # "OFAC's sanctions on Syria"
    if verb is None or lemma_of(verb).lower() not in _IMPOSE or negated(verb) or hedged(verb):
        return []
    author = _phrase_top(b.root)  # "the U.S. Government": a state used as a modifier
    return ["sanctioned_by"] if author.dep_ == "nsubj" and author.head.i == verb.i else []


def _described_by(a: _Arg, noun: Token) -> bool:
    """Say whether a noun describes argument a: "a, the head of", "a is the head of"."""
    if noun.dep_ == "appos" and noun.head.i == a.top.i:
        return True
    if a.top.dep_ == "appos" and a.top.head.i == noun.i:
        return True
    if noun.dep_ == "attr":
        subject = subject_of(noun.head)
        return subject is not None and subject.i == a.top.i and not negated(noun.head)
    return False


def _noun_frame(a: _Arg, b: _Arg) -> list[str]:
    """Return predicates stated by a noun: "X, the head of Y", "Y's unit X", "X in Y"."""
    found: list[str] = []
    if not a.roles or not b.roles:
        return found
    rb = b.roles[0]
    noun = rb.head
    if rb.role in ("prep:of", "prep:for", "prep:at") and _described_by(a, noun):
        lemma = lemma_of(noun).lower()
        if lemma in HEAD_NOUNS:
            # "Head of the Al-Furqan office" runs the office named Al-Furqan, "head of
            # Al-Shabaab internal affairs" serves in Al-Shabaab: the parse does not tell a name
            # modifying a unit from an owner modifying it, so a modifier stays co_occurs.
            if not rb.modifier:
                found.append("controls")
        elif lemma in OWNER_NOUNS:
            found.append("owns")
        elif lemma in MEMBER_NOUNS:
            found.append("member_of")
    if (
        rb.role in ("prep:in", "prep:of")
        and noun.i == a.top.i
        and not rb.modifier
        and (a.top.i == a.root.i or lemma_of(noun).lower() in _SEAT_NOUNS)
    ):
        # "the Al-Karrar office in Somalia", "Ministry of Defence of the Syrian Arab Republic".
        between = text_of(a.root.doc)[a.slot.end : b.slot.start]
        if rb.role == "prep:in" or (a.slot.kind in AUTHORITY and _OF.match(between)):
            found.append("located_in")
    if rb.role == "prep:of" and noun.i == a.top.i and not rb.modifier:
        # "the 1718 Sanctions Committee of the Security Council": a body of a body.
        between = text_of(a.root.doc)[a.slot.end : b.slot.start]
        if a.slot.kind in AUTHORITY and b.slot.kind in AUTHORITY and _OF.match(between):
            found.append("member_of")
    title = b.root.head
    if b.root.dep_ == "compound" and _described_by(a, title):
        # "Lars Oftedal Broch, Supreme Court Judge".
        lemma = lemma_of(title).lower()
        if lemma in MEMBER_NOUNS:
            found.append("member_of")
        elif lemma in HEAD_NOUNS:
            found.append("controls")
    if (
        b.root.dep_ in ("compound", "poss", "npadvmod")
        and b.slot.kind in AUTHORITY
        and lemma_of(b.root.head).lower() in SANCTION_NOUNS
        and any(
            r.head.i == b.root.head.i and r.role in ("prep:on", "prep:against") for r in a.roles
        )
    ):
        # "OFAC sanctions on Syria".
        found.append("sanctioned_by")
    ra = a.roles[0]
    if rb.role == "prep:within" and ra.role in AGENT and ra.head.i == noun.i:
        # "Within the FATF, the ICRG monitors ...".
        found.append("member_of")
    if ra.role in ("prep:for",) and lemma_of(ra.head).lower() in FRONT_NOUNS | {"company"}:
        front = ra.head
        if any(t.lower_ in FRONT_NOUNS for t in front.subtree) and _described_by(b, front):
            found.append("controls")
    possessed = a.slot.start <= noun.idx < a.slot.end or (
        a.root.dep_ == "appos" and a.root.head.i == noun.i
    )
    if rb.role == "poss" and possessed and a.slot.kind in AUTHORITY and b.slot.kind in AUTHORITY:
        # "Treasury's Financial Crimes Enforcement Network": a bureau of a department.
        found.append("member_of")
    if ra.role == "poss" and lemma_of(ra.head).lower() in FIRM_NOUNS and a.slot.kind == "person":
        firm = ra.head
        if firm.i == b.top.i or _described_by(b, firm):
            found.append("owns")
    return found


_LISTING_VERBS = {"list", "publish", "file", "designate", "add", "identify", "attribute", "tie"}
_WALLET_NOUNS = {"address", "wallet", "account"}


def _linked(verb: Token, noun: Token) -> bool:
    """Say whether a verb governs a noun or hangs on it as a clause."""
    return verb.i == noun.i or verb.head.i == noun.i or noun.head.i == verb.i


def _wallet_frame(a: _Arg, b: _Arg) -> list[str]:
    """Return holds for "a Lazarus Group address, 0x..", "addresses OFAC lists for X",
    "added 0x.. to the Lazarus Group's entry"."""
    if a.slot.type != "actor" or b.slot.type != "wallet":
        return []
    nouns = [b.root.head if b.root.dep_ == "appos" else b.root]
    nouns += [c for c in b.root.children if c.dep_ == "appos"]  # "0x3C.., an address that"
    for noun in nouns:
        if (
            a.root.dep_ in ("compound", "poss")
            and a.root.head.i == noun.i
            and lemma_of(noun).lower() in _WALLET_NOUNS
        ):
            return ["holds"]
        for role in a.roles:
            host = role.head
            if (
                role.role == "prep:for"
                and lemma_of(host).lower() in _LISTING_VERBS | _WALLET_NOUNS
                and _linked(host, noun)
            ):
                return ["holds"]
        if a.root.dep_ == "poss" and lemma_of(a.root.head).lower() == "entry":
            entry = a.root.head
            verb = entry.head.head if entry.dep_ == "pobj" else entry.head
            if lemma_of(verb).lower() in _LISTING_VERBS and _linked(verb, noun):
                return ["holds"]
    return []


_OF = re.compile(r"^\s*of\s+(?:the\s+)?$", re.I)
# "the Al-Karrar office in Somalia": nouns that place the body they are part of. Others do not
# ("the Hamas attacks in Israel" place the attacks).
_SEAT_NOUNS = frozenset(
    {"office", "branch", "headquarters", "subsidiary", "unit", "cell", "embassy", "affiliate"}
)
_APPOSED = re.compile(r"^\s*,\s*$")
_FIRM_AFTER = re.compile(
    r"^\s*['’]\s*s\s+(?:own\s+|proprietary\s+|crypto\s+|hedge\s+|trading\s+|shell\s+)*"
    r"(fund|company|firm|business|exchange|platform|venture)\b",
    re.I,
)


_POSSESSIVE = re.compile(r"^\s*['’]\s*s\s+(?:the\s+)?$")
_CITED_AFTER = re.compile(r"^\s*,\s*[“\"]")


def _body_of_body(doc: Doc, a: _Arg, b: _Arg) -> list[str]:
    """Return member_of for "the FBI's Internet Crime Complaint Center" and for a cited author
    written "U.S. Department of Homeland Security, U.S. Immigration and Customs Enforcement,
    “Title”"; located_in for "South Africa's National Treasury". Read from the words."""
    if a.slot.kind not in AUTHORITY:
        return []
    between = text_of(doc)[b.slot.end : a.slot.start]
    if _POSSESSIVE.match(between):
        if b.slot.type == "country":
            return ["located_in"]
        return ["member_of"] if b.slot.kind in AUTHORITY else []
    after = text_of(doc)[a.slot.end : a.slot.end + 4]
    cited = _APPOSED.match(between) and _CITED_AFTER.match(after)
    return ["member_of"] if cited and b.slot.kind in AUTHORITY else []


def _firm_apposition(doc: Doc, a: _Arg, b: _Arg) -> list[str]:
    """Return owns for "B, A's proprietary crypto hedge fund": a person's firm named beside it.

    Read from the words, as the parser often splits the apposition off the name.
    """
    if a.slot.kind != "person" or b.slot.type != "actor" or b.slot.kind in AUTHORITY:
        return []
    if not _APPOSED.match(text_of(doc)[b.slot.end : a.slot.start]):
        return []
    return ["owns"] if _FIRM_AFTER.match(text_of(doc)[a.slot.end : a.slot.end + 60]) else []


_HYPHEN = re.compile(
    r"^\s*-\s*(based|registered|headquartered|incorporated|sanctioned|designated)\b", re.I
)
_SEATED = frozenset({"based", "registered", "headquartered", "incorporated"})


def _hyphen_frame(doc: Doc, a: _Arg, b: _Arg) -> list[str]:
    """Return predicates from "China-based X", "OFAC-sanctioned X", "U.S.-designated X"."""
    match = _HYPHEN.match(text_of(doc)[b.slot.end : b.slot.end + 20])
    if not match:
        return []
    participle = next(
        (t for t in doc if t.idx >= b.slot.end + match.start(1) and t.lower_ == match[1].lower()),
        None,
    )
    if participle is None:
        return []
    head = participle.head
    # The participle modifies the name itself, or a noun in apposition to it; a name that
    # only modifies another noun ("Treasury Sanctions Russia-Based Hydra") is described only
    # through that noun ("the Russia-based Trickbot group").
    if a.root.i != a.top.i and not (a.slot.start <= head.idx < a.slot.end or head.i == a.top.i):
        return []
    if not (
        head.i == a.top.i
        or (a.slot.start <= head.idx < a.slot.end)
        or _described_by(a, head)
        or (head.head.i == a.top.i and head.dep_ in ("compound", "amod"))
    ):
        return []
    word = match[1].lower()
    return ["located_in" if word in _SEATED else f"{word}_by"]


# A court filing's counsel block: "Jane Roe (SBN 123456) ... ROE & DOE LLP ... Attorneys for".
_COUNSEL_BLOCK = re.compile(
    r"\((?:SBN|State Bar No\.?|Bar No\.?)\s*\d|pro hac vice|\bAttorneys? for\b|\bCounsel for\b"
)


def _counsel_block(doc: Doc, slots: list[Slot]) -> list[tuple[str, Slot, Slot]]:
    """Return (employs, firm, lawyer) from a filing's counsel block.

    Lawyers are listed above their firm's name and address; in a signature block a lawyer
    follows the firm with only an e-mail address between. So a lawyer goes with the firm just
    before, if nothing but words without digits (no address, no other lawyer) lies between,
    and otherwise with the first firm after.
    """
    if not _COUNSEL_BLOCK.search(text_of(doc)):
        return []
    people = [s for s in slots if s.type == "actor" and s.kind == "person"]
    firms = [s for s in slots if s.type == "actor" and s.kind == "company"]
    found = []
    for person in people:
        others = [p for p in people if p.mention.entity_id != person.mention.entity_id]
        before = [f for f in firms if f.end <= person.start]
        after = [f for f in firms if f.start >= person.end]
        firm = None
        if before:
            last = max(before, key=lambda f: f.end)
            gap = text_of(doc)[last.end : person.start]
            if not re.search(r"\d", gap) and not any(
                last.end <= p.start < person.start for p in others
            ):
                firm = last
        if firm is None and after:
            firm = min(after, key=lambda f: f.start)
        if firm is not None:
            found.append(("employs", firm, person))
    return found


def _nearest_date(doc: Doc, at: int) -> str | None:
    dates = list(_DATE.finditer(text_of(doc)))
    if not dates:
        return None
    return min(dates, key=lambda d: abs(d.start() - at)).group()


def _amount(slots: list[Slot], at: int) -> dict[str, Any]:
    amounts = [s for s in slots if s.type == "amount"]
    if not amounts:
        return {}
    nearest = min(amounts, key=lambda s: abs(s.start - at))
    value = {
        k: v
        for k, v in nearest.mention.value.items()
        if k in ("value", "min", "max", "currency", "qualifier")
    }
    return {"amount": {**value, "text": nearest.mention.text}}


def typed_relations(doc: Doc, slots: list[Slot]) -> list[tuple[str, Slot, Slot, dict[str, Any]]]:
    """Return (predicate, subject, object, attributes) stated by a parsed sentence."""
    args = [
        arg for arg in (_argument(doc, s) for s in slots if s.type in ARGUMENTS) if arg is not None
    ]
    found: list[tuple[str, Slot, Slot, dict[str, Any]]] = []
    seen: set[tuple[str, str, str]] = set()
    for a, b in permutations(args, 2):
        if a.slot.mention.entity_id == b.slot.mention.entity_id or a.root.i == b.root.i:
            continue
        sanction = _sanction_frame(a, b)
        predicates = (
            _verb_frame(a, b)
            + _noun_frame(a, b)
            + _hyphen_frame(doc, a, b)
            + _wallet_frame(a, b)
            + _firm_apposition(doc, a, b)
            + _body_of_body(doc, a, b)
            + sanction
        )
        for predicate in predicates:
            if predicate in ("owns", "controls") and b.slot.type == "wallet":
                predicate = "holds"
            # An explicit sanction frame may name a state as the authority and the target:
            # "the U.S. Government maintains a sanctions program on the DPRK".
            explicit = predicate in sanction and a.slot.type == b.slot.type == "country"
            if predicate != "holds" and not explicit and not _fits(predicate, a.slot, b.slot):
                continue
            if predicate == "holds" and a.slot.type not in ("actor", "casino"):
                continue
            key = (predicate, a.slot.mention.id, b.slot.mention.id)
            if key in seen:
                continue
            seen.add(key)
            attrs: dict[str, Any] = {}
            if predicate in ("designated_by", "sanctioned_by"):
                date = _nearest_date(doc, a.slot.start)
                attrs = {"date": date} if date else {}
            elif predicate in ("paid", "received", "transferred", "stole"):
                attrs = _amount(slots, a.slot.end)
            found.append((predicate, a.slot, b.slot, attrs))
    for predicate, firm, person in _counsel_block(doc, slots):
        key = (predicate, firm.mention.id, person.mention.id)
        if key not in seen:
            seen.add(key)
            found.append((predicate, firm, person, {}))
    return _with_acronyms(doc, slots, found, seen)


_OPEN = re.compile(r"^\s*\(\s*(?:the\s+)?[\"“]?$")
_CLOSE = re.compile(r"^[\"”]?\s*\)")


def _with_acronyms(
    doc: Doc,
    slots: list[Slot],
    found: list[tuple[str, Slot, Slot, dict[str, Any]]],
    seen: set[tuple[str, str, str]],
) -> list[tuple[str, Slot, Slot, dict[str, Any]]]:
    """Give a name's bracketed short form its relations: "the Internet Crime Complaint Center
    (IC3)" is a unit of the FBI, and so is IC3."""
    short: dict[str, Slot] = {}
    for named in slots:
        for s in slots:
            if (
                s.start > named.end
                and _OPEN.match(text_of(doc)[named.end : s.start])
                and _CLOSE.match(text_of(doc)[s.end : s.end + 3])
            ):
                short[named.mention.id] = s
    out = list(found)
    for predicate, a, b, attrs in found:
        for subject, obj in ((short.get(a.mention.id), b), (a, short.get(b.mention.id))):
            if subject is None or obj is None or subject.mention.id == obj.mention.id:
                continue
            key = (predicate, subject.mention.id, obj.mention.id)
            if key not in seen and subject.mention.entity_id != obj.mention.entity_id:
                seen.add(key)
                out.append((predicate, subject, obj, attrs))
    return out
