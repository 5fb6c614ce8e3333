"""Article identity: the same article gets the same ``article_id`` run after run, and the
same text the same ``content_sha256``."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsetl.ids import short_hash

# Query parameters that track a visit, not name a page: two URLs that differ only by
# these are the same article.
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "cmpid", "ocid")


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_url(url: str) -> str | None:
    """Canonical form used for identity: lower-case scheme and host, no fragment,
    no tracking parameters, no trailing slash on the path. None if not http(s)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith(_TRACKING_PARAMS)]
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), host, path, query, ""))


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def article_id_for(url: str | None, source_uri: str) -> str:
    """From the canonical URL when there is one (the same article fetched twice or
    saved under two names keeps one id), else from the input's path under raw_dir."""
    canonical = normalize_url(url) if url else None
    if canonical:
        return short_hash("url", canonical)
    return short_hash("path", source_uri)
