"""A cheap English detector for pages whose metadata does not say their language.

Only English matters downstream (the NER model is English), so this answers "en" when
the text is clearly English and None otherwise, rather than guessing other languages.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z]+")
_ENGLISH_FUNCTION_WORDS = frozenset(
    "the of and to in a is that for it as was with be by on not he i this are or his from at"
    " which but have an they you were her she there been their has would will its who what".split()
)
# Share of function words in English news prose is ~0.35-0.45; in other Latin-script
# languages it falls below 0.08 (a few shared words like "a", "in").
_MIN_SHARE = 0.2
_MIN_WORDS = 20


def guess_language(text: str) -> str | None:
    words = _WORD.findall(text[:20_000].lower())
    if len(words) < _MIN_WORDS:
        return None
    share = sum(w in _ENGLISH_FUNCTION_WORDS for w in words) / len(words)
    return "en" if share >= _MIN_SHARE else None
