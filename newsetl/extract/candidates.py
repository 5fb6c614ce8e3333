"""Choose the article text of an HTML page among candidate extractions (D42).

trafilatura's precision mode is the primary candidate: the best single extractor on the
benchmark (``bench/extraction.py``). Its two failure modes are opposite, and each has
a second opinion that is only asked for when a cheap signal says it may be needed:

* **It stopped early.** On some layouts (the article split over several containers,
  an ad or a newsletter box between them) precision mode returns the opening
  paragraphs only: 502 of 1,420 words, 111 of 1,965. The signal is the page itself:
  when the primary text holds less than half of the words of the page's prose
  paragraphs (``<p>`` of 20+ words), readability-lxml and then trafilatura's recall
  mode are asked. One replaces the primary only if it *continues* it: it contains the
  primary text and carries on after the primary's last paragraph with prose (several
  paragraphs, at least half as many words again). A longer text that merely adds a
  header, captions or a "related" list is not a continuation. An empty primary takes
  the longer of the two.
* **It kept page furniture at its edges.** A headline or label line above the first
  paragraph, a "Tags" line or share prompt below the last. When the first or last
  paragraph of the primary is not prose, readability-lxml is asked; if readability's
  whole text lies inside the primary (it agrees on the article), the primary's
  non-prose lines above and below what readability kept are dropped. Prose is never
  dropped, so no body paragraph is lost this way.

Agreement between extractors that work differently (trafilatura's rule cascade,
readability's container scoring) is the evidence in both cases; no word-count
threshold decides alone. Parameters were checked for sensitivity on the benchmark:
containment 0.7-0.95 and continuation share 0.3-1.0 give the same choices.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement, document_fromstring

LOGGER = logging.getLogger(__name__)

#: Paragraphs of at least this many words count as prose of the page.
PROSE_P_WORDS = 20
#: The primary "may have stopped early" below this share of the page's prose words.
EARLY_STOP_SHARE = 0.5
#: A continuation contains at least this share of the primary's shingles...
CONTAINS_PRIMARY = 0.9
#: ...and adds, after the primary's last paragraph, prose of at least this share of the
#: primary's words (and at least CONTINUATION_MIN_WORDS).
CONTINUATION_SHARE = 0.5
CONTINUATION_MIN_WORDS = 50
#: Edge trimming needs this share of readability's shingles inside the primary.
AGREEMENT = 0.95
#: A paragraph counts as inside another text when this share of its shingles is there.
PARAGRAPH_INSIDE = 0.8

_TOKEN = re.compile(r"\w+")
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "'", ")", "…")
# Block elements of readability's summary: each starts a new paragraph.
_BLOCKS = frozenset({
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "td", "th",
    "section", "article", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "table", "br",
})


@dataclass(frozen=True, slots=True)
class Choice:
    text: str
    #: "primary", "readability", "recall", or "primary-trimmed".
    source: str


# --- text comparison -------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _shingles(tokens: list[str], n: int = 4) -> Counter[tuple[str, ...]]:
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _share_inside(part: str, whole: Counter[tuple[str, ...]]) -> float:
    """Share of ``part``'s 4-token shingles that ``whole`` also has."""
    own = _shingles(_tokens(part))
    total = sum(own.values())
    return sum((own & whole).values()) / total if total else 0.0


class _Text:
    """A candidate text with what the comparisons need, computed once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.paragraphs = [p for p in text.split("\n\n") if p.strip()]
        tokens = _tokens(text)
        self.words = len(text.split())
        self.shingles = _shingles(tokens)
        self.joined = " " + " ".join(tokens) + " "

    def has(self, paragraph: str) -> bool:
        """The paragraph is in this text: verbatim (token-wise) or by most of its shingles."""
        tokens = _tokens(paragraph)
        if tokens and f" {' '.join(tokens)} " in self.joined:
            return True
        return _share_inside(paragraph, self.shingles) >= PARAGRAPH_INSIDE


def is_prose(paragraph: str) -> bool:
    """Running text, not a headline, label, button or list line."""
    words = len(paragraph.split())
    return words >= 15 or (words >= 8 and paragraph.rstrip().endswith(_SENTENCE_END))


# --- cheap signal and the second opinion -------------------------------------------------


def page_prose_words(tree: HtmlElement) -> int:
    """Words in the page's <p> elements of PROSE_P_WORDS words or more."""
    total = 0
    for p in tree.iter("p"):
        words = len(p.text_content().split())
        if words >= PROSE_P_WORDS:
            total += words
    return total


def _block_text(element: etree._Element, out: list[str]) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    block = tag in _BLOCKS
    if block:
        out.append("\n")
    if element.text and tag not in ("script", "style"):
        out.append(element.text)
    for child in element:
        _block_text(child, out)
    if block:
        out.append("\n")
    if element.tail:
        out.append(element.tail)


def run_readability(tree: HtmlElement) -> str:
    """readability-lxml's article, one paragraph per line (the tree is not modified)."""
    from readability import Document

    summary = Document(deepcopy(tree)).summary()
    if not summary or not summary.strip():
        return ""
    out: list[str] = []
    _block_text(document_fromstring(summary), out)
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


# --- the two rules ------------------------------------------------------------------------


def continues(primary: _Text, other: _Text) -> bool:
    """``other`` holds the primary text and carries on after it with prose."""
    if not primary.words or _share_inside(primary.text, other.shingles) < CONTAINS_PRIMARY:
        return False
    last = max((i for i, p in enumerate(other.paragraphs) if primary.has(p)), default=-1)
    if last < 0:
        return False
    after = sum(len(p.split()) for p in other.paragraphs[last + 1 :] if len(p.split()) >= PROSE_P_WORDS)
    return after >= max(CONTINUATION_SHARE * primary.words, CONTINUATION_MIN_WORDS)


def trim_edges(primary: _Text, reference: _Text) -> str:
    """The primary without its non-prose lines above and below what ``reference`` has,
    when ``reference`` agrees (lies inside the primary); else the primary unchanged."""
    if not reference.words or _share_inside(reference.text, primary.shingles) < AGREEMENT:
        return primary.text
    inside = [reference.has(p) for p in primary.paragraphs]
    if not any(inside):
        return primary.text
    first = inside.index(True)
    last = len(inside) - 1 - inside[::-1].index(True)
    kept = [
        p for i, p in enumerate(primary.paragraphs)
        if first <= i <= last or inside[i] or is_prose(p)
    ]
    return "\n\n".join(kept)


def _edges_not_prose(primary: _Text) -> bool:
    return bool(primary.paragraphs) and not (is_prose(primary.paragraphs[0]) and is_prose(primary.paragraphs[-1]))


def _safely(name: str, run: Callable[[], str], normalize: Callable[[str], str]) -> _Text:
    try:
        return _Text(normalize(run()))
    except Exception as err:  # noqa: BLE001 - a failing second opinion must not lose the primary
        LOGGER.debug("%s extraction failed: %r", name, err)
        return _Text("")


def choose(
    primary_text: str,
    tree: HtmlElement,
    run_recall: Callable[[], str],
    normalize: Callable[[str], str],
) -> Choice:
    """The article text of the page whose primary extraction is ``primary_text``.

    ``tree`` is the parsed page (not modified); ``run_recall`` runs trafilatura's recall
    mode; ``normalize`` puts a candidate into the primary's paragraph layout.
    """
    primary = _Text(primary_text)
    readability: _Text | None = None
    prose = page_prose_words(tree)
    if not primary.words or primary.words < EARLY_STOP_SHARE * prose:
        readability = _safely("readability", lambda: run_readability(tree), normalize)
        if continues(primary, readability):
            return Choice(readability.text, "readability")
        recall = _safely("recall", run_recall, normalize)
        if continues(primary, recall):
            return Choice(recall.text, "recall")
        if not primary.words:
            best = max((recall, readability), key=lambda c: c.words)
            return Choice(best.text, "recall" if best is recall else "readability") if best.words else Choice("", "primary")
    if _edges_not_prose(primary):
        readability = readability or _safely("readability", lambda: run_readability(tree), normalize)
        trimmed = trim_edges(primary, readability)
        if trimmed != primary.text:
            return Choice(trimmed, "primary-trimmed")
    return Choice(primary.text, "primary")
