"""The workbench end to end: `moneytrail serve` driven by headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.onchain.conftest import CASINO, LAZARUS
from tests.web.browser import browser_missing, browser_page, chromium_or_skip, image_loaded
from tests.web.scene import cli, serving

# Decided at collection, so a machine without a browser skips before the scene is ingested.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing())),
]


@pytest.fixture(scope="module")
def server(scene_store: Path) -> Iterator[str]:
    chromium_or_skip()
    with serving(scene_store) as url:
        yield url


@pytest.fixture
def browse(server: str) -> Iterator[tuple[Any, Any]]:
    with browser_page() as (page, record):
        yield page, record
    assert record.foreign(server) == []
    assert record.dialogs == []


def test_a_hit_opens_its_page_with_the_mention_in_view(server: str, browse: Any) -> None:
    page, _ = browse
    page.goto(f"{server}/")
    page.fill("#quick-q", "Sinaloa")
    page.press("#quick-q", "Enter")
    page.wait_for_url("**/search?q=Sinaloa")
    hit = page.locator(".hit").first
    assert "page 2" in hit.locator(".meta").inner_text()
    hit.locator("h3 a").click()
    page.wait_for_url("**/documents/**")
    assert "Page 2 of 2" in page.locator(".pager").first.inner_text()
    focus = page.locator("#focus")
    assert focus.inner_text().startswith("Sinaloa Cartel")
    assert "t-actor" in (focus.get_attribute("class") or "")
    assert focus.is_visible() and focus.bounding_box() is not None
    # The PDF page is drawn beside the text, from the page image route.
    assert image_loaded(page, ".pageimage img") > 500


def test_an_entity_lists_its_documents_and_draws_its_graph(server: str, browse: Any) -> None:
    page, _ = browse
    page.goto(f"{server}/search?q=Lazarus")
    page.locator(".facets a", has_text="Lazarus Group").click()
    assert "actor=" in page.url
    page.locator(".hit h3 a").first.click()
    page.locator("a.m.t-actor", has_text="Lazarus Group").first.click()
    page.wait_for_url("**/entities/**")
    assert page.locator("h1").inner_text().endswith("Lazarus Group")
    sources = page.locator("ul.docs > li > a").all_inner_texts()
    assert {Path(s).name for s in sources} == {"memo.txt", "hostile.txt", "hostile.html"}
    page.wait_for_selector("#graph[data-ready]")
    assert int(page.get_attribute("#graph", "data-ready") or 0) >= 2


def test_the_wallet_page_shows_the_ofac_listing(server: str, browse: Any) -> None:
    page, _ = browse
    page.goto(f"{server}/wallets/{LAZARUS}")
    sanctions = page.locator("section[aria-labelledby=sanctions-h]").inner_text()
    assert "Lazarus Group" in sanctions and "current" in sanctions
    assert "2024-01-10, 2025-03-25" in sanctions
    page.goto(f"{server}/wallets/{CASINO}")
    paths = page.locator("section[aria-labelledby=paths-h]").inner_text()
    assert "2 hops from" in paths and LAZARUS.lower() in paths
    assert "0xa1000000" in paths  # the transaction of the first hop


def test_hostile_documents_render_as_text(server: str, browse: Any) -> None:
    page, record = browse
    response = page.goto(f"{server}/search?q=Payload OR Paragraph")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    links = page.locator(".hit h3 a")
    for n in range(links.count()):
        page.goto(f"{server}/search?q=Payload OR Paragraph")
        page.locator(".hit h3 a").nth(n).click()
        page.wait_for_load_state("load")
        text = page.locator(".pagetext").inner_text()
        assert "<script>alert('xss-script')</script>" in text
        assert page.locator(".pagetext script, .pagetext img").count() == 0
        outward = ".pagetext a[href^='javascript'], .pagetext a[href*='evil']"
        assert page.locator(outward).count() == 0
    page.wait_for_timeout(300)  # let any stray handler fire before the fixture checks
    assert record.dialogs == []


def test_a_merge_through_the_form_survives_a_re_ingest(writable_store: Path) -> None:
    with serving(writable_store) as url, browser_page() as (page, record):
        page.goto(f"{url}/entities/Tornado%20Cash")
        page.fill("#merge-with", "Sinaloa Cartel")
        page.click("form[action$='/merge'] button")
        page.wait_for_load_state("load")
        assert "Sinaloa Cartel" in page.locator("ul.aliases").inner_text()
        docs = writable_store.parent / "docs"
        done = cli("ingest", str(docs), "--store", str(writable_store), "--force", "--workers", "0")
        assert done.returncode == 0, done.stderr
        page.goto(f"{url}/entities/Tornado%20Cash")
        assert "Sinaloa Cartel" in page.locator("ul.aliases").inner_text()
        sources = {Path(s).name for s in page.locator("ul.docs > li > a").all_inner_texts()}
        assert sources == {"memo.txt", "review.pdf"}
        assert record.foreign(url) == [] and record.dialogs == []


def test_pages_fit_a_narrow_window(server: str) -> None:
    with browser_page(width=420, height=800) as (page, _):
        for path in ("/", "/search?q=Lazarus", f"/wallets/{CASINO}"):
            page.goto(server + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, (path, overflow)


def test_the_search_form_is_keyboard_navigable(server: str, browse: Any) -> None:
    page, _ = browse
    page.goto(f"{server}/search")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("NagaWorld")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=NagaWorld**")
    assert page.locator(".hit").count() >= 1
