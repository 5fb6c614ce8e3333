"""Land stage: where the rows go, and how they are read back.

* ``location``  - where the warehouse lives: a directory or ``s3://bucket/prefix`` (D29);
* ``warehouse`` - ``Warehouse``: one operation's warehouse, its location resolved and its
                  Delta tables opened once: staging, merges on the primary key, the
                  commit journal that makes a run's commits all-or-nothing, the run lock;
* ``catalog``   - ``catalog.duckdb``, swapped in atomically (D2), and read-only user SQL (D3).

Names are loaded on first use (PEP 562): ``newsetl sql`` and the checks made before a
run starts need ``location`` and ``catalog`` without deltalake and pandas.
"""

import importlib
from typing import Any

_EXPORTS = {
    "Location": "location",
    "locate": "location",
    "Warehouse": "warehouse",
    "WarehouseBusy": "warehouse",
    "catalog_path": "catalog",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
