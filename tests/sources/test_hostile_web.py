"""Hostile web answers against a real server on 127.0.0.1 (tests/support/fetch_servers.py):
a charset that lies, UTF-16, an empty 200, Content-Lengths that lie, an endless chunked
body, redirects to the metadata address and to file://, a feed with a billion laughs and
an external entity, sitemap indexes that loop or list 10,000 sitemaps. Each URL ends as
one ``fetches`` row, nothing reads a local file or expands an entity, and what is
stored lands as the text it is."""

from __future__ import annotations

import ipaddress
import socket
import time
from pathlib import Path

import pytest

from newsetl.sources.fetch import Fetcher, UrlPolicy, fetch_all
from newsetl.sources.fetch.run import MAX_DOCUMENTS_PER_FEED, expand_feeds
from support.fetch_servers import LYING_TEXT, Site
from support.pipeline import run_pipeline, table

from test_fetch import by_url, check_table, fast

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


def test_hostile_answers_each_end_as_one_row_and_land_as_the_text_they_are(tmp_path: Path, site: Site) -> None:
    paths = ["/lying-charset.html", "/utf16.html", "/empty-200.html", "/short-body.html", "/long-body.html",
             "/chunked-endless.html", "/redirect-file"]
    raw = tmp_path / "raw"
    started = time.monotonic()
    out = fetch_all([site.url(p) for p in paths], fast(), raw, "r1")
    assert time.monotonic() - started < 30
    check_table(out, len(paths))
    rows = {p: by_url(out)[site.url(p)] for p in paths}

    def is_(path: str, outcome: str, error: str | None) -> dict:
        row = rows[path]
        assert (row["outcome"], row["error_class"]) == (outcome, error), (path, row)
        return row

    # header and <meta> say UTF-8, the bytes are Windows-1252: read as what they are
    # (before: each accented letter and quote became U+FFFD)
    is_("/lying-charset.html", "fetched", None)
    # UTF-16 with its BOM is text (before: refused as binary for its NUL bytes)
    is_("/utf16.html", "fetched", None)
    assert rows["/utf16.html"]["bytes"] > 0
    is_("/empty-200.html", "failed", "empty_body")
    row = is_("/short-body.html", "failed", "connection_error")  # promised 5,000 bytes, sent 100
    assert "complete message body" in row["reason"]
    # the declared length is what HTTP takes: the rest is not part of the answer
    assert is_("/long-body.html", "fetched", None)["bytes"] == 60
    row = is_("/chunked-endless.html", "failed", "body_too_large")  # cut off at the cap
    assert row["bytes"] <= 2 * 1024 * 1024 + 64 * 1024
    assert "file" in is_("/redirect-file", "failed", "scheme_refused")["reason"]

    # what was stored lands: the two decoded right, the cut one quarantined with a reason
    root = tmp_path / "warehouse"
    run = run_pipeline(raw, root)
    assert run["status"] == "success" and run["inputs_seen"] == 3
    assert run["articles"] + run["duplicates"] + run["quarantined"] == 3
    texts = [a["text"] for a in table(root, "articles")]
    assert len(texts) == 2 and all(LYING_TEXT in t and "\ufffd" not in t for t in texts)
    [cut] = table(root, "quarantine")
    assert cut["check"] and cut["reason"]


def test_a_redirect_to_the_metadata_address_is_refused(tmp_path: Path, site: Site) -> None:
    policy = UrlPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    settings = fast(fetch_allow_private_hosts=False)
    with Fetcher(settings, policy=policy) as fetcher:
        out = fetch_all([site.url("/redirect-metadata")], settings, tmp_path, "r", fetcher=fetcher)
    [row] = out.rows
    assert (row["outcome"], row["error_class"], row["status"]) == ("failed", "private_host_refused", 302)
    assert "169.254.169.254" in row["reason"]


def test_entities_in_feeds_are_never_expanded_nor_read(site: Site) -> None:
    secret = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else socket.gethostname()
    started = time.monotonic()
    with Fetcher(fast()) as fetcher:
        pages, rows = expand_feeds([site.url("/laughs.xml")], fetcher, fast(), "r")
    assert time.monotonic() - started < 10
    [row] = rows
    assert row["outcome"] == "fetched"
    assert site.url("/articles/laughs-1.html") in pages
    for text in [*pages, *(str(v) for v in row.values())]:
        assert "lollol" not in text and (not secret or secret not in text.replace(site.url(""), ""))


def test_sitemap_loops_end_and_an_index_of_10000_sitemaps_is_capped_and_said(site: Site) -> None:
    with Fetcher(fast()) as fetcher:
        pages, rows = expand_feeds([site.url("/sitemap-self.xml")], fetcher, fast(), "r")
    assert [r["url"] for r in rows] == [site.url(p) for p in ("/sitemap-self.xml", "/sitemap-back.xml",
                                                               "/sitemap-news.xml")]
    assert site.hits("/sitemap-self.xml") == 1 and len(pages) == 3

    started = time.monotonic()
    with Fetcher(fast()) as fetcher:
        pages, rows = expand_feeds([site.url("/sitemap-many.xml")], fetcher, fast(), "r")
    assert time.monotonic() - started < 30
    assert len(rows) == MAX_DOCUMENTS_PER_FEED and len(pages) == MAX_DOCUMENTS_PER_FEED - 1
    assert f"{10_000 - (MAX_DOCUMENTS_PER_FEED - 1)} more sitemaps not followed" in rows[0]["reason"]
