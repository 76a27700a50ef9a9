"""The entity and graph commands: one entity across documents, judgements that last."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
DOCS = {
    "a.txt": "The Office of Foreign Assets Control (OFAC) designated the Lazarus Group. "
    "Park Jin Hyok worked for the group.",
    "b.txt": "OFAC said APT38 laundered funds through NagaWorld. Park Jin-hyok was charged.",
    "c.txt": "Park Ji-won, a lawmaker in Seoul, commented on the case.",
}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def store(tmp_path: Path) -> str:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = str(tmp_path / "mt.db")
    assert run("ingest", str(folder), "--store", path)[0] == 0
    return path


def page(store: str, name: str) -> dict[str, object]:
    code, out, err = run("entity", name, "--store", store, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def sources(entity: dict[str, object]) -> set[str]:
    return {Path(d["source"]).name for d in entity["documents"]}  # type: ignore[index,attr-defined]


def test_aliases_resolve_to_one_entity_across_documents(store: str) -> None:
    apt38, lazarus = page(store, "APT38"), page(store, "Lazarus Group")
    assert apt38["id"] == lazarus["id"] and sources(lazarus) == {"a.txt", "b.txt"}
    ofac = page(store, "OFAC")
    assert ofac["name"] == "Office of Foreign Assets Control" and sources(ofac) == {
        "a.txt",
        "b.txt",
    }


def test_person_spellings_join_and_shared_surnames_do_not(store: str) -> None:
    park = page(store, "Park Jin Hyok")
    assert sources(park) == {"a.txt", "b.txt"}
    assert page(store, "Park Ji-won")["id"] != park["id"]


def test_relations_carry_evidence(store: str) -> None:
    lazarus = page(store, "Lazarus Group")
    predicates = {(r["predicate"], r["other"]["name"]) for r in lazarus["relations"]}  # type: ignore[attr-defined,index]
    assert ("designated_by", "Office of Foreign Assets Control") in predicates
    assert ("laundered_through", "NagaWorld") in predicates
    for relation in lazarus["relations"]:  # type: ignore[attr-defined]
        assert relation["evidence"] and relation["evidence"][0]["sentence"]


def test_judgements_survive_reingestion(store: str, tmp_path: Path) -> None:
    assert run("entity", "split", "Lazarus Group", "APT38", "--store", store)[0] == 0
    assert run("entity", "rename", "Lazarus Group", "Lazarus (DPRK)", "--store", store)[0] == 0
    assert run("entity", "merge", "Park Jin Hyok", "Park Ji-won", "--store", store)[0] == 0
    assert run("ingest", str(tmp_path / "docs"), "--store", store, "--force")[0] == 0
    lazarus = page(store, "Lazarus Group")
    assert lazarus["name"] == "Lazarus (DPRK)" and "APT38" not in lazarus["aliases"]  # type: ignore[operator]
    assert page(store, "APT38")["id"] != lazarus["id"]
    assert page(store, "Park Ji-won")["id"] == page(store, "Park Jin Hyok")["id"]


def test_unknown_entity_is_one_line_and_exit_1(store: str) -> None:
    code, _, err = run("entity", "Nobody Atall", "--store", store)
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_graph_graphml_parses(store: str) -> None:
    code, out, _ = run(
        "graph", "Lazarus Group", "--depth", "2", "--format", "graphml", "--store", store
    )
    assert code == 0
    root = ET.fromstring(out)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = root.findall(".//g:node", ns)
    edges = root.findall(".//g:edge", ns)
    assert len(nodes) >= 3 and edges
    ids = {n.get("id") for n in nodes}
    assert all(e.get("source") in ids and e.get("target") in ids for e in edges)
