"""Pages on disk: find every input file under raw_dir and read it safely.

Nothing here raises for a bad input: discovery labels what it cannot read, and
``read_page`` raises ``InputError`` with a check name and a reason the caller quarantines.

Discovery walks without recursion and opens by directory file descriptor past
``PATH_MAX``, so a tree nested a thousand deep is read like any other; a file name that
is not valid UTF-8 keeps its real bytes for reading and gets a text ``source_uri`` with
those bytes percent-escaped.
"""

from __future__ import annotations

import errno
import fnmatch
import functools
import gzip
import logging
import os
import re
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newsetl.shown import shown
from newsetl.sources.decode import decode_html, looks_binary
from newsetl.sources.jsonfile import json_object

log = logging.getLogger(__name__)

HTML = "html"
TEXT = "text"

_KINDS = {".html": HTML, ".htm": HTML, ".html.gz": HTML, ".htm.gz": HTML, ".txt": TEXT}
# Sidecar written by the fetcher beside each stored page: it carries the page's URL.
SIDECAR_SUFFIX = ".meta.json"
_MAX_SIDECAR_BYTES = 1 << 20
# A path longer than this is opened a few directories at a time (Linux's PATH_MAX is 4096).
_PATH_CHUNK = 2048
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused after fstat).
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class InputError(Exception):
    """An input that cannot become an article, with the check it failed."""

    def __init__(self, check: str, reason: str):
        super().__init__(f"{check}: {reason}")
        self.check = check
        self.reason = reason


@dataclass(frozen=True)
class RawInput:
    path: Path  # the real name, undecodable bytes included (surrogate-escaped by Python)
    source_uri: str  # path relative to raw_dir, POSIX style, valid text (text_name)
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


@functools.lru_cache(maxsize=8)
def _glob_matcher(ignore_globs: tuple[str, ...]) -> re.Pattern[str] | None:
    # One regex for all the globs: a raw_dir of a year of daily runs holds 18,000 files,
    # and eight fnmatch calls per file took 0.3 s of every run (D75).
    if not ignore_globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(os.path.normcase(g))})" for g in ignore_globs))


def _ignored(rel: str, ignore_globs: tuple[str, ...]) -> bool:
    matcher = _glob_matcher(ignore_globs)
    if matcher is None:
        return False
    name = rel.rsplit("/", 1)[-1]
    return bool(matcher.match(os.path.normcase(name)) or matcher.match(os.path.normcase(rel)))


# --- opening files past PATH_MAX ---


@contextmanager
def _located(path: Path | str) -> Iterator[tuple[int | None, bytes]]:
    """(dir_fd, name) to reach ``path`` with the *at system calls: (None, path) for an
    ordinary path; for one longer than PATH_MAX allows, its parent directory opened a
    chunk of components at a time, each relative to the last."""
    raw = os.fsencode(path)
    if len(raw) < _PATH_CHUNK:
        yield None, raw
        return
    parent, _, name = raw.rpartition(b"/")
    fd = os.open(b"/" if raw.startswith(b"/") else b".", _DIR_FLAGS)
    try:
        for chunk in _chunks(parent):
            next_fd = os.open(chunk, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        yield fd, name
    finally:
        os.close(fd)


def _chunks(path: bytes) -> Iterator[bytes]:
    """``path`` cut between components into relative paths shorter than _PATH_CHUNK."""
    start = end = 0
    while end < len(path):
        cut = path.rfind(b"/", start, start + _PATH_CHUNK)
        end = len(path) if len(path) - start < _PATH_CHUNK or cut <= start else cut
        if piece := path[start:end].strip(b"/"):
            yield piece
        start = end + 1


def open_path(path: Path | str, flags: int) -> int:
    """``os.open`` that also works on paths longer than PATH_MAX."""
    with _located(path) as (dir_fd, name):
        return os.open(name, flags, dir_fd=dir_fd)


def lstat_path(path: Path | str) -> os.stat_result:
    """``os.lstat`` that also works on paths longer than PATH_MAX."""
    with _located(path) as (dir_fd, name):
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)


# --- names ---


def text_name(name: str) -> str:
    """A file name as valid text, the same every run: unchanged when it is valid UTF-8;
    else each undecodable byte, and each ``%``, percent-escaped (``caf\\xe9.txt`` ->
    ``caf%E9.txt``), so the bytes can be read back from it."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    out = []
    for ch in os.fsencode(name).decode("utf-8", errors="surrogateescape"):
        if "\udc80" <= ch <= "\udcff":
            out.append(f"%{ord(ch) - 0xDC00:02X}")
        else:
            out.append("%25" if ch == "%" else ch)
    return "".join(out)


def _text_names(names: list[str]) -> dict[str, str]:
    """Real name -> text name for the entries of one directory, one-to-one. Valid UTF-8
    names keep theirs; an escaped name equal to a sibling's real name (only a name
    written to look escaped can be) gets ``%00`` appended, which no escape produces."""
    texts = {n: n for n in names if text_name(n) == n}
    taken = set(texts)
    for n in names:
        if n not in texts:
            text = text_name(n)
            while text in taken:
                text += "%00"
            texts[n] = text
            taken.add(text)
    return texts


# --- discovery ---


@dataclass(frozen=True)
class _Listing:
    dirs: list[str]
    files: list[str]
    identity: tuple[int, int]  # (st_dev, st_ino) of the directory


def _list_dir(path: Path, root: bool) -> _Listing:
    """Subdirectories and files of a directory (symlinks to directories are neither:
    they are not followed). The raw_dir itself may be a symlink; nothing below it may."""
    fd = open_path(path, _DIR_FLAGS if root else _DIR_FLAGS | os.O_NOFOLLOW)
    try:
        st = os.fstat(fd)
        dirs, files = [], []
        with os.scandir(fd) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    dirs.append(e.name)
                elif not (e.is_symlink() and _links_to_dir(e)):
                    files.append(e.name)
    finally:
        os.close(fd)
    return _Listing(sorted(dirs), sorted(files), (st.st_dev, st.st_ino))


def _links_to_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a loop (ELOOP) or a dangling link: not a directory
        return False


def _sidecar(path: Path) -> tuple[str | None, str | None]:
    """(url, encoding) from the fetcher's sidecar beside a stored page, if any."""
    try:
        fd = open_path(path.with_name(path.name.split(".", 1)[0] + SIDECAR_SUFFIX), _FILE_FLAGS)
        with os.fdopen(fd, "rb") as f:
            data = f.read(_MAX_SIDECAR_BYTES)
    except OSError:
        return None, None
    meta = json_object(data)
    if meta is None:
        return None, None
    url = meta.get("final_url") or meta.get("url")
    encoding = meta.get("encoding")
    return (url if isinstance(url, str) else None), (encoding if isinstance(encoding, str) else None)


def discover(raw_dir: Path, ignore_globs: tuple[str, ...] = ()) -> Iterator[RawInput]:
    """Every regular file under raw_dir, at any depth, in a stable order: a directory's
    files (sorted), then its subdirectories one after the other.

    Files matching ``ignore_globs`` (licences, READMEs, fetch sidecars) are not inputs.
    Symlinks are not followed, so a link cannot pull files from outside raw_dir nor
    loop; a directory met twice (a bind mount of an ancestor) is walked once.
    """
    raw_dir = Path(raw_dir)
    pending: list[tuple[Path, str]] = [(raw_dir, "")]  # (directory, its source_uri + "/")
    seen: set[tuple[int, int]] = set()
    while pending:
        directory, prefix = pending.pop()
        try:
            listing = _list_dir(directory, root=not prefix)
        except OSError as exc:
            log.warning("cannot list %s: %s", shown(prefix or raw_dir), shown(exc))
            continue
        if listing.identity in seen:
            continue
        seen.add(listing.identity)
        texts = _text_names(listing.dirs + listing.files)
        sidecars = {n for n in listing.files if n.endswith(SIDECAR_SUFFIX)}
        for name in listing.files:
            rel = prefix + texts[name]
            if name in sidecars or _ignored(rel, ignore_globs):
                continue
            path = directory / name
            kind, compressed = _kind_of(name)
            has_sidecar = kind == HTML and name.split(".", 1)[0] + SIDECAR_SUFFIX in sidecars
            url, encoding = _sidecar(path) if has_sidecar else (None, None)
            yield RawInput(path=path, source_uri=rel, kind=kind, compressed=compressed, url=url, encoding=encoding)
        for name in reversed(listing.dirs):
            if not name.startswith("."):
                pending.append((directory / name, prefix + texts[name] + "/"))


# --- reading ---


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """An fd on ``path`` if it is a regular file (not a link, FIFO or device), with its stat."""
    try:
        fd = open_path(path, _FILE_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOENT, errno.ENOTDIR):
            raise InputError("not_a_file", "not a regular file") from None
        raise InputError("unreadable", f"cannot open the file: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise InputError("not_a_file", "not a regular file")
    return fd, st


def _read_bytes(inp: RawInput, max_file_bytes: int, max_decompressed_bytes: int) -> bytes:
    fd, st = _open_regular(inp.path)
    with os.fdopen(fd, "rb") as f:
        if st.st_size == 0:
            raise InputError("empty_file", "the file is empty")
        if st.st_size > max_file_bytes:
            raise InputError("file_too_large", f"{st.st_size} bytes on disk, over the cap of {max_file_bytes}")
        data = f.read(max_file_bytes + 1)
    if not inp.compressed:
        return data
    try:
        out = _gunzip(data, max_decompressed_bytes)
    except (zlib.error, EOFError, gzip.BadGzipFile) as exc:
        raise InputError("corrupt_gzip", f"not a valid gzip file: {exc}") from exc
    if not out:
        raise InputError("empty_file", "the file unpacks to nothing")
    if out[:2] == b"\x1f\x8b":
        raise InputError("nested_gzip", "a gzip file inside the gzip file: one layer is unpacked, not more")
    return out


_GZIP_MAGIC = b"\x1f\x8b"
# Input fed to zlib at a time: what it copies into ``unused_data`` at the end of a member.
_GZIP_SLICE = 1 << 16
# bgzip's 64 KB blocks make 320 members of the 20 MB cap; thousands of empty 20-byte
# members are an attack on the time it takes, not a page.
MAX_GZIP_MEMBERS = 1000


def _gunzip(data: bytes, cap: int) -> bytes:
    """Unpack a gzip file, streamed so a bomb is cut off at ``cap`` bytes, never unpacked.
    Every member is read, one after the other (`cat a.gz b.gz`, bgzip's blocks), as gzip
    itself does; bytes after the last member that start no other are ignored (padding)."""
    parts: list[bytes] = []
    total = members = 0
    pos = 0
    buf = b""
    d = None
    while True:
        if d is None:  # a member starts here, or the file ends
            if len(buf) < 2 and pos < len(data):
                buf += data[pos : pos + _GZIP_SLICE]
                pos += _GZIP_SLICE
            if members and buf[:2] != _GZIP_MAGIC:
                break
            members += 1
            if members > MAX_GZIP_MEMBERS:
                raise InputError("corrupt_gzip", f"more than {MAX_GZIP_MEMBERS} gzip members: not unpacked")
            d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        if not buf:
            if pos >= len(data):
                raise InputError("corrupt_gzip", "truncated gzip stream")
            buf = data[pos : pos + _GZIP_SLICE]
            pos += _GZIP_SLICE
        piece = d.decompress(buf, cap + 1 - total)
        total += len(piece)
        parts.append(piece)
        if total > cap:
            raise InputError("decompressed_too_large", f"unpacks to more than the cap of {cap} bytes")
        if d.eof:
            buf, d = d.unused_data, None
        else:
            buf = d.unconsumed_tail
    return b"".join(parts)


def decode(data: bytes, encoding: str | None = None) -> str:
    """Bytes to text with the one decoder (``newsetl.sources.decode``): a BOM, the
    charset the fetcher chose (``encoding``, from a sidecar) or a declared one, unless
    the bytes prove UTF-8; then detection. Binary content, and bytes no text encoding
    fits, raise InputError."""
    if looks_binary(data):
        raise InputError("binary_content", "the file holds binary data, not text")
    decoded = decode_html(data, charset=encoding)
    if decoded.source == "fallback":
        raise InputError("undecodable", "not valid UTF-8 and no text encoding could be detected")
    return decoded.text


def read_page(inp: RawInput, max_file_bytes: int, max_decompressed_bytes: int) -> str:
    if inp.kind is None:
        name = inp.source_uri.rsplit("/", 1)[-1]  # the text name: the real one may not be UTF-8
        raise InputError("unsupported_type", f"not an input type newsetl reads ({name})")
    text = decode(_read_bytes(inp, max_file_bytes, max_decompressed_bytes), inp.encoding)
    if not text.strip():
        raise InputError("empty_file", "the file holds only whitespace")
    return text
