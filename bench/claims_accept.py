#!/usr/bin/env python3
"""The accept decision (D81) measured across two held-out folds of PolNeAR train, without
dev and without a decision ever seeing the articles it is scored on.

    .venv/bin/python bench/claims_accept.py DUMP_A DUMP_B [ATTRIBUTION_DIR] --cache DIR
                                            [--threshold 0.45] [--inner] [--inputs NAME[,NAME]]
                                            [--trace NAME[,NAME]] [--set KEY=VALUE]

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
stage with those inputs of ``accept.INPUTS`` added to D81's 20 (D85, D87), each chosen on
one fold and scored on the other. With ``--trace NAME[,NAME]`` it lists the candidates of
the scored fold whose decision flips between D81's stage (its target, its 20 inputs)
and the one with those inputs and the CONFIG as set (D87): each with its cue, class, the two stages'
probabilities, the more confident candidate whose content covers it most, their syntactic
relation and what each matches at 30% and 80%. With ``--inner``, ``DUMP_A`` is
``claims_heldout.py --dump-inner`` of ``DUMP_B``'s fold: each decision is chosen on the
fit slice's inner out-of-fold candidates and scored on the held-out fold, exactly as
``claims_heldout.py`` (without ``--set decision``) measures it, in seconds instead of a
quarter of an hour. ``--set KEY=VALUE`` overrides ``train.CONFIG`` (e.g. the stage's
target).
"""

from __future__ import annotations

import argparse
import ast
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
from newsetl.enrich.claims.model import train as T  # noqa: E402
from newsetl.enrich.claims.model.extract import attribution_rows  # noqa: E402
from newsetl.enrich.claims.model.model import Attribution  # noqa: E402
from newsetl.enrich.claims.model.scoring import Counts, Tokens, _match, group_rows, prf, score_article  # noqa: E402


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


def annotate_dumps(data: list) -> None:
    """The inputs ``AttributionModel.candidates`` adds after decoding, on dumped candidates
    (dumps of code before them lack them), and the variants D87 measured."""
    for _, _, preds in data:
        for p in preds:
            A.content_overlap(p)
            overlap_variants(p)


def _inside(x: int, pieces) -> bool:
    return any(a <= x < b for a, b in pieces)


VARIANTS = ("side", "outer", "inner", "own", "rev", "less", "less_own", "conf7", "conf_side", "conf_outer",
            "conf_inner", "conf_rule", "conf_rev")


def overlap_variants(found: list[Attribution]) -> None:
    """D87's variants of ``content_overlap`` (measured here, not computed at run time), each
    the largest overlap (shared characters over the longer content) with a more confident
    candidate: ``side`` / ``outer`` / ``inner``: split by whether the other cue lies in this
    content (outer), this cue in the other's content (inner) or neither; ``conf_*`` the same
    over candidates scored at ``NEST_P`` or over, ``conf7`` at 0.7, ``conf_rule`` over cues
    the rules found too; ``own`` / ``rev``: shared over this content's / the other's length;
    ``less`` / ``less_own``: with a less confident candidate (the covering side)."""
    order = sorted(found, key=lambda a: (-a.cue_prob, a.cue_i))
    rank = {id(a): k for k, a in enumerate(order)}
    for a in found:
        la = sum(y - x for x, y in a.pieces)
        v = dict.fromkeys(VARIANTS, 0.0)
        for b in found:
            if b is a:
                continue
            inter = sum(max(0, min(y, d) - max(x, c)) for x, y in a.pieces for c, d in b.pieces)
            if not inter:
                continue
            lb = sum(y - x for x, y in b.pieces)
            sym = inter / max(la, lb, 1)
            if rank[id(b)] > rank[id(a)]:  # a less confident one
                v["less"] = max(v["less"], sym)
                v["less_own"] = max(v["less_own"], inter / max(lb, 1))
                continue
            b_in_a, a_in_b = _inside(b.cue[0], a.pieces), _inside(a.cue[0], b.pieces)
            key = "outer" if b_in_a else "inner" if a_in_b else "side"
            v[key] = max(v[key], sym)
            if b.cue_prob >= A.NEST_P:
                v["conf_" + key] = max(v["conf_" + key], sym)
                v["conf_rev"] = max(v["conf_rev"], inter / max(lb, 1))
            if b.cue_prob >= 0.7:
                v["conf7"] = max(v["conf7"], sym)
            if b.extra["rule"]:
                v["conf_rule"] = max(v["conf_rule"], sym)
            v["own"] = max(v["own"], inter / max(la, 1))
            v["rev"] = max(v["rev"], inter / max(lb, 1))
        a.extra.update({f"dup_{k}": x for k, x in v.items()})


for _k in VARIANTS:
    A.INPUTS.setdefault(f"overlap_{_k}", lambda e, k=_k: e[f"dup_{k}"])
A.INPUTS.setdefault("overlap_high", lambda e: 1.0 if e["dup_max"] >= 0.8 else 0.0)
A.INPUTS.setdefault("overlap_sq", lambda e: e["dup_max"] ** 2)
A.INPUTS.setdefault("overlap*nested", lambda e: e["dup_max"] if e["nested"] else 0.0)
A.INPUTS.setdefault("overlap*logit", lambda e: e["dup_max"] * A._logit(e["cue_prob"]))
for _c in A.CLASSES:
    A.INPUTS.setdefault(f"overlap*class={_c}", lambda e, c=_c: e["dup_max"] if e["cls"] == c else 0.0)


D81 = {"stack_target": "greedy"}  # with no extra inputs: D81's stage, the trace's base


def stage(samples: list, preds: list, threshold: float, extra: tuple[str, ...], config: dict | None = None) -> dict:
    """The second stage with ``extra`` inputs, chosen on ``preds``; the CONFIG as set,
    updated with ``config``."""
    saved = dict(T.CONFIG)
    T.CONFIG.update(config or {}, decision="stack", stack_extra=extra)
    try:
        return T.choose_decision(samples, preds, threshold)
    finally:
        T.CONFIG.clear()
        T.CONFIG.update(saved)


def group_names(group: str) -> tuple[str, ...]:
    return tuple(x for x in group.split(",") if x and x != "base")


def directions(data: list, inner: bool) -> list:
    """(chosen on, scored on) pairs: both ways across two folds, or (inner, held out)."""
    return [(data[0], data[1])] if inner else [(data[0], data[1]), (data[1], data[0])]


def try_inputs(data: list, groups: list[str], threshold: float, inner: bool = False) -> None:
    """The second stage with each group of inputs, chosen on one fold, scored on the other
    (with ``inner``: chosen on the fit slice's inner out-of-fold candidates, scored on its
    held-out fold, as ``claims_heldout.py`` measures it)."""
    for group in groups:
        res = []
        for (fa, sa, pa), (fb, sb, pb) in directions(data, inner):
            st = stage(sa, pa, threshold, group_names(group))
            f3, f8, _, _ = pipeline_score(sb, pb, lambda a, d=st: T.accepted(a, threshold, d))
            res.append(f"scored_on={fb} t={st['accept']['threshold']} f1_30={f3:.4f} f1_80={f8:.4f}")
        print(f"inputs +{group}: " + " | ".join(res), flush=True)


def cue_matches(s, found: list[Attribution], overlaps: tuple[float, ...] = (0.3, 0.8), tag: str = "trace"):
    """``found``'s rows in ``s`` matched to the gold as ``score_article`` matches them: the
    text's ``Tokens``, the rows' cue spans in order (a prediction's index), the gold contents
    as token sets, and per overlap the one-to-one match (prediction index -> gold index)."""
    rows = attribution_rows("0" * 16, s.doc, s.mentions, tag, s.rules, _Fixed(found))
    toks = Tokens(s.text)
    ps = [toks.of(p.content) for p in group_rows(rows)]
    gs = [toks.of(g.content) for g in s.gold.attributions]
    cues = sorted({(int(r["cue_start"]), int(r["cue_end"])) for r in rows})
    return toks, cues, gs, [dict(_match(ps, gs, t, ggt=False)) for t in overlaps]


def matched(s, found: list[Attribution]) -> dict[tuple[int, int], tuple[int | None, int | None]]:
    """Cue span -> the gold it matches at 30% and at 80% (one-to-one, as ``score_article``)."""
    _, cues, _, (m3, m8) = cue_matches(s, found)
    return {c: (m3.get(k), m8.get(k)) for k, c in enumerate(cues)}


def relation(doc, a: Attribution, b: Attribution) -> str:
    """How the covering candidate ``b``'s cue stands to ``a``'s."""
    ha, hb = doc[a.cue_i].head.i, doc[b.cue_i].head.i
    if ha == b.cue_i:
        return "b_governs"
    if hb == a.cue_i:
        return "a_governs"
    if ha == hb and ha not in (a.cue_i, b.cue_i):
        return "sibling"
    if any(p <= a.cue[0] < q for p, q in b.pieces):
        return "a_in_b"
    if any(p <= b.cue[0] < q for p, q in a.pieces):
        return "b_in_a"
    return "other"


def status(m: dict, kept: list[Attribution], a: Attribution | None) -> str:
    """What ``a`` matches under a decision: rej(ected), norow (accepted, but every piece
    was another cue's already), no (no match), 30:g<gold> or 80:g<gold>."""
    if a is None:
        return "-"
    if a.cue not in m:
        return "norow" if any(x is a for x in kept) else "rej"
    g3, g8 = m[a.cue]
    return "no" if g3 is None else (f"80:g{g8}" if g8 is not None else f"30:g{g3}")


def covering(found: Sequence) -> list[tuple[float, object]]:
    """For each candidate of ``found`` (in its order): the largest ``accept.span_overlap``
    of its content with a more confident candidate's, and that candidate (None: none)."""
    order = sorted(range(len(found)), key=lambda k: (-found[k].cue_prob, found[k].cue_i))
    out: list[tuple[float, object]] = [(0.0, None)] * len(found)
    for n, k in enumerate(order):
        best: tuple[float, object] = (0.0, None)
        for j in order[:n]:
            x = A.span_overlap(found[k].pieces, found[j].pieces)
            if x > best[0]:
                best = (x, found[j])
        out[k] = best
    return out


def lengths(a: Attribution, b: Attribution | None) -> tuple[int, int, int]:
    """Characters of ``a``'s content, of ``b``'s and shared."""
    la = sum(y - x for x, y in a.pieces)
    if b is None:
        return la, 0, 0
    return la, sum(y - x for x, y in b.pieces), sum(max(0, min(y, d) - max(x, c)) for x, y in a.pieces for c, d in b.pieces)


def trace(data: list, group: str, threshold: float) -> None:
    """The candidates whose decision flips between D81's stage (greedy target, 20 inputs)
    and the one with ``group`` (and the CONFIG as set), chosen on the first slice, on the
    second slice's candidates."""
    (fa, sa, pa), (fb, sb, pb) = data
    base, var = stage(sa, pa, threshold, (), D81), stage(sa, pa, threshold, group_names(group))
    print(f"trace +{group}: chosen on {fa}, scored on {fb}; thresholds {base['accept']['threshold']} / "
          f"{var['accept']['threshold']}; weights +{group}: "
          + json.dumps(dict(zip(var['accept']['inputs'], var['accept']['weights']))))
    flips(sb, pb, base, var, threshold)


def flips(sb: list, pb: list, base: dict, var: dict, threshold: float) -> None:
    """One line per candidate of ``pb`` that ``base`` and ``var`` decide differently."""
    print("flip\tart\tcue\tcls\tcue_p\tp_base\tp_var\tdup\tnested\tsubj\trel\tcover_cue\tcover_p\t"
          "self_base\tself_var\tcover_base\tcover_var\tgold_d30\tgold_d80\tlen\tcover_len\tshared")
    tot = [0, 0]
    for s, p in zip(sb, pb):
        kb = [a for a in p if T.accepted(a, threshold, base)]
        kv = [a for a in p if T.accepted(a, threshold, var)]
        if {a.cue for a in kb} == {a.cue for a in kv}:
            continue
        mb, mv = matched(s, kb), matched(s, kv)
        g3 = len({g for g, _ in mv.values() if g is not None}) - len({g for g, _ in mb.values() if g is not None})
        g8 = len({g for _, g in mv.values() if g is not None}) - len({g for _, g in mb.values() if g is not None})
        tot[0] += g3
        tot[1] += g8
        cov = dict(zip((id(a) for a in p), covering(p)))
        for a in p:
            inb, inv = a.cue in {x.cue for x in kb}, a.cue in {x.cue for x in kv}
            if inb == inv:
                continue
            x, b = cov[id(a)]
            e = a.extra
            print("\t".join(str(v) for v in (
                "+" if inv else "-", s.name[:28], s.text[a.cue[0]:a.cue[1]], e["cls"], round(a.cue_prob, 2),
                round(A.accept_prob(base["accept"]["weights"], e, A.names_of(base["accept"])), 2),
                round(A.accept_prob(var["accept"]["weights"], e, A.names_of(var["accept"])), 2), round(x, 2),
                int(e["nested"]), int(e["subject"]), relation(s.doc, a, b) if b is not None else "-",
                s.text[b.cue[0]:b.cue[1]] if b is not None else "-", round(b.cue_prob, 2) if b is not None else "-",
                status(mb, kb, a), status(mv, kv, a), status(mb, kb, b), status(mv, kv, b), g3, g8,
                *lengths(a, b))), flush=True)
    print(f"trace total: matched gold at 30% {tot[0]:+d}, at 80% {tot[1]:+d}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump_a", type=Path)
    ap.add_argument("dump_b", type=Path)
    ap.add_argument("attribution_dir", nargs="?", type=Path, default=REPO_ROOT.parent / "shared" / "bench" / "attribution")
    ap.add_argument("--cache", type=Path, default=None, help="the parsed train split (train --cache)")
    ap.add_argument("--threshold", type=float, default=0.45)
    ap.add_argument("--inputs", action="append", default=[], metavar="NAME[,NAME]",
                    help="measure only the second stage with these inputs added to D81's 20 (repeatable; 'base': none)")
    ap.add_argument("--trace", default=None, metavar="NAME[,NAME]",
                    help="list the scored fold's candidates whose decision these inputs flip (first dump chooses)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a train.CONFIG override")
    ap.add_argument("--inner", action="store_true",
                    help="DUMP_A is claims_heldout.py --dump-inner of DUMP_B's fold: choose on it, score on DUMP_B only")
    args = ap.parse_args(argv)
    for item in args.set:
        key, value = item.split("=", 1)
        if key not in T.CONFIG:
            ap.error(f"no CONFIG key {key!r}")
        T.CONFIG[key] = ast.literal_eval(value)
    folds = [load_dump(args.dump_a), load_dump(args.dump_b)]
    if (folds[0][0] == folds[1][0]) != args.inner:
        ap.error("--inner takes the inner and held-out dumps of one fold; else two different folds")
    if args.inner:
        folds = [(f"inner{folds[0][0]}", folds[0][1]), (f"held{folds[1][0]}", folds[1][1])]
    samples = {s.name: s for s in T.parse_samples(args.attribution_dir, "train", args.cache)}
    data = []
    for fold, arts in folds:
        names = sorted(arts)
        data.append((fold, [samples[n] for n in names], [arts[n] for n in names]))
    annotate_dumps(data)
    if args.trace:
        trace(data, args.trace, args.threshold)
        return 0
    if args.inputs:
        try_inputs(data, args.inputs, args.threshold, args.inner)
        return 0
    for (fa, sa, pa), (fb, sb, pb) in directions(data, args.inner):
        for name, keep in decisions(sa, pa, args.threshold).items():
            f3, f8, p3, r3 = pipeline_score(sb, pb, keep)
            print(f"{name} chosen_on={fa} scored_on={fb} f1_30={f3:.4f} f1_80={f8:.4f} p_30={p3:.4f} r_30={r3:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
