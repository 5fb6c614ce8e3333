#!/usr/bin/env python3
"""The attribution model on a held-out slice of PolNeAR train: a quick, seeded measurement
of a training change without touching dev (D72).

    .venv/bin/python bench/claims_heldout.py [ATTRIBUTION_DIR] [--cache DIR] [--fold 0]
                                             [--threshold 0.42] [--set content_power=6] [--dump FILE]

Fits the model (``newsetl.enrich.claims.model.train.fit``, the pinned ``CONFIG`` with the
``--set`` overrides) on four fifths of train and scores the fifth held out (fold ``--fold``
of the training seed's permutation: the same slices as the training's cross-validation)
through the pipeline's own ``attribution_rows``, at a fixed cue threshold. Prints the
figures, then where the matches at 30% that miss 80% go wrong
(``bench/claims_errors.py``'s edge classes); the last line is
``heldout_f1_30=… heldout_f1_80=…``. About 5 minutes (with the global decision) on one core with ``--cache`` (the
parsed train split, as ``train --cache`` writes it), plus the parse the first time.
The accept decision (D81, ``CONFIG["decision"]``, pinned ``"stack"``) is chosen as ``make
train-claims`` chooses it, on a 5-fold cross-validation inside the fit slice (never on the
held-out fifth; five more fits, about three times as long); ``--set decision='"global"'``
scores the cue threshold alone, as before D81.
``--dump`` also writes every held-out candidate cue scored at 0.2 or over, decoded, with
the accept decision's inputs (D81), for ``bench/claims_accept.py``; ``--dump-inner`` the
inner cross-validation's out-of-fold candidates of the fit slice, on which the decision is
chosen (with ``claims_accept.py --inner`` a new input is then measured as this bench
measures it, in seconds; D87). ``--edges FILE`` writes every held-out match at 30% that
misses 80% with both spans (JSON lines) and prints what the extra or missing words are
(``claims_errors.edge_detail``, D93).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for p in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402

from claims_errors import edge_class, edge_detail  # noqa: E402
from newsetl.enrich.claims.model import train as T  # noqa: E402
from newsetl.enrich.claims.model.extract import attribution_rows  # noqa: E402
from newsetl.enrich.claims.model.model import AttributionModel  # noqa: E402
from newsetl.enrich.claims.model.scoring import Counts, Tokens, _match, group_rows, prf, score_article  # noqa: E402


def held_out(samples: list, fold: int) -> tuple[list, list]:
    """(fit on, held out): fold ``fold`` of the seed's permutation, as ``train.cross_validate`` cuts it."""
    order = np.random.default_rng(T.CONFIG["seed"]).permutation(len(samples))
    held = {int(i) for i in order[fold :: T.CONFIG["folds"]]}
    return [s for i, s in enumerate(samples) if i not in held], [s for i, s in enumerate(samples) if i in held]


def held_out_arguments(ap: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments of a held-out measurement: the PolNeAR folder, the parse cache, the fold
    and the cue threshold (shared with ``claims_cue_errors.py``)."""
    ap.add_argument("attribution_dir", nargs="?", type=Path, default=REPO_ROOT.parent / "shared" / "bench" / "attribution")
    ap.add_argument("--cache", type=Path, default=None, help="the parsed train split (train --cache)")
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=0.42)
    return ap


def fit_held_out(fit_on: list, threshold: float, decide: bool = True, oof_out: list | None = None) -> AttributionModel:
    """The model fitted on ``fit_on`` as ``make train-claims`` fits it (the cue nouns counted
    on those articles only), at a fixed cue threshold; with ``decide``, the accept decision
    CONFIG names too (D81), else the cue threshold alone decides. ``oof_out`` (if given)
    gets the inner cross-validation's out-of-fold candidates of ``fit_on``."""
    cats = T.lexicon_categories()
    settings = {"cue_nouns": T.cue_nouns_of(fit_on, T.CONFIG["min_cue_noun_count"], cats), "lexicon_categories": cats,
                "cue_threshold": threshold}
    base = AttributionModel(None, None, None, settings)  # type: ignore[arg-type]
    model = T.fit(fit_on, base, T.CONFIG["seed"])
    model.settings["cue_threshold"] = threshold
    if decide and T.CONFIG["decision"] != "global":
        # The accept decision as make train-claims chooses it: on the out-of-fold
        # candidates of a cross-validation inside the fit slice (five more fits).
        _, cv = T.cross_validate(fit_on, base, T.CONFIG["folds"], T.CONFIG["seed"], oof_out)
        print("inner cross-validation:", json.dumps(cv["decision"]), flush=True)
        model.settings["accept"] = cv["decision"]["accept"]
    return model


def dump_candidates(path: Path, fold: int, held: list, preds: list) -> None:
    """The held-out articles' candidates as JSON: {"fold", "articles": {name: [attribution]}}."""
    arts = {s.name: [dataclasses.asdict(a) for a in p] for s, p in zip(held, preds)}
    path.write_text(json.dumps({"fold": fold, "config": T.CONFIG, "articles": arts}), encoding="utf-8")


def edges(samples: list, rows_list: list) -> Counter:
    out: Counter = Counter()
    for s, rows in zip(samples, rows_list):
        toks = Tokens(s.text)
        preds = group_rows(rows)
        ps = [toks.of(p.content) for p in preds]
        gs = [toks.of(g.content) for g in s.gold.attributions]
        m80 = {j for _, j in _match(ps, gs, 0.8, ggt=False)}
        for i, j in _match(ps, gs, 0.3, ggt=False):
            if j not in m80:
                out[edge_class(ps[i], gs[j], [toks.of([p]) for p in s.gold.attributions[j].content])] += 1
    return out


def edge_details(samples: list, rows_list: list, out: Path) -> Counter:
    """Every match at 30% that misses 80%, with both spans, written to ``out`` (JSON lines)
    and counted by :func:`claims_errors.edge_detail` (D93)."""
    counts: Counter = Counter()
    with out.open("w", encoding="utf-8") as fh:
        for s, rows in zip(samples, rows_list):
            toks = Tokens(s.text)
            cues: dict = {}
            for r in sorted(rows, key=lambda r: (r["cue_start"], r["content_start"])):
                cues.setdefault((int(r["cue_start"]), int(r["cue_end"])), []).append((int(r["content_start"]), int(r["content_end"])))
            keys = list(cues)
            ps = [toks.of(cues[k]) for k in keys]
            gold = s.gold.attributions
            gs = [toks.of(g.content) for g in gold]
            m80 = {j for _, j in _match(ps, gs, 0.8, ggt=False)}
            for i, j in _match(ps, gs, 0.3, ggt=False):
                if j in m80:
                    continue
                g = gold[j]
                labels = edge_detail(s.doc, s.text, toks, ps[i], gs[j], [toks.of([pc]) for pc in g.content], keys[i], list(g.cue or []))
                for lab in labels:
                    counts[lab] += 1
                fh.write(json.dumps({"article": s.name, "labels": labels, "cue": s.text[keys[i][0]:keys[i][1]],
                                     "model": [s.text[a:b] for a, b in cues[keys[i]]],
                                     "gold": [s.text[a:b] for a, b in g.content]}, ensure_ascii=False) + "\n")
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = held_out_arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a CONFIG override")
    ap.add_argument("--dump", type=Path, default=None,
                    help="write the held-out fold's decoded candidates (train.predictions) here, for bench/claims_accept.py")
    ap.add_argument("--dump-inner", type=Path, default=None,
                    help="write the inner cross-validation's out-of-fold candidates of the fit slice here (the ones "
                         "the accept decision is chosen on), for bench/claims_accept.py --inner")
    ap.add_argument("--edges", type=Path, default=None,
                    help="write every match at 30%% that misses 80%% here (JSON lines, both spans) and print what "
                         "the extra or missing words are (claims_errors.edge_detail, D93)")
    args = ap.parse_args(argv)
    for item in args.set:
        key, value = item.split("=", 1)
        if key not in T.CONFIG:
            ap.error(f"no CONFIG key {key!r}")
        T.CONFIG[key] = ast.literal_eval(value)
    samples = T.parse_samples(args.attribution_dir, "train", args.cache)
    fit_on, held = held_out(samples, args.fold)
    inner: list = []
    model = fit_held_out(fit_on, args.threshold, oof_out=inner)
    rows = [attribution_rows("0" * 16, s.doc, s.mentions, "heldout", s.rules, model) for s in held]
    counts = Counts()
    for s, r in zip(held, rows):
        score_article(s.text, s.gold.attributions, r, s.mentions, counts)
    p, r3, f3 = prf(counts.match[0.3], counts.pred, counts.gold)
    f8 = prf(counts.match[0.8], counts.pred, counts.gold)[2]
    print(f"fit on {len(fit_on)} train articles, held out {len(held)} (fold {args.fold}), {counts.gold} gold attributions; "
          f"overrides: {', '.join(args.set) or 'none'}")
    print(f"predicted {counts.pred}, matched at 30% {counts.match[0.3]}, at 80% {counts.match[0.8]}")
    print("matched at 30% only, by edge:")
    for k, n in edges(held, rows).most_common():
        print(f"  {n:6d}  {k}")
    if args.edges is not None:
        print("matched at 30% only, what the extra or missing words are (one count per edge off):")
        for k, n in edge_details(held, rows, args.edges).most_common():
            print(f"  {n:6d}  {k}")
    if args.dump is not None:
        dump_candidates(args.dump, args.fold, held, T.predictions(held, model))
    if args.dump_inner is not None and inner:
        dump_candidates(args.dump_inner, args.fold, fit_on, inner)
    acc = counts.speaker_ok / counts.speaker_n if counts.speaker_n else 0.0
    print(f"heldout_f1_30={f3:.4f} heldout_p_30={p:.4f} heldout_r_30={r3:.4f} heldout_f1_80={f8:.4f} heldout_speaker={acc:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
