"""An article's language: what its text is written in, told apart from what its page says.

py3langid (D54) identifies the text; the page's declaration (``<html lang>``, metas,
JSON-LD) is a claim that templates often get wrong (``lang="en"`` on every page of a
site, French ones included). The text decides when it is clear; the declaration decides
between languages the text leaves open (Indonesian or Malay, Portuguese or Galician) and
for texts too short to judge; ``None`` only when neither says anything.
"""

from __future__ import annotations

import functools

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from schemas import count_words

# The beginning of the text is enough (on the benchmark's 181 articles every language
# is right from 50 words on) and costs a fraction of the whole: py3langid walks every byte.
SAMPLE_CHARS = 1_000
# Below this many words the text cannot say (py3langid alone, on the benchmark: 85% right
# at 5 words, 66% at 3).
MIN_WORDS = 5
# Probability from which the text overrules the page's declaration (every one of the
# benchmark texts identified at 0.9 or more was right, at any length)...
CLEAR = 0.9
# ...and from which it is an answer at all.
LIKELY = 0.5
# A declared language with at least this probability is one the text leaves open.
PLAUSIBLE = 0.1
# Dialect labels of the model, by the ISO 639-1 code of their macrolanguage. Other labels
# without one (and "zxx", no linguistic content) are no answer: the contract wants two letters.
_MACRO = {"arz": "ar", "ary": "ar", "yue": "zh", "wuu": "zh", "uzs": "uz"}


@functools.cache
def _identifier() -> LanguageIdentifier:
    # Loaded once per process, from the model inside the wheel (0.5-1.4 s).
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_probabilities(text: str) -> dict[str, float]:
    """Probability of each ISO 639-1 language for ``text``'s sample, most likely first."""
    merged: dict[str, float] = {}
    for label, p in _identifier().rank(text[:SAMPLE_CHARS]):
        code = _MACRO.get(label, label)
        if len(code) == 2:
            merged[code] = merged.get(code, 0.0) + p
    return dict(sorted(merged.items(), key=lambda item: item[1], reverse=True))


def identify_language(text: str, declared: str | None = None) -> str | None:
    """The ISO 639-1 language of an article's ``text``, given what its page ``declared``."""
    if count_words(text[:SAMPLE_CHARS]) < MIN_WORDS:
        return declared
    probabilities = language_probabilities(text)
    top, p = next(iter(probabilities.items()), (None, 0.0))
    if declared and p < CLEAR and probabilities.get(declared, 0.0) >= PLAUSIBLE:
        return declared
    if p >= LIKELY:
        return top
    return declared
