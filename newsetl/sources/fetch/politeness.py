"""Waiting rules: per-host and global request limits, backoff, Retry-After.

A request holds one slot of its host (at most ``per_host`` at once, and starts at least
``delay`` seconds after the previous start on that host) and one global slot (at most
``global_limit`` requests in flight). Slots are held only while a request is on the
wire, never during a backoff sleep.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit


def host_key(url: str) -> str:
    """``host:port`` (lower case): the unit of politeness."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return f"{host}:{port}"


class _HostGate:
    def __init__(self, concurrency: int, delay: float):
        self.slots = threading.BoundedSemaphore(concurrency)
        self.delay = delay
        self.next_start = 0.0
        self.lock = threading.Lock()


class Politeness:
    def __init__(self, per_host: int, delay: float, global_limit: int, max_delay: float):
        self._per_host = per_host
        self._delay = delay
        self._max_delay = max_delay
        self._global = threading.BoundedSemaphore(global_limit)
        self._gates: dict[str, _HostGate] = {}
        self._guard = threading.Lock()

    def _gate(self, key: str) -> _HostGate:
        with self._guard:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = _HostGate(self._per_host, self._delay)
            return gate

    def set_crawl_delay(self, url: str, seconds: float | None) -> None:
        """Raise a host's delay to its robots.txt Crawl-delay (capped), never lower it."""
        if seconds is None:
            return
        gate = self._gate(host_key(url))
        with gate.lock:
            gate.delay = max(gate.delay, min(seconds, self._max_delay))

    def pause(self, url: str, seconds: float) -> None:
        """No new request to this host for ``seconds`` (capped): the host asked us to
        slow down (429, or 503 with Retry-After), so every URL on it waits, not just one."""
        gate = self._gate(host_key(url))
        with gate.lock:
            gate.next_start = max(gate.next_start, time.monotonic() + min(seconds, self._max_delay))

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        gate = self._gate(host_key(url))
        gate.slots.acquire()
        try:
            with gate.lock:
                now = time.monotonic()
                start = max(now, gate.next_start)
                gate.next_start = start + gate.delay
            if start > now:
                time.sleep(start - now)
            with self._global:
                yield
        finally:
            gate.slots.release()


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before retry number ``retry`` (1, 2, ...): exponential with "equal jitter",
    uniform in [d/2, d] for d = min(cap, base * 2**(retry-1))."""
    d = min(cap, base * (2 ** max(0, retry - 1)))
    r = (rng or random).random()
    return d / 2 + r * d / 2


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
