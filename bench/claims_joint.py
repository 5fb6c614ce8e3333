#!/usr/bin/env python3
"""The joint step (D86, ``model/joint.py``) on two held-out folds of train, without a refit.

    .venv/bin/python bench/claims_joint.py DUMP_A DUMP_B [ATTRIBUTION_DIR] [--cache DIR] [--threshold 0.45]
                                           [--rules sibling ...]
    .venv/bin/python bench/claims_joint.py --heldout [ATTRIBUTION_DIR] [--cache DIR] [--fold K] [--threshold 0.45]

``DUMP_A`` and ``DUMP_B`` are ``bench/claims_heldout.py --dump`` outputs of two different
folds. On each fold, the second-stage accept decision is chosen on the other fold's
candidates (``train.choose_decision``, as ``bench/claims_accept.py`` does), its accepted
attributions go through ``joint.resolve`` with each rule set of ``--rules`` (a
comma-separated set per argument; the empty set is always scored first: no joint step),
and are scored through the pipeline's own ``attribution_rows``. Prints
``rules=<set> scored_on=<fold> f1_30=… f1_80=… pred=… m30=… m80=…`` lines.

With ``--heldout``: the full check instead, as ``bench/claims_heldout.py`` makes it (the
model fitted on four fifths of train, the accept decision chosen on a cross-validation
inside them, the pinned ``CONFIG``), the held-out fold scored through ``attribution_rows``
twice from the same fit: the model's ``"joint"`` setting empty (no joint step) and
``joint.DEFAULT``. Prints ``joint=<rules> heldout_f1_30=… heldout_f1_80=…`` lines.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for p in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from claims_accept import _Fixed, load_dump  # noqa: E402
from newsetl.enrich.claims.model import accept as A  # noqa: E402
from newsetl.enrich.claims.model import features as F  # noqa: E402
from newsetl.enrich.claims.model import joint as J  # noqa: E402
from newsetl.enrich.claims.model import train as T  # noqa: E402
from newsetl.enrich.claims.model.extract import attribution_rows  # noqa: E402
from newsetl.enrich.claims.model.scoring import Counts, prf, score_article  # noqa: E402


def decoded_on(preds: list, stage: dict) -> list:
    """Each article's candidates at the stage's floor, with ``accept_prob`` as predict sets it."""
    out = []
    for p in preds:
        found = [a for a in p if a.cue_prob >= stage["floor"]]
        for a in found:
            a.extra["accept_prob"] = A.accept_prob(stage["weights"], a.extra, A.names_of(stage))
        out.append(found)
    return out


def score_rules(samples: list, decoded: list, stage: dict, rules: frozenset[str]) -> Counts:
    """The accepted attributions after the joint step ``rules``, scored through ``attribution_rows``."""
    counts = Counts()
    w, t = stage["weights"], float(stage["threshold"])
    for s, found in zip(samples, decoded):
        found = copy.deepcopy(found)
        kept = J.resolve(F.DocView(s.doc, s.rules), found, lambda e: A.accept_prob(w, e, A.names_of(stage)), t, rules) if found else []
        rows = attribution_rows("0" * 16, s.doc, s.mentions, "joint", s.rules, _Fixed(kept))
        score_article(s.text, s.gold.attributions, rows, s.mentions, counts)
    return counts


def heldout(args: argparse.Namespace) -> int:
    """The full held-out check of one fold, without and with the joint step, one fit."""
    from claims_heldout import fit_held_out, held_out

    samples = T.parse_samples(args.attribution_dir, "train", args.cache)
    fit_on, held = held_out(samples, args.fold)
    model = fit_held_out(fit_on, args.threshold)
    for rules in ((), J.DEFAULT, *(tuple(x for x in r.split(",") if x) for r in args.rules)):
        model.settings["joint"] = list(rules)
        c = Counts()
        for s in held:
            rows = attribution_rows("0" * 16, s.doc, s.mentions, "heldout", s.rules, model)
            score_article(s.text, s.gold.attributions, rows, s.mentions, c)
        p3, r3, f3 = prf(c.match[0.3], c.pred, c.gold)
        f8 = prf(c.match[0.8], c.pred, c.gold)[2]
        acc = c.speaker_ok / c.speaker_n if c.speaker_n else 0.0
        print(f"joint={','.join(rules) or 'none'} fold={args.fold} heldout_f1_30={f3:.4f} heldout_p_30={p3:.4f} "
              f"heldout_r_30={r3:.4f} heldout_f1_80={f8:.4f} heldout_speaker={acc:.4f} pred={c.pred} "
              f"m30={c.match[0.3]} m80={c.match[0.8]}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--heldout", action="store_true", help="the full held-out check of --fold instead of the dumps")
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("paths", nargs="*", type=Path, help="DUMP_A DUMP_B [ATTRIBUTION_DIR], or with --heldout [ATTRIBUTION_DIR]")
    ap.add_argument("--cache", type=Path, default=None, help="the parsed train split (train --cache)")
    ap.add_argument("--threshold", type=float, default=0.45)
    ap.add_argument("--rules", action="append", default=[], help="a comma-separated rule set of joint.RULES")
    args = ap.parse_args(argv)
    default_dir = REPO_ROOT.parent / "shared" / "bench" / "attribution"
    if args.heldout:
        if len(args.paths) > 1:
            ap.error("--heldout takes at most ATTRIBUTION_DIR")
        args.attribution_dir = args.paths[0] if args.paths else default_dir
        return heldout(args)
    if len(args.paths) not in (2, 3):
        ap.error("give DUMP_A DUMP_B [ATTRIBUTION_DIR]")
    args.dump_a, args.dump_b = args.paths[:2]
    args.attribution_dir = args.paths[2] if len(args.paths) == 3 else default_dir
    sets = [frozenset()] + [frozenset(x for x in r.split(",") if x) for r in args.rules]
    for rs in sets:
        if rs - set(J.RULES):
            ap.error(f"unknown rules {sorted(rs - set(J.RULES))}")
    folds = [load_dump(args.dump_a), load_dump(args.dump_b)]
    if folds[0][0] == folds[1][0]:
        ap.error("the two dumps are of the same fold")
    samples = {s.name: s for s in T.parse_samples(args.attribution_dir, "train", args.cache)}
    data = []
    for fold, arts in folds:
        names = sorted(arts)
        data.append((fold, [samples[n] for n in names], [arts[n] for n in names]))
    T.CONFIG["decision"] = "stack"
    for (fa, sa, pa), (fb, sb, pb) in ((data[0], data[1]), (data[1], data[0])):
        stage = T.choose_decision(sa, pa, args.threshold)["accept"]
        decoded = decoded_on(pb, stage)
        for rs in sets:
            c = score_rules(sb, decoded, stage, rs)
            p3, r3, f3 = prf(c.match[0.3], c.pred, c.gold)
            f8 = prf(c.match[0.8], c.pred, c.gold)[2]
            sp = c.speaker_ok / c.speaker_n if c.speaker_n else 0.0
            print(f"rules={','.join(sorted(rs)) or 'none'} chosen_on={fa} scored_on={fb} f1_30={f3:.4f} f1_80={f8:.4f} speaker={sp:.4f} "
                  f"p_30={p3:.4f} r_30={r3:.4f} pred={c.pred} m30={c.match[0.3]} m80={c.match[0.8]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
