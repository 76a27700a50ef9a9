"""An entity's neighbourhood in the relation graph, as JSON or GraphML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Protocol


class GraphStore(Protocol):
    """The store calls the graph needs."""

    def neighbours(self, canonical_ids: set[str]) -> list[tuple[str, str, str, int]]:
        """Return (subject, predicate, object, count) touching these entities."""
        ...

    def brief(self, canonical_id: str) -> dict[str, Any]:
        """Return id, name and type of an entity."""
        ...


def neighbourhood(
    store: GraphStore, center: str, depth: int = 1, max_nodes: int = 500
) -> dict[str, Any]:
    """Return nodes and edges within `depth` relations of an entity (bounded in size)."""
    seen = {center}
    frontier = {center}
    edges: dict[tuple[str, str, str], int] = {}
    for _ in range(max(depth, 0)):
        found = store.neighbours(frontier)
        frontier = set()
        for subject, predicate, obj, count in found:
            edges[(subject, predicate, obj)] = count
            for node in (subject, obj):
                if node not in seen and len(seen) < max_nodes:
                    seen.add(node)
                    frontier.add(node)
        if not frontier:
            break
    nodes = [store.brief(n) for n in sorted(seen)]
    kept = [
        {"source": s, "predicate": p, "target": o, "count": c}
        for (s, p, o), c in sorted(edges.items())
        if s in seen and o in seen
    ]
    return {"center": center, "depth": depth, "nodes": nodes, "edges": kept}


def to_graphml(graph: dict[str, Any]) -> str:
    """Render a neighbourhood as GraphML (Gephi, yEd, Neo4j's apoc.import.graphml)."""
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for key, owner, name, kind in (
        ("n0", "node", "name", "string"),
        ("n1", "node", "type", "string"),
        ("e0", "edge", "predicate", "string"),
        ("e1", "edge", "count", "int"),
    ):
        ET.SubElement(root, "key", {"id": key, "for": owner, "attr.name": name, "attr.type": kind})
    body = ET.SubElement(root, "graph", id="moneytrail", edgedefault="directed")
    for node in graph["nodes"]:
        element = ET.SubElement(body, "node", id=node["id"])
        ET.SubElement(element, "data", key="n0").text = node.get("name") or node["id"]
        ET.SubElement(element, "data", key="n1").text = node.get("type") or ""
    for number, edge in enumerate(graph["edges"]):
        element = ET.SubElement(
            body, "edge", id=f"e{number}", source=edge["source"], target=edge["target"]
        )
        ET.SubElement(element, "data", key="e0").text = edge["predicate"]
        ET.SubElement(element, "data", key="e1").text = str(edge["count"])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
