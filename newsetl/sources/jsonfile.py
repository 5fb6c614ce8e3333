"""The one guarded reader of the small JSON files a run finds beside its inputs or writes
itself (the fetcher's sidecars and per-URL state): a file that cannot be read, is not
UTF-8 JSON, nests past Python's recursion limit (``[[[[…``: the decoder raises
``RecursionError``, which is no ``ValueError``) or holds anything but an object is
"no such file" to its callers, never an exception that stops a run (D99, D104)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def json_object(data: bytes | str) -> dict[str, Any] | None:
    """The JSON object in ``data`` (bytes are UTF-8), or None when it is not one (bad
    bytes, bad JSON, nested too deep, or a value that is not an object)."""
    try:
        value = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    return value if isinstance(value, dict) else None


def read_json_object(path: Path | str) -> dict[str, Any] | None:
    """``json_object`` of the file at ``path``; None also when it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return json_object(data)
