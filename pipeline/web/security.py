"""The workbench's guards: the Content-Security-Policy, the login cookie and CSRF tokens.

Documents are hostile input, so the pages forbid inline script and every other origin; the
templates escape every string besides. The login cookie never holds the API key itself, only
an HMAC of a fixed label under it, so a stolen cookie cannot be replayed as an X-API-Key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Cytoscape.js injects one <style> element (position: relative on its container); the
# stylesheet sets that rule already, so style-src stays 'self' and that injection is refused.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
SESSION_COOKIE = "moneytrail_session"
CSRF_COOKIE = "moneytrail_csrf"
CSRF_FIELD = "csrf"


def session_value(api_key: str) -> str:
    """Return the cookie value that proves a login: derived from the key, never the key."""
    return hmac.new(api_key.encode(), b"moneytrail workbench session", hashlib.sha256).hexdigest()


def key_matches(given: str | None, api_key: str) -> bool:
    """Say whether a submitted key is the API key, in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), api_key.encode())


def session_ok(cookie: str | None, api_key: str | None) -> bool:
    """Say whether a request may see the pages: no key set, or a valid session cookie."""
    if api_key is None:
        return True
    return cookie is not None and hmac.compare_digest(cookie, session_value(api_key))


def new_csrf_token() -> str:
    """Return a fresh random token for the double-submit CSRF check."""
    return secrets.token_urlsafe(32)


def csrf_ok(cookie: str | None, submitted: str | None) -> bool:
    """Say whether a form's token matches the one its browser holds in the CSRF cookie."""
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())
