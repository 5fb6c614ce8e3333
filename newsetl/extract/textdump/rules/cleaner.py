"""Cleaner for plain-text page dumps (a page's visible text saved as .txt).

trafilatura needs markup to tell the article from the page chrome, so a text dump
arrives with everything the page showed: consent banners, paywall notes, photo
credits, "related" lists, share bars, repeated captions and teasers. This module
turns one dump into an :class:`~newsetl.extract.document.Extracted` using only textual cues.

How it works (each step only looks at what earlier steps kept):

1. Normalise: unify line endings, drop control/zero-width characters, collapse
   horizontal whitespace. Split into *units*: one unit per line, except blocks that
   look hard-wrapped, which are joined back into one paragraph.
2. Drop boilerplate units by pattern class: consent banners (as whole runs),
   paywall/subscription notes, photo credits and captions that carry a credit
   (plus their un-credited echo), page UI noise, inline widgets ("More on:" + tags).
3. Trailing blocks: a list header ("Related articles", "Share this:", "Taboola"…)
   that sits after most of the body's prose and is followed by list material (at
   most one real paragraph) cuts everything after it; elsewhere it is an inline box
   and only it and its items go. An ambiguous header ("More from …", "Read more")
   cuts only when no sentence at all follows it, else it is an in-article heading.
4. Header: a standalone date line and a "By Name" line near the top become
   ``published_at`` / ``byline``; the first headline-like line before the first
   prose paragraph becomes ``title`` (skipping a section kicker such as
   "The South Asia Channel").
5. Duplicates: exact repeats, title echoes, truncated teasers ("…") that repeat
   later text, and pull quotes that repeat body sentences.

Editorial notes written by the publisher about the article (series intros,
"To help readers…" standing intros, author bio lines) are deliberately KEPT: they
are prose about this very article, and rules to remove them would have to key on
wording so loosely that they would sooner or later eat a real lede or last paragraph.

Every rule is a whole-unit decision (keep/drop); text inside a kept paragraph is
never rewritten beyond whitespace, so already clean text passes through unchanged.
"""

from __future__ import annotations

from datetime import datetime

from newsetl.extract.document import Extracted
from newsetl.extract.textdump.rules.boilerplate import drop_consent, drop_page_chrome, drop_trailing_blocks
from newsetl.extract.textdump.rules.header import take_header
from newsetl.extract.textdump.rules.repeats import drop_duplicates
from newsetl.extract.textdump.rules.units import Unit, doc_index, split_units

# Bump when the rules change in a way that changes output on real pages, so rows
# produced by an older cleaner can be found and re-run.
EXTRACTOR = "newsetl-textclean/1"


def _classify(raw: str) -> tuple[list[Unit], str | None, str | None, datetime | None]:
    units = split_units(raw if isinstance(raw, str) else "")
    doc, starts = doc_index(units)
    drop_consent(units, doc, starts)
    drop_page_chrome(units, doc, starts)
    drop_trailing_blocks(units)
    title, byline, published = take_header(units)
    drop_duplicates(units)
    return units, title, byline, published


def clean_text_dump(raw: str) -> Extracted:
    """Clean one plain-text page dump into an article body plus header metadata.

    Never raises on odd input (empty, control characters, huge): the worst case is
    an empty ``text``.
    """
    units, title, byline, published = _classify(raw)
    text = "\n\n".join(u.text for u in units if u.keep)
    return Extracted(
        text=text,
        extractor=EXTRACTOR,
        title=title,
        byline=byline,
        published_at=published,
    )


def classify_text_dump(raw: str) -> tuple[list[tuple[str, str, int]], str | None, str | None, datetime | None]:
    """The rules' verdict on every unit, for the learned line classifier (newsetl.extract.textdump):
    ((decision, unit text, block index) per unit, title, byline, published_at)."""
    units, title, byline, published = _classify(raw)
    return [("keep" if u.keep else u.reason, u.text, u.block) for u in units], title, byline, published


def explain_text_dump(raw: str) -> list[tuple[str, str]]:
    """(decision, unit text) for every unit, for debugging a dump's cleaning by eye:
    decision is "keep" or the rule class that dropped it."""
    units, *_ = _classify(raw)
    return [("keep" if u.keep else u.reason, u.text) for u in units]
