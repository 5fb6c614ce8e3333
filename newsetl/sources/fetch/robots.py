"""robots.txt (RFC 9309): parse, match, and cache one verdict per host per run.

Matching follows the RFC and Google's documented behaviour rather than the standard
library's ``urllib.robotparser`` (which takes the first matching rule and knows no
wildcards): the group for our product token is used, else the ``*`` group; among the
rules whose pattern matches the path, the longest wins, and ``Allow`` wins a tie;
``*`` matches any run of characters and a trailing ``$`` anchors the end.

Fetch outcomes: 2xx parse the file; 4xx (except 429) mean no rules (everything
allowed); 429, 5xx and network errors mean the file is unreachable, and the RFC says to
assume complete disallow then.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

# The RFC requires parsing at least 500 KiB; more than this is cut off and ignored.
MAX_ROBOTS_BYTES = 512 * 1024


def product_token(user_agent: str) -> str:
    """``newsetl/0.1 (+contact)`` -> ``newsetl``."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token.lower() or "*"


def _normalize_path(path: str) -> str:
    # Compare decoded forms so /a%2Db and /a-b are the same path; keep it a str.
    return unquote(path)


@dataclass
class _Rule:
    allow: bool
    pattern: str
    regex: re.Pattern[str]

    @classmethod
    def make(cls, allow: bool, pattern: str) -> _Rule:
        pattern = _normalize_path(pattern)
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        rx = ".*".join(re.escape(part) for part in body.split("*"))
        return cls(allow, pattern, re.compile(rx + ("$" if anchored else ""), re.DOTALL))


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    crawl_delay: float | None = None


@dataclass
class RobotsRules:
    """Rules of one robots.txt for one product token."""

    rules: list[_Rule] = field(default_factory=list)
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
        groups: list[_Group] = []
        current: _Group | None = None
        last_was_agent = False
        for raw_line in text.splitlines():
            line = raw_line.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            name, value = (s.strip() for s in line.split(":", 1))
            name = name.lower()
            if name in ("user-agent", "useragent"):
                if current is None or not last_was_agent:
                    current = _Group()
                    groups.append(current)
                current.agents.append(value.split("/", 1)[0].strip().lower())
                last_was_agent = True
                continue
            last_was_agent = False
            if current is None:
                continue  # rules before any user-agent line belong to no group
            if name in ("allow", "disallow"):
                if name == "disallow" and not value:
                    continue  # "Disallow:" with no path allows everything
                if value:
                    current.rules.append(_Rule.make(name == "allow", value))
            elif name == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                if delay >= 0:
                    current.crawl_delay = delay
        mine = [g for g in groups if token in g.agents]
        if not mine:
            mine = [g for g in groups if "*" in g.agents]
        rules = [r for g in mine for r in g.rules]
        delays = [g.crawl_delay for g in mine if g.crawl_delay is not None]
        return cls(rules=rules, crawl_delay=max(delays) if delays else None)

    def can_fetch(self, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all:
            return True
        parts = urlsplit(url)
        path = _normalize_path(parts.path or "/")
        if path == "/robots.txt":
            return True
        if parts.query:
            path += "?" + _normalize_path(parts.query)
        best: _Rule | None = None
        for rule in self.rules:
            if rule.regex.match(path) is None:
                continue
            if best is None or len(rule.pattern) > len(best.pattern) or (
                len(rule.pattern) == len(best.pattern) and rule.allow and not best.allow
            ):
                best = rule
        return best is None or best.allow


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
