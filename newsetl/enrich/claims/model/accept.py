"""The accept decision: which scored cue candidates become attributions (D81).

The first stage scores each candidate cue alone (``AttributionModel.cue_probs``). On top
of it the model decides either by one cue threshold (``cue_threshold``, as D50 made it)
or, when its settings have ``accept``, by a second-stage logistic over :func:`vector`:
the whole decoded attribution (the cue score and class, the content ranker's confidence,
whether a source was found, whether the rules found the cue, whether the content is
quoted, whether the cue lies inside the content of a more confident cue and has a
subject of its own; optionally, D85, how much of its content a more confident cue's
content covers). It is trained on the out-of-fold candidates of the training's
cross-validation (``train.choose_decision``), with its own threshold; candidates scored
under its ``floor`` are never decoded (run-time cost).

Deterministic and numpy only: the weights are a short list in the model's JSON settings.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Sequence

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


def _clip(x: float, lo: float, hi: float) -> float:
    return max(min(x, hi), lo)


# Every input the second stage can read, by name: a function of one candidate's ``extra``.
# A fitted stage stores the names it was fitted on (``accept["inputs"]``); weights saved
# without them are the first 20 (``NAMES_V1``, D81), so they load and decide as before.
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
# Document context and the cue's, content's and source's form (D85); ``annotate`` fills them.
INPUTS.update({
    "sent_candidates": lambda e: math.log1p(e["sent_n"]),
    "sent_confident": lambda e: math.log1p(e["sent_conf"]),
    "para_candidates": lambda e: math.log1p(e["para_n"]),
    "para_confident": lambda e: math.log1p(e["para_conf"]),
    "same_content": lambda e: 1.0 if e["dup_equal"] else 0.0,
    "overlaps_content": lambda e: 1.0 if e["dup_overlap"] else 0.0,
    "content_overlap": lambda e: e["dup_max"],
    "holds_confident": lambda e: 1.0 if e["holds_conf"] else 0.0,
    "first_sentence": lambda e: 1.0 if e["first_sent"] else 0.0,
    "headline": lambda e: 1.0 if e["headline"] else 0.0,
    "paragraph": lambda e: math.log1p(min(e["para"], 30)),
    "cue_noun": lambda e: 1.0 if e["cue_pos"] == "noun" else 0.0,
    "cue_verb": lambda e: 1.0 if e["cue_pos"] == "verb" else 0.0,
    "cue_punct": lambda e: 1.0 if e["cue_pos"] == "punct" else 0.0,
    "future": lambda e: 1.0 if e["future"] else 0.0,
    "question": lambda e: 1.0 if e["question"] else 0.0,
    "negated": lambda e: 1.0 if e["negated"] else 0.0,
    "content_words": lambda e: math.log1p(min(e["content_words"], 200)),
    "content_clause": lambda e: 1.0 if e["content_clause"] else 0.0,
    "fully_quoted": lambda e: 1.0 if e["fully_quoted"] else 0.0,
    "source_person": lambda e: 1.0 if e["source_kind"] == "person" else 0.0,
    "source_org": lambda e: 1.0 if e["source_kind"] == "org" else 0.0,
    "source_pronoun": lambda e: 1.0 if e["source_kind"] == "pronoun" else 0.0,
    "source_noun": lambda e: 1.0 if e["source_kind"] == "noun" else 0.0,
})
# What the second stage reads when trained now: D81's 20. D85's content_overlap passed the
# bench across folds but lost 0.003 at 80% overlap in the full held-out check, so it is an
# option (train.CONFIG["stack_extra"]), computed at run time for it; the others stay out.
NAMES = NAMES_V1


def vector(e: dict, names: Sequence[str] = NAMES) -> list[float]:
    """The second stage's inputs ``names`` for one decoded candidate (``Attribution.extra``)."""
    return [INPUTS[n](e) for n in names]


def names_of(stage: dict) -> tuple[str, ...]:
    """The inputs a fitted second stage reads (``NAMES_V1`` for weights saved without them)."""
    return tuple(stage.get("inputs", NAMES_V1))


def accept_prob(weights: Sequence[float], e: dict, names: Sequence[str] = NAMES_V1) -> float:
    m = float(np.dot(weights, vector(e, names)))
    return 1.0 / (1.0 + math.exp(-max(min(m, 30.0), -30.0)))


_FUTURE = frozenset({"will", "'ll", "shall", "wo"})
_FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})
_PERSON_ENTS = frozenset({"PERSON"})
_ORG_ENTS = frozenset({"ORG", "NORP", "GPE"})
_END_PUNCT = tuple(".?!\"'\u201d\u2019:;)")


def _paragraph_starts(v) -> list[int]:
    starts = v.cache.get("para_starts")
    if starts is None:
        starts = v.cache["para_starts"] = [0] + [m.end() for m in re.finditer(r"\n\s*", v.text)]
    return starts  # type: ignore[return-value]


def _span_overlap(p: Sequence[tuple[int, int]], q: Sequence[tuple[int, int]]) -> float:
    """Shared characters over the longer of the two contents."""
    inter = sum(max(0, min(b, d) - max(a, c)) for a, b in p for c, d in q)
    lp, lq = sum(b - a for a, b in p), sum(d - c for c, d in q)
    return inter / max(lp, lq, 1)


def _source_kind(v, x: int | None) -> str:
    if x is None:
        return "none"
    if v.ent[x] in _PERSON_ENTS:
        return "person"
    if v.ent[x] in _ORG_ENTS:
        return "org"
    if v.pos[x] == "PRON":
        return "pronoun"
    return "noun"


def _cue_form(v, i: int) -> dict:
    pos = v.pos[i]
    kids = v.children[i]
    sent = v.sent_bounds[v.sent_of[i]]
    last = v.lower[sent[1] - 1] if sent[1] > sent[0] else ""
    if last in ('"', "\u201d", "'", "\u2019") and sent[1] - 2 >= sent[0]:
        last = v.lower[sent[1] - 2]
    return {
        "cue_pos": "noun" if pos in ("NOUN", "PROPN") else "verb" if pos in ("VERB", "AUX") else "punct" if pos == "PUNCT" else "other",
        "future": any(v.lower[c] in _FUTURE and v.dep[c] == "aux" for c in kids),
        "negated": any(v.dep[c] == "neg" for c in kids),
        "question": last == "?",
    }


def _content_form(v, pieces: Sequence[tuple[int, int]]) -> dict:
    toks = []
    for a, b in pieces:
        k = v.tok_at(a)
        while k < v.n and v.idx[k] < b:
            if v.end[k] > a:
                toks.append(k)
            k += 1
    words = sum(1 for k in toks if not v.punct[k])
    inside = set(toks)
    clause = any(v.tag[k] in _FINITE and any(v.dep[c] in ("nsubj", "nsubjpass", "expl") and c in inside for c in v.children[k])
                 for k in toks)
    full = bool(pieces) and all(any(q.inner_start <= a and b <= q.inner_end for q in v.quotes.overlapping(a, b)) for a, b in pieces)
    return {"content_words": words, "content_clause": clause, "fully_quoted": full}


def _more_confident(a, b) -> bool:
    """Whether ``b`` is decoded before ``a`` (``AttributionModel.candidates``' order)."""
    return (b.cue_prob, -b.cue_i) > (a.cue_prob, -a.cue_i)


def content_overlap(found: Sequence) -> None:
    """The kept D85 input, in each candidate's ``extra["dup_max"]``: the largest share of
    its content (characters over the longer of the two) that a more confident candidate's
    content covers. A second cue on a content already claimed is mostly a false
    attribution (D81's target counts it so); ``nested`` only sees the cue's position."""
    order = sorted(found, key=lambda a: (-a.cue_prob, a.cue_i))
    seen: list[tuple[int, int, object]] = []  # extent and candidate, most confident first
    for a in order:
        lo, hi = min(x for x, _ in a.pieces), max(y for _, y in a.pieces)
        best = 0.0
        for c, d, b in seen:
            if c < hi and lo < d:  # only contents whose extents meet can share characters
                best = max(best, _span_overlap(a.pieces, b.pieces))  # type: ignore[attr-defined]
        a.extra["dup_max"] = best
        seen.append((lo, hi, a))


def annotate(v, found: Sequence) -> None:
    """All the inputs D85 measured, most not kept (``bench/claims_accept.py --inputs``
    re-measures them; run time computes only :func:`content_overlap`), in each decoded
    candidate's ``extra``:
    how many candidates (and how many scored at ``NEST_P`` or over) share its sentence and
    paragraph, whether a more confident cue claims the same or an overlapping content,
    whether its content holds a more confident cue, its position, the cue's part of speech,
    tense and mood, the content's length and form, and what kind of word the source is."""
    starts = _paragraph_starts(v)
    where = []
    for a in found:
        at = v.idx[a.cue_i]
        where.append((v.sent_of[a.cue_i], bisect.bisect_right(starts, at) - 1))
    for k, a in enumerate(found):
        e = a.extra
        sent, para = where[k]
        others = [(b, w) for j, (b, w) in enumerate(zip(found, where)) if j != k]
        better = [b for b, _ in others if _more_confident(a, b)]
        ov = [_span_overlap(a.pieces, b.pieces) for b in better]
        line_start = starts[para]
        nxt = starts[para + 1] if para + 1 < len(starts) else len(v.text)
        line = v.text[line_start:nxt].rstrip()
        e.update(
            sent_n=sum(1 for _, w in others if w[0] == sent),
            sent_conf=sum(1 for b, w in others if w[0] == sent and b.cue_prob >= NEST_P),
            para_n=sum(1 for _, w in others if w[1] == para),
            para_conf=sum(1 for b, w in others if w[1] == para and b.cue_prob >= NEST_P),
            dup_equal=any(sorted(b.pieces) == sorted(a.pieces) for b in better),
            dup_overlap=any(x >= 0.5 for x in ov),
            holds_conf=any(b.cue_prob >= NEST_P and any(x <= b.cue[0] < y for x, y in a.pieces) for b in better),
            first_sent=sent == 0,
            headline=bool(line) and not line.endswith(_END_PUNCT),
            para=para,
            source_kind=_source_kind(v, a.speaker_i),
            **_cue_form(v, a.cue_i),
            **_content_form(v, a.pieces),
        )
    content_overlap(found)


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
