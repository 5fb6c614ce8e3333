"""Outlet templates: lines that recur across many dumps of one outlet are boilerplate (D44).

A daily pipeline sees each outlet many times. Menus, footers, newsletter boxes and
"most read" headers come back in every dump of an outlet, while an article's own lines
do not. ``Templates`` counts, per outlet, in how many dumps each line fingerprint
occurred; a line found in at least ``MIN_OTHER_DUMPS`` *other* dumps of the same outlet,
and in at least ``MIN_SHARE`` of them, is template. Long prose (``PROSE_KEEP_WORDS``
words or more) is never dropped this way: a standing series note or author bio repeated
under every article is written about the article and is kept as body (D13).

Outlet of a dump: its URL's host when known; a text dump has none, so the outlet is the
dump's navigation signature: the fingerprints of its first ``SIGNATURE_LINES`` short
lines (menus and section bars come first and are the same on every page of a site).
Two dumps of one site with different menus count as two outlets: a template is then
learned more slowly, never wrongly.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable

from newsetl.extract.textdump.features import fingerprint

MIN_OTHER_DUMPS = 2
MIN_SHARE = 0.5
PROSE_KEEP_WORDS = 30
SIGNATURE_LINES = 5
_SHORT_WORDS = 6


def outlet_of(lines: Iterable[str], url_host: str | None = None) -> str:
    """The outlet key of a dump: ``host:<host>`` or ``nav:<hash of its first short lines>``."""
    if url_host:
        host = url_host.lower()
        return "host:" + (host[4:] if host.startswith("www.") else host)
    short: list[str] = []
    for line in lines:
        words = len(line.split())
        if 0 < words <= _SHORT_WORDS:
            short.append(fingerprint(line))
            if len(short) == SIGNATURE_LINES:
                break
    return "nav:" + hashlib.sha256("\n".join(short).encode()).hexdigest()[:16]


class Templates:
    """Per-outlet counts of line fingerprints over the dumps seen (one count per dump)."""

    def __init__(self, min_other_dumps: int = MIN_OTHER_DUMPS, min_share: float = MIN_SHARE) -> None:
        self.min_other_dumps = min_other_dumps
        self.min_share = min_share
        self._lines: dict[str, Counter[str]] = defaultdict(Counter)
        self._dumps: Counter[str] = Counter()

    def learn(self, outlet: str, lines: Iterable[str]) -> None:
        """Count one dump's lines (each distinct fingerprint once)."""
        self._lines[outlet].update({fingerprint(line) for line in lines if line.strip()})
        self._dumps[outlet] += 1

    def dumps(self, outlet: str) -> int:
        return self._dumps[outlet]

    def is_template(self, outlet: str, line: str, own_dump_counted: bool = True) -> bool:
        """The line recurs in enough of the outlet's *other* dumps (``own_dump_counted``:
        the dump the line comes from was learned too, so it is taken off the counts)."""
        if len(line.split()) >= PROSE_KEEP_WORDS:
            return False
        own = 1 if own_dump_counted else 0
        others = self._dumps[outlet] - own
        seen = self._lines[outlet][fingerprint(line)] - own
        return others >= self.min_other_dumps and seen >= self.min_other_dumps and seen >= self.min_share * others

    def rows(self) -> list[tuple[str, str, int, int]]:
        """(outlet, fingerprint, dumps with it, dumps of the outlet) for lines seen twice or
        more: what a warehouse table of templates would persist between runs."""
        return [
            (outlet, fp, count, self._dumps[outlet])
            for outlet, counts in self._lines.items()
            for fp, count in counts.items()
            if count >= 2
        ]
