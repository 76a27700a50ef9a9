"""Headless Debian Chromium through Playwright, with every request the page makes recorded."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# The system browser, never a downloaded one; no background traffic of its own.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def browser_missing() -> str | None:
    """Say what is missing for the browser tests, or None when they can run."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file() and shutil.which("chromium") is None:
        return "no Chromium here: apt-get install chromium chromium-driver"
    return None


def chromium_or_skip() -> Path:
    """Return the browser's path, or skip the test saying what is missing."""
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not CHROMIUM.is_file() and shutil.which("chromium") is None:
        pytest.skip("no Chromium here: apt-get install chromium chromium-driver")
    return CHROMIUM if CHROMIUM.is_file() else Path(str(shutil.which("chromium")))


@dataclass
class Recorder:
    """What a page did: every request's URL, every dialog and console error."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def foreign(self, base: str) -> list[str]:
        """Return the requests that went anywhere but the server under test."""
        home = urlsplit(base).netloc
        return [u for u in self.requests if urlsplit(u).netloc != home]


@contextmanager
def browser_page(width: int = 1280, height: int = 800) -> Iterator[tuple[Any, Recorder]]:
    """Open a fresh headless page; yield it with its recorder."""
    from playwright.sync_api import sync_playwright

    path = chromium_or_skip()
    record = Recorder()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.on("request", lambda r: record.requests.append(r.url))

            def dismiss(dialog: Any) -> None:
                record.dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", dismiss)
            page.on("console", lambda m: record.console.append(f"{m.type}: {m.text}"))
            page.set_default_timeout(15_000)
            yield page, record
        finally:
            browser.close()


def image_loaded(page: Any, selector: str, seconds: float = 15) -> int:
    """Wait until an image has pixels and return its natural width (0 if it never loads).

    Polled from Python: Playwright's wait_for_function evaluates a string, which the pages'
    Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    """
    locator = page.locator(selector)
    locator.scroll_into_view_if_needed()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        width = int(locator.evaluate("img => img.complete ? img.naturalWidth : 0"))
        if width:
            return width
        time.sleep(0.1)
    return 0
