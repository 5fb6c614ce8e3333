"""The fetch stage: URLs (and feeds) or WARC files -> pages under raw/ + ``fetches`` rows.

``fetch_all`` and ``load_warc`` never raise for a bad URL, page or record: each ends as
one row of the ``fetches`` table (``schemas.fetches.FetchModel``). Pages are stored
(``rawstore``) before anything else looks at them, so the ingest stage can replay any
run from raw/ alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from newsetl.sources.fetch.client import HEADERS_OF_INTEREST, Fetcher, FetchResult, status_error, html_refusal
from newsetl.sources.decode import choose_encoding
from newsetl.sources.fetch.politeness import host_key
from newsetl.sources.fetch.rawstore import RawStore, StoredPage, sha256_hex
from newsetl.sources.fetch.sources import iter_warc_pages, links_from_document
from newsetl.ids import short_hash
from newsetl.settings import Settings
from newsetl.shown import shown
from schemas import frame
from schemas.fetches import OUTCOMES, FetchModel, counts_as_url

LOGGER = logging.getLogger(__name__)

# Documents fetched per feed entry (a sitemap index and its children).
MAX_DOCUMENTS_PER_FEED = 20


@dataclass
class FetchOutcome:
    run_id: str
    raw_dir: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Pages this call stored for the first time: POSIX paths under raw_dir.
    stored: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """URLs per outcome (every outcome present, 0 if none): page and WARC rows, and feed
        rows that gave no links (``schemas.fetches.counts_as_url``)."""
        c = Counter(r["outcome"] for r in self.rows if counts_as_url(r["source"], r["outcome"]))
        return {o: c.get(o, 0) for o in OUTCOMES}

    def frame(self, validate: bool = True) -> pd.DataFrame:
        df = frame(FetchModel, self.rows)
        return FetchModel.validate(df) if validate else df

    def extend(self, other: FetchOutcome) -> FetchOutcome:
        self.rows.extend(other.rows)
        self.stored.extend(other.stored)
        return self


def _row(
    run_id: str,
    source: str,
    url: str,
    *,
    id_part: str | None = None,
    via_feed: str | None = None,
    res: FetchResult | None = None,
    outcome: str = "failed",
    error_class: str | None = None,
    reason: str | None = None,
    elapsed: float = 0.0,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "fetch_id": short_hash("fetch", run_id, source, id_part or url),
        "run_id": run_id,
        "source": source,
        "url": url,
        "via_feed": via_feed,
        "final_url": None,
        "outcome": outcome,
        "status": None,
        "error_class": error_class,
        "reason": reason,
        "attempts": 0,
        "redirects": 0,
        "bytes": 0,
        "elapsed_s": max(0.0, elapsed),
        "fetched_at": datetime.now(timezone.utc),
        "content_type": None,
        "raw_path": None,
        "content_sha256": None,
    }
    if res is not None:
        row.update(
            final_url=res.final_url,
            status=res.status,
            attempts=res.attempts,
            redirects=res.redirects,
            bytes=res.wire_bytes,
            fetched_at=res.fetched_at or row["fetched_at"],
            content_type=res.content_type,
        )
        if res.error_class:
            row.update(
                outcome="robots_excluded" if res.robots_excluded else "failed",
                error_class=res.error_class,
                reason=res.reason,
            )
    return row


def _stored_outcome(stored: StoredPage, url: str) -> str:
    if stored.new:
        return "fetched"
    if url in (stored.meta.get("url"), stored.meta.get("final_url")):
        return "unchanged"
    return "duplicate"


# --- web pages ---


def fetch_page(url: str, fetcher: Fetcher, store: RawStore, run_id: str, stored_paths: list[str],
               via_feed: str | None = None) -> dict[str, Any]:
    """Fetch one page URL and store it; the ``fetches`` row of its outcome. ``via_feed``:
    the feed entry that listed it."""
    started = time.monotonic()
    state = store.load_state(url)
    conditional = None
    if state:
        conditional = {"If-None-Match": state.get("etag") or "", "If-Modified-Since": state.get("last_modified") or ""}
        conditional = {k: v for k, v in conditional.items() if v} or None
    res = fetcher.fetch(
        url, accept="html", conditional=conditional, conditional_url=(state or {}).get("final_url") or url
    )
    row = _row(run_id, "page", url, via_feed=via_feed, res=res)
    if res.error_class:
        row["elapsed_s"] = time.monotonic() - started
        return row
    if res.not_modified:
        if state is None or conditional is None:
            row.update(
                outcome="failed", error_class="unexpected_status", reason="HTTP 304 to a request without validators"
            )
        else:
            sha = state["content_sha256"]
            row.update(
                outcome="unchanged", reason="HTTP 304 Not Modified",
                content_sha256=sha, raw_path=store.rel(store.page_path(sha)),
            )  # fmt: skip
            store.save_state(url, {**state, "fetched_at": row["fetched_at"].isoformat()})
        row["elapsed_s"] = time.monotonic() - started
        return row
    body = res.body or b""
    sha = sha256_hex(body)
    if state and state.get("content_sha256") == sha:
        row.update(outcome="unchanged", reason="same content as the last fetch")
        raw_path = store.rel(store.page_path(sha))
    else:
        encoding, encoding_source = choose_encoding(body, res.content_type)
        meta = {
            "url": url,
            "final_url": res.final_url,
            "status": res.status,
            "fetched_at": row["fetched_at"].isoformat(),
            "headers": res.headers,
            "encoding": encoding,
            "encoding_source": encoding_source,
            "source": "web",
            "run_id": run_id,
        }
        stored = store.put(body, meta)
        raw_path = stored.raw_path
        row["outcome"] = _stored_outcome(stored, url)
        if stored.new:
            stored_paths.append(raw_path)
        elif row["outcome"] == "duplicate":
            row["reason"] = f"same content as {stored.meta.get('url')}"
        else:
            row["reason"] = "same content as stored before"
    row.update(raw_path=raw_path, content_sha256=sha)
    store.save_state(
        url,
        {
            "final_url": res.final_url,
            "etag": res.headers.get("etag"),
            "last_modified": res.headers.get("last-modified"),
            "content_sha256": sha,
            "fetched_at": row["fetched_at"].isoformat(),
        },
    )
    row["elapsed_s"] = time.monotonic() - started
    return row


def _unique(urls: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for u in urls:
        if isinstance(u, str) and u.strip() and not u.strip().startswith("#"):
            out.setdefault(u.strip(), None)
    return list(out)


def _interleave_hosts(urls: list[str]) -> list[str]:
    """Round-robin over hosts so workers spread over hosts instead of queueing on one."""
    by_host: dict[str, list[str]] = {}
    for u in urls:
        try:
            key = host_key(u)
        except ValueError:
            key = ""
        by_host.setdefault(key, []).append(u)
    out: list[str] = []
    queues = list(by_host.values())
    while queues:
        out.extend(q.pop(0) for q in queues)
        queues = [q for q in queues if q]
    return out


def _safe(fn: Callable[[str], dict[str, Any]], run_id: str, source: str,
          via: dict[str, str]) -> Callable[[str], dict[str, Any]]:
    def call(url: str) -> dict[str, Any]:
        started = time.monotonic()
        try:
            return fn(url)
        except Exception as exc:  # noqa: BLE001 - one URL never stops the run
            LOGGER.exception("fetch stage failed on %s", url)
            return _row(
                run_id, source, url, via_feed=via.get(url), error_class="internal_error",
                reason=f"{type(exc).__name__}: {exc}", elapsed=time.monotonic() - started,
            )  # fmt: skip

    return call


def expand_feeds(
    feed_urls: Iterable[str], fetcher: Fetcher, settings: Settings, run_id: str
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Page URLs listed by feeds and sitemaps (sitemap indexes followed), each with the
    feed entry that listed it first, and one ``fetches`` row (source ``feed``) per feed or
    sitemap document fetched."""
    seen: set[str] = set()
    lock = threading.Lock()

    def one(feed_url: str) -> tuple[list[str], list[dict[str, Any]]]:
        pages: list[str] = []
        rows: list[dict[str, Any]] = []
        queue = [feed_url]
        documents = 0
        while queue and documents < MAX_DOCUMENTS_PER_FEED and len(pages) < settings.fetch_max_links_per_feed:
            url = queue.pop(0)
            with lock:
                if url in seen:
                    continue
                seen.add(url)
            documents += 1
            started = time.monotonic()
            res = fetcher.fetch(url, accept="feed")
            row = _row(run_id, "feed", url, via_feed=feed_url, res=res)
            if not res.error_class:
                links = links_from_document(
                    res.body or b"", res.final_url or url, res.content_type, settings.fetch_max_decompressed_bytes
                )
                if links.kind == "unknown":
                    row.update(
                        outcome="failed", error_class="content_type_refused",
                        reason="not an RSS/Atom/JSON feed or a sitemap",
                    )  # fmt: skip
                else:
                    row.update(outcome="fetched", reason=f"{links.kind}: {len(links.pages)} links")
                    pages.extend(links.pages)
                    queue.extend(links.sitemaps)
            row["elapsed_s"] = time.monotonic() - started
            rows.append(row)
        with lock:
            left = len({u for u in queue if u not in seen})
        if left and rows and documents >= MAX_DOCUMENTS_PER_FEED:
            # Said where it is read (the feed entry's own row), not dropped without a word.
            rows[0]["reason"] = (f"{rows[0]['reason'] or rows[0]['outcome']}; {left} more sitemaps not followed "
                                 f"(at most {MAX_DOCUMENTS_PER_FEED} documents per feed entry)")
            LOGGER.warning("%s: %d more sitemaps not followed (at most %d documents per feed entry)",
                           feed_url, left, MAX_DOCUMENTS_PER_FEED)
        return pages[: settings.fetch_max_links_per_feed], rows

    feeds = _unique(feed_urls)
    all_pages: dict[str, str] = {}
    all_rows: list[dict[str, Any]] = []
    if not feeds:
        return all_pages, all_rows
    with ThreadPoolExecutor(max_workers=min(len(feeds), settings.fetch_concurrency)) as pool:
        futures = [pool.submit(one, f) for f in feeds]
        for feed_url, fut in zip(feeds, futures):
            try:
                pages, rows = fut.result()
            except Exception as exc:  # noqa: BLE001
                LOGGER.exception("feed expansion failed on %s", feed_url)
                pages, rows = [], [_row(run_id, "feed", feed_url, via_feed=feed_url, error_class="internal_error",
                                        reason=str(exc))]
            for page in _unique(pages):
                all_pages.setdefault(page, feed_url)
            all_rows.extend(rows)
    return all_pages, all_rows


def fetch_all(
    urls: Iterable[str],
    settings: Settings,
    raw_dir: Path | str,
    run_id: str,
    *,
    feeds: Iterable[str] = (),
    fetcher: Fetcher | None = None,
) -> FetchOutcome:
    """Fetch every URL (and every page listed by ``feeds``) into ``raw_dir``.

    Repeated URLs are fetched once. One row per unique page URL (source ``page``) and
    one per feed/sitemap document (source ``feed``); a page listed by a feed names it
    (``via_feed``), even when a URL list names it too. Pass a ``fetcher`` to share its
    robots cache and politeness state between calls of one run.
    """
    store = RawStore(raw_dir)
    out = FetchOutcome(run_id=run_id, raw_dir=Path(raw_dir))
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings)
    try:
        page_urls = _unique(urls)
        via: dict[str, str] = {}
        if feeds:
            via, feed_rows = expand_feeds(feeds, fetcher, settings, run_id)
            out.rows.extend(feed_rows)
            page_urls = _unique(page_urls + list(via))
        stored: list[str] = []
        lock = threading.Lock()

        def work(url: str) -> dict[str, Any]:
            mine: list[str] = []
            row = fetch_page(url, fetcher, store, run_id, mine, via.get(url))
            with lock:
                stored.extend(mine)
            return row

        order = {u: i for i, u in enumerate(page_urls)}
        call = _safe(work, run_id, "page", via)
        with ThreadPoolExecutor(max_workers=settings.fetch_concurrency) as pool:
            schedule = _interleave_hosts(page_urls)
            rows = list(pool.map(call, schedule))
        rows.sort(key=lambda r: order[r["url"]])
        out.rows.extend(rows)
        out.stored.extend(sorted(stored))
    finally:
        if own:
            fetcher.close()
    return out


# --- WARC ---


def load_warc(path: Path | str, raw_dir: Path | str, run_id: str, settings: Settings) -> FetchOutcome:
    """Store the HTML response records of a WARC/WARC.gz like fetched pages.

    One row (source ``warc``) per http(s) response record; the record's WARC-Date is
    its ``fetched_at``. Non-200 and non-HTML records are ``failed`` rows; a damaged
    file ends in one ``warc_error`` row after the records read so far.
    """
    path = Path(path)
    store = RawStore(raw_dir)
    out = FetchOutcome(run_id=run_id, raw_dir=Path(raw_dir))
    ids: set[str] = set()
    try:
        for page in iter_warc_pages(path, settings.fetch_max_decompressed_bytes, HEADERS_OF_INTEREST):
            started = time.monotonic()
            if page.record_id in ids:
                continue
            ids.add(page.record_id)
            row = _row(run_id, "warc", page.url, id_part=page.record_id)
            row.update(
                final_url=page.url,
                status=page.status if page.status and 100 <= page.status <= 599 else None,
                bytes=len(page.body or b""),
                fetched_at=page.warc_date,
                content_type=page.headers.get("content-type"),
            )
            refusal: tuple[str, str] | None
            if page.error_class:
                refusal = (page.error_class, page.reason or page.error_class)
            elif page.status != 200:
                refusal = status_error(page.status or 0)
            else:
                refusal = html_refusal(page.body or b"", page.headers.get("content-type"))
            if refusal:
                row.update(outcome="failed", error_class=refusal[0], reason=refusal[1])
            else:
                body = page.body or b""
                encoding, encoding_source = choose_encoding(body, page.headers.get("content-type"))
                meta = {
                    "url": page.url,
                    "final_url": page.url,
                    "status": page.status,
                    "fetched_at": page.warc_date.isoformat(),
                    "headers": page.headers,
                    "encoding": encoding,
                    "encoding_source": encoding_source,
                    "source": "warc",
                    "run_id": run_id,
                    "warc_file": path.name,
                    "warc_record_id": page.record_id,
                    "warc_offset": page.offset,
                }
                stored = store.put(body, meta)
                row.update(
                    outcome=_stored_outcome(stored, page.url), raw_path=stored.raw_path, content_sha256=stored.sha256
                )
                if stored.new:
                    out.stored.append(stored.raw_path)
            row["elapsed_s"] = time.monotonic() - started
            out.rows.append(row)
    except Exception as exc:  # noqa: BLE001 - warcio/zlib/OS errors on a damaged file
        LOGGER.warning("WARC %s unreadable after %d records: %s", shown(path), len(out.rows), shown(exc))
        out.rows.append(
            _row(
                run_id, "warc", f"warc:{path.name}", id_part=f"{path.name}#error", error_class="warc_error",
                reason=f"{type(exc).__name__}: {exc} (after {len(out.rows)} records)",
            )  # fmt: skip
        )
    return out
