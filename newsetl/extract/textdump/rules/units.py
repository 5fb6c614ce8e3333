"""A dump cut into units: one per line, except hard-wrapped blocks joined back into one
paragraph, with the text normalised (line endings, control and zero-width characters,
horizontal whitespace) and the shape tests every rule uses."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from newsetl.extract.document import CONTROLS

# Sentence-final characters; a unit ending in one of these reads as a sentence.
SENTENCE_END = (".", "!", "?", "\"", "”", "’", "'", ")", "]")
ELLIPSIS = ("...", "…")

# Common cases (CRLF, CR, NUL) go through str.replace; regexes only see the rare
# rest, because sre pays per match and a 2 MB dump of NULs matches at every character.
# Line breaks are what str.splitlines() takes for one: a vertical tab (a word processor's
# manual line break), a form feed (a page break), FS/GS/RS, NEL and the Unicode separators;
# a dump that uses them between its lines must not become one line of menu and body. The
# other control characters are spaces, by the rule every article's text follows
# (``newsetl.extract.document.CONTROLS``, D104): two words are never joined.
_LINEBREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]+")
# Only what needs changing: a lone plain space is left alone, so clean text is a pure scan.
_HSPACE = re.compile(
    r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
)
_QUOTES = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("„", '"'), ("«", '"'), ("»", '"'))

# Hard-wrapped paragraphs (mail/terminal style) are joined only when lines are of
# newspaper-column width and most breaks fall mid-sentence; lists of short items and
# one-paragraph-per-line dumps stay one unit per line.
_WRAP_MAX_WIDTH = 100
_WRAP_MIN_WIDTH = 30


def key_of(text: str) -> str:
    """Comparison form: case and quote style do not make two lines differ."""
    for curly, straight in _QUOTES:
        if curly in text:
            text = text.replace(curly, straight)
    return text.casefold()


@dataclass(slots=True)
class Unit:
    text: str
    key: str  # key_of(text), computed once: every rule compares keys
    words: int
    block: int = 0  # index of the blank-line-separated block the line came from
    keep: bool = True
    reason: str = ""

    def drop(self, reason: str) -> None:
        if self.keep:
            self.keep = False
            self.reason = reason


def normalise_line(line: str) -> str:
    return _HSPACE.sub(" ", line).strip()


def ends_sentence(text: str) -> bool:
    return text.endswith(SENTENCE_END) and not text.endswith(ELLIPSIS)


def short(u: Unit, words: int) -> bool:
    """At most `words` words, and not a giant unbroken token string pretending to be short."""
    return u.words <= words and len(u.text) <= words * 30


def is_prose(u: Unit) -> bool:
    """Running text rather than a heading, label, button or list item."""
    return u.words >= 15 or (u.words >= 8 and ends_sentence(u.text))


def is_body_paragraph(u: Unit) -> bool:
    """Prose long enough that a page widget would not produce it."""
    return u.words >= 30 and ends_sentence(u.text)


def units_containing(doc: str, starts: list[int], hints: tuple[str, ...]) -> set[int]:
    """Indices of units whose key contains any hint. One str.find sweep per hint over
    the whole document (C speed) instead of a Python-level test per unit and hint."""
    found: set[int] = set()
    for hint in hints:
        at = doc.find(hint)
        while at != -1:
            unit = bisect_right(starts, at) - 1
            found.add(unit)
            at = doc.find(hint, starts[unit + 1])
    return found


def doc_index(units: list[Unit]) -> tuple[str, list[int]]:
    """All keys joined by newlines, plus each unit's start offset (and a final sentinel)."""
    starts: list[int] = []
    offset = 0
    for u in units:
        starts.append(offset)
        offset += len(u.key) + 1
    starts.append(offset)
    return "\n".join(u.key for u in units), starts


def _looks_hard_wrapped(lines: list[str]) -> bool:
    width = max(len(line) for line in lines)
    if not _WRAP_MIN_WIDTH <= width <= _WRAP_MAX_WIDTH:
        return False
    if any(len(line) < 0.6 * width for line in lines[:-1]):
        return False
    mid_sentence = 0
    for prev, nxt in zip(lines, lines[1:]):
        if prev.endswith(SENTENCE_END):
            continue
        last_word = prev.rsplit(" ", 1)[-1]
        if nxt[:1].islower() or prev.endswith((",", ";", "-", "–", "—")) or last_word[:1].islower():
            mid_sentence += 1
    return mid_sentence * 2 >= len(lines) - 1


def split_units(raw: str) -> list[Unit]:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _INVISIBLE.sub("", CONTROLS.sub(" ", _LINEBREAKS.sub("\n", text)))
    text = _HSPACE.sub(" ", text)  # once over the whole text: far cheaper than per line
    parts: list[str] = []
    block_ids: list[int] = []
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        if len(block) > 1 and _looks_hard_wrapped(block):
            parts.append(" ".join(block))
            block_ids.append(len(block_ids) and block_ids[-1] + 1)
        else:
            first = len(block_ids) and block_ids[-1] + 1
            parts.extend(block)
            block_ids.extend([first] * len(block))
        block.clear()

    for line in text.split("\n"):
        line = line.strip()
        if line:
            block.append(line)
        else:
            flush()
    flush()
    # Keys in one pass over the joined text (units never contain a newline).
    keys = key_of("\n".join(parts)).split("\n") if parts else []
    return [
        Unit(part, key, part.count(" ") + 1, block_id)
        for part, key, block_id in zip(parts, keys, block_ids)
    ]
