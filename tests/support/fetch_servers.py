"""Real HTTP servers on 127.0.0.1 for the fetch tests (no mocking of the HTTP layer).

``Site`` is a ``ThreadingHTTPServer`` with the routes the tests need (good pages,
feeds, redirects, errors, huge bodies, a gzip bomb, statuses outside 100-599, bodies
labelled gzip that are plain, ...). ``RawServer`` is a plain socket server for
misbehaving peers: one that never answers, one that resets the connection, one that
trickles its status line and headers a byte at a time. Every server answers
``/robots.txt`` so that robots handling does not change what a test observes, and logs
the requests it got.
"""

from __future__ import annotations

import functools
import gzip
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"
CP1252_TEXT = "café – “quotes”"


def article_html(title: str, words: int = 120) -> bytes:
    body = " ".join(f"word{i % 37}" for i in range(words))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1><p>{body}</p></article></body></html>"
    ).encode("utf-8")


def story_html(title: str) -> bytes:
    """An article page whose text is its own (article_html pages share their body)."""
    body = " ".join(f"word{i % 37}" for i in range(120))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1><p>This story is {title}, told in full below.</p><p>{body}</p></article></body></html>"
    ).encode("utf-8")


def cp1252_page() -> bytes:
    # No charset in the header and no <meta>: the bytes alone must tell.
    html = f"<html><head><title>{CP1252_TEXT}</title></head><body><p>Le {CP1252_TEXT} naïve.</p></body></html>"
    return html.encode("cp1252")


@functools.lru_cache(maxsize=4)
def gzip_bomb(decompressed: int = 64 * 1024 * 1024) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    parts = [c.compress(block) for _ in range(decompressed // len(block))]
    return b"".join(parts) + c.flush()


@dataclass
class Tracker:
    """In-flight and start-time log, shareable between servers (global limit checks)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    current: int = 0
    peak: int = 0

    def enter(self) -> None:
        with self.lock:
            self.current += 1
            self.peak = max(self.peak, self.current)

    def leave(self) -> None:
        with self.lock:
            self.current -= 1


@dataclass
class Logged:
    path: str
    headers: dict[str, str]
    at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class Site:
    """One web site on its own port (= its own host for politeness)."""

    def __init__(
        self,
        robots: str | None = None,
        robots_status: int = 200,
        samples: dict[str, bytes] | None = None,
        global_tracker: Tracker | None = None,
        slow_seconds: float = 0.15,
    ):
        self.robots = robots
        self.robots_status = robots_status
        self.samples = samples or {}
        self.log: list[Logged] = []
        self.counts: dict[str, int] = {}
        self.tracker = Tracker()
        self.global_tracker = global_tracker
        self.slow_seconds = slow_seconds
        self.big_sent = 0
        self.version = 1  # of /versioned.html
        self.stop = threading.Event()
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                site._handle(self)

        self.server = _Server((HOST, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def hits(self, path: str) -> int:
        return sum(1 for r in self.log if r.path == path)

    @property
    def bomb(self) -> bytes:
        return gzip_bomb()

    # --- routing ---

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        with self._lock:
            self.log.append(Logged(path, {k.lower(): v for k, v in h.headers.items()}, time.monotonic()))
            n = self.counts[path] = self.counts.get(path, 0) + 1
        route = ROUTES.get(path)
        if route is None:
            for prefix, fn in PREFIX_ROUTES:
                if path.startswith(prefix):
                    route = fn
                    break
        if route is None:
            return send(h, 404, b"<html><body>not found</body></html>")
        try:
            route(self, h, n)
        except (BrokenPipeError, ConnectionResetError):
            pass


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    ctype: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    if ctype:
        h.send_header("Content-Type", ctype)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if body:
        h.wfile.write(body)


def _robots(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    if site.robots is None:
        return send(h, 404, b"no robots here", "text/plain")
    send(h, site.robots_status, site.robots.encode(), "text/plain")


def _article(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, article_html(site.url(h.path)))


def _etag(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    if h.headers.get("If-None-Match") == '"v1"':
        return send(h, 304, b"", None, {"ETag": '"v1"'})
    send(h, 200, article_html("etag page"), headers={"ETag": '"v1"'})


_LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


def _lastmod(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    if h.headers.get("If-Modified-Since") == _LAST_MODIFIED:
        return send(h, 304, b"", None)
    send(h, 200, article_html("last-modified page"), headers={"Last-Modified": _LAST_MODIFIED})


def _versioned(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, article_html(f"versioned page v{site.version}"))


def _flaky(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    if n == 1:
        return send(h, 500, b"<html>oops</html>")
    send(h, 200, article_html("flaky page"))


def _always500(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 503, b"<html>down</html>")


def _rate_limited(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    if n == 1:
        return send(h, 429, b"slow down", "text/plain", {"Retry-After": "1"})
    send(h, 200, article_html("rate limited page"))


def _rate_limited_long(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 429, b"come back tomorrow", "text/plain", {"Retry-After": "3600"})


def _redirect(location: str, status: int = 302) -> Callable[[Site, BaseHTTPRequestHandler, int], None]:
    def route(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
        loc = location.replace("{port}", str(site.port))
        send(h, status, b"", None, {"Location": loc})

    return route


def _chain(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    k = int(h.path.rsplit("/", 1)[1])
    send(h, 302, b"", None, {"Location": f"/chain/{k + 1}"})


def _big_declared(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    _stream_big(site, h, declare=True)


def _big_undeclared(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    _stream_big(site, h, declare=False)


def _stream_big(site: Site, h: BaseHTTPRequestHandler, declare: bool, total: int = 50 * 1024 * 1024) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    if declare:
        h.send_header("Content-Length", str(total))
    h.end_headers()
    chunk = b"<p>" + b"x" * (64 * 1024 - 3)
    sent = 0
    try:
        while sent < total and not site.stop.is_set():
            h.wfile.write(chunk)
            sent += len(chunk)
    finally:
        with site._lock:
            site.big_sent = max(site.big_sent, sent)


def _status(code: bytes) -> Callable[[Site, BaseHTTPRequestHandler, int], None]:
    """A status line with any three characters as the code (999, 099, ...)."""

    def route(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
        body = article_html(f"status {code.decode()}")
        h.wfile.write(b"HTTP/1.0 " + code + b" Odd\r\nContent-Type: text/html\r\n")
        h.wfile.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    return route


def _labelled_plain(coding: str) -> Callable[[Site, BaseHTTPRequestHandler, int], None]:
    """Content-Encoding says compressed; the body is the plain page."""

    def route(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
        send(h, 200, labelled_plain_page(coding), headers={"Content-Encoding": coding})

    return route


def labelled_plain_page(coding: str) -> bytes:
    return article_html(f"plain page labelled {coding}")


def _bomb(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, site.bomb, "text/html", {"Content-Encoding": "gzip"})


def _pdf(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + b"\0" * 4096, "application/pdf")


def _pdf_as_html(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, b"%PDF-1.4\n" + b"\0" * 1024, "text/html")


def _cp1252(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, cp1252_page(), "text/html")


def _drip(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    h.wfile.write(b"<html><body>")
    until = time.monotonic() + 10
    while not site.stop.is_set() and time.monotonic() < until:
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.05)


def _slow(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    trackers = [site.tracker] + ([site.global_tracker] if site.global_tracker else [])
    for t in trackers:
        t.enter()
    try:
        time.sleep(site.slow_seconds)
    finally:
        for t in trackers:
            t.leave()
    send(h, 200, article_html(site.url(h.path)))  # unique per site: no duplicates


def _dup(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, article_html("the same story"))


def _sample(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    name = h.path.rsplit("/", 1)[1]
    gz = site.samples.get(name)
    if gz is None:
        return send(h, 404, b"no such sample")
    # As published: the stored gzip goes on the wire as Content-Encoding.
    send(h, 200, gz, "text/html", {"Content-Encoding": "gzip"})


def _sample_labelled_gzip(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    gz = site.samples.get(h.path.rsplit("/", 1)[1])
    if gz is None:
        return send(h, 404, b"no such sample")
    # Labelled gzip, sent plain: read as the plain page it is.
    send(h, 200, gzip.decompress(gz), "text/html", {"Content-Encoding": "gzip"})


def _feed(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    items = "".join(
        f"<item><title>Story {i}</title><link>{site.url(f'/articles/feed-{i}.html')}</link></item>" for i in range(3)
    )
    rss = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test feed</title>'
        f"<link>{site.url('/')}</link><description>d</description>{items}"
        f"<item><title>Relative</title><link>/articles/feed-rel.html</link></item></channel></rss>"
    )
    send(h, 200, rss.encode(), "application/rss+xml; charset=utf-8")


def _sitemap_index(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.url('/sitemap-news.xml')}</loc></sitemap></sitemapindex>"
    )
    send(h, 200, xml.encode(), "application/xml")


def _sitemap_news(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    urls = "".join(f"<url><loc>{site.url(f'/articles/sm-{i}.html')}</loc></url>" for i in range(2))
    urls += f"<url><loc>{site.url('/articles/feed-0.html')}</loc></url>"  # also in the RSS feed
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    send(h, 200, gzip.compress(xml.encode()), "application/x-gzip")


def _rss(site: Site, links: list[str]) -> bytes:
    items = "".join(f"<item><title>Story {i}</title><link>{link}</link></item>" for i, link in enumerate(links))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test feed</title>'
        f"<link>{site.url('/')}</link><description>d</description>{items}</channel></rss>"
    ).encode()


def _news(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    # New stories whenever the site's version moves on; the same ones until then.
    links = [site.url(f"/news/v{site.version}-{i}.html") for i in range(2)]
    send(h, 200, _rss(site, links), "application/rss+xml; charset=utf-8")


def _story(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, story_html(site.url(h.path)))


def _dead_links(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, _rss(site, [site.url("/gone/story.html")]), "application/rss+xml; charset=utf-8")


def _forbidden(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 403, b"<html><body>forbidden</body></html>")


# --- hostile answers (tests/sources/test_hostile_web.py) ---

LYING_TEXT = "Le café était fermé – “no” again."


def _hostile_page(title: str, head: str = "") -> str:
    words = " ".join(f"{title.split()[0].lower()}{i % 41}" for i in range(90))
    return (f"<html><head>{head}<title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{LYING_TEXT}</p><p>The story goes on: {words}.</p></article></body></html>")


def _lying_charset(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    # The header and the <meta> say UTF-8; the bytes are Windows-1252.
    page = _hostile_page("Lying charset", "<meta charset='utf-8'>")
    send(h, 200, page.encode("cp1252"), "text/html; charset=utf-8")


def _utf16(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, ("\ufeff" + _hostile_page("Wide text")).encode("utf-16-le"), "text/html")


def _empty_200(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, b"", "text/html")


def _short_body(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    # Content-Length promises 5,000 bytes; 100 come, then the connection closes.
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b"<html><body><p>" + b"x" * 85)
    h.close_connection = True


def _long_body(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    # Content-Length says 60; the body goes on past it.
    page = article_html("Long body")
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "60")
    h.end_headers()
    h.wfile.write(page)


def _chunked_endless(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"<p>" + b"y" * 8000 + b"</p>"
    sent = 0
    while not site.stop.is_set() and sent < 200 * 1024 * 1024:
        h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sent += len(chunk)
    with site._lock:
        site.big_sent = max(site.big_sent, sent)


_LAUGHS = ('<!DOCTYPE rss [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
           '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
           '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
           '<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;"><!ENTITY xxe SYSTEM "file:///etc/hostname">]>')


def _laughs_feed(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    # A billion laughs and an external entity naming a local file, in an RSS feed.
    rss = ('<?xml version="1.0" encoding="UTF-8"?>' + _LAUGHS
           + '<rss version="2.0"><channel><title>&i;</title><description>&xxe;</description>'
           f"<item><title>&i;</title><link>{site.url('/articles/laughs-1.html')}</link></item>"
           f"<item><title>&xxe;</title><link>{site.url('/articles/')}&xxe;.html</link></item>"
           "<item><title>x</title><link>&xxe;</link></item></channel></rss>")
    send(h, 200, rss.encode(), "application/rss+xml")


def _self_sitemap(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    # A sitemap index that lists itself (and a page sitemap that lists the index).
    xml = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           f"<sitemap><loc>{site.url('/sitemap-self.xml')}</loc></sitemap>"
           f"<sitemap><loc>{site.url('/sitemap-back.xml')}</loc></sitemap></sitemapindex>")
    send(h, 200, xml.encode(), "application/xml")


def _back_sitemap(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    xml = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           f"<sitemap><loc>{site.url('/sitemap-self.xml')}</loc></sitemap>"
           f"<sitemap><loc>{site.url('/sitemap-news.xml')}</loc></sitemap></sitemapindex>")
    send(h, 200, xml.encode(), "application/xml")


def _many_sitemaps(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    # A sitemap index of 10,000 sitemaps, each listing one page.
    locs = "".join(f"<sitemap><loc>{site.url(f'/sitemaps/{i}.xml')}</loc></sitemap>" for i in range(10_000))
    xml = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           f"{locs}</sitemapindex>")
    send(h, 200, xml.encode(), "application/xml")


def _one_sitemap(site: Site, h: BaseHTTPRequestHandler, n: int) -> None:
    k = h.path.rsplit("/", 1)[1].split(".")[0]
    xml = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           f"<url><loc>{site.url(f'/articles/sm-many-{k}.html')}</loc></url></urlset>")
    send(h, 200, xml.encode(), "application/xml")


ROUTES: dict[str, Callable[[Site, BaseHTTPRequestHandler, int], None]] = {
    "/robots.txt": _robots,
    "/lying-charset.html": _lying_charset,
    "/utf16.html": _utf16,
    "/empty-200.html": _empty_200,
    "/short-body.html": _short_body,
    "/long-body.html": _long_body,
    "/chunked-endless.html": _chunked_endless,
    "/laughs.xml": _laughs_feed,
    "/sitemap-self.xml": _self_sitemap,
    "/sitemap-back.xml": _back_sitemap,
    "/sitemap-many.xml": _many_sitemaps,
    "/redirect-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
    "/redirect-file": _redirect("file:///etc/passwd"),
    "/redirect-localhost": _redirect("http://localhost:{port}/articles/internal.html"),
    "/etag.html": _etag,
    "/lastmod.html": _lastmod,
    "/versioned.html": _versioned,
    "/flaky.html": _flaky,
    "/always503.html": _always500,
    "/429.html": _rate_limited,
    "/429-long.html": _rate_limited_long,
    "/loop/a": _redirect("/loop/b"),
    "/loop/b": _redirect("/loop/a", 301),
    "/redirect-ok": _redirect("/articles/target.html", 301),
    "/redirect-ftp": _redirect("ftp://{port}.example.invalid/file.html"),
    "/redirect-private": _redirect("http://127.0.0.2:{port}/articles/internal.html"),
    "/redirect-nolocation": _redirect(""),
    "/big-declared.html": _big_declared,
    "/big.html": _big_undeclared,
    "/bomb.html": _bomb,
    "/status-999.html": _status(b"999"),
    "/status-099.html": _status(b"099"),
    "/gzip-plain.html": _labelled_plain("gzip"),
    "/deflate-plain.html": _labelled_plain("deflate"),
    "/doc.pdf": _pdf,
    "/pdf-as-html.html": _pdf_as_html,
    "/cp1252.html": _cp1252,
    "/drip.html": _drip,
    "/dup-a.html": _dup,
    "/dup-b.html": _dup,
    "/feed.xml": _feed,
    "/sitemap_index.xml": _sitemap_index,
    "/sitemap-news.xml": _sitemap_news,
    "/news.xml": _news,
    "/dead-links.xml": _dead_links,
    "/forbidden.xml": _forbidden,
}
PREFIX_ROUTES: list[tuple[str, Callable[[Site, BaseHTTPRequestHandler, int], None]]] = [
    ("/articles/", _article),
    ("/private/", _article),
    ("/chain/", _chain),
    ("/slow/", _slow),
    ("/samples/", _sample),
    ("/news/", _story),
    ("/samples-labelled-gzip/", _sample_labelled_gzip),
    ("/sitemaps/", _one_sitemap),
]


TRICKLED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Padding: slow-slow-slow\r\n"
    b"Content-Length: 13\r\nConnection: close\r\n\r\n<p>late</p>\r\n"
)


class RawServer:
    """A TCP server that answers /robots.txt with 404 and then misbehaves on anything
    else: ``mode="hang"`` reads the request and never answers; ``mode="reset"`` reads
    it and resets the connection (RST); ``mode="trickle"`` sends its status line and
    headers (``TRICKLED``) one byte every ``interval`` seconds, each byte well within a
    read timeout."""

    def __init__(self, mode: str, interval: float = 0.1):
        assert mode in ("hang", "reset", "trickle")
        self.mode = mode
        self.interval = interval
        self.stop = threading.Event()
        self.requests = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(32)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(2)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            if data.split(b" ", 2)[1] == b"/robots.txt":
                conn.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            self.requests += 1
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return  # close() with linger 0 sends RST
            if self.mode == "trickle":
                for i in range(len(TRICKLED)):
                    if self.stop.wait(self.interval):
                        return
                    conn.sendall(TRICKLED[i : i + 1])
                return
            self.stop.wait(10)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_port() -> int:
    """A loopback port with nothing listening (connection refused)."""
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def load_samples(sample_dir: Path) -> dict[str, bytes]:
    """name.html -> gzip bytes as stored in raw/samples/html."""
    return {p.name.replace(".html.gz", ".html"): p.read_bytes() for p in sorted(sample_dir.glob("*.html.gz"))}
