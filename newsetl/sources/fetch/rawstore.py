"""Content-addressed storage of fetched pages under raw/, plus per-URL fetch state.

Layout (all under ``raw_dir``)::

    web/<sha[:2]>/<sha>.html.gz     the page bytes as received (after Content-Encoding),
                                    gzip; sha = SHA-256 of those bytes
    web/<sha[:2]>/<sha>.meta.json   sidecar, written once with the first fetch: url,
                                    final_url, status, fetched_at, headers, encoding, ...
    web/.state/<k[:2]>/<k>.json     per-URL state for conditional requests (ETag,
                                    Last-Modified, last content sha); k = hash of the URL.
                                    A dot directory: the ingest stage does not walk it.

Pages are stored as bytes, not re-encoded, so a replay sees exactly what the server
sent; the sidecar's ``encoding`` says how the fetcher decoded them (``read_stored_page``).
Writes go to a temporary file and are renamed into place: a crash never leaves a
half-written page, and the sidecar lands before the page so a page is never seen
without its URL.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsetl.sources.decode import decode_html
from newsetl.sources.jsonfile import read_json_object

WEB_DIR = "web"
STATE_DIR = ".state"
PAGE_SUFFIX = ".html.gz"
META_SUFFIX = ".meta.json"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@dataclass(frozen=True)
class StoredPage:
    sha256: str
    raw_path: str  # POSIX path relative to raw_dir
    new: bool  # False if the same bytes were already stored
    meta: dict[str, Any]  # the sidecar as it is on disk


class RawStore:
    def __init__(self, raw_dir: Path | str):
        self.raw_dir = Path(raw_dir)
        self._lock = threading.Lock()

    # --- pages ---

    def page_path(self, sha: str) -> Path:
        return self.raw_dir / WEB_DIR / sha[:2] / f"{sha}{PAGE_SUFFIX}"

    def meta_path(self, sha: str) -> Path:
        return self.raw_dir / WEB_DIR / sha[:2] / f"{sha}{META_SUFFIX}"

    def rel(self, path: Path) -> str:
        return path.relative_to(self.raw_dir).as_posix()

    def has(self, sha: str) -> bool:
        return self.page_path(sha).is_file()

    def read_meta(self, sha: str) -> dict[str, Any] | None:
        return read_json_object(self.meta_path(sha))

    def put(self, body: bytes, meta: dict[str, Any]) -> StoredPage:
        """Store body (idempotent). ``meta`` is written as the sidecar only if the page
        is new or has none; ``content_sha256``, ``bytes`` and ``raw_path`` are added."""
        sha = sha256_hex(body)
        page, side = self.page_path(sha), self.meta_path(sha)
        full = {**meta, "content_sha256": sha, "bytes": len(body), "raw_path": self.rel(page)}
        # Compress outside the lock; the lock only makes "exists? else write" atomic
        # between threads of this process (the renames make it safe across processes).
        blob = None if page.is_file() else gzip.compress(body, compresslevel=6, mtime=0)
        with self._lock:
            existing = self.read_meta(sha)
            if existing is None:
                _atomic_write(side, (json.dumps(full, indent=1, sort_keys=True) + "\n").encode("utf-8"))
                existing = full
            if page.is_file():
                return StoredPage(sha, self.rel(page), False, existing)
            _atomic_write(page, blob if blob is not None else gzip.compress(body, compresslevel=6, mtime=0))
            return StoredPage(sha, self.rel(page), True, existing)

    # --- per-URL state ---

    def _state_path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
        return self.raw_dir / WEB_DIR / STATE_DIR / key[:2] / f"{key}.json"

    def load_state(self, url: str) -> dict[str, Any] | None:
        """State of the last successful fetch of ``url``, if its page is still stored."""
        state = read_json_object(self._state_path(url))
        if state is None or state.get("url") != url:
            return None
        sha = state.get("content_sha256")
        if not isinstance(sha, str) or not self.has(sha):
            return None  # the page is gone: fetch it whole again
        return state

    def save_state(self, url: str, state: dict[str, Any]) -> None:
        data = json.dumps({**state, "url": url}, indent=1, sort_keys=True) + "\n"
        _atomic_write(self._state_path(url), data.encode("utf-8"))


def read_stored_page(path: Path | str, max_bytes: int = 64 * 1024 * 1024) -> tuple[str, dict[str, Any]]:
    """Text and sidecar of a stored page, decoded as the fetcher decoded it.

    ``path`` is the ``.html.gz``; decompression stops past ``max_bytes``.
    """
    path = Path(path)
    sha = path.name.split(".", 1)[0]
    meta = read_json_object(path.with_name(sha + META_SUFFIX)) or {}
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    body = d.decompress(path.read_bytes(), max_bytes + 1)
    if len(body) > max_bytes:
        raise ValueError(f"{path.name} unpacks to more than {max_bytes} bytes")
    encoding = meta.get("encoding")
    if isinstance(encoding, str):
        try:
            return body.decode(encoding, errors="replace"), meta
        except (LookupError, UnicodeError):  # base64, rot13: no text codec; "undefined" raises on any bytes
            pass
    headers = meta.get("headers")
    content_type = headers.get("content-type") if isinstance(headers, dict) else None
    return decode_html(body, content_type if isinstance(content_type, str) else None).text, meta
