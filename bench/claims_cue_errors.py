#!/usr/bin/env python3
"""Where the attribution model's cue decision errs, on a held-out slice of PolNeAR train (D78).

    .venv/bin/python bench/claims_cue_errors.py [ATTRIBUTION_DIR] [--cache DIR] [--fold 0]
                                               [--threshold 0.42] [--model DIR] [--save DIR]

Fits the model on four fifths of train as ``bench/claims_heldout.py`` does (or loads one
fitted that way with ``--model``; ``--save`` keeps the fit for the next run) and, on the
fifth held out, sorts the gold cue heads (``features.cue_anchor``) into found (a candidate
scored at or over the threshold), under the threshold, or not a candidate; and the
predicted attributions (the pipeline's rows) whose cue token is no gold cue head ("false
cues"). Both are counted by cue class, part of speech, relation, how often the lemma is a
gold cue in the fit slice, nesting under another cue, place in the sentence (the first
line is the headline), the subject's kind, the clausal complement, the shape ("according
to", "in a poll", a colon or dash, a noun) and whether another candidate of the sentence
is over the threshold. Prints one table (markdown) and the lemmas missed and wrongly
found most often. Dev and test are never read.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for p in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from claims_heldout import fit_held_out, held_out, held_out_arguments  # noqa: E402
from newsetl.enrich.claims.cueclass import CUE_PUNCT, cue_class, cue_class_table  # noqa: E402
from newsetl.enrich.claims.model import features as F  # noqa: E402
from newsetl.enrich.claims.model import train as T  # noqa: E402
from newsetl.enrich.claims.model.extract import attribution_rows  # noqa: E402
from newsetl.enrich.claims.model.model import AttributionModel  # noqa: E402
from newsetl.enrich.claims.model.scoring import Counts, prf, score_article  # noqa: E402

DIMENSIONS = {
    "class": "cue class",
    "pos": "part of speech",
    "dep": "relation",
    "lemma_count": "lemma's gold cues in the fit slice",
    "quoted": "inside quotation marks",
    "nested": "under another cue (4 steps up)",
    "place": "place in the sentence",
    "subject": "subject",
    "complement": "clausal complement",
    "shape": "shape",
    "rival": "another candidate of the sentence over the threshold",
}


def _count_bucket(n: int) -> str:
    return "0" if n == 0 else "1-2" if n <= 2 else "3-9" if n <= 9 else "10-49" if n <= 49 else "50+"


def _headline_end(text: str) -> int:
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    return end if end >= 0 else len(text)


def describe(v: F.DocView, i: int, gold_heads: set[int], probs: dict[int, float], threshold: float,
             lemma_counts: Counter, headline_end: int) -> dict[str, object]:
    """The dimensions of one cue token (besides its class)."""
    h, nested = i, "no"
    for _ in range(4):
        if v.head[h] == h:
            break
        h = v.head[h]
        if h in gold_heads:
            nested = "under a gold cue"
            break
        if probs.get(h, 0.0) >= threshold:
            nested = "under a predicted cue"
            break
    sa, sb = v.sent_bounds[v.sent_of[i]]
    if v.idx[i] < headline_end:
        place = "headline"
    else:
        place = "first 3 tokens" if i - sa <= 2 else "last 3 tokens" if sb - i <= 3 else "middle"
    subj = F.subject_of(v, i)
    subject = "none" if subj is None else "document" if v.lemma[subj] in cue_class_table().document_sources else F._agent(v, subj)
    low, pos = v.lower[i], v.pos[i]
    shape = ("according to" if low == "according" else "colon or dash" if low in CUE_PUNCT
             else "preposition (in a poll, to many)" if pos == "ADP" else "noun" if pos in ("NOUN", "PROPN") else "verb, adjective")
    return {
        "pos": pos,
        "dep": v.dep[i],
        "lemma_count": _count_bucket(lemma_counts[v.lemma[i]]),
        "quoted": v.quotes.at(v.idx[i]) is not None,
        "nested": nested,
        "place": place,
        "subject": subject,
        "complement": next((v.dep[c] for c in v.children[i] if v.dep[c] in ("ccomp", "xcomp")), "none"),
        "shape": shape,
        "rival": any(probs.get(j, 0.0) >= threshold for j in range(sa, sb) if j != i),
    }


def main(argv: list[str] | None = None) -> int:
    ap = held_out_arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    ap.add_argument("--model", type=Path, default=None, help="a model fitted on the same four fifths (--save)")
    ap.add_argument("--save", type=Path, default=None, help="keep the fitted model here")
    ap.add_argument("--rows", type=int, default=8, help="values shown per dimension")
    args = ap.parse_args(argv)
    samples = T.parse_samples(args.attribution_dir, "train", args.cache)
    fit_on, held = held_out(samples, args.fold)
    if args.model is not None:
        model = AttributionModel.load(args.model)
    else:
        model = fit_held_out(fit_on, args.threshold, decide=False)  # the cue threshold's errors
        if args.save is not None:
            model.save(args.save)
    thr = args.threshold
    model.settings["cue_threshold"] = thr
    lemma_counts: Counter = Counter()
    for s in fit_on:
        for i in T.gold_anchors(s):
            lemma_counts[s.doc[i].lemma_.lower()] += 1
    gold_rows: list[dict] = []
    false_rows: list[dict] = []
    counts = Counts()
    inside_span = {"negatives": 0, "negatives in a gold cue span": 0, "false in a gold cue span": 0,
                   "non-candidate heads with a candidate in their span": 0}
    for s in held:
        v = F.DocView(s.doc, s.rules)
        probs = dict(model.cue_probs(v))
        heads = T.gold_anchors(s)
        head_set = set(heads)
        end = _headline_end(v.text)
        for i, j in heads.items():
            g = s.gold.attributions[j]
            src = s.doc.char_span(*g.source[0], alignment_mode="expand") if g.source else None
            d = describe(v, i, head_set - {i}, probs, thr, lemma_counts, end)
            d["class"] = cue_class(s.doc[i], src.root if src is not None and len(src) else None)
            d["status"] = "not a candidate" if i not in probs else "under" if probs[i] < thr else "found"
            d["lemma"] = v.lemma[i]
            gold_rows.append(d)
            if i not in probs and any(k in probs for a, b in g.cue for k in range(v.tok_at(a), v.n) if v.idx[k] < b):
                inside_span["non-candidate heads with a candidate in their span"] += 1
        spans = [(a, b) for g in s.gold.attributions for a, b in g.cue]
        for i, p in probs.items():
            if i not in head_set:
                inside_span["negatives"] += 1
                inside_span["negatives in a gold cue span"] += any(a <= v.idx[i] < b for a, b in spans)
        rows = attribution_rows("0" * 16, s.doc, s.mentions, "heldout", s.rules, model)
        score_article(s.text, s.gold.attributions, rows, s.mentions, counts)
        seen = set()
        for r in rows:
            key = (int(r["cue_start"]), int(r["cue_end"]))
            i = v.tok_at(key[0])
            if key in seen or i in head_set:
                continue
            seen.add(key)
            d = describe(v, i, head_set, probs, thr, lemma_counts, end)
            d["class"] = r["cue_class"]
            d["lemma"] = v.lemma[i]
            false_rows.append(d)
            inside_span["false in a gold cue span"] += any(a <= v.idx[i] < b for a, b in spans)
    p, r, f = prf(counts.match[0.3], counts.pred, counts.gold)
    status = Counter(d["status"] for d in gold_rows)
    print(f"fold {args.fold}, threshold {thr}: heldout_f1_30={f:.4f} (P {p:.4f}, R {r:.4f}) "
          f"heldout_f1_80={prf(counts.match[0.8], counts.pred, counts.gold)[2]:.4f}")
    print(f"gold cue heads {len(gold_rows)}: found {status['found']}, under the threshold {status['under']}, "
          f"not candidates {status['not a candidate']}; predicted attributions {counts.pred}, false cues {len(false_rows)}")
    print(", ".join(f"{k} {n}" for k, n in inside_span.items()))
    print("\n| dimension | value | gold | not a candidate | under threshold | found (recall) | false cues |")
    print("|---|---|---|---|---|---|---|")
    for dim, name in DIMENSIONS.items():
        by: dict[object, Counter] = defaultdict(Counter)
        for d in gold_rows:
            by[d[dim]][d["status"]] += 1
        false = Counter(d[dim] for d in false_rows)
        values = sorted(set(by) | set(false), key=lambda x: -(sum(by[x].values()) + false[x]))[: args.rows]
        for k, val in enumerate(values):
            n = sum(by[val].values())
            c = by[val]
            print(f"| {name if k == 0 else ''} | {val} | {n:,} | {c['not a candidate']} | {c['under']} | "
                  f"{c['found']:,} ({c['found'] / max(n, 1):.2f}) | {false[val]} |")
    missed = Counter((d["class"], d["lemma"]) for d in gold_rows if d["status"] != "found")
    wrong = Counter((d["class"], d["lemma"]) for d in false_rows)
    print("\nmissed most often:", ", ".join(f"{lem} ({c}) {n}" for (c, lem), n in missed.most_common(25)))
    print("false most often:", ", ".join(f"{lem} ({c}) {n}" for (c, lem), n in wrong.most_common(25)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
