"""Fetch stage against real servers on 127.0.0.1 (see tests/support/fetch_servers.py)."""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import json
import random
import time
import zlib
from pathlib import Path

import pytest

from newsetl.sources.fetch import Fetcher, FetchOutcome, UrlPolicy, UrlRefused, fetch_all, load_warc, read_stored_page
from newsetl.sources.fetch.bounded import BadEncoding, BodyTooLarge, StreamDecoder
from newsetl.sources.decode import decode_html
from newsetl.sources.fetch.client import GuardedBackend
from newsetl.sources.fetch.politeness import backoff_delay, parse_retry_after
from newsetl.sources.fetch.robots import RobotsRules
from newsetl.sources.fetch.urlpolicy import is_public_address
from newsetl.sources.fetch.sources import load_sources, read_url_list
from newsetl.settings import Settings
from schemas.fetches import ERROR_CLASSES, FetchModel
from support.fetch_servers import (
    CP1252_TEXT, RawServer, Site, Tracker, closed_port, gzip_bomb, labelled_plain_page, load_samples,
)
from support.paths import REPO
from support.warc import write_warc

pytestmark = pytest.mark.timeout(60)

SAMPLES = REPO / "raw" / "samples" / "html"
UA = "newsetl-test/0.1 (+mailto:test@example.org)"


def fast(**overrides: object) -> Settings:
    values: dict[str, object] = dict(
        user_agent=UA,
        fetch_allow_private_hosts=True,
        fetch_timeout_connect=1.0,
        fetch_timeout_read=0.4,
        fetch_timeout_total=1.0,
        fetch_retries=2,
        fetch_backoff_base=0.01,
        fetch_max_retry_after=2.0,
        fetch_per_host_concurrency=4,
        fetch_per_host_delay=0.0,
        fetch_concurrency=8,
        fetch_max_bytes=2 * 1024 * 1024,
        fetch_max_decompressed_bytes=4 * 1024 * 1024,
        fetch_max_redirects=5,
    )
    values.update(overrides)
    return Settings(**values)


def by_url(outcome: FetchOutcome) -> dict[str, dict]:
    return {r["url"]: r for r in outcome.rows}


def check_table(outcome: FetchOutcome, n_pages: int) -> None:
    """Rows validate against the contract and every page URL has exactly one outcome; the
    counts add up to the pages plus the feeds that gave no links."""
    df = outcome.frame()
    FetchModel.validate(df)
    pages = df[df["source"].isin(["page", "warc"])]
    assert len(pages) == n_pages
    dead_feeds = df[(df["source"] == "feed") & df["outcome"].isin(["failed", "robots_excluded"])]
    assert sum(outcome.counts().values()) == n_pages + len(dead_feeds)
    assert set(df["error_class"].dropna()) <= set(ERROR_CLASSES)


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


# --- the whole zoo in one run: nothing stops the run, each URL gets the right row ---


@pytest.mark.slow
def test_every_kind_of_url_ends_as_one_row(tmp_path: Path, site: Site) -> None:
    hang, reset, trickle = RawServer("hang"), RawServer("reset"), RawServer("trickle", interval=0.1)
    try:
        urls = {
            "good": site.url("/articles/one.html"),
            "flaky": site.url("/flaky.html"),
            "503": site.url("/always503.html"),
            "429": site.url("/429.html"),
            "429long": site.url("/429-long.html"),
            "hang": hang.url("/page.html"),
            "reset": reset.url("/page.html"),
            "refused": f"http://127.0.0.1:{closed_port()}/page.html",
            "404": site.url("/nothing-here.html"),
            "loop": site.url("/loop/a"),
            "chain": site.url("/chain/0"),
            "redirect": site.url("/redirect-ok"),
            "redirect_ftp": site.url("/redirect-ftp"),
            "no_location": site.url("/redirect-nolocation"),
            "big": site.url("/big.html"),
            "big_declared": site.url("/big-declared.html"),
            "bomb": site.url("/bomb.html"),
            "pdf": site.url("/doc.pdf"),
            "pdf_as_html": site.url("/pdf-as-html.html"),
            "cp1252": site.url("/cp1252.html"),
            "drip": site.url("/drip.html"),
            "trickle": trickle.url("/page.html"),
            "status999": site.url("/status-999.html"),
            "status099": site.url("/status-099.html"),
            "gzip_plain": site.url("/gzip-plain.html"),
            "deflate_plain": site.url("/deflate-plain.html"),
            "ftp": "ftp://ftp.example.invalid/pub/page.html",
            "file": "file:///etc/passwd",
            "mailto": "mailto:someone@example.invalid",
            "garbage": "http://[not-an-ip/",
        }
        raw = tmp_path / "raw"
        assert len(site.bomb) < 100 * 1024  # built before the clock starts
        started = time.monotonic()
        out = fetch_all(list(urls.values()) + [urls["good"]], fast(), raw, "run-1")
        took = time.monotonic() - started
    finally:
        hang.close()
        reset.close()
        trickle.close()

    check_table(out, len(urls))
    rows = by_url(out)
    r = {k: rows[u] for k, u in urls.items()}

    def is_(key: str, outcome: str, error: str | None, status: int | None, attempts: int | None = None) -> dict:
        row = r[key]
        assert (row["outcome"], row["error_class"], row["status"]) == (outcome, error, status), (key, row)
        if attempts is not None:
            assert row["attempts"] == attempts, (key, row)
        return row

    good = is_("good", "fetched", None, 200, 1)
    assert good["raw_path"].startswith("web/") and (raw / good["raw_path"]).is_file()
    is_("flaky", "fetched", None, 200, 2)
    is_("503", "failed", "http_5xx", 503, 3)
    row = is_("429", "fetched", None, 200, 2)
    assert row["elapsed_s"] >= 0.9  # waited for Retry-After: 1
    row = is_("429long", "failed", "rate_limited", 429, 1)
    assert "exceeds the cap" in row["reason"]
    is_("hang", "failed", "read_timeout", None, 3)
    assert hang.requests == 3
    is_("reset", "failed", "connection_error", None, 3)
    assert reset.requests == 3
    # nothing listens: already robots.txt gets no answer, the page is not tried
    row = is_("refused", "failed", "connection_error", None, 0)
    assert "robots.txt unreachable" in row["reason"]
    is_("404", "failed", "http_4xx", 404, 1)
    assert site.hits("/nothing-here.html") == 1  # no retry on 404
    row = is_("loop", "failed", "redirect_loop", 301, 1)
    assert row["redirects"] == 1
    row = is_("chain", "failed", "too_many_redirects", 302)
    assert row["redirects"] == 5
    row = is_("redirect", "fetched", None, 200, 1)
    assert row["redirects"] == 1 and row["final_url"] == site.url("/articles/target.html")
    row = is_("redirect_ftp", "failed", "scheme_refused", 302)
    assert "redirect hop 1" in row["reason"]
    is_("no_location", "failed", "bad_redirect", 302)
    row = is_("big", "failed", "body_too_large", 200, 1)
    assert 2 * 1024 * 1024 < row["bytes"] <= 2 * 1024 * 1024 + 64 * 1024
    assert site.big_sent < 25 * 1024 * 1024  # cut off, not downloaded whole
    row = is_("big_declared", "failed", "body_too_large", 200, 1)
    assert row["bytes"] == 0  # refused on Content-Length, nothing read
    row = is_("bomb", "failed", "decompressed_too_large", 200, 1)
    assert row["bytes"] < 200 * 1024  # a few compressed bytes were enough
    row = is_("pdf", "failed", "content_type_refused", 200, 1)
    assert "application/pdf" in row["reason"]
    row = is_("pdf_as_html", "failed", "content_type_refused", 200, 1)
    assert "PDF" in row["reason"]
    row = is_("cp1252", "fetched", None, 200, 1)
    text, meta = read_stored_page(raw / row["raw_path"])
    assert CP1252_TEXT in text and "naïve" in text and meta["encoding"] == "cp1252"
    is_("drip", "failed", "timeout", 200, 3)
    # status line and headers a byte every 0.1 s, within the 0.4 s read timeout each:
    # the 1 s total deadline of each try ends it (the whole answer would take 12 s)
    row = is_("trickle", "failed", "timeout", None, 3)
    assert "within 1.0s" in row["reason"] and row["elapsed_s"] < 6
    for key, code in (("status999", "HTTP status 999"), ("status099", "not 99")):
        row = is_(key, "failed", "invalid_status", None, 1)  # the contract keeps status to 100-599
        assert code in row["reason"], row["reason"]
    for key, coding in (("gzip_plain", "gzip"), ("deflate_plain", "deflate")):
        row = is_(key, "fetched", None, 200, 1)
        assert gzip.decompress((raw / row["raw_path"]).read_bytes()) == labelled_plain_page(coding)
    for key in ("ftp", "file", "mailto"):
        row = is_(key, "failed", "scheme_refused", None, 0)
        assert row["reason"]
    is_("garbage", "failed", "invalid_url", None, 0)

    # the repeated URL was fetched once
    assert sum(1 for x in out.rows if x["url"] == urls["good"]) == 1
    assert site.hits("/articles/one.html") == 1
    # robots.txt once per host for the whole run
    assert site.hits("/robots.txt") == 1
    assert out.counts() == {
        "fetched": 7,
        "unchanged": 0,
        "duplicate": 0,
        "robots_excluded": 0,
        "failed": len(urls) - 7,
    }
    assert sorted(out.stored) == sorted(x["raw_path"] for x in out.rows if x["outcome"] == "fetched")
    assert took < 20


def test_a_trickled_status_line_and_headers_end_at_the_total_timeout(tmp_path: Path) -> None:
    # Each byte comes well within the read timeout, so only a deadline over the whole
    # exchange can stop it; the full answer would take about 30 s.
    with RawServer("trickle", interval=0.25) as trickle:
        settings = fast(fetch_timeout_read=1.0, fetch_timeout_total=2.0, fetch_retries=0)
        out = fetch_all([trickle.url("/slow.html")], settings, tmp_path / "raw", "r")
    check_table(out, 1)
    row = out.rows[0]
    assert (row["outcome"], row["error_class"], row["status"], row["attempts"]) == ("failed", "timeout", None, 1)
    assert 2.0 <= row["elapsed_s"] < 3.5, row["elapsed_s"]


# --- storage layout and sidecars ---


def test_raw_layout_sidecar_and_ingest_discovery(tmp_path: Path, site: Site) -> None:
    raw = tmp_path / "raw"
    out = fetch_all([site.url("/redirect-ok"), site.url("/dup-a.html"), site.url("/dup-b.html")], fast(), raw, "r1")
    check_table(out, 3)
    rows = by_url(out)
    row = rows[site.url("/redirect-ok")]
    sha = row["content_sha256"]
    page = raw / "web" / sha[:2] / f"{sha}.html.gz"
    assert row["raw_path"] == f"web/{sha[:2]}/{sha}.html.gz" and page.is_file()
    body = gzip.decompress(page.read_bytes())
    assert hashlib.sha256(body).hexdigest() == sha
    meta = json.loads((raw / "web" / sha[:2] / f"{sha}.meta.json").read_text())
    assert meta["url"] == site.url("/redirect-ok")
    assert meta["final_url"] == site.url("/articles/target.html")
    assert meta["status"] == 200 and meta["fetched_at"] and meta["content_sha256"] == sha
    assert meta["headers"]["content-type"] == "text/html; charset=utf-8"
    # two URLs, same bytes: one stored page, one duplicate row pointing at it
    a, b = rows[site.url("/dup-a.html")], rows[site.url("/dup-b.html")]
    assert {a["outcome"], b["outcome"]} == {"fetched", "duplicate"}
    assert a["raw_path"] == b["raw_path"]
    assert len(list(raw.rglob("*.html.gz"))) == 2
    # the ingest stage finds the pages with their URLs, and nothing else (no state files)
    from newsetl.sources.disk import discover

    found = {i.source_uri: i for i in discover(raw)}
    assert set(found) == {x["raw_path"] for x in out.rows}
    assert found[row["raw_path"]].url == site.url("/articles/target.html")


# --- conditional requests and unchanged pages ---


def test_refetch_uses_validators_and_records_unchanged(tmp_path: Path, site: Site) -> None:
    raw = tmp_path / "raw"
    urls = [site.url("/etag.html"), site.url("/lastmod.html"), site.url("/versioned.html")]
    first = fetch_all(urls, fast(), raw, "run-1")
    assert [r["outcome"] for r in first.rows] == ["fetched"] * 3
    second = fetch_all(urls, fast(), raw, "run-2")
    check_table(second, 3)
    rows = by_url(second)
    etag = rows[urls[0]]
    assert (etag["outcome"], etag["status"], etag["error_class"]) == ("unchanged", 304, None)
    assert etag["content_sha256"] == by_url(first)[urls[0]]["content_sha256"]
    sent = [x.headers.get("if-none-match") for x in site.log if x.path == "/etag.html"]
    assert sent == [None, '"v1"']
    lastmod = rows[urls[1]]
    assert (lastmod["outcome"], lastmod["status"]) == ("unchanged", 304)
    same = rows[urls[2]]
    assert (same["outcome"], same["status"]) == ("unchanged", 200)  # by content hash
    assert second.stored == []
    assert second.counts()["unchanged"] == 3
    # a changed page is fetched again and stored beside the old version
    site.version = 2
    third = fetch_all([urls[2]], fast(), raw, "run-3")
    assert third.rows[0]["outcome"] == "fetched"
    assert third.rows[0]["content_sha256"] != same["content_sha256"]
    assert len(list((raw / "web").glob("*/*.html.gz"))) == 4


# --- robots.txt ---


ROBOTS = """
User-agent: *
Disallow: /

User-agent: newsetl-test
Disallow: /private/
Allow: /private/open-*.html$
Crawl-delay: 0
"""


def test_robots_txt_is_honoured_and_cached(tmp_path: Path) -> None:
    with Site(robots=ROBOTS) as site:
        urls = [
            site.url("/articles/a.html"),
            site.url("/private/secret.html"),
            site.url("/private/open-1.html"),
            site.url("/articles/b.html"),
        ]
        out = fetch_all(urls, fast(), tmp_path / "raw", "r")
        check_table(out, 4)
        rows = by_url(out)
        secret = rows[urls[1]]
        assert (secret["outcome"], secret["error_class"], secret["attempts"]) == (
            "robots_excluded",
            "robots_disallowed",
            0,
        )
        assert rows[urls[2]]["outcome"] == "fetched"
        assert rows[urls[0]]["outcome"] == rows[urls[3]]["outcome"] == "fetched"
        assert site.hits("/private/secret.html") == 0
        assert site.hits("/robots.txt") == 1
        ua = [x.headers["user-agent"] for x in site.log]
        assert set(ua) == {UA}
    # robots.txt answering 503: assume complete disallow (RFC 9309)
    with Site(robots="User-agent: *\nAllow: /\n", robots_status=503) as site:
        out = fetch_all([site.url("/articles/a.html")], fast(fetch_retries=0), tmp_path / "raw2", "r")
        row = out.rows[0]
        assert (row["outcome"], row["error_class"]) == ("robots_excluded", "robots_unavailable")
        assert site.hits("/articles/a.html") == 0


def test_robots_rules_matching() -> None:
    rules = RobotsRules.parse(
        "User-agent: other\nDisallow: /\n\n"
        "User-agent: NewsETL\nUser-agent: newsetl-test/2.0\n"
        "Disallow: /news/\nAllow: /news/public\nDisallow: /*.pdf$\nDisallow: /search?q=*\n"
        "Crawl-delay: 3\n",
        UA,
    )
    assert rules.can_fetch("http://h/news/public/1.html")  # longer Allow wins
    assert not rules.can_fetch("http://h/news/private.html")
    assert not rules.can_fetch("http://h/files/a.pdf")
    assert rules.can_fetch("http://h/files/a.pdf.html")  # $ anchors
    assert not rules.can_fetch("http://h/search?q=pakistan")
    assert rules.can_fetch("http://h/robots.txt")
    assert rules.can_fetch("http://h/other")
    assert rules.crawl_delay == 3
    star = RobotsRules.parse("User-agent: *\nDisallow: /a\nDisallow:\n", UA)
    assert not star.can_fetch("http://h/a/b") and star.can_fetch("http://h/b")
    assert RobotsRules.parse("", UA).can_fetch("http://h/anything")


# RFC 9309's own example file (section 5.1), read by the crawlers it names.
RFC_EXAMPLE = """
User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot

EOF
"""


@pytest.mark.parametrize(
    ("agent", "path", "allowed"),
    [
        ("anybot/1.0", "/publications/a.html", True),
        ("anybot/1.0", "/example/x.html", False),
        ("anybot/1.0", "/images/logo.gif", False),  # wildcard with $ anchor
        ("anybot/1.0", "/images/logo.gif.html", True),
        ("FooBot/2.1 (+http://foo.example)", "/example/page.html", True),  # longer Allow beats Disallow:/
        ("foobot", "/example/allowed.gif", True),
        ("foobot", "/example/other.html", False),
        ("barbot", "/example/page.html", False),  # two agents, one group
        ("bazbot", "/example/page.html", False),
        ("bazbot", "/example/x.html", True),  # its own group, not *'s
        ("quxbot", "/example/x.html", True),  # an empty group allows everything
    ],
)
def test_robots_rfc_9309_example(agent: str, path: str, allowed: bool) -> None:
    assert RobotsRules.parse(RFC_EXAMPLE, agent).can_fetch(f"https://example.com{path}") is allowed


def test_robots_longest_match_wildcards_and_percent_encoding() -> None:
    rules = RobotsRules.parse(
        "User-agent: *\n"
        "Allow: /page\nDisallow: /*.html\n"  # /page.html: the longer pattern wins
        "Allow: /shop/\nDisallow: /shop/*/cart\n"
        "Disallow: /a%2Fb\n"  # an encoded slash is not a path separator (RFC 9309 2.2.2)
        "Disallow: /caf%C3%A9\n"
        "Disallow: /x$\n",
        UA,
    )
    assert not rules.can_fetch("http://h/page.html")
    assert rules.can_fetch("http://h/page")
    assert not rules.can_fetch("http://h/shop/books/cart")
    assert rules.can_fetch("http://h/shop/books/list")
    assert rules.can_fetch("http://h/a/b")
    assert not rules.can_fetch("http://h/a%2Fb")
    assert not rules.can_fetch("http://h/café")  # the same octets, written raw
    assert not rules.can_fetch("http://h/x") and rules.can_fetch("http://h/x/y")


def test_robots_groups_of_one_agent_are_combined() -> None:
    rules = RobotsRules.parse(
        "User-agent: newsetl-test\nDisallow: /a\n\nUser-agent: *\nDisallow: /\n\n"
        "User-agent: newsetl-test\nDisallow: /b\nCrawl-delay: 2.5\n",
        UA,
    )
    assert not rules.can_fetch("http://h/a") and not rules.can_fetch("http://h/b")
    assert rules.can_fetch("http://h/c")
    assert rules.crawl_delay == 2.5


@pytest.mark.parametrize(
    ("status", "allowed", "disallow_all"),
    [(404, True, False), (401, True, False), (410, True, False), (429, False, True),
     (500, False, True), (503, False, True), (None, False, True), (302, False, True)],
)
def test_robots_status_policy(status: int | None, allowed: bool, disallow_all: bool) -> None:
    from newsetl.sources.fetch.robots import RobotsResponse, rules_from_response

    body = b"User-agent: *\nAllow: /\n"  # what a 5xx page says does not count
    rules = rules_from_response(RobotsResponse(status, body, error="refused", error_class="connection_refused"), UA)
    assert rules.can_fetch("http://h/page") is allowed
    assert rules.disallow_all is disallow_all
    assert (rules.network_error == "connection_refused") is (status is None)


def test_robots_garbage_never_raises() -> None:
    rng = random.Random(9309)
    alphabet = "User-agent: *\nDisallow: /Allow$%*?#\x00\ufffd é\t:" + "".join(map(chr, range(32, 127)))
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        rules = RobotsRules.parse(text, UA)
        assert rules.can_fetch("http://h/" + "".join(rng.choice("ab/%*$?=") for _ in range(12))) in (True, False)


# --- politeness ---


def test_per_host_and_global_limits_hold(tmp_path: Path) -> None:
    shared = Tracker()
    sites = [Site(global_tracker=shared, slow_seconds=0.1) for _ in range(3)]
    try:
        urls = [s.url(f"/slow/{i}.html") for s in sites for i in range(6)]
        settings = fast(fetch_per_host_concurrency=2, fetch_concurrency=3, fetch_per_host_delay=0.05)
        out = fetch_all(urls, settings, tmp_path / "raw", "r")
        check_table(out, len(urls))
        assert out.counts()["fetched"] == len(urls)
        assert shared.peak <= 3
        for s in sites:
            assert 1 <= s.tracker.peak <= 2
            starts = sorted(x.at for x in s.log)  # robots.txt included
            gaps = [b - a for a, b in zip(starts, starts[1:])]
            assert min(gaps) >= 0.03  # 0.05 s minimum delay, minus clock jitter
            assert starts[-1] - starts[0] >= 0.05 * (len(starts) - 1) * 0.9
    finally:
        for s in sites:
            s.close()


def test_backoff_and_retry_after() -> None:
    rng = random.Random(1)
    for retry in range(1, 6):
        d = backoff_delay(retry, 1.0, 10.0, rng)
        cap = min(10.0, 2 ** (retry - 1))
        assert cap / 2 <= d <= cap
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# --- URL policy ---


def test_private_hosts_refused_when_setting_off(tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = fast(fetch_allow_private_hosts=False)
    urls = [site.url("/articles/a.html"), f"http://localhost:{site.port}/articles/b.html"]
    out = fetch_all(urls, settings, tmp_path / "raw", "r")
    check_table(out, 2)
    for row in out.rows:
        assert (row["outcome"], row["error_class"], row["attempts"]) == ("failed", "private_host_refused", 0)
    assert site.log == []  # not even robots.txt was asked for
    monkeypatch.setenv("NEWSETL_FETCH_ALLOW_PRIVATE_HOSTS", "true")
    assert Settings().fetch_allow_private_hosts is True
    monkeypatch.delenv("NEWSETL_FETCH_ALLOW_PRIVATE_HOSTS")
    assert Settings().fetch_allow_private_hosts is False


def test_redirect_hop_to_private_host_refused(tmp_path: Path, site: Site) -> None:
    # Only 127.0.0.1 is allowed: the hop to 127.0.0.2 (another loopback address) must be refused.
    policy = UrlPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    settings = fast(fetch_allow_private_hosts=False)
    with Fetcher(settings, policy=policy) as fetcher:
        urls = [site.url("/redirect-private"), site.url("/articles/ok.html")]
        out = fetch_all(urls, settings, tmp_path, "r", fetcher=fetcher)
    rows = by_url(out)
    row = rows[site.url("/redirect-private")]
    assert (row["outcome"], row["error_class"], row["status"]) == ("failed", "private_host_refused", 302)
    assert "redirect hop 1" in row["reason"] and "127.0.0.2" in row["reason"]
    assert rows[site.url("/articles/ok.html")]["outcome"] == "fetched"


@pytest.mark.parametrize(
    "url,error",
    [
        ("ftp://example.invalid/x", "scheme_refused"),
        ("file:///etc/passwd", "scheme_refused"),
        ("gopher://example.invalid/", "scheme_refused"),
        ("http://127.0.0.1/", "private_host_refused"),
        ("http://localhost/", "private_host_refused"),
        ("http://[::1]/", "private_host_refused"),
        ("http://[::ffff:127.0.0.1]/", "private_host_refused"),
        ("http://169.254.169.254/latest/meta-data/", "private_host_refused"),
        ("http://10.0.0.8/", "private_host_refused"),
        ("http://192.168.1.1/", "private_host_refused"),
        ("http://172.16.5.4/", "private_host_refused"),
        ("http://100.64.0.1/", "private_host_refused"),
        ("http://0.0.0.0/", "private_host_refused"),
        ("http://2130706433/", "private_host_refused"),
        ("http://[fe80::1]/", "private_host_refused"),
        ("http://[::a9fe:a9fe]/", "private_host_refused"),  # IPv4-compatible 169.254.169.254
        ("http://[::127.0.0.1]/", "private_host_refused"),  # IPv4-compatible loopback
        ("http://[::ffff:0:7f00:1]/", "private_host_refused"),  # IPv4-translated loopback
        ("http://[64:ff9b::a9fe:a9fe]/", "private_host_refused"),  # NAT64 of the metadata address
        ("http://[64:ff9b:1::808:808]/", "private_host_refused"),  # local-use NAT64, whatever follows
        ("http://[fec0::1]/", "private_host_refused"),  # site-local
        ("http://[2002:a9fe:a9fe::1]/", "private_host_refused"),  # 6to4 of the metadata address
        ("http:///nohost", "invalid_url"),
        ("http://example.org:99999/", "invalid_url"),
    ],
)
def test_url_policy(url: str, error: str) -> None:
    with pytest.raises(UrlRefused) as exc:
        UrlPolicy().check(url)
    assert exc.value.error_class == error


# IPv6 forms that reach private or loopback space, which Python's ipaddress calls global.
PRIVATE_V6 = ["::a9fe:a9fe", "::127.0.0.1", "::ffff:0:7f00:1", "64:ff9b:1::a9fe:a9fe", "64:ff9b:1::808:808",
              "fec0::1", "feff::1"]


def test_ipv6_forms_of_private_space_are_not_public() -> None:
    for form in PRIVATE_V6:
        assert ipaddress.ip_address(form).is_global, form  # why the explicit ranges are needed
        assert not is_public_address(ipaddress.ip_address(form)), form
    # the same forms around public IPv4 addresses stay public, and so does ordinary IPv6
    for form in ("::8.8.8.8", "::ffff:0:808:808", "64:ff9b::808:808", "2606:4700:4700::1111"):
        assert is_public_address(ipaddress.ip_address(form)), form


def test_ipv6_forms_of_private_space_are_refused_by_a_fetch(tmp_path: Path) -> None:
    urls = [f"http://[{form}]:8080/page.html" for form in PRIVATE_V6]
    out = fetch_all(urls, fast(fetch_allow_private_hosts=False), tmp_path / "raw", "r")
    check_table(out, len(urls))
    for row in out.rows:
        assert (row["outcome"], row["error_class"], row["attempts"]) == ("failed", "private_host_refused", 0), row
        assert "non-public address" in row["reason"]


def test_connect_time_guard(site: Site) -> None:
    with pytest.raises(UrlRefused):
        GuardedBackend(UrlPolicy()).connect_tcp("127.0.0.1", site.port, timeout=1)
    stream = GuardedBackend(UrlPolicy(allow_private=True)).connect_tcp("127.0.0.1", site.port, timeout=1)
    stream.close()
    # and the fetcher's connection pool really opens its sockets through it
    with Fetcher(fast()) as fetcher:
        assert isinstance(fetcher._client._transport._pool._network_backend, GuardedBackend)


# --- bodies and charsets ---


def test_gzip_bomb_decoder_is_bounded() -> None:
    bomb = gzip_bomb(16 * 1024 * 1024)
    dec = StreamDecoder("gzip", 1024 * 1024)
    with pytest.raises(BodyTooLarge):
        for i in range(0, len(bomb), 1024):
            out = dec.feed(bomb[i : i + 1024])
            assert len(out) <= 1024 * 1024 + 1
    assert dec.total <= 1024 * 1024 + 1


def test_bodies_labelled_compressed_but_plain_are_read_plain() -> None:
    page = labelled_plain_page("gzip") * 50

    def decode(coding: str, body: bytes, chunk: int, limit: int = 1 << 20) -> tuple[bytes, bool]:
        dec = StreamDecoder(coding, limit)
        out = b"".join(dec.feed(body[i : i + chunk]) for i in range(0, len(body), chunk)) + dec.finish()
        return out, dec.plain

    for chunk in (1, 7, 100_000):  # a trickled first byte must not decide alone
        assert decode("gzip", page, chunk) == (page, True)
        assert decode("deflate", page, chunk) == (page, True)
        assert decode("gzip", gzip.compress(page), chunk) == (page, False)
        assert decode("deflate", zlib.compress(page), chunk) == (page, False)
        raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        assert decode("deflate", raw_deflate.compress(page) + raw_deflate.flush(), chunk) == (page, False)
    assert decode("gzip", b"", 1) == (b"", True)
    with pytest.raises(BodyTooLarge):  # the cap holds for a plain body too
        decode("gzip", page, 1000, limit=len(page) - 1)
    with pytest.raises(BadEncoding):  # real gzip, cut short: still an error
        decode("gzip", gzip.compress(page)[:-20], 1000)


def test_the_fetcher_and_the_disk_reader_share_one_binary_test() -> None:
    # html_refusal had its own test (a NUL in the first 2 KiB, or %PDF): a NUL further in, or
    # a page of control bytes, was fetched and stored, then quarantined as binary_content at
    # ingest; a page that is text for the fetcher must be text on disk, and the other way round.
    from newsetl.sources.decode import looks_binary
    from newsetl.sources.fetch.client import html_refusal

    page = b"<html><body><p>" + b"word " * 1000 + b"</p></body></html>"
    wide = "<html><body><p>caf\u00e9 " * 50
    bodies = {
        "html": page,
        "nul past 2 KiB": page[:3000] + b"\x00" + page[3000:],
        "control bytes": b"<html>" + b"\x01\x02\x03 abc " * 300,
        "utf-16 with a NUL character": ("\ufeff" + wide + "\x00" * 40).encode("utf-16-le"),
        "utf-16": ("\ufeff" + wide).encode("utf-16-le"),
        "pdf with ascii objects": b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 300,
        "a few controls": page[:50] + b"\x07\x1b" + page[50:],
    }
    for name, body in bodies.items():
        refusal = html_refusal(body, "text/html")
        binary = looks_binary(body)
        assert (refusal is not None) == binary, name
        if binary:
            assert refusal[0] == "content_type_refused" and "binary" in refusal[1], name
    assert [n for n, b in bodies.items() if looks_binary(b)] == [
        "nul past 2 KiB", "control bytes", "utf-16 with a NUL character", "pdf with ascii objects"]
    assert "(PDF)" in html_refusal(bodies["pdf with ascii objects"], None)[1]


def test_charset_decoding() -> None:
    page = f"<p>{CP1252_TEXT}</p>".encode("cp1252")
    assert decode_html(page).text == f"<p>{CP1252_TEXT}</p>"
    assert decode_html(page, "text/html; charset=ISO-8859-1").text == f"<p>{CP1252_TEXT}</p>"
    utf8 = f"<p>{CP1252_TEXT}</p>".encode()
    assert decode_html(utf8, "text/html; charset=iso-8859-1").encoding == "utf-8"  # mislabelled
    meta = '<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251")
    assert "Привет" in decode_html(meta).text
    assert decode_html(b"\xff\xfe\xfd\x80 broken \x81", "text/html; charset=nonsense").text  # never raises
    assert decode_html(b"").text == ""
    # a label the bytes contradict: valid multi-byte UTF-8 wins over any declared charset
    chinese = "财政部长星期二表示，预算将于下周提交议会审议。"
    page = f'<meta charset="gb2312"><p>{chinese}</p>'.encode()
    assert chinese in decode_html(page).text and decode_html(page).encoding == "utf-8"
    assert chinese in decode_html(page, "text/html; charset=shift_jis").text
    # ... while a page really in gb2312 is read as its label says
    assert chinese in decode_html(f'<meta charset="gb2312"><p>{chinese}</p>'.encode("gb2312")).text


# --- feeds and sitemaps ---


def test_feeds_and_sitemaps_expand_to_pages(tmp_path: Path, site: Site) -> None:
    feeds = [site.url("/feed.xml"), site.url("/sitemap_index.xml"), site.url("/missing-feed.xml")]
    out = fetch_all([site.url("/articles/feed-1.html")], fast(), tmp_path / "raw", "r", feeds=feeds)
    feed_rows = [r for r in out.rows if r["source"] == "feed"]
    assert {r["url"]: (r["outcome"], r["error_class"]) for r in feed_rows} == {
        site.url("/feed.xml"): ("fetched", None),
        site.url("/sitemap_index.xml"): ("fetched", None),
        site.url("/sitemap-news.xml"): ("fetched", None),
        site.url("/missing-feed.xml"): ("failed", "http_4xx"),
    }
    pages = {r["url"] for r in out.rows if r["source"] == "page"}
    assert pages == {
        site.url("/articles/feed-0.html"),
        site.url("/articles/feed-1.html"),
        site.url("/articles/feed-2.html"),
        site.url("/articles/feed-rel.html"),
        site.url("/articles/sm-0.html"),
        site.url("/articles/sm-1.html"),
    }
    check_table(out, len(pages))
    # The missing feed is a URL the run asked for and did not get.
    assert out.counts()["fetched"] == len(pages) and out.counts()["failed"] == 1
    # Every page and feed row names the entry it came through (a child sitemap: its index).
    assert {r["url"]: r["via_feed"] for r in feed_rows}[site.url("/sitemap-news.xml")] == site.url("/sitemap_index.xml")
    via = {r["url"]: r["via_feed"] for r in out.rows if r["source"] == "page"}
    assert via[site.url("/articles/sm-0.html")] == site.url("/sitemap_index.xml")
    assert via[site.url("/articles/feed-1.html")] == site.url("/feed.xml")  # listed by a feed and the URL list
    assert site.hits("/") == 0  # the channel's home page link is not an article


def test_url_list_and_sources_file(tmp_path: Path) -> None:
    (tmp_path / "urls.txt").write_text(
        "# a comment\n\nhttps://example.org/a\nhttps://example.org/b  # trailing\nhttps://example.org/a\n"
    )
    assert read_url_list(tmp_path / "urls.txt") == ["https://example.org/a", "https://example.org/b"]
    (tmp_path / "sources.yaml").write_text(
        "feeds:\n  - name: X\n    url: https://example.org/feed\nsitemaps:\n  - https://example.org/sitemap.xml\n"
        "url_lists:\n  - urls.txt\nwarcs:\n  - cc/news.warc.gz\n"
    )
    src = load_sources(tmp_path / "sources.yaml")
    assert src.feeds == ["https://example.org/feed", "https://example.org/sitemap.xml"]
    assert src.urls == ["https://example.org/a", "https://example.org/b"]
    assert src.warcs == [tmp_path / "cc" / "news.warc.gz"]
    repo = load_sources(REPO / "raw" / "sources.yaml")
    assert repo.feeds and all(u.startswith("https://") for u in repo.feeds)


# --- WARC ---


def test_warc_pages_equal_fetched_pages(tmp_path: Path) -> None:
    samples = load_samples(SAMPLES)
    assert len(samples) >= 10
    with Site(samples=samples) as site:
        urls = [site.url(f"/samples/{name}") for name in samples]
        fetched = fetch_all(urls, fast(), tmp_path / "web-raw", "r-web")
        check_table(fetched, len(urls))
        assert fetched.counts()["fetched"] == len(urls)
        warc = tmp_path / "cc-news.warc.gz"
        write_warc(warc, {u: gzip.decompress(samples[n]) for u, n in zip(urls, samples)})

    loaded = load_warc(warc, tmp_path / "warc-raw", "r-warc", fast())
    check_table(loaded, len(urls) + 2)
    ok = [r for r in loaded.rows if r["outcome"] == "fetched"]
    assert len(ok) == len(urls)
    web_shas = {r["url"]: r["content_sha256"] for r in fetched.rows}
    warc_shas = {r["url"]: r["content_sha256"] for r in ok}
    assert web_shas == warc_shas
    assert sorted(fetched.stored) == sorted(loaded.stored)
    for rel in fetched.stored:  # the very same stored bytes
        a = gzip.decompress((tmp_path / "web-raw" / rel).read_bytes())
        b = gzip.decompress((tmp_path / "warc-raw" / rel).read_bytes())
        assert a == b
    meta = json.loads((tmp_path / "warc-raw" / loaded.stored[0].replace(".html.gz", ".meta.json")).read_text())
    assert meta["source"] == "warc" and meta["url"] in web_shas and meta["warc_record_id"]
    bad = {r["url"]: r["error_class"] for r in loaded.rows if r["outcome"] == "failed"}
    assert bad == {
        "http://news.example.invalid/gone": "http_4xx",
        "http://news.example.invalid/logo.png": "content_type_refused",
    }
    # loading the same WARC again: all unchanged, nothing new stored
    again = load_warc(warc, tmp_path / "warc-raw", "r-warc-2", fast())
    assert again.counts()["unchanged"] == len(urls) and again.stored == []


def test_damaged_warc_is_a_row_not_a_crash(tmp_path: Path) -> None:
    warc = tmp_path / "bad.warc.gz"
    write_warc(warc, {"http://news.example.invalid/a": b"<html><body><p>hello</p></body></html>"})
    data = warc.read_bytes()
    for cut in (30, 200, 600):  # in a payload, in record headers, a whole member
        warc.write_bytes(data[: len(data) - cut])
        out = load_warc(warc, tmp_path / f"raw{cut}", "r", fast())
        assert out.rows[0]["outcome"] == "fetched"
        assert out.rows[-1]["outcome"] == "failed" and out.rows[-1]["error_class"] == "warc_error"
        out.frame()
