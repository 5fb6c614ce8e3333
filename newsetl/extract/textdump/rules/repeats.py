"""Repeated units: exact repeats, truncated teasers ("…") that repeat later text, and pull
quotes that repeat body sentences."""

from __future__ import annotations

import re
from bisect import bisect_right

from newsetl.extract.textdump.rules.units import ELLIPSIS, Unit, doc_index

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"')\]])\s+")
_STRIP_QUOTES = "\"' "
# Pull quotes sit near their source; substring matches are looked for this far away.
_PULL_QUOTE_WINDOW = 12


def _sentences(key: str) -> list[str]:
    if ". " not in key and "? " not in key and "! " not in key and '" ' not in key and "' " not in key:
        one = key.strip(_STRIP_QUOTES)  # most units: no inner boundary, skip the regex
        return [one] if one else []
    return [s.strip(_STRIP_QUOTES) for s in _SENTENCE_SPLIT.split(key) if s.strip(_STRIP_QUOTES)]


def _drop_exact_repeats(units: list[Unit]) -> None:
    seen: set[str] = set()
    for u in units:
        if not u.keep:
            continue
        if u.words <= 2 and len(u.key) <= 24:
            # Q&A markers ("Q:", "A:") and section breaks ("* * *") legitimately repeat;
            # short repeated chrome is caught by the UI and widget classes instead.
            continue
        if u.key in seen:
            u.drop("duplicate")
        else:
            seen.add(u.key)


def _drop_teasers(kept: list[Unit]) -> None:
    """A truncated teaser ("…and that it will ...") whose stem is the start of text
    printed in full elsewhere. The stem may run across several later paragraphs, so it
    is compared against joined text, not one unit."""
    teasers = [pos for pos, u in enumerate(kept) if u.words >= 5 and u.text.endswith(ELLIPSIS)]
    if not teasers:
        return
    by_prefix: dict[str, list[int]] = {}
    for pos, u in enumerate(kept):
        by_prefix.setdefault(u.key[:24], []).append(pos)
    for pos in teasers:
        u = kept[pos]
        stem = u.key.rstrip(".… ")
        if len(stem) < 24:
            continue
        # Bounded: the full text is one of the few units sharing the 24-char start.
        for other in by_prefix.get(stem[:24], ())[:16]:
            if other == pos:
                continue
            parts: list[str] = []
            size = -1
            j = other
            while size < len(stem) and j < len(kept):
                if j != pos:
                    parts.append(kept[j].key)
                    size += len(kept[j].key) + 1
                j += 1
            if " ".join(parts).startswith(stem):
                u.drop("teaser")
                break


def _drop_pull_quotes(kept: list[Unit]) -> None:
    """A short unit whose sentences all appear in one longer unit, or whose text sits
    verbatim inside a longer unit nearby: a pull quote or a repeated summary."""
    index: dict[str, set[int]] = {}
    for pos, u in enumerate(kept):
        for s in _sentences(u.key):
            if s.count(" ") >= 2:
                index.setdefault(s, set()).add(pos)
    # All keys in one string with offsets: the nearby-substring test becomes two
    # bounded str.find calls instead of a Python loop over neighbours.
    joined, starts = doc_index(kept)

    for pos, u in enumerate(kept):
        if not 6 <= u.words <= 60:
            continue
        sents = [s for s in _sentences(u.key) if s.count(" ") >= 2]
        containers: set[int] | None = None
        for s in sents:
            hits = index.get(s, set())
            containers = hits if containers is None else containers & hits
            if not containers:
                break
        found = any(c != pos and kept[c].keep and len(kept[c].key) > len(u.key) for c in containers or ())
        core = u.key.strip(_STRIP_QUOTES).rstrip(".…").strip(_STRIP_QUOTES)
        if not found and core.count(" ") >= 5:
            lo = starts[max(0, pos - _PULL_QUOTE_WINDOW)]
            hi = starts[min(len(kept), pos + _PULL_QUOTE_WINDOW + 1)]
            for a, b in ((lo, starts[pos]), (starts[pos + 1], hi)):
                at = joined.find(core, a, b)
                while at != -1:
                    c = bisect_right(starts, at) - 1
                    # A container must be kept and clearly longer than the quote.
                    if kept[c].keep and len(kept[c].key) > len(core) + 10:
                        found = True
                        break
                    at = joined.find(core, starts[c + 1], b)
                if found:
                    break
        if found:
            u.drop("pull-quote")


def drop_duplicates(units: list[Unit]) -> None:
    _drop_exact_repeats(units)
    _drop_teasers([u for u in units if u.keep])
    _drop_pull_quotes([u for u in units if u.keep])
