"""Quotation-mark scanning for the claims stage: where the direct quotes of a text are.

:func:`find_quotes` returns the double-quoted stretches of a text as :class:`Quote`
spans with exact character offsets. It is one linear pass, works on any text (no
parse needed) and never lets one bad mark swallow the rest of an article:

* straight (``"``), typographic (``“ ” „ ‟ « »``) and doubled-apostrophe (``''``) marks
  are all double quotes; the
  role of each mark (opens or closes) comes from its glyph *and* its neighbours
  (a mark glued to the word after it opens, one glued to the word before it closes),
  so mixed styles (``"...”``) and wrong glyphs (``”word``) still pair up;
* a quote never crosses a line break, except by the newswire convention for a quote
  that runs over several paragraphs: the paragraph ends with the quote still open and
  the next paragraph starts by reopening it. That multi-paragraph quote is one Quote;
* an unbalanced mark ends its quote at the end of its paragraph (``closed=False``), or
  just before the next mark that can only be an opener; a stray closing mark with
  nothing open is ignored.

Single quotes (``‘ ’ '``) are not scanned: they are mostly apostrophes and quotes
nested in a double quote.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

OPENERS = "“„‟«〝"
CLOSERS = "”»〞"
STRAIGHT = '"＂'
MARKS = OPENERS + CLOSERS + STRAIGHT
# Two apostrophes stand for a double quote in some wire styles (''like this'').
_MARK_RE = re.compile(f"''|[{re.escape(MARKS)}]")
_LINE_RE = re.compile(r"[^\n]*")
# Characters after which a mark can still open a quote ("(“", "—“", "/“").
_OPEN_CONTEXT = set("([{—–-/:;,") | set(OPENERS) | set("‘'")
# Characters before which a mark can still close a quote ("”.", "”,", "”)").
_CLOSE_CONTEXT = set(".,;:!?)]}—–-…/") | set(CLOSERS) | set("’'")


@dataclass(frozen=True)
class Quote:
    """A quotation: ``[start, end)`` includes the marks, ``[inner_start, inner_end)`` not.

    ``closed`` is False when the closing mark was missing (the quote was cut at the end
    of its paragraph or before the next opening mark). ``paragraphs`` counts the
    paragraphs a multi-paragraph quote runs over (1 for most quotes).
    """

    start: int
    end: int
    inner_start: int
    inner_end: int
    closed: bool = True
    paragraphs: int = 1

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


def _roles(line: str, base: int) -> list[tuple[int, int, str]]:
    """(absolute start, end, "open"|"close"|"both") of each double-quote mark in one line."""
    out: list[tuple[int, int, str]] = []
    n = len(line)
    for m in _MARK_RE.finditer(line):
        i, j = m.span()
        ch = m.group()
        prev = line[i - 1] if i > 0 else None
        nxt = line[j] if j < n else None
        can_open = nxt is not None and not nxt.isspace() and (prev is None or prev.isspace() or prev in _OPEN_CONTEXT)
        can_close = prev is not None and not prev.isspace() and (nxt is None or nxt.isspace() or nxt in _CLOSE_CONTEXT)
        if ch in OPENERS:
            role = "close" if (can_close and not can_open) else "open"
        elif ch in CLOSERS:
            role = "open" if (can_open and not can_close) else "close"
        elif can_open and not can_close:
            role = "open"
        elif can_close and not can_open:
            role = "close"
        else:
            role = "both"  # glued on both sides or floating: decided by the state
        out.append((base + i, base + j, role))
    return out


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def find_quotes(text: str) -> list[Quote]:
    """Every double-quoted stretch of ``text``, in order, non-overlapping (module docstring)."""
    lines = [(m.start(), m.group()) for m in _LINE_RE.finditer(text) if m.group().strip()]
    quotes: list[Quote] = []
    # The open quote: its opening mark [open_at, open_end), paragraphs so far.
    open_at: int | None = None
    open_end = 0
    paragraphs = 0

    def close(mark: tuple[int, int] | None, cut_at: int = 0) -> None:
        nonlocal open_at
        assert open_at is not None
        if mark is not None:
            quotes.append(Quote(open_at, mark[1], open_end, mark[0], True, paragraphs))
        else:
            inner_end = _trim_end(text, open_end, cut_at)
            quotes.append(Quote(open_at, inner_end, open_end, inner_end, False, paragraphs))
        open_at = None

    for li, (base, line) in enumerate(lines):
        roles = _roles(line, base)
        first = 0
        if open_at is not None:
            # A quote left open at the end of the previous paragraph continues only if
            # this paragraph starts by reopening it.
            lead = len(line) - len(line.lstrip())
            if roles and roles[0][0] == base + lead and roles[0][2] in ("open", "both"):
                paragraphs += 1
                first = 1
            else:
                prev_base, prev_line = lines[li - 1]
                close(None, prev_base + len(prev_line))
        for start, end, role in roles[first:]:
            if open_at is None:
                if role in ("open", "both"):
                    open_at, open_end, paragraphs = start, end, 1
                # a closing mark with nothing open: stray, ignored
            elif role in ("close", "both"):
                if start > open_end:
                    close((start, end))
                else:  # an empty quote (“”): drop it
                    open_at = None
            else:
                # An opening mark inside an open quote: the open one was never closed.
                close(None, start)
                open_at, open_end, paragraphs = start, end, 1
    if open_at is not None:
        base, line = lines[-1]
        close(None, base + len(line))
    return [q for q in quotes if q.inner_end > q.inner_start]


class QuoteIndex:
    """The quotes of one text, with lookups by character position."""

    def __init__(self, quotes: list[Quote]) -> None:
        self.quotes = quotes
        self._starts = [q.start for q in quotes]

    def at(self, pos: int) -> Quote | None:
        """The quote whose marks enclose ``pos`` (start <= pos < end), if any."""
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and pos < self.quotes[i].end:
            return self.quotes[i]
        return None

    def overlapping(self, start: int, end: int) -> list[Quote]:
        i = max(0, bisect.bisect_right(self._starts, start) - 1)
        out = []
        while i < len(self.quotes) and self.quotes[i].start < end:
            q = self.quotes[i]
            if q.end > start:
                out.append(q)
            i += 1
        return out

    def next_after(self, pos: int) -> Quote | None:
        i = bisect.bisect_left(self._starts, pos)
        return self.quotes[i] if i < len(self.quotes) else None

    def last_before(self, pos: int) -> Quote | None:
        """The last quote that ends at or before ``pos``."""
        i = bisect.bisect_right(self._starts, pos) - 1
        while i >= 0:
            if self.quotes[i].end <= pos:
                return self.quotes[i]
            i -= 1
        return None


__all__ = ["MARKS", "Quote", "QuoteIndex", "find_quotes"]
