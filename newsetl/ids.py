"""Stable keys: 16 hex digits of SHA-256 over a row's identifying parts (D4).

Every stage names its rows this way (fetches, articles, mentions, claims, quarantine,
dq_results), so the same input gives the same keys run after run.
"""

from __future__ import annotations

import hashlib


def short_hash(*parts: str) -> str:
    """16 hex digits (64 bits) of SHA-256 over the parts: collision odds ~1e-8 at 1e6 rows."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
