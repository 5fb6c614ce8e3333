"""The accept decision: which scored cue candidates become attributions (D81).

The first stage scores each candidate cue alone (``AttributionModel.cue_probs``). On top
of it the model decides either by one cue threshold (``cue_threshold``, as D50 made it)
or, when its settings have ``accept``, by a second-stage logistic over :func:`vector`:
the whole decoded attribution (the cue score and class, the content ranker's confidence,
whether a source was found, whether the rules found the cue, whether the content is
quoted, whether the cue lies inside the content of a more confident cue and has a
subject of its own). It is trained on the out-of-fold candidates of the training's
cross-validation (``train.choose_decision``), with its own threshold; candidates scored
under its ``floor`` are never decoded (run-time cost). Its inputs are named
(:data:`INPUTS`); a fitted stage saves the names it reads, weights saved without them read
D81's 20 (:data:`NAMES_V1`). D85/D87 add how much of a candidate's content a more
confident candidate's content already covers (:func:`content_overlap`).

Deterministic and numpy only: the weights are a short list in the model's JSON settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from newsetl.enrich.claims.cueclass import cue_class
from newsetl.enrich.claims.model.features import SpanIndex

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


def _clip(x: float, lo: float, hi: float) -> float:
    return max(min(x, hi), lo)


# Every input the second stage can read, by name: a function of one candidate's ``extra``.
# A fitted stage stores the names it was fitted on (``accept["inputs"]``); weights saved
# without them are D81's 20 (``NAMES_V1``), so they load and decide as before.
INPUTS: dict[str, Callable[[dict], float]] = {
    "bias": lambda e: 1.0,
    "cue_logit": lambda e: _logit(e["cue_prob"]),
    **{f"class={c}": (lambda e, c=c: 1.0 if e["cls"] == c else 0.0) for c in CLASSES},
    **{f"cue_logit*class={c}": (lambda e, c=c: _logit(e["cue_prob"]) if e["cls"] == c else 0.0) for c in CLASSES},
    "content_margin": lambda e: _clip(e["content_margin"], -10.0, 10.0),
    "content_gap": lambda e: min(e["content_gap"], 10.0),
    "content_count": lambda e: math.log1p(e["n_content"]),
    "source": lambda e: 1.0 if e["source"] else 0.0,
    "source_margin": lambda e: _clip(e["source_margin"], -10.0, 10.0),
    "quoted": lambda e: 1.0 if e["quoted"] else 0.0,
    "rule": lambda e: 1.0 if e["rule"] else 0.0,
    "nested": lambda e: 1.0 if e["nested"] else 0.0,
    "nested_without_subject": lambda e: 1.0 if e["nested"] and not e["subject"] else 0.0,
    "subject": lambda e: 1.0 if e["subject"] else 0.0,
}
NAMES_V1 = tuple(INPUTS)
# How much of the content a more confident candidate already claims (D85, D87; filled by
# :func:`content_overlap`, which ``AttributionModel.candidates`` runs).
INPUTS.update({
    "content_overlap": lambda e: e["dup_max"],
    "confident_overlap": lambda e: e["dup_conf"],
})
NAMES = NAMES_V1


def vector(e: dict, names: Sequence[str] = NAMES_V1) -> list[float]:
    """The second stage's inputs ``names`` for one decoded candidate (``Attribution.extra``)."""
    return [INPUTS[n](e) for n in names]


def names_of(stage: dict) -> tuple[str, ...]:
    """The inputs a fitted second stage reads (``NAMES_V1`` for weights saved without them)."""
    return tuple(stage.get("inputs", NAMES_V1))


def accept_prob(weights: Sequence[float], e: dict, names: Sequence[str] = NAMES_V1) -> float:
    m = float(np.dot(weights, vector(e, names)))
    return 1.0 / (1.0 + math.exp(-max(min(m, 30.0), -30.0)))


def span_overlap(p: Sequence[tuple[int, int]], q: Sequence[tuple[int, int]]) -> float:
    """Shared characters over the longer of the two contents."""
    inter = sum(max(0, min(b, d) - max(a, c)) for a, b in p for c, d in q)
    lp, lq = sum(b - a for a, b in p), sum(d - c for c, d in q)
    return inter / max(lp, lq, 1)


def content_overlap(found: Sequence) -> None:
    """Each candidate's ``extra["dup_max"]``: the largest share of its content (characters
    over the longer of the two) that a more confident candidate's content covers (D85), and
    ``extra["dup_conf"]``: the same over more confident candidates scored at ``NEST_P`` or
    over (D87). A second cue on a content already claimed is mostly a false attribution,
    unless its content is the one the gold credits (D87's target tells the two apart);
    ``nested`` only sees where the cue stands. Candidates are taken in
    ``AttributionModel.candidates``' decoding order."""
    order = sorted(found, key=lambda a: (-a.cue_prob, a.cue_i))
    # Only contents whose extents meet can share characters: each candidate is compared
    # with the more confident ones whose extents meet its own (an index of the extents,
    # not a scan of every candidate before it: D101).
    extents = [(min(x for x, _ in a.pieces), max(y for _, y in a.pieces)) for a in order]
    index = SpanIndex((lo, hi, rank) for rank, (lo, hi) in enumerate(extents))
    for rank, a in enumerate(order):
        lo, hi = extents[rank]
        best = conf = 0.0
        for r in index.overlapping(lo, hi):
            if r >= rank:  # type: ignore[operator]
                continue
            b = order[r]  # type: ignore[index]
            x = span_overlap(a.pieces, b.pieces)
            best = max(best, x)
            if b.cue_prob >= NEST_P:
                conf = max(conf, x)
        a.extra["dup_max"], a.extra["dup_conf"] = best, conf


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
