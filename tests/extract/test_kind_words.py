"""An actor's kind from the words of its name."""

from __future__ import annotations

import json

import pytest

from pipeline.extract.kinds import name_key, name_kind, skeleton
from pipeline.resources import model_file


@pytest.mark.parametrize(
    ("name", "label", "kind"),
    [
        ("Cere Network", "PERSON", "company"),
        ("Cere Tokens", "PERSON", "company"),
        ("Jin Wallet", "PERSON", "company"),
        ("Celsius Network LLC", "PERSON", "company"),
        ("DYEPACK", "ORG", "malware"),
        ("N.D. Cal", "ORG", "court"),
        ("S.D.N.Y.", "ORG", "court"),
        ("U.S. District Court for the District of Maryland", "ORG", "court"),
        ("Basel Committee on Banking Supervision", "ORG", "agency"),
        ("Bank Secrecy Act Advisory Group", "ORG", "agency"),
        ("Counter-Fentanyl Strike Force", "ORG", "agency"),
        ("Commercial Bank of Syria", "ORG", "bank"),
        ("Lazarus Group", "ORG", "group"),
        ("Ross Ulbricht", "PERSON", "person"),
        ("Executive Directorate Global Counter-Terrorism Research Network", "ORG", "agency"),
        ("Tornado Mixer", "ORG", "mixer"),
        # Listed by OFAC as terrorist groups (FTO/SDGT); spaCy's small model tags them PERSON.
        ("ISIL", "PERSON", "group"),
        ("Al-Shabaab", "PERSON", "group"),
        ("Boko Haram", "PERSON", "group"),
        # A listed entity is no person; its own words decide what it is.
        ("Garantex", "PERSON", "organization"),
        # A listed individual, written family name first.
        ("Kim Jong Un", "ORG", "person"),
        # Invented names: a word of armed-group names decides, a bank word outweighs it.
        ("Jaish al-Fulan", "PERSON", "group"),
        ("Katiba Wadi Example", "PERSON", "group"),
        ("Ansar Bank", "ORG", "bank"),
        # Invented: a council named after an armed group is part of it; a sanctions committee
        # about it is not.
        ("Fulan Taliban Shura Council", "ORG", "group"),
        ("Al-Qaida Sanctions Committee", "ORG", "agency"),
        # Nothing listed, no group word: the model's label stands.
        ("Fulan Example", "PERSON", "person"),
    ],
)
def test_name_kind(name: str, label: str, kind: str) -> None:
    assert name_kind(name, label) == kind


def test_name_key_drops_case_hyphens_apostrophes_and_the() -> None:
    assert name_key("The Al-Shabaab") == "al shabaab"
    assert name_key("Jama’at Nusrat") == name_key("Jama'at Nusrat") == "jamaat nusrat"


def test_skeleton_ignores_vowels_particles_and_doubling() -> None:
    assert skeleton(name_key("Hurras al-Din")) == skeleton(name_key("Huras ad-Diin"))
    assert skeleton(name_key("Hurras al-Din")) != skeleton(name_key("Harakat al-Din"))


def test_ofac_kinds_file_gives_each_name_one_kind() -> None:
    data = json.loads(model_file("gazetteer", "ofac_kinds.json").read_text(encoding="utf-8"))
    assert "sdn_advanced" in data["_about"]
    names = [n for kind in ("person", "group", "entity") for n in data[kind]]
    assert len(names) == len(set(names))
    assert all(n == name_key(n) for n in names)
    assert {"isil", "hamas", "al shabaab"} <= set(data["group"])
