"""Where the warehouse lives: a local directory or an object-store URI (``s3://bucket/prefix``).

The Delta tables and the commit journal live at the location. What an object store
cannot hold stays in a local directory: the run lock (an flock), the staged Parquet parts,
the DuckDB catalog file and the reports. For a local warehouse both are the same
directory, laid out as it always was.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsetl.settings import Settings

OBJECT_STORES = ("s3",)
# Local directory of an object-store warehouse unless NEWSETL_LOCAL_DIR says otherwise.
LOCAL_ROOT = Path(".newsetl")

# deltalake storage options that s3fs (DuckDB's reader, the journal's writer) spells otherwise.
_S3FS_KEYS = {
    "AWS_ACCESS_KEY_ID": "key",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_SESSION_TOKEN": "token",
    "AWS_ENDPOINT_URL": "endpoint_url",
    "AWS_ENDPOINT": "endpoint_url",
}
_REGION_KEYS = ("AWS_REGION", "AWS_DEFAULT_REGION")


@dataclass(frozen=True)
class Location:
    """``uri``: the tables' root, an absolute path or ``s3://bucket/prefix``; ``local``: this
    machine's directory for the lock, staging, catalog and reports. Resolved once per
    operation (``newsetl.land.Warehouse``); deliberately not path-like, so it cannot be
    taken for its local directory."""

    uri: str
    local: Path
    # Credentials may be among them: kept out of repr, logs and the catalog.
    options: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def remote(self) -> bool:
        return bool(_scheme(self.uri))

    def at(self, name: str) -> str:
        """URI (or path) of ``name`` under the tables' root."""
        return f"{self.uri}/{name}" if self.remote else str(Path(self.uri) / name)

    def __str__(self) -> str:
        return self.uri


def _scheme(text: str) -> str:
    scheme = urlsplit(text).scheme
    return scheme if len(scheme) > 1 and "://" in text else ""  # one letter: a Windows drive


def locate(where: str | os.PathLike, settings: Settings) -> Location:
    """The warehouse at ``where``. Object-store options and the local directory come from
    ``settings`` (NEWSETL_STORAGE_OPTIONS, NEWSETL_LOCAL_DIR)."""
    text = os.fspath(where)
    scheme = _scheme(text)
    if not scheme:
        if re.match(r"^[a-z][a-z0-9+.-]+:/[^/]", text, re.IGNORECASE):
            # Path("s3://b/p") is "s3:/b/p": taking it for a directory would write locally.
            raise ValueError(f"{text!r} looks like a URI that lost a slash; pass it as a string")
        path = Path(text).resolve()
        return Location(str(path), path)
    if scheme not in OBJECT_STORES:
        raise ValueError(f"unsupported warehouse location {text!r}: a directory or one of "
                         + ", ".join(f"{s}://" for s in OBJECT_STORES))
    uri = text.rstrip("/")
    if not urlsplit(uri).netloc:
        raise ValueError(f"warehouse URI {text!r} names no bucket")
    local = settings.local_dir or LOCAL_ROOT / scheme / urlsplit(uri).netloc / urlsplit(uri).path.strip("/")
    options = {k.upper(): v.get_secret_value() for k, v in settings.storage_options.items()}
    return Location(uri, Path(local).resolve(), options)


def delta_options(loc: Location) -> dict[str, str] | None:
    """``storage_options`` for deltalake: None (its defaults, the AWS_* environment) unless set."""
    return dict(loc.options) or None


def _s3fs(loc: Location) -> Any:
    import s3fs  # only object-store warehouses pay for its import (about 0.3 s)

    kwargs: dict[str, Any] = {_S3FS_KEYS[k]: v for k, v in loc.options.items() if k in _S3FS_KEYS}
    region = next((loc.options[k] for k in _REGION_KEYS if k in loc.options), None)
    if region:
        kwargs["client_kwargs"] = {"region_name": region}
    # Listings are never cached: the journal's presence must be read from the store.
    return s3fs.S3FileSystem(use_listings_cache=False, **kwargs)


def register_filesystem(con: Any, loc: Location) -> None:
    """Let a DuckDB connection read the warehouse's object store. DuckDB's own httpfs
    extension cannot be used: it is downloaded at run time, and the PyPI build of it is
    for another DuckDB version; an fsspec filesystem is read by DuckDB core."""
    if loc.remote:
        con.register_filesystem(_s3fs(loc))


# --- small files beside the tables (the commit journal) ---------------------------------


def read_file(loc: Location, name: str) -> bytes | None:
    if not loc.remote:
        path = Path(loc.at(name))
        return path.read_bytes() if path.is_file() else None
    try:
        return _s3fs(loc).cat_file(loc.at(name))
    except FileNotFoundError:
        return None


def write_file(loc: Location, name: str, data: bytes) -> None:
    """Write ``name`` whole or not at all, durably."""
    if loc.remote:
        _s3fs(loc).pipe_file(loc.at(name), data)  # one PUT: an object appears whole or not at all
        return
    path = Path(loc.at(name))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def remove_file(loc: Location, name: str) -> None:
    """Remove ``name``, durably."""
    if loc.remote:
        _s3fs(loc).rm_file(loc.at(name))
        return
    Path(loc.at(name)).unlink()
    fd = os.open(loc.uri, os.O_RDONLY)
    try:
        os.fsync(fd)  # the unlink itself must survive a power cut
    finally:
        os.close(fd)
