"""Talking to an Elasticsearch cluster safely: its URL, credentials, and errors in one line.

Nothing here prints or logs; every message that may hold a credential goes through redact().
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import elasticsearch
from elasticsearch import exceptions as es

from pipeline.errors import ConfigError

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^)\]'\"]+)")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where the cluster is: the URL without credentials, and what the URL carried."""

    url: str
    prefix: str | None = None
    user: str | None = None
    password: str | None = None


def parse_url(location: str) -> Endpoint:
    """Split a --store URL into the address, an optional ?prefix= and user:password@."""
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{redact(location, ())} is not an Elasticsearch URL; give one like "
            "http://localhost:9200"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ConfigError(f"{redact(location, ())} has an unusable port ({exc})") from exc
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    prefix = parse_qs(parts.query).get("prefix", [None])[-1]
    url = urlunsplit((parts.scheme, f"{host}:{port}", parts.path.rstrip("/"), "", ""))
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return Endpoint(url, prefix, user, password)


def secrets_of(api_key: str | None, user: str | None, password: str | None) -> list[str]:
    """Return every form in which a credential could show up in a message."""
    found = [s for s in (api_key, password) if s]
    if api_key and ":" in api_key:
        found += [api_key.split(":", 1)[1], base64.b64encode(api_key.encode()).decode()]
    if user and password:
        found.append(base64.b64encode(f"{user}:{password}".encode()).decode())
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace URL user info and every known secret in a message with ***."""
    out = _USERINFO.sub("***@", text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        out = out.replace(secret, "***")
    return out


def body_reason(body: Any) -> str | None:
    """Return the error type and reason of an Elasticsearch error body, if it is one."""
    if isinstance(body, str) and body.strip():
        return " ".join(body.split())[:200]  # a proxy's plain-text answer
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}".strip(": ")
    return error if isinstance(error, str) else None


def api_reason(exc: Exception) -> str:
    """Return the error type and reason Elasticsearch gave, or the exception's text."""
    return body_reason(getattr(exc, "body", None)) or str(getattr(exc, "message", None) or exc)


def _transport_reason(exc: Exception) -> str:
    # The transport keeps the cause in `message` and `errors`; str() may say only "error".
    parts = [str(exc), str(getattr(exc, "message", "")), *map(str, getattr(exc, "errors", ()))]
    text = " ".join(parts)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "its TLS certificate is not trusted; set MONEYTRAIL_ES_CA_CERTS to the CA file"
    errno = _ERRNO.search(text)
    if errno:
        return errno.group(1).strip()
    return str(getattr(exc, "message", "") or exc)[-200:] or type(exc).__name__


def describe_error(exc: Exception, url: str, doing: str) -> str:
    """Say in one sentence what went wrong talking to the cluster, and what to do."""
    if isinstance(exc, es.ConnectionError):
        return (
            f"cannot reach Elasticsearch at {url} ({_transport_reason(exc)}); start it with "
            "`docker compose up -d` or check --store"
        )
    if isinstance(exc, es.ConnectionTimeout):
        return (
            f"Elasticsearch at {url} did not answer in time to {doing}; check its health "
            "(GET /_cluster/health) and try again"
        )
    if isinstance(exc, es.AuthenticationException):
        return (
            f"Elasticsearch at {url} refused the credentials (401); set MONEYTRAIL_ES_API_KEY, "
            "or MONEYTRAIL_ES_USER and MONEYTRAIL_ES_PASSWORD"
        )
    if isinstance(exc, es.AuthorizationException):
        return (
            f"the Elasticsearch user may not {doing} at {url} (403: {api_reason(exc)}); "
            "grant it read and write on the moneytrail indices"
        )
    if isinstance(exc, es.UnsupportedProductError):
        return f"{url} answers, but not as Elasticsearch ({exc}); check --store"
    if isinstance(exc, es.ApiError):
        reason = api_reason(exc)
        if "media_type_header_exception" in reason or "compatible-with" in reason:
            return (
                f"Elasticsearch at {url} is an older major version than the installed "
                f"{elasticsearch.__versionstr__} client ({reason}); for an 8.x server install "
                "the matching extra: pip install 'moneytrail[es8]'"
            )
        return f"Elasticsearch at {url} could not {doing} ({exc.status_code} {reason})"
    return f"Elasticsearch at {url} could not {doing} ({type(exc).__name__}: {exc})"


def version_problem(server: str, client: tuple[int, ...]) -> str | None:
    """Say why a server version cannot work with this client, or None when it can."""
    try:
        major = int(server.split(".")[0])
    except ValueError:
        return f"reports an unreadable version {server!r}"
    if major == client[0]:
        return None
    extra = {8: "moneytrail[es8]", 9: "moneytrail[es]"}.get(major)
    if extra is None:
        return f"is version {server}; moneytrail supports Elasticsearch 8 and 9"
    return (
        f"is version {server} but the installed client is {client[0]}.x, and their major "
        f"versions must match; install the matching extra: pip install '{extra}'"
    )


def already_there(item: Mapping[str, Any]) -> bool:
    """Say whether a bulk item is a create refused because a record has its id."""
    info = item.get("create")
    return isinstance(info, Mapping) and info.get("status") == 409


def bulk_problem(item: Mapping[str, Any]) -> str | None:
    """Describe one failed bulk item; None for the delete of something already gone."""
    op, info = next(iter(item.items()))
    if op == "delete" and info.get("status") == 404:
        return None
    error = info.get("error")
    if isinstance(error, dict):
        error = f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return f"{op} {info.get('_id', '?')}: {info.get('status', '?')} {error}"[:300]
