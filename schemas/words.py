"""What a word is, for ``articles.word_count``: the one definition, used by the contract's
check and by extraction (``newsetl.extract``) when it fills the column.

It lives here, beside the contract, because the contract cannot import the pipeline;
the pipeline imports it from here, as it imports the models (docs/decisions.md D46).
"""

from __future__ import annotations

import re

#: A letter or a digit of any script (``\w`` but the underscore): a text without one, all
#: emoji and symbols, has no words to read, however many it counts (D104).
LETTER_OR_DIGIT = r"[^\W_]"

# Scripts written without spaces between words (Chinese, Japanese): about two
# characters a word, so such a page is held to a comparable minimum length.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def count_words(text: str) -> int:
    unspaced = sum((len(run) + 1) // 2 for run in _UNSPACED.findall(text))
    return len(_UNSPACED.sub(" ", text).split()) + unspaced
