"""Fetch stage: get the run's pages from the web (URL lists, RSS/Atom feeds, sitemaps)
or from WARC archives, and store them under raw/ before anything else reads them.

Modules, one job each:

* ``urlpolicy``  - which URLs may be requested (http/https, public addresses);
* ``robots``     - robots.txt parsing and the per-run cache;
* ``politeness`` - per-host and global limits, backoff, Retry-After;
* ``bounded``    - Content-Encoding decoding with a cap (no gzip bombs);
* ``charset``    - bytes to text (header, meta, detection);
* ``client``     - the HTTP fetcher (httpx) that applies all of the above;
* ``sources``    - URL lists, sources.yaml, feed/sitemap links, WARC records;
* ``rawstore``   - content-addressed pages + sidecars + per-URL fetch state;
* ``run``        - ``fetch_all`` / ``load_warc``: pages stored and ``fetches`` rows.
"""

from newsetl.fetch.charset import Decoded, decode_html
from newsetl.fetch.client import Fetcher, FetchResult
from newsetl.fetch.rawstore import RawStore, read_stored_page
from newsetl.fetch.run import FetchOutcome, expand_feeds, fetch_all, load_warc
from newsetl.fetch.sources import Sources, links_from_document, load_sources, read_url_list
from newsetl.fetch.urlpolicy import UrlPolicy, UrlRefused

__all__ = [
    "Decoded",
    "FetchOutcome",
    "FetchResult",
    "Fetcher",
    "RawStore",
    "Sources",
    "UrlPolicy",
    "UrlRefused",
    "decode_html",
    "expand_feeds",
    "fetch_all",
    "links_from_document",
    "load_sources",
    "load_warc",
    "read_stored_page",
    "read_url_list",
]
