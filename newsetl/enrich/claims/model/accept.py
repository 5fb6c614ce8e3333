"""The accept decision: which scored cue candidates become attributions (D81).

The first stage scores each candidate cue alone (``AttributionModel.cue_probs``). On top
of it the model decides either by one cue threshold (``cue_threshold``, as D50 made it)
or, when its settings have ``accept``, by a second-stage logistic over :func:`vector`:
the whole decoded attribution (the cue score and class, the content ranker's confidence,
whether a source was found, whether the rules found the cue, whether the content is
quoted, whether the cue lies inside the content of a more confident cue and has a
subject of its own). It is trained on the out-of-fold candidates of the training's
cross-validation (``train.choose_decision``), with its own threshold; candidates scored
under its ``floor`` are never decoded (run-time cost).

Deterministic and numpy only: the weights are a short list in the model's JSON settings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from newsetl.enrich.claims.cueclass import cue_class

CLASSES = ("speech", "cognition", "document", "other")
# "Nested": inside the content of a cue scored at least this (a fixed first-stage bar, so
# the second stage's inputs do not depend on its own decisions).
NEST_P = 0.5


def candidate_class(v, i: int) -> str:
    """The cue class of candidate token ``i`` from its lemma alone (no source yet)."""
    return cue_class(v.doc[i], None)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


NAMES = ("bias", "cue_logit", *(f"class={c}" for c in CLASSES), *(f"cue_logit*class={c}" for c in CLASSES),
         "content_margin", "content_gap", "content_count", "source", "source_margin", "quoted", "rule",
         "nested", "nested_without_subject", "subject")


def vector(e: dict) -> list[float]:
    """The second stage's inputs for one decoded candidate (``Attribution.extra``)."""
    lg = _logit(e["cue_prob"])
    cls = [1.0 if e["cls"] == c else 0.0 for c in CLASSES]
    return [
        1.0,
        lg,
        *cls,
        *(lg * c for c in cls),
        max(min(e["content_margin"], 10.0), -10.0),
        min(e["content_gap"], 10.0),
        math.log1p(e["n_content"]),
        1.0 if e["source"] else 0.0,
        max(min(e["source_margin"], 10.0), -10.0),
        1.0 if e["quoted"] else 0.0,
        1.0 if e["rule"] else 0.0,
        1.0 if e["nested"] else 0.0,
        1.0 if e["nested"] and not e["subject"] else 0.0,
        1.0 if e["subject"] else 0.0,
    ]


def accept_prob(weights: Sequence[float], e: dict) -> float:
    m = float(np.dot(weights, vector(e)))
    return 1.0 / (1.0 + math.exp(-max(min(m, 30.0), -30.0)))


def fit_stacker(X: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 30) -> np.ndarray:
    """Ridge-penalised logistic regression by Newton steps (deterministic, small: a few
    thousand rows of a few dozen inputs); the bias (column 0) is not penalised."""
    w = np.zeros(X.shape[1])
    pen = np.full(X.shape[1], l2)
    pen[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (p - y) + pen * w
        h = (X * (p * (1 - p))[:, None]).T @ X + np.diag(pen + 1e-9)
        step = np.linalg.solve(h, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def best_threshold(scores: np.ndarray, labels: np.ndarray, gold: int, grid: Sequence[float]) -> tuple[float, float]:
    """The threshold of ``grid`` with the best F1 = 2 * matched / (accepted + gold), each
    candidate counted as matched when its label is 1 (ties: the lower threshold)."""
    best = (-1.0, 0.0)
    for t in grid:
        keep = scores >= t
        f = 2 * float(labels[keep].sum()) / (int(keep.sum()) + gold) if gold else 0.0
        if f > best[0] + 1e-12:
            best = (f, float(t))
    return best[1], best[0]
