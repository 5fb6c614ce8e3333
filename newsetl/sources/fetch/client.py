"""The HTTP fetcher: one ``Fetcher`` per run, shared by all worker threads.

``Fetcher.fetch(url)`` never raises for anything a server or a URL can do; it returns a
``FetchResult`` whose ``error_class`` (a value of ``schemas.fetches.ERROR_CLASSES``)
says what went wrong. Per request it:

* checks the URL policy (http/https, public address) on the URL and on every redirect
  hop, and again at socket connect time (``GuardedBackend``);
* honours robots.txt for every hop's host (cached per run, Crawl-delay raises the
  host's delay);
* waits for a host slot and a global slot (``politeness.Politeness``);
* retries timeouts, connection errors, 5xx and 429 with exponential backoff and
  jitter, honouring Retry-After up to ``fetch_max_retry_after`` (a longer one ends the
  URL as ``rate_limited``); other 4xx are not retried;
* bounds each try by ``fetch_timeout_total`` on every socket operation (connect, status
  line, headers, body), so a server that trickles any part of its answer is cut off;
* streams the body, counting wire bytes and decoded bytes against the two caps, and
  refuses non-HTML content types before reading the body;
* ends a status outside 100-599 as ``invalid_status`` (the status column stays null);
* sends If-None-Match / If-Modified-Since when asked (``conditional``).
"""

from __future__ import annotations

import contextvars
import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpcore
import httpx

from newsetl.sources.fetch.bounded import BadEncoding, BodyTooLarge, StreamDecoder
from newsetl.sources.fetch.politeness import Politeness, backoff_delay, parse_retry_after
from newsetl.sources.fetch.robots import MAX_ROBOTS_BYTES, RobotsCache, RobotsResponse
from newsetl.sources.fetch.urlpolicy import UrlPolicy, UrlRefused
from newsetl.settings import Settings
from newsetl.shown import shown
from newsetl.sources.decode import PDF_MAGIC, looks_binary

LOGGER = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Never a feed, a sitemap or a robots.txt.
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip", "application/msword")
HEADERS_OF_INTEREST = ("content-type", "etag", "last-modified", "content-language", "x-robots-tag")
ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
    "any": "*/*",
}
_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p|article)\b", re.IGNORECASE)
# h11's words for a status line it cannot read ("099", "1000", "HTTP/1.1 abc").
_BAD_STATUS_LINE = re.compile(r"status.code|status line", re.IGNORECASE)
# Errors after which another try may succeed.
RETRIABLE = {"connect_timeout", "read_timeout", "timeout", "connection_error", "http_5xx", "rate_limited"}


@dataclass
class FetchResult:
    url: str
    final_url: str | None = None
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)  # HEADERS_OF_INTEREST present
    error_class: str | None = None
    reason: str | None = None
    attempts: int = 0
    redirects: int = 0
    wire_bytes: int = 0
    elapsed: float = 0.0
    fetched_at: datetime | None = None
    not_modified: bool = False

    @property
    def ok(self) -> bool:
        return self.error_class is None

    @property
    def robots_excluded(self) -> bool:
        return self.error_class in ("robots_disallowed", "robots_unavailable")

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass
class _Try:
    """One request/response of one try."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    location: str | None = None
    body: bytes | None = None
    wire_bytes: int = 0
    error_class: str | None = None
    reason: str | None = None
    retry_after: float | None = None
    at: datetime | None = None


class _Stop(Exception):
    def __init__(self, error_class: str, reason: str):
        super().__init__(reason)
        self.error_class = error_class
        self.reason = reason


# When the try running in this thread must be over (time.monotonic()); None outside a try.
# A context variable, not a connection attribute: pooled connections serve many tries.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("fetch_deadline", default=None)


class DeadlineExceeded(Exception):
    """The try's total deadline passed during a socket operation. Not an httpcore
    exception, so httpx lets it through unchanged (and closes the connection)."""


def _bounded(timeout: float | None) -> tuple[float | None, bool]:
    """The timeout for one socket operation: at most the time left of the try.
    Returns (timeout, whether the deadline is what bounds it)."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout, False
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded()
    if timeout is None or left < timeout:
        return left, True
    return timeout, False


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the try's deadline,
    so a server trickling its status line or headers one byte at a time is cut off too
    (httpx's own timeouts are per operation: each byte resets them)."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        bound, by_deadline = _bounded(timeout)
        try:
            return self._stream.read(max_bytes, bound)
        except httpcore.ReadTimeout:
            if by_deadline:
                raise DeadlineExceeded() from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        bound, by_deadline = _bounded(timeout)
        try:
            self._stream.write(buffer, bound)
        except httpcore.WriteTimeout:
            if by_deadline:
                raise DeadlineExceeded() from None
            raise

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # noqa: ANN001, ANN201
        bound, by_deadline = _bounded(timeout)
        try:
            return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bound))
        except httpcore.ConnectTimeout:
            if by_deadline:
                raise DeadlineExceeded() from None
            raise

    def get_extra_info(self, info: str):  # noqa: ANN201
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself and connects only to addresses the policy allows, so
    the address check cannot be bypassed between check and connect (DNS rebinding).
    Its connections keep to the try's deadline (``DeadlineStream``)."""

    def __init__(self, policy: UrlPolicy):
        self.policy = policy

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # noqa: ANN001, ANN201
        addresses = self.policy.resolve(host, port)  # raises UrlRefused
        last: Exception | None = None
        for ip in addresses:
            bound, by_deadline = _bounded(timeout)
            try:
                stream = super().connect_tcp(str(ip), port, bound, local_address, socket_options)
            except httpcore.ConnectTimeout as exc:
                if by_deadline:
                    raise DeadlineExceeded() from None
                last = exc
            except httpcore.ConnectError as exc:
                last = exc
            else:
                return DeadlineStream(stream)
        assert last is not None
        raise last


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def status_error(status: int) -> tuple[str, str]:
    if not 100 <= status <= 599:
        return "invalid_status", f"HTTP status {status} is not a valid status (100-599)"
    if status == 429:
        return "rate_limited", "HTTP 429 Too Many Requests"
    if status >= 500:
        return "http_5xx", f"HTTP {status} server error"
    if 400 <= status < 500:
        return "http_4xx", f"HTTP {status} client error"
    return "unexpected_status", f"unexpected HTTP status {status}"


class Fetcher:
    """Thread-safe; use as a context manager or call ``close()``."""

    def __init__(self, settings: Settings, *, policy: UrlPolicy | None = None, rng: random.Random | None = None):
        self.settings = settings
        self.policy = policy or UrlPolicy(allow_private=settings.fetch_allow_private_hosts)
        self.politeness = Politeness(
            settings.fetch_per_host_concurrency,
            settings.fetch_per_host_delay,
            settings.fetch_concurrency,
            settings.fetch_max_retry_after,
        )
        self.robots = RobotsCache(self._get_robots, settings.user_agent)
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        limits = httpx.Limits(
            max_connections=settings.fetch_concurrency + 2, max_keepalive_connections=settings.fetch_concurrency
        )
        transport = httpx.HTTPTransport(limits=limits, retries=0)
        pool = getattr(transport, "_pool", None)
        if isinstance(pool, httpcore.ConnectionPool) and hasattr(pool, "_network_backend"):
            pool._network_backend = GuardedBackend(self.policy)
        else:  # pragma: no cover - only if httpx/httpcore internals change
            LOGGER.warning("connect-time address guard not installed; relying on the pre-request check")
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # no proxies or netrc from the environment
            timeout=httpx.Timeout(
                connect=settings.fetch_timeout_connect,
                read=settings.fetch_timeout_read,
                write=settings.fetch_timeout_read,
                pool=settings.fetch_timeout_connect + settings.fetch_timeout_read,
            ),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public ---

    def fetch(
        self,
        url: str,
        *,
        accept: str = "html",
        conditional: dict[str, str] | None = None,
        conditional_url: str | None = None,
        check_robots: bool = True,
        max_bytes: int | None = None,
        max_decompressed: int | None = None,
        truncate: bool = False,
    ) -> FetchResult:
        """GET ``url`` following redirects. ``accept``: "html" (pages), "feed" or "any".

        ``conditional`` headers are sent on the hop whose URL is ``conditional_url``
        (default: ``url``). With ``truncate`` a body over a cap is cut, not refused.
        """
        s = self.settings
        started = time.monotonic()
        res = FetchResult(url=url)
        caps = (max_bytes or s.fetch_max_bytes, max_decompressed or s.fetch_max_decompressed_bytes)
        current = url.strip()
        seen = {current}
        cond_at = conditional_url or current
        try:
            while True:
                where = f"redirect hop {res.redirects} to {current}: " if res.redirects else ""
                try:
                    self.policy.check(current)
                except UrlRefused as exc:
                    raise _Stop(exc.error_class, where + exc.reason) from None
                if check_robots:
                    rules = self.robots.rules_for(current)
                    self.politeness.set_crawl_delay(current, rules.crawl_delay)
                    if not rules.can_fetch(current):
                        if rules.network_error:
                            raise _Stop(rules.network_error, where + rules.note)
                        if rules.disallow_all:
                            raise _Stop("robots_unavailable", where + rules.note + ": assuming disallow")
                        raise _Stop("robots_disallowed", where + "disallowed by robots.txt")
                headers = {"Accept": ACCEPT.get(accept, "*/*")}
                if conditional and current == cond_at:
                    headers.update({k: v for k, v in conditional.items() if v})
                t = self._with_retries(current, headers, res, accept, caps, truncate)
                res.final_url = current
                res.status = t.status
                res.headers = t.headers
                res.wire_bytes = t.wire_bytes
                res.fetched_at = t.at
                if t.error_class:
                    raise _Stop(t.error_class, where + (t.reason or t.error_class))
                if t.location is not None:
                    if not t.location.strip():
                        raise _Stop("bad_redirect", where + f"HTTP {t.status} without a Location header")
                    nxt = _strip_fragment(urljoin(current, t.location.strip()))
                    if nxt in seen:
                        raise _Stop("redirect_loop", f"redirect loop: {current} -> {nxt} was already visited")
                    if res.redirects >= s.fetch_max_redirects:
                        raise _Stop("too_many_redirects", f"more than {s.fetch_max_redirects} redirects")
                    seen.add(nxt)
                    res.redirects += 1
                    current = nxt
                    continue
                if t.status == 304:
                    res.not_modified = True
                else:
                    res.body = t.body
                break
        except _Stop as stop:
            res.error_class, res.reason = stop.error_class, stop.reason
        except Exception as exc:  # noqa: BLE001 - one URL never stops the run
            LOGGER.exception("unexpected error fetching %s", url)
            res.error_class, res.reason = "internal_error", f"{type(exc).__name__}: {exc}"
        res.elapsed = time.monotonic() - started
        if res.fetched_at is None:
            res.fetched_at = datetime.now(timezone.utc)
        return res

    # --- internals ---

    def _get_robots(self, robots_url: str) -> RobotsResponse:
        r = self.fetch(robots_url, accept="any", check_robots=False, max_bytes=MAX_ROBOTS_BYTES, truncate=True)
        if r.ok:
            return RobotsResponse(r.status or 200, r.body or b"")
        if r.status is not None and r.error_class in ("http_4xx", "http_5xx", "rate_limited", "unexpected_status"):
            return RobotsResponse(r.status)
        return RobotsResponse(None, error=r.reason or r.error_class or "", error_class=r.error_class)

    def _sleep_for(self, retry: int, retry_after: float | None) -> float:
        s = self.settings
        if retry_after is not None:
            return retry_after
        with self._rng_lock:
            return backoff_delay(retry, s.fetch_backoff_base, s.fetch_max_retry_after, self._rng)

    def _with_retries(
        self, url: str, headers: dict[str, str], res: FetchResult, accept: str, caps: tuple[int, int], truncate: bool
    ) -> _Try:
        s = self.settings
        retry = 0
        res.attempts = max(res.attempts, 1)  # a redirect hop is not a new try
        while True:
            t = self._once(url, headers, accept, caps, truncate)
            if t.error_class not in RETRIABLE:
                return t
            if t.retry_after is not None and t.retry_after > s.fetch_max_retry_after:
                cap = s.fetch_max_retry_after
                t.reason = f"{t.reason}; Retry-After {t.retry_after:.0f}s exceeds the cap of {cap:.0f}s"
                return t
            if retry >= s.fetch_retries:
                if retry:
                    t.reason = f"{t.reason} (after {retry + 1} tries)"
                return t
            retry += 1
            res.attempts += 1
            delay = self._sleep_for(retry, t.retry_after)
            if t.error_class == "rate_limited" or t.retry_after is not None:
                self.politeness.pause(url, delay)
            LOGGER.info("retry %d of %s in %.2fs: %s", retry, shown(url), delay, shown(t.reason))
            time.sleep(delay)

    def _once(self, url: str, headers: dict[str, str], accept: str, caps: tuple[int, int], truncate: bool) -> _Try:
        t = _Try()
        total = self.settings.fetch_timeout_total
        try:
            with self.politeness.slot(url):
                token = _DEADLINE.set(time.monotonic() + total)
                try:
                    with self._client.stream("GET", url, headers=headers) as r:
                        t.at = datetime.now(timezone.utc)
                        # The contract keeps statuses to 100-599; the code is in the reason.
                        t.status = r.status_code if 100 <= r.status_code <= 599 else None
                        t.headers = {k: r.headers[k] for k in HEADERS_OF_INTEREST if k in r.headers}
                        self._read_response(r, t, accept, caps, truncate)
                finally:
                    _DEADLINE.reset(token)
        except _Stop as stop:
            t.error_class, t.reason = stop.error_class, stop.reason
        except DeadlineExceeded:
            t.error_class, t.reason = "timeout", f"response not complete within {total}s"
        except UrlRefused as exc:  # from GuardedBackend at connect time
            t.error_class, t.reason = exc.error_class, exc.reason + " (at connect)"
        except httpx.ConnectTimeout:
            t.error_class, t.reason = "connect_timeout", f"no connection within {self.settings.fetch_timeout_connect}s"
        except httpx.ReadTimeout:
            t.error_class, t.reason = "read_timeout", f"no data for {self.settings.fetch_timeout_read}s"
        except httpx.TimeoutException as exc:
            t.error_class, t.reason = "timeout", f"{type(exc).__name__}: {exc}"
        except httpx.RemoteProtocolError as exc:
            if _BAD_STATUS_LINE.search(str(exc)):
                t.error_class, t.reason = "invalid_status", f"unreadable HTTP status line: {exc}"
            else:
                t.error_class, t.reason = "connection_error", f"{type(exc).__name__}: {exc or 'connection failed'}"
        except httpx.NetworkError as exc:
            t.error_class, t.reason = "connection_error", f"{type(exc).__name__}: {exc or 'connection failed'}"
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError) as exc:
            t.error_class, t.reason = "invalid_url", f"{type(exc).__name__}: {exc}"
        except httpx.DecodingError as exc:
            t.error_class, t.reason = "decoding_error", str(exc)
        return t

    def _read_response(self, r: httpx.Response, t: _Try, accept: str, caps: tuple[int, int], truncate: bool) -> None:
        status = r.status_code
        if t.status is None:
            raise _Stop(*status_error(status))
        if status in (301, 302, 303, 307, 308):
            t.location = r.headers.get("location", "")
            return
        if status == 304:
            return
        if status != 200:
            t.error_class, t.reason = status_error(status)
            if status == 429 or status == 503 or status >= 500:
                t.retry_after = parse_retry_after(r.headers.get("retry-after"))
                if t.retry_after is not None:
                    t.reason += f" (Retry-After {t.retry_after:.0f}s)"
            return
        ctype = r.headers.get("content-type")
        media = _media_type(ctype)
        if media and accept == "html" and media not in HTML_TYPES:
            raise _Stop("content_type_refused", f"Content-Type {media} is not HTML")
        if media and accept == "feed" and media.startswith(_BINARY_TYPES):
            raise _Stop("content_type_refused", f"Content-Type {media} is not a feed or sitemap")
        max_wire, max_decoded = caps
        declared = r.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > max_wire:
            raise _Stop("body_too_large", f"Content-Length {declared} exceeds the cap of {max_wire} bytes")
        try:
            decoder = StreamDecoder(r.headers.get("content-encoding"), max_decoded)
        except BadEncoding as exc:
            raise _Stop("decoding_error", str(exc)) from None
        parts: list[bytes] = []
        cut = False
        try:
            for chunk in r.iter_raw():  # as received: a chunk size would buffer a slow drip
                t.wire_bytes += len(chunk)
                if t.wire_bytes > max_wire:
                    if truncate:
                        chunk = chunk[: len(chunk) - (t.wire_bytes - max_wire)]
                        parts.append(decoder.feed(chunk))
                        cut = True
                        break
                    raise _Stop("body_too_large", f"body exceeds the cap of {max_wire} bytes (cut off)")
                parts.append(decoder.feed(chunk))
            parts.append(decoder.finish(strict=not cut))
        except BodyTooLarge as exc:
            if not truncate:
                raise _Stop("decompressed_too_large", f"{exc} (Content-Encoding {decoder.coding}; cut off)") from None
        except BadEncoding as exc:
            raise _Stop("decoding_error", str(exc)) from None
        body = b"".join(parts)
        if accept == "html":
            refusal = html_refusal(body, ctype)
            if refusal:
                raise _Stop(*refusal)
        t.body = body


def html_refusal(body: bytes, content_type: str | None) -> tuple[str, str] | None:
    """(error_class, reason) if ``body`` with this Content-Type is not an HTML page."""
    media = _media_type(content_type)
    if media and media not in HTML_TYPES:
        return "content_type_refused", f"Content-Type {media} is not HTML"
    if not body.strip():
        return "empty_body", "empty body"
    if looks_binary(body):  # the test files on disk get: what is refused here would be quarantined there
        return "content_type_refused", "body is binary, not HTML" + (" (PDF)" if body.startswith(PDF_MAGIC) else "")
    if not media and not _HTML_SNIFF.search(body[:2048]):
        return "content_type_refused", "no Content-Type and the body does not look like HTML"
    return None
