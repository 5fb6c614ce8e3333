#!/usr/bin/env python3
"""The accept decision (D81) measured across two held-out folds of PolNeAR train, without
dev and without a decision ever seeing the articles it is scored on.

    .venv/bin/python bench/claims_accept.py DUMP_A DUMP_B [ATTRIBUTION_DIR] --cache DIR
                                            [--threshold 0.45]

``DUMP_A`` and ``DUMP_B`` are ``bench/claims_heldout.py --dump`` outputs of two different
folds (each: the model fitted on the other four fifths, every held-out candidate cue scored
at 0.2 or over, decoded, with the accept decision's inputs). Each decision is chosen on one
fold's held-out candidates (``train.choose_decision``, as ``make train-claims`` chooses it
on the cross-validation's out-of-fold candidates) and scored on the other fold's, both
ways; scoring goes through the pipeline's own ``attribution_rows``, so the fixed-threshold
line equals ``claims_heldout.py``'s figure for that fold. The two held-out fifths share no
article. Decisions: the fixed ``--threshold``; one threshold chosen; one per cue class;
the second-stage logistic (at two ridge strengths); and a decoding rule for nested cues
(a candidate inside a more confident cue's content, with no subject of its own, gets a
threshold of its own). Prints ``<decision> scored_on=<fold> f1_30=… f1_80=…`` lines.
With ``--inputs NAME[,NAME]`` (repeatable; ``base``: none) it measures instead the second
stage with those inputs of ``accept.INPUTS`` added to D81's 20 (D85), each chosen on one
fold and scored on the other; ``lemma_prior`` is computed here, on the choosing fold.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for p in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402

from newsetl.enrich.claims.model import accept as A  # noqa: E402
from newsetl.enrich.claims.model import features as F  # noqa: E402
from newsetl.enrich.claims.model import train as T  # noqa: E402
from newsetl.enrich.claims.model.extract import attribution_rows  # noqa: E402
from newsetl.enrich.claims.model.model import Attribution  # noqa: E402
from newsetl.enrich.claims.model.scoring import Counts, prf, score_article  # noqa: E402


def load_dump(path: Path) -> tuple[int, dict[str, list[Attribution]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    arts = {}
    for name, rows in data["articles"].items():
        out = []
        for d in rows:
            d = dict(d, cue=tuple(d["cue"]), pieces=[tuple(p) for p in d["pieces"]],
                     speaker=tuple(d["speaker"]) if d["speaker"] else None)
            out.append(Attribution(**d))
        arts[name] = out
    return int(data["fold"]), arts


class _Fixed:
    """Stands in for the model inside ``attribution_rows``: the decided attributions."""

    def __init__(self, found: list[Attribution]) -> None:
        self.found = found

    def predict(self, doc, rules_rows, view=None) -> list[Attribution]:
        return copy.deepcopy(self.found)


def pipeline_score(samples: list, preds: list[list[Attribution]], keep) -> tuple[float, float, float, float]:
    counts = Counts()
    for s, p in zip(samples, preds):
        rows = attribution_rows("0" * 16, s.doc, s.mentions, "accept", s.rules, _Fixed([a for a in p if keep(a)]))
        score_article(s.text, s.gold.attributions, rows, s.mentions, counts)
    p3, r3, f3 = prf(counts.match[0.3], counts.pred, counts.gold)
    return f3, prf(counts.match[0.8], counts.pred, counts.gold)[2], p3, r3


def class_thresholds(probs: np.ndarray, classes: Sequence[str], labels: np.ndarray, gold: int,
                     grid: Sequence[float], start: float, rounds: int = 2) -> dict[str, float]:
    """One threshold per cue class (of the candidate's lemma) by coordinate ascent on the
    F1 of ``accept.best_threshold``, from ``start`` for every class (measured, not kept)."""
    cls = np.asarray(classes)
    out = {c: float(start) for c in A.CLASSES}

    def f1(th: dict[str, float]) -> float:
        keep = probs >= np.vectorize(th.get)(cls) if len(cls) else np.zeros(0, bool)
        return 2 * float(labels[keep].sum()) / (int(keep.sum()) + gold) if gold else 0.0

    for _ in range(rounds):
        for c in A.CLASSES:
            if not (cls == c).any():
                continue
            best = (f1(out), out[c])
            for t in grid:
                f = f1({**out, c: float(t)})
                if f > best[0] + 1e-12:
                    best = (f, float(t))
            out[c] = best[1]
    return out


def nested_rule(samples: list, preds: list, threshold: float) -> float:
    """The threshold for nested candidates without a subject, the others at ``threshold``."""
    flat = [a for p in preds for a in p]
    labels = np.array([y for s, p in zip(samples, preds) for y in T.match_labels(s, p)])
    gold = sum(1 for s in samples for g in s.gold.attributions if g.content)
    nest = np.array([a.extra["nested"] and not a.extra["subject"] for a in flat])
    probs = np.array([a.cue_prob for a in flat])
    best = (-1.0, threshold)
    for t in T.CONFIG["thresholds"] + [0.9, 0.95, 1.01]:
        keep = np.where(nest, probs >= t, probs >= threshold)
        f = 2 * float(labels[keep].sum()) / (int(keep.sum()) + gold)
        if f > best[0] + 1e-12:
            best = (f, t)
    return best[1]


def decisions(samples: list, preds: list, threshold: float) -> dict:
    """name -> keep(attribution) for every decision, chosen on ``samples``/``preds``."""
    out = {"fixed": lambda a, t=threshold: a.cue_prob >= t}
    pinned = T.CONFIG["decision"], T.CONFIG["stack_l2"]
    flat = [a for p in preds for a in p]
    labels = np.array([y for s, p in zip(samples, preds) for y in T.match_labels(s, p)])
    gold = sum(1 for s in samples for g in s.gold.attributions if g.content)
    t_glob, _ = A.best_threshold(np.array([a.cue_prob for a in flat]), labels, gold, T.CONFIG["thresholds"])
    out[f"global({t_glob})"] = lambda a, t=t_glob: a.cue_prob >= t
    cls = class_thresholds(np.array([a.cue_prob for a in flat]), [a.extra["cls"] for a in flat], labels, gold,
                           T.CONFIG["thresholds"], threshold)
    out[f"class({cls})"] = lambda a, d=cls: a.cue_prob >= d[a.extra["cls"]]
    T.CONFIG["decision"] = "stack"  # at the pinned stack_floor
    for l2 in (1.0, 30.0):
        T.CONFIG["stack_l2"] = l2
        st = T.choose_decision(samples, preds, threshold)
        out[f"stack(l2={l2},t={st['accept']['threshold']})"] = lambda a, d=st: T.accepted(a, threshold, d)
    T.CONFIG["decision"], T.CONFIG["stack_l2"] = pinned
    tn = nested_rule(samples, preds, threshold)
    out[f"nested_nosubj({tn})"] = lambda a, t=tn: a.cue_prob >= (t if a.extra["nested"] and not a.extra["subject"] else threshold)
    return out


def annotate_dumps(data: list, floor: float) -> None:
    """The D85 inputs (``accept.annotate``) on dumped candidates, over those scored at
    ``floor`` or over (as ``AttributionModel.candidates`` sees them at run time)."""
    for _, samples, preds in data:
        for s, p in zip(samples, preds):
            A.annotate(F.DocView(s.doc, s.rules), [a for a in p if a.cue_prob >= floor])
            for a in p:
                a.extra["lemma"] = s.doc[a.cue_i].lemma_.lower()


def lemma_prior(samples: list, preds: list, fit: list, smooth: float = 5.0) -> None:
    """Each candidate's ``extra["lemma_prior"]``: the smoothed rate at which candidates of
    its lemma in ``samples``/``preds`` (the slice a decision is chosen on) were labelled
    right; leave-one-out for those candidates themselves, the whole slice's rate for the
    ``fit`` (scored) ones."""
    flat = [a for p in preds for a in p]
    labels = [y for s, p in zip(samples, preds) for y in T.match_labels(s, p)]
    mean = sum(labels) / max(len(labels), 1)
    pos: dict[str, float] = {}
    cnt: dict[str, int] = {}
    for a, y in zip(flat, labels):
        pos[a.extra["lemma"]] = pos.get(a.extra["lemma"], 0.0) + y
        cnt[a.extra["lemma"]] = cnt.get(a.extra["lemma"], 0) + 1
    for a, y in zip(flat, labels):
        k = a.extra["lemma"]
        a.extra["lemma_prior"] = (pos[k] - y + smooth * mean) / (cnt[k] - 1 + smooth)
    for a in (a for p in fit for a in p):
        k = a.extra["lemma"]
        a.extra["lemma_prior"] = (pos.get(k, 0.0) + smooth * mean) / (cnt.get(k, 0) + smooth)


A.INPUTS.setdefault("lemma_prior", lambda e: A._logit(e["lemma_prior"]))


def try_inputs(data: list, groups: list[str], threshold: float) -> None:
    """The second stage (pinned floor and ridge) with ``NAMES_V1`` plus each group of
    inputs (comma-separated names of ``accept.INPUTS``), chosen on one fold, scored on the other."""
    pinned = T.CONFIG["decision"], A.NAMES
    T.CONFIG["decision"] = "stack"
    for group in groups:
        extra = tuple(x for x in group.split(",") if x and x != "base")
        A.NAMES = A.NAMES_V1 + extra
        res = []
        for (fa, sa, pa), (fb, sb, pb) in ((data[0], data[1]), (data[1], data[0])):
            if "lemma_prior" in extra:
                lemma_prior(sa, pa, pb)
            st = T.choose_decision(sa, pa, threshold)
            f3, f8, _, _ = pipeline_score(sb, pb, lambda a, d=st: T.accepted(a, threshold, d))
            res.append(f"scored_on={fb} t={st['accept']['threshold']} f1_30={f3:.4f} f1_80={f8:.4f}")
        print(f"inputs +{group}: " + " | ".join(res), flush=True)
    T.CONFIG["decision"], A.NAMES = pinned


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump_a", type=Path)
    ap.add_argument("dump_b", type=Path)
    ap.add_argument("attribution_dir", nargs="?", type=Path, default=REPO_ROOT.parent / "shared" / "bench" / "attribution")
    ap.add_argument("--cache", type=Path, default=None, help="the parsed train split (train --cache)")
    ap.add_argument("--threshold", type=float, default=0.45)
    ap.add_argument("--inputs", action="append", default=[], metavar="NAME[,NAME]",
                    help="measure only the second stage with these inputs added to the first 20 (repeatable; 'base': none)")
    args = ap.parse_args(argv)
    folds = [load_dump(args.dump_a), load_dump(args.dump_b)]
    if folds[0][0] == folds[1][0]:
        ap.error("the two dumps are of the same fold")
    samples = {s.name: s for s in T.parse_samples(args.attribution_dir, "train", args.cache)}
    data = []
    for fold, arts in folds:
        names = sorted(arts)
        data.append((fold, [samples[n] for n in names], [arts[n] for n in names]))
    if args.inputs:
        annotate_dumps(data, float(T.CONFIG["stack_floor"]))
        try_inputs(data, args.inputs, args.threshold)
        return 0
    for (fa, sa, pa), (fb, sb, pb) in ((data[0], data[1]), (data[1], data[0])):
        for name, keep in decisions(sa, pa, args.threshold).items():
            f3, f8, p3, r3 = pipeline_score(sb, pb, keep)
            print(f"{name} chosen_on={fa} scored_on={fb} f1_30={f3:.4f} f1_80={f8:.4f} p_30={p3:.4f} r_30={r3:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
