"""An actor's kind from the words of its name."""

from __future__ import annotations

import pytest

from pipeline.extract.kinds import name_kind


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
    ],
)
def test_name_kind(name: str, label: str, kind: str) -> None:
    assert name_kind(name, label) == kind
