"""Shared test set-up.

Prefect: a private PREFECT_HOME is set before prefect is imported anywhere, and one
session-scoped ``prefect_test_harness`` serves every test that runs a flow (its
temporary API server takes 10-25 s to start, longer on a slow CI machine).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_PREFECT_HOME = tempfile.mkdtemp(prefix="newsetl-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "raw" / "samples"


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


def warehouse_at(root):
    """The warehouse at ``root`` (a path, a URI or a resolved Location) with the
    environment's settings, as the command line makes it."""
    from newsetl.land import Location, Warehouse
    from newsetl.settings import Settings

    return Warehouse(root) if isinstance(root, Location) else Warehouse.at(root, Settings())


def query_catalog(root, query: str, **limits):
    """``newsetl sql``'s answer (columns, rows) from the catalog of the warehouse at ``root``;
    ``limits``: timeout_seconds, memory_limit (default: the settings')."""
    from newsetl.land import catalog
    from newsetl.settings import Settings

    settings = Settings()
    limits = {"timeout_seconds": settings.sql_timeout_seconds, "memory_limit": settings.sql_memory_limit, **limits}
    return catalog.query(warehouse_at(root).catalog_path, query, **limits)
