"""Where the tests find the repository, the bundled samples and their own fixture data."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
SAMPLES = REPO / "raw" / "samples"
FIXTURES = TESTS / "fixtures"
CRASH_DRIVER = TESTS / "support" / "crash_driver.py"
