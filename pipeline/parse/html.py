"""News articles in HTML: main text, title, date and byline; boilerplate dropped."""

from __future__ import annotations

import re

import lxml.html
import trafilatura

from pipeline.errors import ParseError
from pipeline.parse.base import PageText, assemble, clean_text
from pipeline.parse.text import decode
from pipeline.records import Document

_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.I)
_DROP = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "template",
)
_BLANKS = re.compile(r"\n{3,}")


class HtmlParser:
    """Parse HTML with trafilatura's main-content extraction, falling back to cleaned body text."""

    kind = "html"

    def parse(self, data: bytes, source: str) -> Document:
        """Parse HTML bytes into a one-page Document."""
        if not data.strip():
            raise ParseError(f"{source}: the file is empty")
        markup, warnings = _decode(data, source)
        try:
            found = trafilatura.bare_extraction(
                markup,
                with_metadata=True,
                include_comments=False,
                include_tables=True,
                favor_recall=True,
                deduplicate=False,
            )
        except Exception:
            found = None
        text = getattr(found, "text", None) or ""
        title = getattr(found, "title", None)
        date = getattr(found, "date", None)
        byline = getattr(found, "author", None)
        if len(text.strip()) < 200:
            # Short pages defeat the main-content heuristics: keep the cleaned body instead.
            fallback, fallback_title = _body_text(markup, source)
            if len(fallback) > len(text):
                text = fallback
                warnings.append("main content not detected: kept the whole page body")
            title = title or fallback_title
        text = _BLANKS.sub("\n\n", clean_text(text)).strip()
        if not text:
            raise ParseError(f"{source}: the HTML page holds no readable text")
        return assemble(
            data,
            source,
            self.kind,
            [PageText(text)],
            title=title,
            date=date,
            byline=byline,
            warnings=warnings,
        )


def _decode(data: bytes, source: str) -> tuple[str, list[str]]:
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace"), []
        except LookupError:
            pass
    return decode(data, source)


def _body_text(markup: str, source: str) -> tuple[str, str | None]:
    try:
        root = lxml.html.document_fromstring(markup)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ParseError(f"{source}: the HTML cannot be parsed ({exc})") from exc
    title_el = root.find(".//title")
    title = title_el.text_content().strip() if title_el is not None else None
    for bad in root.xpath("|".join(f"//{tag}" for tag in _DROP)):
        bad.drop_tree()
    body = root.find(".//body")
    node = body if body is not None else root
    blocks = [el.text_content().strip() for el in node.iter("p", "h1", "h2", "h3", "li", "td")]
    text = "\n\n".join(b for b in blocks if b) or node.text_content()
    return text, title or None
