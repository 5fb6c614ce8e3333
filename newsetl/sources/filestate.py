"""What a raw input file is on disk: size, modification time and SHA-256.

Extraction records it for every input it reads; the next run compares it to skip
inputs that have not changed (``newsetl.run.incremental``).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from newsetl.sources.disk import lstat_path, open_path

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileState:
    size_bytes: int
    mtime_ns: int
    raw_sha256: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(open_path(path, os.O_RDONLY | os.O_CLOEXEC), "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_state(path: Path) -> FileState | None:
    """Size, time and hash of a regular file (stat first: a write after it moves the time,
    so the next run reads the file again); None for anything else."""
    try:
        st = lstat_path(path)
        return FileState(st.st_size, st.st_mtime_ns, file_sha256(path)) if stat.S_ISREG(st.st_mode) else None
    except OSError:
        return None
