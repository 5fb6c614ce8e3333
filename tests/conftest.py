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

from support.paths import SAMPLES  # noqa: E402


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


def pytest_collection_modifyitems(items):
    # A test that needs the Prefect server runs a real flow and may be the one that waits
    # for the server to start (10-25 s): slow, so `pytest -m "not slow"` starts none.
    for item in items:
        if "prefect_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
