"""Features of the units (lines or re-joined paragraphs) of a plain-text page dump.

One row per unit, every value a float. The line classifier (``newsetl.extract.textdump.model``)
and its training script (``bench/train_textdump.py``) both compute them here, so the
model sees at run time exactly what it was trained on. ``FEATURES`` names the columns;
a change of any feature means retraining (``make train-textdump``).

The features describe the unit (length, punctuation, stop-word share, capitalisation,
link- and list-like text), where it sits (relative position, inside the page's span of
prose), its neighbours (the same properties two units up and down, prose density in a
window), repetition inside the dump, the verdict of the hand-written rules
(``newsetl.extract.textdump.rules``). What the outlet's other dumps had is not a feature: the
benchmark has too few pages per outlet to learn it, so templates are a rule
(``newsetl.extract.textdump.templates``).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_WORD = re.compile(r"\w+")
# Scripts written without spaces: two characters count as one word (as newsetl.extract.language does).
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "'", ")", "]")
_PUNCT = re.compile(r"[^\w\s]")
_DIGIT = re.compile(r"\d")
_LINKISH = re.compile(r"https?://|www\.|\.com\b|@\w|»|›|«|‹|\|")
_LIST_MARK = re.compile(r"^\s*(?:[*•·▪►+\-–—]|\d{1,3}[.)])\s")
_MARKUP = re.compile(r"^\s*(?:#{1,6}\s|>\s|\[|!\[)")
_DATEISH = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d", re.I)
# Rule verdicts of newsetl.extract.textdump.rules, grouped: every reason becomes one of these columns.
RULE_GROUPS = {
    "keep": "keep", "consent": "banner", "paywall": "banner", "credit": "credit", "caption": "credit",
    "ui": "chrome", "widget": "chrome", "trailing": "trailing", "kicker": "header", "title": "header",
    "byline": "header", "date": "header", "duplicate": "duplicate", "teaser": "duplicate",
    "pull-quote": "duplicate",
}
_RULE_COLUMNS = ("keep", "banner", "credit", "chrome", "trailing", "header", "duplicate")

_OWN = ("log_words", "log_chars", "mean_word_len", "ends_sentence", "punct_share", "comma_rate",
        "digit_share", "upper_initial_share", "all_caps_share", "stop_share", "linkish", "list_mark",
        "markup", "dateish", "first_upper", "is_prose", "is_long_prose")
_NEIGHBOUR = ("log_words", "ends_sentence", "stop_share", "is_prose", "upper_initial_share", "list_mark")
FEATURES: tuple[str, ...] = (
    _OWN
    + tuple(f"{name}_{off}" for off in ("m2", "m1", "p1", "p2") for name in _NEIGHBOUR)
    + ("rel_pos", "rel_char_pos", "in_prose_span", "prose_before_share", "prose_after_share",
       "dist_prose", "window5_prose", "window5_words", "window2_prose", "block_size", "pos_in_block",
       "repeats", "doc_log_units", "doc_prose_share", "rel_words_max", "rel_words_median")
    + tuple(f"rule_{c}" for c in _RULE_COLUMNS)
)


@dataclass(frozen=True, slots=True)
class Unit:
    text: str
    rule: str  # textclean's verdict: "keep" or the reason it dropped the unit
    block: int  # blank-line block the unit came from


@functools.cache
def stop_words() -> frozenset[str]:
    """Function words of every language jusText has a list for (shipped with trafilatura)."""
    import justext

    folder = Path(justext.__file__).parent / "stoplists"
    words: set[str] = set()
    for path in folder.glob("*.txt"):
        words.update(w.strip().casefold() for w in path.read_text(encoding="utf-8").splitlines() if w.strip())
    return frozenset(words)


def _own(text: str, stops: frozenset[str]) -> list[float]:
    words = _WORD.findall(text)
    unspaced = len(_UNSPACED.findall(text))
    n = len(words) + unspaced // 2
    chars = len(text)
    stripped = text.rstrip()
    punct = len(_PUNCT.findall(text))
    digits = len(_DIGIT.findall(text))
    alpha_words = [w for w in words if w[:1].isalpha()]
    upper_initial = sum(w[:1].isupper() for w in alpha_words)
    all_caps = sum(w.isupper() and len(w) > 1 for w in alpha_words)
    stop = sum(w.casefold() in stops for w in words)
    ends = float(stripped.endswith(_SENTENCE_END) and not stripped.endswith(("...", "…")))
    prose = float(n >= 15 or (n >= 8 and ends > 0))
    return [
        math.log1p(n),
        math.log1p(chars),
        (sum(len(w) for w in words) / n) if n else 0.0,
        ends,
        punct / chars if chars else 0.0,
        text.count(",") / n if n else 0.0,
        digits / chars if chars else 0.0,
        upper_initial / len(alpha_words) if alpha_words else 0.0,
        all_caps / len(alpha_words) if alpha_words else 0.0,
        stop / n if n else 0.0,
        float(_LINKISH.search(text) is not None),
        float(_LIST_MARK.match(text) is not None),
        float(_MARKUP.match(text) is not None),
        float(_DATEISH.search(text) is not None and n <= 12),
        float(stripped[:1].isupper()),
        prose,
        float(n >= 30 and ends > 0),
    ]


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def fingerprint(text: str) -> str:
    """What identifies a line across dumps: its words, case and punctuation ignored."""
    return _key(text)[:200]


def _nearest_distance(positions: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """Distance from each position to the nearest of the sorted, non-empty ``marks``."""
    j = np.searchsorted(marks, positions)
    right = marks[np.minimum(j, len(marks) - 1)]
    left = marks[np.maximum(j - 1, 0)]
    return np.minimum(np.abs(positions - left), np.abs(right - positions))


def unit_features(units: list[Unit]) -> np.ndarray:
    """Feature matrix (len(units) x len(FEATURES)) of one dump's units."""
    n = len(units)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    stops = stop_words()
    own = np.array([_own(u.text, stops) for u in units])
    col = {name: i for i, name in enumerate(_OWN)}
    words = np.expm1(own[:, col["log_words"]])
    chars = np.array([len(u.text) for u in units], dtype=float)
    prose = own[:, col["is_prose"]]
    long_prose = own[:, col["is_long_prose"]]

    neighbour_idx = [col[name] for name in _NEIGHBOUR]
    padded = np.vstack([np.zeros((2, len(_NEIGHBOUR))), own[:, neighbour_idx], np.zeros((2, len(_NEIGHBOUR)))])
    neighbours = [padded[2 + off : 2 + off + n] for off in (-2, -1, 1, 2)]

    positions = np.arange(n, dtype=float)
    rel_pos = positions / max(n - 1, 1)
    cum_chars = np.cumsum(chars) - chars
    rel_char = cum_chars / max(chars.sum(), 1.0)
    prose_chars = chars * prose
    total_prose = max(prose_chars.sum(), 1.0)
    before = (np.cumsum(prose_chars) - prose_chars) / total_prose
    after = 1.0 - before - prose_chars / total_prose
    long_idx = np.flatnonzero(long_prose) if long_prose.any() else np.flatnonzero(prose)
    if len(long_idx):
        in_span = ((positions >= long_idx[0]) & (positions <= long_idx[-1])).astype(float)
        # The nearest long-prose unit by binary search, not an (units × long units) matrix,
        # which for a dump of 100,000 short lines asked for 50 GB (D99).
        dist = _nearest_distance(positions, long_idx.astype(float))
    else:
        in_span = np.zeros(n)
        dist = np.full(n, float(n))

    def window_mean(values: np.ndarray, radius: int) -> np.ndarray:
        cum = np.concatenate([[0.0], np.cumsum(values)])
        lo = np.clip(np.arange(n) - radius, 0, n)
        hi = np.clip(np.arange(n) + radius + 1, 0, n)
        return (cum[hi] - cum[lo]) / (hi - lo)

    blocks = [u.block for u in units]
    block_sizes = Counter(blocks)
    pos_in_block = []
    last_block, k = None, 0
    for b in blocks:
        k = k + 1 if b == last_block else 0
        last_block = b
        pos_in_block.append(k)
    keys = [_key(u.text) for u in units]
    key_counts = Counter(keys)
    rules = np.zeros((n, len(_RULE_COLUMNS)))
    for i, u in enumerate(units):
        rules[i, _RULE_COLUMNS.index(RULE_GROUPS.get(u.rule, "chrome"))] = 1.0

    context = np.column_stack([
        rel_pos, rel_char, in_span, before, after, np.log1p(dist),
        window_mean(prose, 5), np.log1p(window_mean(words, 5)), window_mean(prose, 2),
        np.log1p([block_sizes[b] for b in blocks]), np.log1p(pos_in_block),
        np.log1p([key_counts[k] - 1 for k in keys]),
        np.full(n, math.log1p(n)), np.full(n, prose.mean()),
        words / max(words.max(), 1.0), np.log1p(words / max(float(np.median(words[prose > 0])) if prose.any() else 1.0, 1.0)),
    ])
    return np.hstack([own, *neighbours, context, rules])
