"""robots.txt (RFC 9309): fetch outcomes, and one verdict per host per run.

Parsing and matching are protego's (D52): the group for our product token, else the
``*`` group; the longest matching rule wins, ``Allow`` wins a tie; ``*`` matches any run
of characters and a trailing ``$`` anchors the end; percent-encoding is compared as the
RFC says (``%2F`` is not ``/``). What stays here is the policy around it:

Fetch outcomes: 2xx parse the file; 4xx (except 429) mean no rules (everything
allowed); 429, 5xx and network errors mean the file is unreachable, and the RFC says to
assume complete disallow then. The cache asks each origin once per run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

# The RFC requires parsing at least 500 KiB; more than this is cut off and ignored.
MAX_ROBOTS_BYTES = 512 * 1024


def product_token(user_agent: str) -> str:
    """``newsetl/0.1 (+contact)`` -> ``newsetl``."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token.lower() or "*"


@dataclass
class RobotsRules:
    """What one robots.txt says to one product token, or a verdict without a file."""

    parsed: Protego | None = None
    token: str = "*"
    crawl_delay: float | None = None
    allow_all: bool = False
    disallow_all: bool = False
    note: str = ""
    # Set when robots.txt got no HTTP response at all (refused, timeout, DNS): the
    # host is unreachable, and its pages fail with this error class.
    network_error: str | None = None

    @classmethod
    def allowing_all(cls, note: str = "") -> RobotsRules:
        return cls(allow_all=True, note=note)

    @classmethod
    def disallowing_all(cls, note: str, network_error: str | None = None) -> RobotsRules:
        return cls(disallow_all=True, note=note, network_error=network_error)

    @classmethod
    def parse(cls, text: str, user_agent: str) -> RobotsRules:
        token = product_token(user_agent)
        parsed = Protego.parse(text)
        return cls(parsed=parsed, token=token, crawl_delay=parsed.crawl_delay(token))

    def can_fetch(self, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all or self.parsed is None:
            return True
        return self.parsed.can_fetch(url, self.token)


@dataclass(frozen=True)
class RobotsResponse:
    """What fetching a robots.txt gave: a status (None if no response) and the body."""

    status: int | None
    body: bytes = b""
    error: str = ""
    error_class: str | None = None  # when status is None


def rules_from_response(resp: RobotsResponse, user_agent: str) -> RobotsRules:
    if resp.status is None:
        return RobotsRules.disallowing_all(
            f"robots.txt unreachable ({resp.error or 'no response'})", resp.error_class or "connection_error"
        )
    if 200 <= resp.status < 300:
        text = resp.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return RobotsRules.parse(text, user_agent)
    if resp.status == 429 or resp.status >= 500:
        return RobotsRules.disallowing_all(f"robots.txt unavailable (HTTP {resp.status})")
    if 400 <= resp.status < 500:
        return RobotsRules.allowing_all(f"no robots.txt (HTTP {resp.status})")
    # 1xx or a 3xx that was not followed to the end: treat as unreachable.
    return RobotsRules.disallowing_all(f"robots.txt unavailable (HTTP {resp.status})")


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower().rsplit('@', 1)[-1]}/robots.txt"


class RobotsCache:
    """One ``RobotsRules`` per origin (scheme, host, port) for the life of the cache
    (one run). Concurrent callers for the same origin wait for a single fetch."""

    def __init__(self, get: Callable[[str], RobotsResponse], user_agent: str):
        self._get = get
        self._user_agent = user_agent
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.fetches = 0

    def rules_for(self, url: str) -> RobotsRules:
        key = robots_url(url)
        with self._guard:
            if key in self._rules:
                return self._rules[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._rules:
                    return self._rules[key]
            rules = rules_from_response(self._get(key), self._user_agent)
            with self._guard:
                self._rules[key] = rules
                self.fetches += 1
            return rules
