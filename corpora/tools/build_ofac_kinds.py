"""Build models/gazetteer/ofac_kinds.json: actor kinds read from OFAC's SDN list.

The SDN list says of every listed party whether it is an individual or an entity, and under
which programs it is listed. Those are public facts about names, and they settle the kind
of a name that spaCy's small model often gets wrong: "Al-Shabaab" or "JNIM" tagged PERSON,
a sanctioned person's name tagged ORG. The runtime never reads the XML; it reads the
derived list.

    python corpora/tools/build_ofac_kinds.py ../shared/data/ofac/sdn_advanced-2025-11-19.xml.bz2

Kinds given:
- `person`: an individual's names and strong a.k.a.s, given names first and family name
  first.
- `group`: an entity listed under a terrorism or transnational-crime program (FTO, SDGT,
  TCO) whose primary name carries no legal suffix and no word of a business, charity or office.
- `entity`: any other listed entity (companies, banks, state bodies). The runtime only
  learns from it that the name is not a person's; the name's own words decide the rest.
- `group_acronyms`: the initials of group names of three words or more (ISWAP, TTP, JNIM),
  four to six letters, where no listed person or entity has the same name or initials.
A name claimed by two kinds, a name of one word under five letters that is not an
acronym, and a low-quality a.k.a. are left out.
"""

from __future__ import annotations

import bz2
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from pipeline.extract.kinds import name_key

OUT = Path(__file__).resolve().parents[2] / "models" / "gazetteer" / "ofac_kinds.json"
GROUP_PROGRAMS = frozenset({"FTO", "SDGT", "TCO"})
LATIN = "215"
GIVEN = ("First Name", "Middle Name", "Patronymic")
# Words that make a terrorism-listed entity a business, charity, bank or office, not a group.
NOT_GROUP = re.compile(
    r"\b(CO|COMPANY|CORP|CORPORATION|INC|LTD|LIMITED|LLC|L\.L\.C|LLP|SARL|S\.A|GMBH|PLC|"
    r"TRADING|EXCHANGE|BANK|HAWALA|TRAVEL|TOURS?|SHIPPING|GENERAL|IMPORT|EXPORT|INDUSTR\w*|"
    r"ENTERPRISES?|HOLDINGS?|FOUNDATION|CHARIT\w*|RELIEF|TRUST|SOCIETY|ASSOCIATION|"
    r"INSTITUTE|CENT(?:ER|RE)|OFFICE|BUREAU|AGENCY|MINISTRY|COMMITTEE|HOSPITAL|SCHOOL|UNIVERSITY|"
    r"MOSQUE|FUND|INVESTMENTS?|SERVICES?|SOLUTIONS|TECHNOLOG\w*|ELECTRONICS|CONSTRUCTION|"
    r"MEDIA|NEWS|RADIO|TELEVISION|TV|PUBLISH\w*|AIRLINES?|MARINE|PETROL\w*|OIL|GAS|SHOP|"
    r"STORE|MARKET|FACTORY|FIRM|PARTNERS|CAPITAL|FINANCE|FINANCIAL|MONEY|CURRENCY|JEWEL\w*|"
    r"GOLD|CONTRACTING|REAL ESTATE|HOTEL|RESTAURANT|PHARMA\w*|HUMANITARIAN|ORPHAN\w*|"
    r"WELFARE|AID|DEVELOPMENT|ESTABLISHMENT|EST|FZE|FZCO|FZC|DMCC|SAL|SPA|BV|AG)\b"
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kids(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if _local(c.tag) == name]


def _names(profile: ET.Element, individual: bool, part_types: dict[str, str]) -> list[str]:
    """Return a party's Latin-script names, the primary first; a person's as "First Last"."""
    out: list[str] = []
    for identity in _kids(profile, "Identity"):
        groups: dict[str, str] = {}
        for holder in _kids(identity, "NamePartGroups"):
            for master in _kids(holder, "MasterNamePartGroup"):
                for g in _kids(master, "NamePartGroup"):
                    groups[g.get("ID", "")] = part_types.get(g.get("NamePartTypeID", ""), "")
        for alias in _kids(identity, "Alias"):
            if alias.get("LowQuality") == "true":
                continue
            for documented in _kids(alias, "DocumentedName"):
                parts: dict[str, list[str]] = {}
                latin = True
                for part in _kids(documented, "DocumentedNamePart"):
                    for value in _kids(part, "NamePartValue"):
                        latin &= value.get("ScriptID") == LATIN
                        kind = groups.get(value.get("NamePartGroupID", ""), "")
                        parts.setdefault(kind, []).append((value.text or "").strip())
                if not latin:
                    continue
                if individual:
                    given = [w for k in GIVEN for w in parts.get(k, [])]
                    family = parts.get("Last Name", [])
                    # "Jong Un Kim" and "Kim Jong Un": both orders are written.
                    forms = [given + family, family + given]
                else:
                    forms = [[w for values in parts.values() for w in values]]
                for words in forms:
                    name = " ".join(" ".join(words).split())
                    primary = alias.get("Primary") == "true" and identity.get("Primary") == "true"
                    if name and name not in out:
                        out.insert(0 if primary and not individual else len(out), name)
    return out


def _keep(name: str) -> bool:
    words = name.split()
    return len(words) > 1 or len(name) >= 5 or (name.isupper() and len(name) >= 3)


def build(source: Path) -> dict[str, list[str]]:
    """Read one sdn_advanced.xml(.bz2) issue and return its names by kind."""
    opener = bz2.open if source.suffix == ".bz2" else open
    part_types: dict[str, str] = {}
    subtypes: dict[str, str] = {}
    parties: dict[str, tuple[str, list[str]]] = {}
    programs: dict[str, set[str]] = {}
    program_type = None
    with opener(source, "rb") as handle:
        for _, element in ET.iterparse(handle, events=("end",)):
            tag = _local(element.tag)
            if tag == "NamePartType":
                part_types[element.get("ID", "")] = (element.text or "").strip()
            elif tag == "PartySubType":
                subtypes[element.get("ID", "")] = element.get("PartyTypeID", "")
            elif tag == "SanctionsType" and (element.text or "").strip() == "Program":
                program_type = element.get("ID")
            elif tag == "DistinctParty":
                for profile in _kids(element, "Profile"):
                    party_type = subtypes.get(profile.get("PartySubTypeID", ""), "")
                    if party_type in ("1", "2"):  # individual, entity
                        individual = party_type == "1"
                        names = _names(profile, individual, part_types)
                        parties[profile.get("ID", "")] = ("person" if individual else "", names)
                element.clear()
            elif tag == "SanctionsEntry":
                found = programs.setdefault(element.get("ProfileID", ""), set())
                for measure in _kids(element, "SanctionsMeasure"):
                    if measure.get("SanctionsTypeID") == program_type:
                        for comment in _kids(measure, "Comment"):
                            found.add((comment.text or "").strip())
                element.clear()
    kinds: dict[str, set[str]] = {}
    for profile_id, (kind, names) in parties.items():
        if not kind:
            terror = programs.get(profile_id, set()) & GROUP_PROGRAMS
            # The primary name decides: ISIL's a.k.a.s include its media outlets.
            business = bool(names) and NOT_GROUP.search(names[0].upper()) is not None
            kind = "group" if terror and not business else "entity"
        for name in names:
            if _keep(name):
                kinds.setdefault(name_key(name), set()).add(kind)
    out: dict[str, list[str]] = {"person": [], "group": [], "entity": []}
    for key, found in sorted(kinds.items()):
        if len(found) == 1 and key:
            out[found.pop()].append(key)
    out["group_acronyms"] = _acronyms(out)
    return out


_SMALL = frozenset({"al", "el", "ul", "wal", "wa", "e", "i", "of", "the", "in", "and", "for", "de"})


def initials(key: str) -> str:
    """Return the initials of a name key without its particles: "tehrik e taliban pakistan"
    -> "ttp", "jamaat nusrat al islam wal muslimin" -> "jnim"."""
    words = [w for w in key.split() if w not in _SMALL]
    return "".join(w[0] for w in words)


def _acronyms(out: dict[str, list[str]]) -> list[str]:
    """Return initials of group names (four to six letters) that nothing else listed shares."""
    taken = set(out["person"]) | set(out["entity"])
    taken |= {initials(k) for k in out["entity"] if len(k.split()) >= 3}
    found = {initials(k) for k in out["group"] if len(k.split()) >= 3}
    # Three letters collide with too much (BIS, CAP, BBC); four to six rarely do.
    return sorted(a for a in found - taken if 4 <= len(a) <= 6)


def main(argv: list[str]) -> None:
    """Write the derived list next to the other gazetteers."""
    source = Path(argv[0])
    out = build(source)
    issue = re.search(r"\d{4}-\d\d-\d\d", source.name)
    data = {
        "_about": (
            "Actor kinds derived from OFAC's SDN list (sdn_advanced.xml, issue "
            f"{issue.group() if issue else 'unknown'}) by corpora/tools/build_ofac_kinds.py. "
            "Names are keyed by pipeline.extract.kinds.name_key. See README.md."
        ),
        **out,
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
