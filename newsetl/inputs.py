"""Source stage for pages on disk: find every input file under raw_dir and read it safely.

Nothing here raises for a bad input: discovery labels what it cannot read, and
``read_page`` raises ``InputError`` with a check name and a reason the caller quarantines.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

HTML = "html"
TEXT = "text"

_KINDS = {".html": HTML, ".htm": HTML, ".html.gz": HTML, ".htm.gz": HTML, ".txt": TEXT}
# Sidecar written by the fetcher beside each stored page: it carries the page's URL.
SIDECAR_SUFFIX = ".meta.json"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE)


class InputError(Exception):
    """An input that cannot become an article, with the check it failed."""

    def __init__(self, check: str, reason: str):
        super().__init__(f"{check}: {reason}")
        self.check = check
        self.reason = reason


@dataclass(frozen=True)
class RawInput:
    path: Path
    source_uri: str  # path relative to raw_dir, POSIX style: stable across machines
    kind: str | None  # HTML, TEXT, or None for a type we do not read
    compressed: bool = False
    url: str | None = None  # from a fetch sidecar, when there is one
    encoding: str | None = None  # charset the fetcher chose from headers, meta or detection


def _kind_of(name: str) -> tuple[str | None, bool]:
    lower = name.lower()
    for suffix, kind in _KINDS.items():
        if lower.endswith(suffix):
            return kind, suffix.endswith(".gz")
    return None, False


def _ignored(rel: str, ignore_globs: tuple[str, ...]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(rel, g) for g in ignore_globs)


def _sidecar(path: Path) -> tuple[str | None, str | None]:
    """(url, encoding) from the fetcher's sidecar beside a stored page, if any."""
    sidecar = path.with_name(path.name.split(".", 1)[0] + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None, None
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    url = meta.get("final_url") or meta.get("url")
    encoding = meta.get("encoding")
    return (url if isinstance(url, str) else None), (encoding if isinstance(encoding, str) else None)


def discover(raw_dir: Path, ignore_globs: tuple[str, ...] = ()) -> Iterator[RawInput]:
    """Every regular file under raw_dir, recursively, in a stable (sorted) order.

    Files matching ``ignore_globs`` (licences, READMEs, fetch sidecars) are not inputs.
    Symlinks are not followed, so a link cannot pull files from outside raw_dir.
    """
    raw_dir = Path(raw_dir)
    for root, dirs, files in os.walk(raw_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(raw_dir).as_posix()
            if name.endswith(SIDECAR_SUFFIX) or _ignored(rel, ignore_globs):
                continue
            kind, compressed = _kind_of(name)
            url, encoding = _sidecar(path) if kind == HTML else (None, None)
            yield RawInput(path=path, source_uri=rel, kind=kind, compressed=compressed, url=url, encoding=encoding)


def _read_bytes(inp: RawInput, max_file_bytes: int, max_decompressed_bytes: int) -> bytes:
    if inp.path.is_symlink() or not inp.path.is_file():
        raise InputError("not_a_file", "not a regular file")
    size = inp.path.stat().st_size
    if size == 0:
        raise InputError("empty_file", "the file is empty")
    if size > max_file_bytes:
        raise InputError("file_too_large", f"{size} bytes on disk, over the cap of {max_file_bytes}")
    data = inp.path.read_bytes()
    if not inp.compressed:
        return data
    # Stream the decompression so a gzip bomb is cut off at the cap, never unpacked.
    try:
        d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        out = d.decompress(data, max_decompressed_bytes + 1)
        if len(out) > max_decompressed_bytes:
            raise InputError(
                "decompressed_too_large", f"unpacks to more than the cap of {max_decompressed_bytes} bytes"
            )
        if not d.eof:
            raise InputError("corrupt_gzip", "truncated gzip stream")
    except (zlib.error, EOFError, gzip.BadGzipFile) as exc:
        raise InputError("corrupt_gzip", f"not a valid gzip file: {exc}") from exc
    if not out:
        raise InputError("empty_file", "the file unpacks to nothing")
    return out


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(b < 9 or 13 < b < 32 for b in head)
    return controls > len(head) * 0.05


def decode(data: bytes, kind: str | None, encoding: str | None = None) -> str:
    """Bytes to text: the fetcher's charset (from HTTP headers) when known, a BOM, a
    declared <meta charset> for HTML, strict UTF-8, then detection. Binary or
    undecodable content raises InputError."""
    if _looks_binary(data):
        raise InputError("binary_content", "the file holds binary data, not text")
    if encoding:
        try:
            return data.decode(encoding, errors="replace")
        except LookupError:
            pass  # an unknown charset name: fall through
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if kind == HTML:
        m = _META_CHARSET.search(data[:4096])
        if m:
            try:
                return data.decode(m.group(1).decode("ascii"), errors="replace")
            except LookupError:
                pass  # an unknown charset name: fall through to detection
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise InputError("undecodable", "not valid UTF-8 and no text encoding could be detected")
    return data.decode(best.encoding, errors="replace")


def read_page(inp: RawInput, max_file_bytes: int, max_decompressed_bytes: int) -> str:
    if inp.kind is None:
        raise InputError("unsupported_type", f"not an input type newsetl reads ({inp.path.name})")
    text = decode(_read_bytes(inp, max_file_bytes, max_decompressed_bytes), inp.kind, inp.encoding)
    if not text.strip():
        raise InputError("empty_file", "the file holds only whitespace")
    return text
