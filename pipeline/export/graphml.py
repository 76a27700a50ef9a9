"""GraphML of the whole corpus: entities as nodes, relations as edges (Gephi, yEd, Neo4j).

One edge per stating sentence, so each edge keeps its document, page and sentence; tools that
want one edge per pair can merge parallel edges on import. Co-occurrence has no direction and
says so per edge. Amounts are statements of one document and become nodes only where a
relation points at them. The file is written element by element, never held whole.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any, TextIO

from pipeline.export.corpus import Corpus, clean_text

NAMESPACE = "http://graphml.graphdrawing.org/xmlns"
# (id, for, attr.name, attr.type): the data keys a reader will find.
KEYS = (
    ("d0", "node", "type", "string"),
    ("d1", "node", "name", "string"),
    ("d2", "node", "kind", "string"),
    ("d3", "node", "code", "string"),
    ("d4", "node", "chains", "string"),
    ("d5", "node", "aliases", "string"),
    ("d6", "edge", "predicate", "string"),
    ("d7", "edge", "count", "int"),
    ("d8", "edge", "document", "string"),
    ("d9", "edge", "page", "int"),
    ("d10", "edge", "sentence", "string"),
    ("d11", "edge", "amount", "string"),
    ("d12", "edge", "symmetric", "boolean"),
)
_KEY_OF = {(owner, name): key for key, owner, name, _ in KEYS}
UNDIRECTED = {"co_occurs"}


def _element(tag: str, attrs: dict[str, str], owner: str, data: dict[str, Any]) -> ET.Element:
    element = ET.Element(tag, {k: clean_text(v) for k, v in attrs.items()})
    for name, value in data.items():
        if value is None or value == "" or value == []:
            continue
        text = "; ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        ET.SubElement(element, "data", key=_KEY_OF[(owner, name)]).text = clean_text(text)
    return element


def _emit(out: TextIO, element: ET.Element) -> None:
    ET.indent(element, space="  ", level=2)
    out.write("    " + ET.tostring(element, encoding="unicode").rstrip() + "\n")


def _amount(attributes: dict[str, Any]) -> str | None:
    amount = attributes.get("amount")
    if isinstance(amount, dict):
        return str(amount.get("text") or "") or None
    return None


def write(corpus: Corpus, out: TextIO, kind: str | None = None) -> Counter[str]:
    """Write every entity that can take part in a relation, and every relation, as GraphML."""
    counts: Counter[str] = Counter()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<graphml xmlns="{NAMESPACE}">\n')
    for key, owner, name, kind_ in KEYS:
        out.write(f'  <key id="{key}" for="{owner}" attr.name="{name}" attr.type="{kind_}" />\n')
    out.write('  <graph id="moneytrail" edgedefault="directed">\n')
    ends = {r.subject for r in corpus.relations} | {r.object for r in corpus.relations}
    written: set[str] = set()
    for entity in corpus.sorted_entities():
        if entity.type == "amount" and entity.id not in ends:
            continue
        attrs = entity.attributes
        data = {
            "type": entity.type,
            "name": entity.name,
            "kind": attrs.get("kind") if entity.type in ("actor", "casino") else None,
            "code": attrs.get("code"),
            "chains": list(attrs.get("chains", [])),
            "aliases": list(entity.aliases),
        }
        _emit(out, _element("node", {"id": entity.id}, "node", data))
        written.add(entity.id)
        counts["node"] += 1
    # An end the store has no entity for (removed since) still needs a node to stay valid.
    for missing in sorted(ends - written):
        _emit(out, _element("node", {"id": missing}, "node", {"name": missing}))
        counts["node"] += 1
    for relation in corpus.relations:
        attrs = {"id": relation.id, "source": relation.subject, "target": relation.object}
        data = {
            "predicate": relation.predicate,
            "count": relation.count,
            "document": relation.document_id,
            "page": relation.page,
            "sentence": relation.sentence,
            "amount": _amount(relation.attributes),
            # A per-edge directed="false" in a directed graph is valid GraphML, but networkx
            # and other readers refuse the mix; a symmetric relation says so in data instead.
            "symmetric": "true" if relation.predicate in UNDIRECTED else "false",
        }
        _emit(out, _element("edge", attrs, "edge", data))
        counts["edge"] += 1
    out.write("  </graph>\n</graphml>\n")
    return counts
