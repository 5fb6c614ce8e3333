"""Article identity: the same article gets the same ``article_id`` run after run, and the
same text the same ``content_sha256``."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from newsetl.ids import short_hash

# Query parameters that track a visit, not name a page: two URLs that differ only by
# these are the same article. Whole names, so "reform" or "reference" are not "ref";
# prefixes end with their separator.
_TRACKING_NAMES = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid",
    "ref", "ref_src", "ref_url", "referer", "referrer", "cmpid", "ocid", "_ga", "_gl",
})
_TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tracks(pair: str) -> bool:
    name = unquote_plus(pair.split("=", 1)[0]).lower()
    return name in _TRACKING_NAMES or name.startswith(_TRACKING_PREFIXES)


def normalize_url(url: str) -> str | None:
    """Canonical form used for identity (D4, D53): w3lib's canonical URL (query sorted,
    percent-escapes and non-ASCII characters encoded one way, IDN hosts in punycode, dot
    segments resolved, no fragment), then no user info, no default port, no tracking
    parameters and no trailing slash on the path. None if not http(s)."""
    try:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            return None
        canonical = urlsplit(canonicalize_url(url.strip()))
        port = canonical.port
    except (ValueError, UnicodeError):  # an unparsable host or port is no identity
        return None
    scheme = canonical.scheme.lower()
    host = canonical.hostname or ""
    if port and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = "&".join(pair for pair in canonical.query.split("&") if pair and not _tracks(pair))
    path = canonical.path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path, query, ""))


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
