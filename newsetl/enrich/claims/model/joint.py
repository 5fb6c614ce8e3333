"""The accepted attributions of one article made consistent with each other (D86).

Each cue is decoded alone and accepted alone (:mod:`accept`); nothing makes two of them
agree on who owns which words. The joint step kept here is a sibling clause:
"X said A, and urged that B", "X dismissed A — saying B", "X said A, while emphasizing
B". The second cue hangs on the first as a sibling clause without a subject of its own
(``conj``, ``advcl`` or ``parataxis`` of the first cue, or of the verb of the clause the
first cue reports, where the parser often hangs a coordinated verb: "said [he makes
$41,000] and questioned"). The first content (its clause, or the rest of the sentence)
runs over it, and so the second stage rejects the second cue as nested in it (the
``nested`` input weighs about -2.3). PolNeAR gives the sibling its own attribution and
ends the first content before it.

So, from the most confident accepted attribution down: a decoded candidate cue that is
such a sibling of its cue, after it and inside one of its content pieces, is scored
again by the second stage as if the first content stopped before the sibling's clause
(``nested`` and the content overlaps of D87 recomputed over the cut content); when the
stage then accepts it, the first content is cut there and the sibling is accepted with
that probability and the first cue's source ("The mayor said …, while emphasizing …":
the mayor's, where the source decision alone picks the subject of the clause it hangs
on, "the city"). A sibling in a gap between the pieces ("“A,” X said, adding. “B.”") is
left alone: PolNeAR keeps both quotes with the first cue. A sibling the stage accepted
anyway leaves the first content as it is (measured: +0.0011 at 80% on one fold, nothing
on the other).

Deterministic, no weights of its own; the model's ``"joint"`` setting (else
:data:`DEFAULT`) names the rules that run, so held-out runs can measure with and without.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model.accept import NEST_P, span_overlap

if TYPE_CHECKING:  # model.py calls this module
    from newsetl.enrich.claims.model.model import Attribution

RULES = ("sibling", "accepted")
DEFAULT: tuple[str, ...] = ("sibling", "accepted")
# Clauses hanging beside what a cue reports, not inside it.
_SIBLING_DEPS = frozenset({"advcl", "conj", "parataxis"})
# The reported clause whose verb a coordinated sibling may hang on instead of the cue.
_REPORTED = frozenset({"ccomp", "xcomp"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "expl"})
# Words a cut content may not end on ("…, and" / "…, but" before the sibling's clause).
_DANGLING = frozenset({"and", "but", "or", "while", "as", "even", "also", "then", "so", "yet", "before", "after"})


def confidence(a: Attribution) -> float:
    return float(a.extra.get("accept_prob", a.cue_prob))


def _inside(pos: int, pieces: Iterable[F.Span]) -> bool:
    return any(a <= pos < b for a, b in pieces)


def _tidy_end(v: F.DocView, a: int, b: int) -> F.Span:
    """[a, b) without separators or a dangling conjunction at its end."""
    while True:
        a, b = v.trim(a, b)
        if b <= a:
            return a, b
        i = v.tok_at(b - 1)
        if v.idx[i] > a and v.end[i] == b and v.lower[i] in _DANGLING:
            b = v.idx[i]
            continue
        return a, b


def cut_pieces(v: F.DocView, a: Attribution, cut: int) -> list[F.Span] | None:
    """``a``'s content pieces ending before character ``cut`` (pieces after it dropped);
    None when no word of its own would be left."""
    kept = []
    for pa, pb in a.pieces:
        if pa >= cut:
            continue
        pa, pb = _tidy_end(v, pa, min(pb, cut))
        if pb > pa:
            kept.append((pa, pb))
    if not v.words(q for p in kept for q in F.minus(p, [a.cue, a.speaker])):
        return None
    return kept


def sibling_cut(v: F.DocView, outer: Attribution, inner: Attribution) -> int | None:
    """Where ``outer``'s content stops for ``inner``, a sibling clause of its cue, or None."""
    i, o = inner.cue_i, outer.cue_i
    if i <= o or v.dep[i] not in _SIBLING_DEPS or not _inside(v.idx[i], outer.pieces):
        return None
    h = v.head[i]
    if not (h == o or (h != i and v.head[h] == o and v.dep[h] in _REPORTED)):
        return None
    if any(v.dep[c] in _SUBJECTS for c in v.children[i]):
        return None  # "… and 60 percent said …": a clause of its own, not a sibling
    return max(v.idx[v.left[i]], outer.cue[1])


def _sibling_index(v: F.DocView, found: Iterable[Attribution]) -> dict[int, list[Attribution]]:
    """The candidates that may be a sibling clause of a cue, by that cue's token, in the
    order of ``found``: a clause of a sibling relation whose head is the cue, or the clause
    the cue reports (what :func:`sibling_cut` asks first). The pairs of cues are looked up,
    not all tried (D101: every accepted cue against every candidate was quadratic)."""
    by_cue: dict[int, list[Attribution]] = {}
    for a in found:
        i = a.cue_i
        if v.dep[i] not in _SIBLING_DEPS:
            continue
        h = v.head[i]
        heads = [h]
        if h != i and v.dep[h] in _REPORTED and v.head[h] != h:
            heads.append(v.head[h])
        for o in heads:
            by_cue.setdefault(o, []).append(a)
    return by_cue


def _against_the_cut(found: list[Attribution], a: Attribution, near: Iterable[Attribution] | None = None) -> dict:
    """The second stage's inputs of ``a`` that read the more confident candidates' contents,
    over the current pieces: ``nested`` (its cue inside such a content scored at ``NEST_P``
    or over) and the content overlaps of :func:`accept.content_overlap`. ``near``: the
    candidates of ``found`` whose contents may hold ``a``'s cue or meet its content (the
    others add nothing); default all."""
    at, key = a.cue[0], (-a.cue_prob, a.cue_i)
    nested, dup_max, dup_conf = False, 0.0, 0.0
    for b in (found if near is None else near):
        if b is a or (-b.cue_prob, b.cue_i) >= key:
            continue
        confident = b.cue_prob >= NEST_P
        nested = nested or (confident and _inside(at, b.pieces))
        x = span_overlap(a.pieces, b.pieces)
        dup_max = max(dup_max, x)
        if confident:
            dup_conf = max(dup_conf, x)
    return {"nested": nested, "dup_max": dup_max, "dup_conf": dup_conf}


def _siblings(v: F.DocView, found: list[Attribution], accepted: set[int], prob: Callable[[dict], float],
              threshold: float) -> None:
    outers = sorted((a for a in found if id(a) in accepted), key=lambda a: (-confidence(a), a.cue_i))
    siblings = _sibling_index(v, found)
    # The contents as they are now: a cut only shortens one, so these extents hold every
    # content that can meet a span (looked up, not scanned: D101).
    extents = F.SpanIndex((min(pa for pa, _ in b.pieces), max(pb for _, pb in b.pieces), k)
                          for k, b in enumerate(found) if b.pieces)
    for outer in outers:
        for inner in siblings.get(outer.cue_i, ()):
            if id(inner) in accepted:
                continue
            cut = sibling_cut(v, outer, inner)
            kept = cut_pieces(v, outer, cut) if cut is not None else None
            if kept is None:
                continue
            before, outer.pieces = outer.pieces, kept
            at = inner.cue[0]
            near = set(extents.overlapping(at, at + 1))
            if inner.pieces:
                near.update(extents.overlapping(min(pa for pa, _ in inner.pieces), max(pb for _, pb in inner.pieces)))
            again = _against_the_cut(found, inner, [found[k] for k in sorted(near)])  # type: ignore[call-overload]
            p = prob(dict(inner.extra, **again))
            if p < threshold:
                outer.pieces = before
                continue
            inner.extra.update(again, accept_prob=p)
            inner.speaker, inner.speaker_i = outer.speaker, outer.speaker_i  # D72: the participle's speaker is the outer's
            accepted.add(id(inner))
            break


def _accepted_siblings(v: F.DocView, found: list[Attribution], accepted: set[int]) -> None:
    """A sibling the stage accepted on its own ends the first content too (D87's stage
    weighs ``nested`` less than D81's, so more siblings pass without the re-score)."""
    chosen = sorted((a for a in found if id(a) in accepted), key=lambda a: (-confidence(a), a.cue_i))
    siblings = _sibling_index(v, chosen)
    for outer in chosen:
        for inner in siblings.get(outer.cue_i, ()):
            cut = sibling_cut(v, outer, inner) if inner is not outer else None
            kept = cut_pieces(v, outer, cut) if cut is not None else None
            if kept is None:
                continue
            outer.pieces = kept
            inner.speaker, inner.speaker_i = outer.speaker, outer.speaker_i


def resolve(v: F.DocView, found: list[Attribution], prob: Callable[[dict], float], threshold: float,
            rules: Iterable[str] = DEFAULT) -> list[Attribution]:
    """The accepted attributions among ``found`` (every decoded candidate of one view, each
    with its ``accept_prob``; ``prob`` scores a candidate's inputs, ``threshold`` accepts),
    after the joint step ``rules`` names. Pieces and ``extra`` of the attributions it
    changes are updated in place; the order of ``found`` is kept."""
    accepted = {id(a) for a in found if a.extra["accept_prob"] >= threshold}
    if "sibling" in rules and len(found) > 1:
        _siblings(v, found, accepted, prob, threshold)
    if "accepted" in rules and len(found) > 1:
        _accepted_siblings(v, found, accepted)
    return [a for a in found if id(a) in accepted]
