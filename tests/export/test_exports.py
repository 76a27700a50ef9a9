"""Every export format against its golden file, and each read back by a real parser.

Golden files live in tests/fixtures/export/. After a deliberate change of an export, rewrite
them with `MONEYTRAIL_UPDATE_GOLDEN=1 pytest tests/export` and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from pipeline.export import FORMATS, RECORD_KINDS, ExportError, export, ftm, graphml
from pipeline.export.corpus import load_corpus
from pipeline.export.csv import COLUMNS
from pipeline.export.ftm import ftm_id
from pipeline.export.tagpack import CONFIDENCE, slug, source_kind
from pipeline.records import Entity
from pipeline.store import SqliteStore
from tests.export.ftm_check import validate_ftm
from tests.export.handmade import BTC, ETH, IDS, NEWS_URL, SUSPECT, build_store

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "export"
UPDATE = os.environ.get("MONEYTRAIL_UPDATE_GOLDEN") == "1"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
CASES = [
    ("jsonl", None, "handmade.jsonl"),
    ("jsonl", "relation", "handmade-relations.jsonl"),
    ("ftm", None, "handmade.ftm.json"),
    ("tagpack", None, "handmade.tagpack.yaml"),
    ("graphml", None, "handmade.graphml"),
    *[("csv", kind, f"handmade-csv/{kind}.csv") for kind in RECORD_KINDS],
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    db = build_store(tmp_path_factory.mktemp("handmade") / "store.db")
    yield db
    db.close()


def render(store: SqliteStore, name: str, kind: str | None = None) -> str:
    out = io.StringIO()
    export(store, name, "-", kind, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "kind", "golden"), CASES)
def test_export_matches_golden_file(
    store: SqliteStore, name: str, kind: str | None, golden: str
) -> None:
    text = render(store, name, kind)
    path = GOLDEN / golden
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8")


def test_export_is_byte_identical_from_a_store_built_again(
    store: SqliteStore, tmp_path: Path
) -> None:
    again = build_store(tmp_path / "again.db")
    try:
        for name, kind, _ in CASES:
            assert render(again, name, kind) == render(store, name, kind), name
    finally:
        again.close()


def test_csv_folder_holds_one_file_per_record_kind(store: SqliteStore, tmp_path: Path) -> None:
    report = export(store, "csv", str(tmp_path / "tables"))
    names = sorted(Path(p).name for p in report.paths)
    assert names == ["documents.csv", "entities.csv", "mentions.csv", "relations.csv"]
    for kind in RECORD_KINDS:
        plural = {"entity": "entities"}.get(kind, f"{kind}s")
        written = (tmp_path / "tables" / f"{plural}.csv").read_text(encoding="utf-8")
        assert written == render(store, "csv", kind)
    assert report.counts == Counter(document=2, mention=15, entity=9, relation=7)
    assert not [p for p in (tmp_path / "tables").iterdir() if p.name.startswith(".")]


def test_jsonl_records_tie_together(store: SqliteStore) -> None:
    records = [json.loads(line) for line in render(store, "jsonl").splitlines()]
    kinds = Counter(r["record"] for r in records)
    assert kinds == Counter(document=2, mention=15, entity=9, relation=7)
    entities = {r["id"]: r for r in records if r["record"] == "entity"}
    lazarus = entities[IDS["lazarus"]]
    # The analyst merged the news spelling into the court one: one entity, both names.
    assert lazarus["name"] == "Lazarus Group" and lazarus["kind"] == "group"
    assert lazarus["aliases"] == ["APT38", "Lazarus"]
    assert lazarus["members"] == sorted([IDS["lazarus"], IDS["lazarus_news"]])
    assert IDS["lazarus_news"] not in entities and IDS["suspect"] not in entities
    assert entities[IDS["eth"]]["address"] == ETH and entities[IDS["eth"]]["chains"] == [
        "ETH",
        "BSC",
    ]
    for mention in (r for r in records if r["record"] == "mention"):
        assert mention["entity"] is None or mention["entity"] in entities
        assert {"text", "page", "start", "end", "sentence"} <= mention.keys()
    suspect = [r for r in records if r.get("text") == SUSPECT]
    assert len(suspect) == 1 and suspect[0]["entity"] is None
    for relation in (r for r in records if r["record"] == "relation"):
        assert relation["subject"]["id"] in entities and relation["object"]["id"] in entities
        assert relation["document"] and relation["sentence"] and len(relation["evidence"]) == 2


def test_csv_tables_parse_and_guard_against_formulas(store: SqliteStore) -> None:
    for kind in RECORD_KINDS:
        rows = list(csv.reader(io.StringIO(render(store, "csv", kind))))
        assert tuple(rows[0]) == COLUMNS[kind]
        assert all(len(row) == len(COLUMNS[kind]) for row in rows)
    mentions = list(csv.DictReader(io.StringIO(render(store, "csv", "mention"))))
    naga = next(m for m in mentions if m["text"] == "NagaWorld")
    # A sentence starting with "-" would run as a formula in a spreadsheet.
    assert naga["sentence"].startswith("'- NagaWorld")
    assert all(not m["start"].startswith("'") for m in mentions)
    assert naga["entity_name"] == "NagaWorld" and json.loads(naga["value"]) == {
        "kind": "casino_resort"
    }


def test_ftm_entities_are_valid_and_linked(store: SqliteStore) -> None:
    entities = validate_ftm(render(store, "ftm").splitlines())
    by_schema = Counter(e["schema"] for e in entities.values())
    assert by_schema == Counter(
        CryptoWallet=2,
        Organization=2,  # Lazarus Group (group) and Tornado Cash (mixer)
        Company=2,  # Harbor Bridge (company) and NagaWorld (casino)
        Pages=2,
        Page=3,
        Mention=5,
        Documentation=2,
        Payment=1,
        UnknownLink=2,
    )
    wallet = entities[ftm_id("entity", IDS["eth"])]["properties"]
    assert wallet == {
        "publicKey": [ETH],
        "currencySymbol": ["ETH"],
        "holder": [ftm_id("entity", IDS["lazarus"])],
    }
    casino = entities[ftm_id("entity", IDS["nagaworld"])]["properties"]
    assert casino["classification"] == ["casino_resort"] and casino["country"] == ["kh"]
    payment = next(e for e in entities.values() if e["schema"] == "Payment")["properties"]
    assert payment["amount"] == ["100.00"] and payment["currency"] == ["ETH"]
    news = entities[ftm_id("document", _document_id(store, NEWS_URL))]["properties"]
    assert news["sourceUrl"] == [NEWS_URL] and news["mimeType"] == ["text/html"]
    mentions = [e["properties"] for e in entities.values() if e["schema"] == "Mention"]
    lazarus = ftm_id("entity", IDS["lazarus"])
    # One Mention per document and entity, naming every spelling the document used.
    assert sorted(m["name"] for m in mentions if m["resolved"] == [lazarus]) == [
        ["APT38", "Lazarus Group"],
        ["Lazarus", "Lazarus Group"],
    ]


def _document_id(store: SqliteStore, source: str) -> str:
    return next(d.id for d in store.iter_documents() if d.source == source)


def test_ftm_links_carry_their_predicate_and_amount(store: SqliteStore) -> None:
    entities = validate_ftm(render(store, "ftm").splitlines())
    links = {
        e["properties"]["role"][0]: e["properties"]
        for e in entities.values()
        if e["schema"] == "UnknownLink"
    }
    # holds -> holder, located_in -> country, transferred between actors -> Payment,
    # co_occurs -> nothing: only these two stay links.
    assert sorted(links) == ["laundered_through", "stole"]
    assert links["stole"]["description"] == ["amount: $182 million"]
    assert links["stole"]["proof"] == [ftm_id("document", _document_id(store, NEWS_URL))]
    assert links["stole"]["summary"] == ["Lazarus hackers stole $182 million from Harbor Bridge."]


def test_tagpack_has_a_tag_per_wallet_with_graphsense_fields(store: SqliteStore) -> None:
    pack = yaml.safe_load(render(store, "tagpack"))
    # GraphSense's header fields; is_public is deprecated there, and a warning on every insert.
    assert {"title", "creator", "tags"} <= pack.keys() and "is_public" not in pack
    tags = {t["address"]: t for t in pack["tags"]}
    assert set(tags) == {ETH, BTC}  # the suspect address gets no tag
    for tag in pack["tags"]:
        assert {"address", "currency", "network", "label", "source", "confidence"} <= tag.keys()
        assert tag["confidence"] in CONFIDENCE.values() and isinstance(tag["address"], str)
        assert isinstance(json.loads(tag["context"]), dict)
    held = tags[ETH]
    assert (held["label"], held["actor"], held["category"]) == (
        "Lazarus Group",
        "lazarusgroup",
        "perpetrator",
    )
    assert held["confidence"] == "authority_data" and held["source"].startswith(
        "moneytrail:document/"
    )
    named = tags[BTC]
    assert named["label"] == "Lazarus hackers drain $182 million from Harbor Bridge"
    assert named["source"] == NEWS_URL and named["confidence"] == "web_crawl"
    assert "actor" not in named


def test_graphml_parses_with_declared_keys_and_known_ends(store: SqliteStore) -> None:
    root = ET.fromstring(render(store, "graphml").encode("utf-8"))
    assert root.tag == f"{GRAPHML}graphml"
    keys = {k.get("id"): k for k in root.findall(f"{GRAPHML}key")}
    assert len(keys) == len(root.findall(f"{GRAPHML}key"))
    graph = root.find(f"{GRAPHML}graph")
    assert graph is not None and graph.get("edgedefault") == "directed"
    nodes = [n.get("id") for n in graph.findall(f"{GRAPHML}node")]
    assert len(nodes) == len(set(nodes)) == 7  # amounts with no relation are left out
    for element in graph:
        owner = element.tag.removeprefix(GRAPHML)
        for data in element.findall(f"{GRAPHML}data"):
            assert keys[data.get("key")].get("for") == owner
    edges = graph.findall(f"{GRAPHML}edge")
    assert len(edges) == 7
    for edge in edges:
        assert edge.get("source") in nodes and edge.get("target") in nodes
    sentences = [d.text or "" for d in graph.iter(f"{GRAPHML}data") if d.get("key") == "d10"]
    assert "- NagaWorld in Cambodia handled chips for the group." in sentences


def test_graphml_loads_in_networkx_with_symmetric_relations_marked(
    store: SqliteStore, tmp_path: Path
) -> None:
    import networkx as nx

    path = tmp_path / "out.graphml"
    path.write_text(render(store, "graphml"), encoding="utf-8")
    graph = nx.read_graphml(path)  # refuses an edge whose direction differs from the graph's
    assert graph.is_directed() and graph.number_of_nodes() == 7
    predicates = {d["predicate"]: d["symmetric"] for _, _, d in graph.edges(data=True)}
    assert predicates["co_occurs"] is True
    assert all(v is False for k, v in predicates.items() if k != "co_occurs")


def test_graphml_gives_an_unknown_relation_end_a_node(store: SqliteStore) -> None:
    corpus = load_corpus(store)
    corpus.relations = [replace(corpus.relations[0], object="ac-gone")]
    out = io.StringIO()
    graphml.write(corpus, out)
    root = ET.fromstring(out.getvalue())
    edge = root.find(f"{GRAPHML}graph/{GRAPHML}edge")
    assert edge is not None and edge.get("target") == "ac-gone"
    assert "ac-gone" in {n.get("id") for n in root.iter(f"{GRAPHML}node")}


@pytest.mark.parametrize(
    ("source", "kind", "title", "expected"),
    [
        ("filings/complaint.pdf", "pdf", None, "court"),
        ("reports/un-panel-report-excerpt.pdf", "pdf", None, "government"),
        ("https://home.treasury.gov/news/press-releases/jy0768", "html", None, "government"),
        ("https://www.justice.gov/opa/pr/x", "html", "North Korean hackers charged", "government"),
        ("https://news.example.com/bridge-hack", "html", "Court filing says", "news"),
        ("scan.pdf", "pdf", "S/2024/215 Final report of the Panel of Experts", "government"),
        ("scan.pdf", "pdf", "Verified Complaint for Forfeiture In Rem", "court"),
        ("chainalysis-crypto-crime-2024.pdf", "pdf", None, "research"),
        ("analyst-notes.txt", "text", "MEMORANDUM", "other"),
    ],
)
def test_source_kind_reads_cues_from_address_then_title(
    source: str, kind: str, title: str | None, expected: str
) -> None:
    assert source_kind(source, kind, title) == expected


def test_confidence_puts_court_and_government_above_news() -> None:
    levels = {"authority_data": 60, "forensic": 50, "web_crawl": 20, "heuristic": 10}
    assert levels[CONFIDENCE["court"]] > levels[CONFIDENCE["news"]]
    assert levels[CONFIDENCE["government"]] > levels[CONFIDENCE["news"]]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Lazarus Group", "lazarusgroup"),
        ("Tornado Cash", "tornadocash"),  # the id GraphSense's actor pack gives it
        ("Bybit (exchange)", "bybitexchange"),
        ("—", "unknown"),
    ],
)
def test_slug_makes_graphsense_actor_ids(name: str, expected: str) -> None:
    assert slug(name) == expected


@pytest.mark.parametrize(
    ("name", "kind", "destination", "message"),
    [
        ("csv", None, "-", "one file per record kind"),
        ("ftm", "entity", "-", "--records applies to jsonl and csv"),
        ("jsonl", "wallet", "-", "--records must be one of"),
        ("xml", None, "-", "unknown export format"),
        ("jsonl", None, "missing-folder/out.jsonl", "does not exist"),
    ],
)
def test_export_refuses_what_it_cannot_write(
    store: SqliteStore,
    tmp_path: Path,
    name: str,
    kind: str | None,
    destination: str,
    message: str,
) -> None:
    target = destination if destination == "-" else str(tmp_path / destination)
    with pytest.raises(ExportError, match=message):
        export(store, name, target, kind, stdout=io.StringIO())


def test_csv_folder_refuses_an_existing_file(store: SqliteStore, tmp_path: Path) -> None:
    (tmp_path / "tables").write_text("not a folder")
    with pytest.raises(ExportError, match="is a file"):
        export(store, "csv", str(tmp_path / "tables"))


def test_every_registered_format_writes_a_file(store: SqliteStore, tmp_path: Path) -> None:
    for name, spec in FORMATS.items():
        target = tmp_path / f"out{spec.suffix}"
        report = export(store, name, str(target), "entity" if spec.split else None)
        assert report.paths == [str(target)] and target.stat().st_size == report.bytes > 0


def test_ftm_wallet_too_long_for_public_key_keeps_its_address_in_name() -> None:
    monero = (
        "884Bz8UH63aYsjVdkfWfScRYWZGGNbjFL7pztqvWNSrtYT4r"
        "eFSwyvkCj9KEGUtheHhhMUj87ciTBFyzoesrMJ4L1FvSoxL"
    )
    wallet = Entity("wa-x", "wallet", monero, (), {"address": monero, "chains": ["XMR"]})
    proxy = ftm._entity(wallet, [], [])
    assert proxy is not None
    data = proxy.to_dict()
    validate_ftm([json.dumps(data)])
    assert data["properties"]["name"] == [monero] and "publicKey" not in data["properties"]
    assert data["properties"]["currencySymbol"] == ["XMR"]


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("The wallet has no recorded sanctions history.", "mention"),
        ("OFAC designated the wallet in 2022.", "sanction"),
        ("It was not linked to a mixer but was used to launder funds.", "money_laundering"),
        ("The address was never sanctioned, though Tornado Cash was used.", "mixing_service"),
        ("Not a United Nations document. The address was sanctioned by OFAC.", "sanction"),
    ],
)
def test_tagpack_context_category_reads_negations(sentence: str, category: str) -> None:
    from pipeline.export.tagpack import _context_category

    assert _context_category([sentence], False) == category


def test_ftm_without_its_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from pipeline.export import exporter

    # None in sys.modules makes `import followthemoney` fail, as on an install without it.
    monkeypatch.setitem(sys.modules, "followthemoney", None)
    monkeypatch.delitem(sys.modules, "pipeline.export.ftm", raising=False)
    with pytest.raises(ExportError) as caught:
        exporter("ftm")
    assert str(caught.value) == (
        "export --format ftm needs the 'ftm' extra: pip install 'moneytrail[ftm]'"
    )
    assert exporter("jsonl") is not None
