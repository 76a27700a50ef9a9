"""The workbench over plain HTTP: negotiation, escaping, the CSP, CSRF and the login cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from pipeline.web import create_workbench
from pipeline.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.api.server import running
from tests.onchain.conftest import LAZARUS
from tests.web.scene import PAYLOADS

KEY = "web-test-key-3f9a"
HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture(scope="module")
def base(scene_store: Path) -> Iterator[str]:
    with running(cast(Any, create_workbench(str(scene_store)))) as url:
        yield url


@pytest.fixture(scope="module")
def guarded(scene_store: Path) -> Iterator[str]:
    with running(cast(Any, create_workbench(str(scene_store), KEY))) as url:
        yield url


def page(url: str, path: str, **kwargs: Any) -> httpx.Response:
    response = httpx.get(url + path, headers=HTML, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response


def hostile_ids(url: str) -> list[str]:
    hits = httpx.get(f"{url}/search", params={"q": "Payload OR Paragraph", "limit": 10}).json()
    return [h["document"]["id"] for h in hits["hits"] if "hostile" in h["document"]["source"]]


def test_browsers_get_pages_and_clients_get_json(base: str) -> None:
    html = page(base, "/search?q=Lazarus")
    assert '<ol class="hitlist"' in html.text
    data = httpx.get(f"{base}/search", params={"q": "Lazarus"})
    assert data.headers["content-type"].startswith("application/json")
    assert data.json()["hits"]
    assert httpx.get(f"{base}/api/search", params={"q": "Lazarus"}, headers=HTML).json()["hits"]


@pytest.mark.parametrize("path", ["/", "/search?q=Lazarus", f"/wallets/{LAZARUS}", "/nowhere"])
def test_every_page_sends_the_content_security_policy(base: str, path: str) -> None:
    response = httpx.get(base + path, headers=HTML)
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", response.text)


def test_a_bad_parameter_is_an_html_page_saying_which(base: str) -> None:
    response = httpx.get(f"{base}/search?q=x&page=two", headers=HTML)
    assert response.status_code == 400 and "bad value for page" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_swagger_pages_that_load_from_a_cdn_are_gone(base: str) -> None:
    for path in ("/docs", "/redoc", "/api/docs"):
        assert httpx.get(base + path).status_code == 404


def test_hostile_documents_are_escaped_everywhere(base: str) -> None:
    ids = hostile_ids(base)
    assert len(ids) == 2
    shown = [page(base, f"/documents/{i}").text for i in ids]
    shown.append(page(base, "/search?q=Payload OR Paragraph").text)
    for html in shown:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert 'href="http://evil.example' not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(&#39;xss-script&#39;)&lt;/script&gt;" in shown[0]
    assert any("onerror=alert(&#39;xss-img&#39;)" in h for h in shown)
    assert PAYLOADS[2].replace("'", "&#39;") in shown[0]


def test_a_judgement_without_the_csrf_token_is_refused(base: str) -> None:
    before = page(base, "/entities/Tornado Cash".replace(" ", "%20"))
    for data in ({"value": "Lazarus Group"}, {"value": "Lazarus Group", "csrf": "forged-token"}):
        response = httpx.post(
            f"{base}/entities/ac-790addfa896569e585bd/merge",
            data=data,
            headers=HTML,
            cookies={CSRF_COOKIE: "the-browsers-own-token-0123456789"},
        )
        assert response.status_code == 403
        assert "security token" in response.text
    entity = httpx.get(f"{base}/entities/Tornado Cash").json()
    assert "Lazarus Group" not in entity["aliases"] and entity["name"] == "Tornado Cash"
    assert before.cookies.get(CSRF_COOKIE)


def test_the_pages_ask_for_the_key_and_remember_it_in_a_cookie(guarded: str) -> None:
    first = httpx.get(f"{guarded}/search?q=Lazarus", headers=HTML)
    assert first.status_code == 303
    assert first.headers["location"].startswith("/login?next=")
    with httpx.Client(base_url=guarded, headers=HTML) as browser:
        form = browser.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        wrong = browser.post("/login", data={"key": "nope", "csrf": token[1], "next": "/"})
        assert wrong.status_code == 401 and SESSION_COOKIE not in browser.cookies
        right = browser.post(
            "/login", data={"key": KEY, "csrf": token[1], "next": "/search?q=Lazarus"}
        )
        assert right.status_code == 303 and right.headers["location"] == "/search?q=Lazarus"
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and KEY not in cookie
        assert browser.get("/search?q=Lazarus").status_code == 200
        # The page cookie does not open the JSON API; that still takes the header.
        assert browser.get("/api/stats").status_code == 401
    assert httpx.get(f"{guarded}/api/stats", headers={"X-API-Key": KEY}).status_code == 200


def test_login_never_redirects_off_the_site(guarded: str) -> None:
    with httpx.Client(base_url=guarded, headers=HTML) as browser:
        token = re.search(r'name="csrf" value="([^"]+)"', browser.get("/login").text)
        assert token is not None
        for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
            done = browser.post("/login", data={"key": KEY, "csrf": token[1], "next": target})
            assert done.headers["location"] == "/"


def test_serve_binds_to_loopback_by_default() -> None:
    from pipeline.export.commands import serve_cmd

    defaults = serve_cmd.__defaults__ or ()
    assert "127.0.0.1" in [getattr(d, "default", d) for d in defaults]
