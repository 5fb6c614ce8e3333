"""Where the reference list's names occur in a text: spaCy's PhraseMatcher over the
text's words (D57), so the cost follows the text's length, not the list's.

The words are the text's own: runs of word characters, and every other character
except whitespace and hyphens, which only separate words. The pipeline's tokens would
not do: en_core_web_sm keeps "U.S.-Pakistan" as one token, and "U.S." and "Pakistan"
must both be found in it. A match must also read in the text as the name does: the
parts of a name are separated by spaces or hyphens ("al-Qaeda", "al Qaeda", not across
a line break), nothing separates the characters within a part ("U.S.", not "U. S."),
and it stands as a whole word: no letter, digit or period before it, no letter or digit
after it, nor a period and one ("U.S.A."). Overlapping matches go to the leftmost, then
to the longest name. A straight and a curly apostrophe are the same character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

_WORDS = re.compile(r"\w+|[^\w\s\-\u2010\u2011]")
# Between the parts of a name, in the text.
_BETWEEN_PARTS = re.compile(r"[ \t\u00a0\-\u2010\u2011]+")
# What may not come right before a name, and right after it.
_BEFORE = re.compile(r"[\w.]")
_AFTER = re.compile(r"\w|\.\w")
# Words of the text that are in no name stand as this one word (the vocabulary stays the names').
_OTHER = "\x00"


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.replace("\u2019", "'"))  # the same length: offsets hold


class PhraseScanner:
    """Finds ``names`` in texts; ``parts`` splits a name into the parts between which the
    text may put spaces or hyphens."""

    def __init__(self, names: Iterable[str], parts: re.Pattern[str]) -> None:
        self._vocab = Vocab()
        self._matcher = PhraseMatcher(self._vocab, attr="ORTH")
        self._known: set[str] = set()
        # Per name: which word boundaries fall between two parts (the others must touch).
        self._part_breaks: dict[int, tuple[bool, ...]] = {}
        self._lengths: dict[int, int] = {}
        for name in names:
            words: list[str] = []
            breaks: list[bool] = []
            for i, part in enumerate(p for p in parts.split(name) if p):
                part_words = _words(part)
                breaks += [i > 0] + [False] * (len(part_words) - 1)
                words += part_words
            if not words:
                continue
            key = self._vocab.strings.add(name)
            self._part_breaks[key] = tuple(breaks[1:])
            self._lengths[key] = len(name)
            self._known.update(words)
            self._matcher.add(name, [Doc(self._vocab, words=words)])

    def __len__(self) -> int:
        return len(self._matcher)

    def scan(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of each name found in ``text``, in order, none overlapping."""
        if not self._known:
            return
        known = self._known
        matches = self._matcher(Doc(self._vocab, words=[w if w in known else _OTHER for w in _words(text)]))
        if not matches:
            return
        # Offsets of the words, up to the last one matched.
        spans = [m.span() for m in islice(_WORDS.finditer(text), max(last for _, _, last in matches))]
        found = [(spans[first][0], -self._lengths[key], spans[last - 1][1])
                 for key, first, last in matches if self._reads_as_name(text, spans, key, first, last)]
        end = 0
        for start, _, stop in sorted(found):
            if start >= end:
                yield start, stop
                end = stop

    def _reads_as_name(self, text: str, spans: list[tuple[int, int]], key: int, first: int, last: int) -> bool:
        for (_, a), (b, _), between_parts in zip(spans[first:last], spans[first + 1:last], self._part_breaks[key]):
            gap = text[a:b]
            if (_BETWEEN_PARTS.fullmatch(gap) is None) if between_parts else gap:
                return False
        start, end = spans[first][0], spans[last - 1][1]
        if start and _BEFORE.match(text, start - 1) is not None:
            return False
        return _AFTER.match(text, end) is None
