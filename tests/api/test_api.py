"""The HTTP API through a real client (httpx) against a real server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from pipeline.api import create_app
from pipeline.cli import app as cli_app
from tests.api.server import running
from tests.export.handmade import BTC, ETH, IDS, build_store

KEY = "test-key-not-a-secret"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("api") / "store.db"
    build_store(path).close()
    return str(path)


@pytest.fixture(scope="module")
def client(store_path: str) -> Iterator[httpx.Client]:
    with running(create_app(store_path)) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def guarded(store_path: str) -> Iterator[httpx.Client]:
    with running(create_app(store_path, KEY)) as url, httpx.Client(base_url=url) as http:
        yield http


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["status"] == status
    return str(body["error"]["message"])


def test_openapi_lists_every_route_and_only_get(client: httpx.Client) -> None:
    spec = ok(client.get("/openapi.json"))
    assert spec["info"]["title"] == "moneytrail"
    assert {
        "/search",
        "/documents",
        "/documents/{document_id}",
        "/documents/{document_id}/pages/{number}",
        "/entities",
        "/entities/{entity_id}",
        "/wallets",
        "/wallets/{address}",
        "/relations",
        "/stats",
    } <= set(spec["paths"])
    assert {m for p in spec["paths"].values() for m in p} == {"get"}


@pytest.mark.parametrize(
    ("query", "type_"), [("Lazarus Group", "actor"), ("NagaWorld", None), (ETH.lower(), "wallet")]
)
def test_search_gives_the_same_hits_as_the_cli(
    client: httpx.Client, store_path: str, query: str, type_: str | None
) -> None:
    params = {"q": query, **({"type": type_} if type_ else {})}
    body = ok(client.get("/search", params=params))
    args = ["search", query, "--json", "--store", store_path] + (["--type", type_] if type_ else [])
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.stderr
    cli = json.loads(result.stdout)
    assert body["hits"] == cli["hits"] and body["hits"]
    assert body["facets"] == cli["facets"] and body["query"] == query


def test_search_pages_with_limit_and_offset(client: httpx.Client) -> None:
    every = ok(client.get("/search", params={"q": "Lazarus Group", "type": "actor"}))["hits"]
    assert len(every) == 3  # two court pages, one news page (merged spelling)
    second = ok(
        client.get(
            "/search", params={"q": "Lazarus Group", "type": "actor", "limit": 1, "offset": 1}
        )
    )
    assert second["hits"] == every[1:2] and (second["limit"], second["offset"]) == (1, 1)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "x", "type": "ship"},
        {"q": "x", "limit": 0},
        {"q": "x", "limit": 5000},
        {"q": "x", "offset": -1},
        {"q": "x", "limit": "ten"},
    ],
)
def test_bad_search_parameters_are_422_json(client: httpx.Client, params: dict[str, Any]) -> None:
    response = client.get("/search", params=params)
    assert error(response, 422) == "invalid parameters"
    assert response.json()["error"]["fields"]


def test_unreadable_query_syntax_is_400_with_the_cli_message(
    client: httpx.Client, store_path: str
) -> None:
    query = "Lazarus AND OR ("
    message = error(client.get("/search", params={"q": query}), 400)
    result = CliRunner().invoke(cli_app, ["search", query, "--store", store_path])
    assert result.exit_code == 2 and "cannot be searched" in message
    assert " ".join(result.stderr.split()) == f"moneytrail: {message}"


def test_documents_are_listed_in_pages(client: httpx.Client) -> None:
    every = ok(client.get("/documents"))
    assert every["total"] == 2 and len(every["documents"]) == 2
    ids = [d["id"] for d in every["documents"]]
    assert ids == sorted(ids)
    second = ok(client.get("/documents", params={"limit": 1, "offset": 1}))
    assert [d["id"] for d in second["documents"]] == ids[1:]
    assert ok(client.get("/documents", params={"offset": 5}))["documents"] == []


def test_document_by_id_or_prefix_and_unknown(client: httpx.Client) -> None:
    first = ok(client.get("/documents"))["documents"][0]
    full = ok(client.get(f"/documents/{first['id']}"))
    assert full["id"] == first["id"] and [p["number"] for p in full["pages"]] == [1, 2]
    assert ok(client.get(f"/documents/{first['id'][:10]}"))["id"] == first["id"]
    assert "no stored document" in error(client.get("/documents/ffffffffff"), 404)


def test_page_gives_text_and_its_mentions(client: httpx.Client) -> None:
    doc = next(d for d in ok(client.get("/documents"))["documents"] if d["kind"] == "pdf")
    page = ok(client.get(f"/documents/{doc['id']}/pages/2"))
    assert page["number"] == 2 and page["text"].startswith("- NagaWorld in Cambodia")
    assert page["document"]["id"] == doc["id"]
    texts = sorted(m["text"] for m in page["mentions"])
    assert texts[:3] == ["0x098B716B8Aaf21512996dC57EB0615e2383E2f9X", "Cambodia", "Lazarus Group"]
    assert all(m["page"] == 2 for m in page["mentions"])
    assert "has no page 3" in error(client.get(f"/documents/{doc['id']}/pages/3"), 404)
    error(client.get(f"/documents/{doc['id']}/pages/0"), 422)


def test_page_mentions_point_at_resolved_entities(client: httpx.Client) -> None:
    news = next(d for d in ok(client.get("/documents"))["documents"] if d["kind"] == "html")
    page = ok(client.get(f"/documents/{news['id']}/pages/1"))
    # "Lazarus" in the news is its own stored entity, merged by the analyst into the group.
    lazarus = [m["entity"] for m in page["mentions"] if m["text"] == "Lazarus"]
    assert lazarus and set(lazarus) == {IDS["lazarus"]}


def test_entities_filter_page_and_count(client: httpx.Client) -> None:
    wallets = ok(client.get("/entities", params={"type": "wallet"}))
    assert {e["name"] for e in wallets["entities"]} == {ETH, BTC} and wallets["total"] == 2
    first = ok(client.get("/entities", params={"limit": 1}))["entities"]
    rest = ok(client.get("/entities", params={"limit": 1, "offset": 1}))["entities"]
    assert first[0]["name"] == "Lazarus Group" and rest and rest[0]["id"] != first[0]["id"]


@pytest.mark.parametrize("name", [IDS["lazarus"], "APT38", "Lazarus Group"])
def test_entity_has_documents_with_pages_and_relations(client: httpx.Client, name: str) -> None:
    entity = ok(client.get(f"/entities/{name}"))
    assert entity["id"] == IDS["lazarus"] and entity["name"] == "Lazarus Group"
    assert sorted(len(d["pages"]) for d in entity["documents"]) == [1, 2]
    predicates = {r["predicate"] for r in entity["relations"]}
    assert {"holds", "stole", "laundered_through", "transferred"} <= predicates


def test_unknown_entity_is_404(client: httpx.Client) -> None:
    assert "no entity is named" in error(client.get("/entities/Nobody At All"), 404)


def test_wallet_shows_documents_and_no_onchain_without_its_tables(client: httpx.Client) -> None:
    wallet = ok(client.get(f"/wallets/{ETH.lower()}"))
    assert wallet["entity"]["id"] == IDS["eth"] and wallet["onchain"] is None
    assert [p["page"] for d in wallet["documents"] for p in d["pages"]] == [1]
    assert "<mark>" in wallet["documents"][0]["pages"][0]["snippet"]
    assert "no document mentions" in error(
        client.get("/wallets/1BoatSLRHtKNngkdXEeobR76b53LETtpyT"), 404
    )


def test_wallets_are_listed_with_no_xref_without_onchain_tables(client: httpx.Client) -> None:
    every = ok(client.get("/wallets"))
    assert every["total"] == 2 and {w["address"] for w in every["wallets"]} == {ETH, BTC}
    assert all(w["xref"] is None and w["mentions"] >= 1 for w in every["wallets"])
    eth = ok(client.get("/wallets", params={"chain": "eth"}))
    assert [w["id"] for w in eth["wallets"]] == [IDS["eth"]] and eth["total"] == 1
    assert "ETH" in eth["wallets"][0]["chains"]
    second = ok(client.get("/wallets", params={"limit": 1, "offset": 1}))
    assert second["wallets"] == every["wallets"][1:] and second["total"] == 2
    error(client.get("/wallets", params={"max_hops": 9}), 422)


def test_relations_filter_by_predicate_and_entity(client: httpx.Client) -> None:
    every = ok(client.get("/relations"))
    assert every["total"] == 7
    holds = ok(client.get("/relations", params={"predicate": "holds"}))["relations"]
    assert [(r["subject"]["name"], r["object"]["id"]) for r in holds] == [
        ("Lazarus Group", IDS["eth"])
    ]
    naga = ok(client.get("/relations", params={"entity": IDS["nagaworld"]}))
    assert {r["predicate"] for r in naga["relations"]} == {"located_in", "laundered_through"}
    assert len(ok(client.get("/relations", params={"limit": 2}))["relations"]) == 2


def test_stats_are_the_store_counts(client: httpx.Client) -> None:
    stats = ok(client.get("/stats"))
    assert (stats["documents"], stats["pages"], stats["mentions"]) == (2, 3, 15)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_api_is_read_only(client: httpx.Client, method: str) -> None:
    for path in ("/search?q=x", "/documents", "/stats"):
        error(client.request(method, path), 405)


def test_unknown_route_is_404_json(client: httpx.Client) -> None:
    error(client.get("/nothing/here"), 404)


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"X-API-Key": "wrong"}, 401), ({"X-API-Key": KEY}, 200)],
)
def test_api_key_guards_data_routes(
    guarded: httpx.Client, headers: dict[str, str], status: int
) -> None:
    for path in ("/stats", "/search?q=Lazarus", f"/entities/{IDS['lazarus']}"):
        response = guarded.get(path, headers=headers)
        assert response.status_code == status, (path, response.text)
        if status == 401:
            assert "API key" in response.json()["error"]["message"]
            assert KEY not in response.text


def test_openapi_spec_stays_readable_without_the_key(guarded: httpx.Client) -> None:
    spec = ok(guarded.get("/openapi.json"))
    assert "X-API-Key" in json.dumps(spec["components"]["securitySchemes"])


def test_missing_store_is_503(tmp_path: Path) -> None:
    gone = tmp_path / "gone.db"
    with running(create_app(str(gone))) as url:
        response = httpx.get(f"{url}/stats")
    assert "store file is missing" in error(response, 503)
    assert not gone.exists()


def test_wallet_cross_references_onchain_tables_when_present(tmp_path: Path) -> None:
    storage = pytest.importorskip("pipeline.store.sqlite.onchain")
    pytest.importorskip("pipeline.onchain.queries")
    path = tmp_path / "with-onchain.db"
    store = build_store(path)
    storage.ensure_schema(store.db)
    store.close()
    with running(create_app(str(path))) as url:
        wallet = ok(httpx.get(f"{url}/wallets/{ETH}"))
        listed = ok(httpx.get(f"{url}/wallets"))
    assert wallet["onchain"] is not None and wallet["onchain"]["key"] == ETH.lower()
    assert wallet["documents"] and "onchain_error" not in wallet
    xref = {w["address"]: w["xref"] for w in listed["wallets"]}
    assert set(xref) == {ETH, BTC} and "onchain_error" not in listed
    assert xref[ETH]["key"] == ETH.lower() and xref[ETH]["sanctioned"] is False
    assert [d["id"] for d in xref[ETH]["documents"]] == [
        d["id"] for d in wallet["onchain"]["documents"]
    ]
