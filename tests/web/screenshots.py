"""Take the README's screenshots of each workbench page with headless Chromium.

    python -m tests.web.screenshots [docs/]

Builds the test scene's memo and PDF (not its hostile documents) into a scratch store,
imports the OFAC fixtures, serves it and saves one PNG per page at 1280x800.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.onchain.conftest import CASINO
from tests.web.browser import browser_page, image_loaded
from tests.web.scene import build_store, serving


def main(target: Path) -> None:
    """Write docs/web-*.png."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        store = build_store(folder, hostile=False)
        with serving(store) as url, browser_page() as (page, record):
            shots = {
                "overview": "/",
                "search": "/search?q=Cambodia OR Lazarus",
            }
            for name, path in shots.items():
                page.goto(url + path)
                page.screenshot(path=str(target / f"web-{name}.png"))
            page.goto(url + "/search?q=Sinaloa")
            page.locator(".hit h3 a").first.click()
            image_loaded(page, ".pageimage img")
            page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=str(target / "web-document.png"))
            page.goto(url + "/entities/Lazarus%20Group")
            page.wait_for_selector("#graph[data-ready]")
            page.screenshot(path=str(target / "web-entity.png"), full_page=True)
            page.goto(url + f"/wallets/{CASINO}")
            page.screenshot(path=str(target / "web-wallet.png"), full_page=True)
            outside = record.foreign(url)
            if outside:
                raise SystemExit(f"requests left the server: {outside}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
