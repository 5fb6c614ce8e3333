"""A whole-page text dump to its article: rules, a learned line classifier, templates (D43, D44).

``rules`` (hand-written rules, D13) judges every unit of the dump first; its
verdicts become features of a line classifier (``features``, ``model``) trained on dumps
of the benchmark pages (``bench/train_textdump.py``). The classifier gives each unit a
probability of being article body, and among the units the rules kept the article is
taken as a span: between the first
and the last unit the model is sure of (``SURE``), every unit above ``INSIDE`` is kept
(headings, short paragraphs, list items of the article); outside it only units above
``OUTSIDE``. When no unit is sure, everything above ``INSIDE`` is kept: with no
evidence, losing body text is worse than keeping boilerplate. The three values were
chosen by cross-validation grouped by site (docs/decisions.md D43).

``Templates`` (optional) drops the lines an outlet repeats across its dumps.
"""

from __future__ import annotations

import numpy as np

from newsetl.extract.document import Extracted
from newsetl.extract.textdump import model as _model
from newsetl.extract.textdump.features import Unit, unit_features
from newsetl.extract.textdump.rules import classify_text_dump
from newsetl.extract.textdump.templates import Templates

EXTRACTOR = "newsetl-textdump/1"
SURE = 0.9
INSIDE = 0.05
OUTSIDE = 0.5

def units_of(raw: str) -> tuple[list[Unit], str | None, str | None, object]:
    verdicts, title, byline, published = classify_text_dump(raw)
    return [Unit(text, rule, block) for rule, text, block in verdicts], title, byline, published


def keep_mask(probability: np.ndarray, units: list[Unit]) -> np.ndarray:
    """Which units are article body: the span rule over the classifier's probabilities,
    among the units the rules kept (a unit a rule dropped -- a banner, a credit, a
    trailing list, the title taken as metadata -- stays dropped)."""
    rules_keep = np.array([u.rule == "keep" for u in units], dtype=bool)
    sure = np.flatnonzero(probability >= SURE)
    if not len(sure):
        return rules_keep & (probability >= INSIDE)
    position = np.arange(len(probability))
    inside = (position >= sure[0]) & (position <= sure[-1])
    return rules_keep & np.where(inside, probability >= INSIDE, probability >= OUTSIDE)


def clean_dump(raw: str, templates: Templates | None = None, outlet: str | None = None) -> Extracted:
    """Article text and header metadata of one plain-text page dump.

    With ``templates`` (already holding this dump, see ``Templates.learn``) and its
    ``outlet``, lines the outlet repeats across its dumps are dropped too.
    Never raises on odd input: the worst case is an empty ``text``.
    """
    units, title, byline, published = units_of(raw if isinstance(raw, str) else "")
    if not units:
        return Extracted(text="", extractor=EXTRACTOR, title=title, byline=byline, published_at=published)
    keep = keep_mask(_model.load().probability(unit_features(units)), units)
    if templates is not None and outlet is not None:
        keep &= np.array([not templates.is_template(outlet, u.text) for u in units])
    text = "\n\n".join(u.text for u, k in zip(units, keep) if k)
    return Extracted(text=text, extractor=EXTRACTOR, title=title, byline=byline, published_at=published)
