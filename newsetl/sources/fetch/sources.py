"""Where the run's URLs and pages come from: URL list files, feeds and sitemaps, WARCs.

* ``read_url_list``, ``load_sources``: URL list files and ``raw/sources.yaml``, from
  ``newsetl.sources.sourcefile`` (which imports nothing heavy, so ``newsetl run`` checks them
  before Prefect starts).
* ``links_from_document``: page links (and child sitemaps) of an RSS/Atom/JSON feed or
  an XML/TXT sitemap, parsed with trafilatura's own feed and sitemap code. Only the
  parsing is trafilatura's: the documents are fetched by our ``Fetcher`` (robots,
  politeness, caps, URL policy), and trafilatura's host filtering (courlan), which
  drops IP hosts and cross-domain links, is replaced by our own http(s) check.
* ``iter_warc_pages``: HTML response records of a WARC/WARC.gz, read with warcio.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from trafilatura.feeds import FeedParameters, find_links, is_potential_feed
from trafilatura.sitemaps import SITEMAP_FORMAT, SitemapObject, is_plausible_sitemap
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.recordloader import ArcWarcRecord

from newsetl.sources.fetch.bounded import BadEncoding, BodyTooLarge, StreamDecoder, gunzip_bounded
from newsetl.sources.decode import decode_html
from newsetl.sources.sourcefile import Sources, load_sources, read_url_list  # noqa: F401 - also this module's API

# --- feeds and sitemaps ---


def _clean_link(base: str, link: str) -> str | None:
    """Absolute http(s) URL without fragment, or None. Home pages are not articles."""
    link = link.strip()
    if not link:
        return None
    try:
        parts = urlsplit(urljoin(base, link))
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.path in ("", "/") and not parts.query:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, ""))


class _Sitemap(SitemapObject):
    """trafilatura's sitemap parser without its network fetch and domain filter."""

    def handle_link(self, link: str) -> None:
        cleaned = _clean_link(self.current_url, link)
        if cleaned is None or cleaned == self.current_url:
            return
        if re.search(r"\.xml(\.gz)?$|\.xml[?#]", cleaned):
            self.sitemap_urls.append(cleaned)
        else:
            self.urls.append(cleaned)


@dataclass
class DocumentLinks:
    kind: str  # "feed", "sitemap" or "unknown"
    pages: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # children of a sitemap index


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def links_from_document(
    body: bytes, url: str, content_type: str | None = None, max_bytes: int = 50 * 1024 * 1024
) -> DocumentLinks:
    """Page links of a feed or sitemap document (bytes as fetched). Never raises."""
    if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz served as a file, not Content-Encoding
        try:
            body = gunzip_bounded(body, max_bytes)
        except (BadEncoding, BodyTooLarge):
            return DocumentLinks("unknown")
    text = decode_html(body, content_type).text.lstrip("\ufeff").strip()
    head = text[:2000]
    if re.search(r"<(?:[\w.-]+:)?(?:urlset|sitemapindex)\b", head) or (
        not head.startswith("<") and not head.startswith("{")
    ):
        sm = _Sitemap(url, urlsplit(url).hostname or "", [], None, True)
        sm.current_url = url
        sm.content = text
        if is_plausible_sitemap(url, text):
            sm.process()
        kind = "sitemap" if (sm.urls or sm.sitemap_urls or SITEMAP_FORMAT.match(text)) else "unknown"
        if re.search(r"<(?:[\w.-]+:)?sitemapindex\b", head):
            # Every <loc> of a sitemap index is a sitemap, whatever its name ends with.
            return DocumentLinks(kind, [], _dedupe(sm.sitemap_urls + sm.urls))
        return DocumentLinks(kind, _dedupe(sm.urls), _dedupe(sm.sitemap_urls))
    if is_potential_feed(text) or text.startswith("{"):
        parts = urlsplit(url)
        params = FeedParameters(f"{parts.scheme}://{parts.netloc}", parts.hostname or "", url, True)
        links = [c for raw in find_links(text, params) if (c := _clean_link(url, raw)) and c != url]
        return DocumentLinks("feed", _dedupe(links))
    return DocumentLinks("unknown")


# --- WARC ---


class WarcDamaged(Exception):
    """Part of a WARC file could not be read."""


@dataclass
class WarcPage:
    """One response record of a WARC (payload after transfer and content encodings)."""

    url: str
    status: int | None
    headers: dict[str, str]  # HTTP headers of interest, lower-case names
    body: bytes | None
    warc_date: datetime
    record_id: str
    offset: int
    error_class: str | None = None
    reason: str | None = None


def _warc_date(value: str | None) -> datetime:
    if value:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return datetime.now(timezone.utc)


def iter_warc_pages(path: Path | str, max_bytes: int, headers_of_interest: tuple[str, ...]) -> Iterator[WarcPage]:
    """Every http(s) ``response`` record of a WARC/WARC.gz, with a bounded payload.

    Other records (warcinfo, request, metadata, revisit, dns:) are skipped. A record
    whose payload unpacks past ``max_bytes``, or is cut short, comes with
    ``error_class`` set. A damaged file raises (the caller records it); note that
    warcio silently ends iteration on some truncated gzip members.
    """
    size = os.path.getsize(path)
    end = 0
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            page = _warc_page(rec, path, max_bytes, headers_of_interest)
            # Where this record starts and ends in the file (warcio reads the rest of it here).
            offset = it.get_record_offset()
            end = offset + it.get_record_length()
            if page is None and _damaged(rec):
                raise WarcDamaged(f"record at offset {offset} is truncated or damaged")
            if page is not None:
                page.offset = offset
                page.record_id = page.record_id or f"{Path(path).name}@{offset}"
                yield page
    if end < size:
        # warcio ends quietly on a truncated gzip member: bytes it never reached mean
        # damage (an uncompressed WARC ends in the last record's blank lines).
        with open(path, "rb") as fh:
            fh.seek(end)
            tail = fh.read(65)
        if len(tail) > 64 or tail.strip():
            raise WarcDamaged(f"{size - end} bytes after the last readable record could not be read")


def _damaged(rec: ArcWarcRecord) -> bool:
    """Headers cut short (mandatory fields missing) or content shorter than its Content-Length."""
    missing = getattr(rec.raw_stream, "limit", 0)
    if isinstance(missing, int) and missing > 0:
        return True
    if rec.rec_type is None:
        return True
    if not str(getattr(rec, "format", "warc")).startswith("warc"):
        return False
    h = rec.rec_headers
    if not h.get_header("WARC-Record-ID") or not h.get_header("Content-Length"):
        return True
    targeted = rec.rec_type in ("response", "request", "resource", "revisit")
    return targeted and not h.get_header("WARC-Target-URI")


def _warc_page(
    rec: ArcWarcRecord, path: Path | str, max_bytes: int, headers_of_interest: tuple[str, ...]
) -> WarcPage | None:
    if rec.rec_type != "response" or rec.http_headers is None:
        return None
    url = rec.rec_headers.get_header("WARC-Target-URI") or ""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    hh = rec.http_headers
    try:
        status: int | None = int(hh.get_statuscode())
    except (TypeError, ValueError):
        status = None
    headers = {k: v for k in headers_of_interest if (v := hh.get_header(k)) is not None}
    page = WarcPage(
        url=url,
        status=status,
        headers=headers,
        body=None,
        warc_date=_warc_date(rec.rec_headers.get_header("WARC-Date")),
        record_id=rec.rec_headers.get_header("WARC-Record-ID") or "",
        offset=-1,  # set by the caller
    )
    stream = rec.raw_stream
    if (hh.get_header("transfer-encoding") or "").lower() == "chunked":
        stream = ChunkedDataReader(stream)
    try:
        dec = StreamDecoder(hh.get_header("content-encoding"), max_bytes)
        parts = []
        while chunk := stream.read(64 * 1024):
            parts.append(dec.feed(chunk))
        parts.append(dec.finish())
        page.body = b"".join(parts)
        missing = getattr(rec.raw_stream, "limit", 0)
        if isinstance(missing, int) and missing > 0:
            page.body = None
            page.error_class, page.reason = "warc_error", f"record truncated: {missing} bytes missing"
    except BodyTooLarge as exc:
        page.error_class, page.reason = "decompressed_too_large", str(exc)
    except BadEncoding as exc:
        page.error_class, page.reason = "decoding_error", str(exc)
    return page
