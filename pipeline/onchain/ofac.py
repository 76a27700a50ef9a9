"""OFAC's sdn_advanced.xml: every digital currency address with its profile and the issue date.

The file is about 120 MB of XML, so it is streamed with iterparse and each finished party,
location or sanctions entry is cleared straight away. Digital currency addresses are
`Feature` elements whose FeatureType reads "Digital Currency Address - XXX"; the entries that
name each profile's list and programs come after the parties, so the few profiles that carry
addresses are held until the end of the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.onchain.model import Issue, Listing, OnchainError, Record, Tick
from pipeline.onchain.reading import ReadContext
from pipeline.onchain.source import Input

PUBLICATION = "OFAC SDN"
FEATURE_PREFIX = "Digital Currency Address - "
# Sections whose children are cleared as soon as they end: nearly all of the file.
BULKY = frozenset(
    {"Locations", "IDRegDocuments", "DistinctParties", "ProfileRelationships", "SanctionsEntries"}
)
TICK_EVERY = 500


def _local(tag: str) -> str:
    """Drop the XML namespace ('{uri}Feature' -> 'Feature'); the file sets a default one."""
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if _local(c.tag) == name]


@dataclass(slots=True)
class _Profile:
    name: str
    addresses: list[tuple[str, str]]  # (currency label, address)
    lists: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    designated: str | None = None


@dataclass(slots=True)
class _Reference:
    feature_types: dict[str, str] = field(default_factory=dict)  # id -> currency label
    lists: dict[str, str] = field(default_factory=dict)
    program_type: str | None = None


def _date(element: ET.Element) -> str | None:
    parts = {_local(c.tag): (c.text or "").strip() for c in element}
    try:
        return f"{int(parts['Year']):04d}-{int(parts['Month']):02d}-{int(parts['Day']):02d}"
    except (KeyError, ValueError):
        return None


def _primary_name(profile: ET.Element) -> str:
    for identity in _children(profile, "Identity"):
        if identity.get("Primary") != "true":
            continue
        for alias in _children(identity, "Alias"):
            if alias.get("Primary") != "true":
                continue
            name = _child(alias, "DocumentedName")
            if name is None:
                continue
            values = [
                (value.text or "").strip()
                for part in _children(name, "DocumentedNamePart")
                for value in _children(part, "NamePartValue")
            ]
            return " ".join(v for v in values if v)
    return ""


def _party(party: ET.Element, ref: _Reference) -> tuple[str, _Profile] | None:
    profile = _child(party, "Profile")
    if profile is None:
        return None
    found = []
    for feature in _children(profile, "Feature"):
        label = ref.feature_types.get(feature.get("FeatureTypeID", ""))
        if label is None:
            continue
        for version in _children(feature, "FeatureVersion"):
            for detail in _children(version, "VersionDetail"):
                if (detail.text or "").strip():
                    found.append((label, (detail.text or "").strip()))
    if not found:
        return None
    return profile.get("ID", party.get("FixedRef", "")), _Profile(_primary_name(profile), found)


def _entry(entry: ET.Element, ref: _Reference, profile: _Profile) -> None:
    name = ref.lists.get(entry.get("ListID", ""))
    if name and name not in profile.lists:
        profile.lists.append(name)
    for event in _children(entry, "EntryEvent"):
        when = _child(event, "Date")
        day = _date(when) if when is not None else None
        if day and (profile.designated is None or day < profile.designated):
            profile.designated = day
    for measure in _children(entry, "SanctionsMeasure"):
        if measure.get("SanctionsTypeID") != ref.program_type:
            continue
        comment = _child(measure, "Comment")
        text = (comment.text or "").strip() if comment is not None else ""
        if text and text not in profile.programs:
            profile.programs.append(text)


def read(handle: Input, ctx: ReadContext) -> Iterator[Record]:
    """Read the digital currency addresses of one issue of sdn_advanced.xml."""
    ref = _Reference()
    profiles: dict[str, _Profile] = {}
    stack: list[ET.Element] = []
    issue_date: str | None = None
    source = ctx.source
    seen = 0
    try:
        events = ET.iterparse(handle.binary, events=("start", "end"))
        for event, element in events:
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            name = _local(element.tag)
            depth = len(stack)
            if name == "DateOfIssue" and depth == 1:
                issue_date = _date(element)
                if issue_date is None:
                    raise OnchainError(f"{source}: DateOfIssue is not a full date")
            elif name == "FeatureType" and (element.text or "").startswith(FEATURE_PREFIX):
                label = (element.text or "")[len(FEATURE_PREFIX) :].strip()
                ref.feature_types[element.get("ID", "")] = label
            elif name == "List" and depth == 3:
                ref.lists[element.get("ID", "")] = (element.text or "").strip()
            elif name == "SanctionsType" and (element.text or "").strip() == "Program":
                ref.program_type = element.get("ID")
            elif name == "DistinctParty":
                found = _party(element, ref)
                if found is not None:
                    profiles[found[0]] = found[1]
            elif name == "SanctionsEntry" and element.get("ProfileID") in profiles:
                _entry(element, ref, profiles[element.get("ProfileID", "")])
            if depth == 2 and _local(stack[1].tag) in BULKY:
                stack[1].clear()  # the finished child is processed: drop it and its siblings
                seen += 1
                if seen % TICK_EVERY == 0:
                    yield Tick()
    except ET.ParseError as exc:
        raise OnchainError(f"{source} is not well-formed XML ({exc})") from exc
    if issue_date is None:
        raise OnchainError(f"{source} has no DateOfIssue; is it OFAC's sdn_advanced.xml?")
    # The issue goes last, with its listings: an issue stored without them would read as
    # one that delisted every address.
    yield Issue(PUBLICATION, issue_date, source)
    yield from _listings(profiles, issue_date)


def _listings(profiles: dict[str, _Profile], issue_date: str) -> Iterator[Record]:
    for profile_id, profile in profiles.items():
        for label, address in profile.addresses:
            yield Listing(
                publication=PUBLICATION,
                issue_date=issue_date,
                list=", ".join(profile.lists) or "SDN List",
                profile_id=profile_id,
                name=profile.name or f"profile {profile_id}",
                label=label,
                address=address,
                program=", ".join(profile.programs) or None,
                designated=profile.designated,
            )
