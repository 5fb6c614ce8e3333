"""Fetching: get the run's pages from the web (URL lists, RSS/Atom feeds, sitemaps)
or from WARC archives, and store them under raw/ before anything else reads them.

Modules, one job each:

* ``urlpolicy``  - which URLs may be requested (http/https, public addresses);
* ``robots``     - robots.txt parsing and the per-run cache;
* ``politeness`` - per-host and global limits, backoff, Retry-After;
* ``bounded``    - Content-Encoding decoding with a cap (no gzip bombs);
* ``client``     - the HTTP fetcher (httpx) that applies all of the above;
* ``sources``    - URL lists, sources.yaml, feed/sitemap links, WARC records;
* ``rawstore``   - content-addressed pages + sidecars + per-URL fetch state;
* ``run``        - ``fetch_all`` / ``load_warc``: pages stored and ``fetches`` rows.
"""

import importlib
from typing import Any

# Loaded on first use (PEP 562): the ingest's workers import ``newsetl.sources`` for the
# decoder and disk reading only, and importing the HTTP stack there cost each worker 1.5 s.
_EXPORTS = {
    "Fetcher": "client",
    "FetchResult": "client",
    "RawStore": "rawstore",
    "read_stored_page": "rawstore",
    "FetchOutcome": "run",
    "expand_feeds": "run",
    "fetch_all": "run",
    "load_warc": "run",
    "Sources": "sources",
    "links_from_document": "sources",
    "load_sources": "sources",
    "read_url_list": "sources",
    "UrlPolicy": "urlpolicy",
    "UrlRefused": "urlpolicy",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
