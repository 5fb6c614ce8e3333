#!/usr/bin/env python3
"""The gold attributions whose cue the model missed while it accepted a cue inside their
content (nested speech: "expressed amusement [that Mr. Rubio had at last <described> …]"),
and what happened to the outer gold cue (D96).

    .venv/bin/python bench/claims_outer.py INNER HELD [ATTRIBUTION_DIR] --cache DIR [--threshold 0.45] [--examples N]

``INNER`` and ``HELD`` are ``bench/claims_heldout.py --dump-inner`` and ``--dump`` of one
run (one fold). The second stage is chosen on ``INNER`` and applied to ``HELD`` with the
joint step, as ``bench/claims_false.py`` does (its base line reproduces the run's figures).
For each held-out gold attribution with an accepted cue inside its content whose own cue
(``features.cue_anchor``, or any token of the gold cue span) is not accepted, the outer
cue is: no cue candidate at all (part of speech, lemma), scored under 0.2 by the cue
decision (not in the dump), under the stage's floor, decoded and rejected by the second
stage (with its ``nested`` and ``confident_overlap`` inputs), or accepted with a content
the scorer pairs elsewhere. Counted by class, part of speech, relation and lemma, and
whether the inner cue's prediction took that gold at 30%. Then D93's "another cue" rows
(matches at 30% that miss 80% whose predicted cue is not the gold's), split by where the
two cues stand (the predicted cue inside the gold content: the outer gold missed; the gold
cue inside the predicted content: an inner gold missed) and what became of the gold cue.
Dev and test are never read.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for p in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from claims_accept import _inside, cue_matches  # noqa: E402
from claims_false import replay, replay_arguments  # noqa: E402
from claims_heldout import held_out  # noqa: E402
from newsetl.enrich.claims.model import accept as A  # noqa: E402
from newsetl.enrich.claims.model import features as F  # noqa: E402
from newsetl.enrich.claims.model import train as T  # noqa: E402


def gold_cue_state(v: F.DocView, gi: int | None, own: list, cand, stage: dict, nouns: frozenset[str]) -> str:
    """What became of a gold cue: accepted, not a candidate, under 0.2, under the floor, rejected."""
    if own:
        return "accepted (content paired elsewhere)"
    if gi is None:
        return "no gold cue"
    if not F.is_cue_candidate(v, gi, nouns):
        return "not a candidate"
    if cand is None:
        return "candidate, cue p < 0.2"
    if cand.cue_prob < stage["floor"]:
        return "candidate, cue p < the floor"
    if cand.extra["accept_prob"] < float(stage["threshold"]):
        return "decoded, rejected by the second stage"
    return "accepted by the stage, dropped after"


def main(argv: list[str] | None = None) -> int:
    ap = replay_arguments(__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=0, help="print this many outer cues of each class")
    args = ap.parse_args(argv)
    fold, samples, _, _, sh, ph, stage, kept = replay(ap, args)
    fit_on, _ = held_out(samples, fold)
    for p in ph:
        for a in p:
            a.extra["accept_prob"] = A.accept_prob(stage["weights"], a.extra, A.names_of(stage))
    nouns = frozenset(T.cue_nouns_of(fit_on, T.CONFIG["min_cue_noun_count"], T.lexicon_categories()))
    outer: list[dict] = []
    another: Counter = Counter()
    for s, k, cands in zip(sh, kept, ph):
        v = F.DocView(s.doc, s.rules)
        _, cues, _, (m3, m8) = cue_matches(s, k)
        by_gold3 = {j: kk for kk, j in m3.items()}
        m80 = set(m8.values())
        cand_by = {a.cue_i: a for a in cands}
        by_span = {tuple(a.cue): a for a in k}
        for j, g in enumerate(s.gold.attributions):
            gi = F.cue_anchor(s.doc, g.cue, g.content) if g.cue else None
            span = list(g.cue or [])
            own = [a for a in k if a.cue_i == gi or any(x <= a.cue[0] < y for x, y in span)]
            inner = [a for a in k if _inside(a.cue[0], g.content) and all(a is not b for b in own)]
            if not inner:
                continue
            kk = by_gold3.get(j)
            took = kk is not None and by_span.get(cues[kk]) is not None and all(by_span[cues[kk]] is not b for b in own)
            cand = cand_by.get(gi) if gi is not None else None
            outer.append({
                "state": gold_cue_state(v, gi, own, cand, stage, nouns), "own": bool(own), "m80": j in m80, "took": took,
                "lemma": v.lemma[gi] if gi is not None else "-", "pos": v.pos[gi] if gi is not None else "-",
                "dep": v.dep[gi] if gi is not None else "-",
                "example": (" ".join(s.text[a:b] for a, b in span) + f" [{cand.cue_prob:.2f}/{cand.extra['accept_prob']:.2f}]"
                            if cand is not None else " ".join(s.text[a:b] for a, b in span))
                + " :: " + (" ".join(s.doc[gi].sent.text.split())[:200] if gi is not None else ""),
            })
        for kk, j in m3.items():
            g = s.gold.attributions[j]
            a = by_span.get(cues[kk])
            if j in m80 or a is None or any(x <= a.cue[0] < y for x, y in g.cue or []):
                continue
            gi = F.cue_anchor(s.doc, g.cue, g.content) if g.cue else None
            where = ("the predicted cue inside the gold content" if _inside(a.cue[0], g.content) else
                     "the gold cue inside the predicted content" if gi is not None and _inside(v.idx[gi], a.pieces) else "apart")
            own = [b for b in k if b.cue_i == gi or any(x <= b.cue[0] < y for x, y in g.cue or [])]
            another[(where, gold_cue_state(v, gi, own, cand_by.get(gi) if gi is not None else None, stage, nouns))] += 1
    missed = [d for d in outer if not d["own"]]
    print(f"gold attributions with an accepted cue inside their content: {len(outer)}; own cue accepted "
          f"{len(outer) - len(missed)} (matched at 80% {sum(d['m80'] for d in outer if d['own'])})")
    print(f"own cue missed: {len(missed)}, the inner cue's prediction took that gold at 30%: {sum(d['took'] for d in missed)}")
    print("| the outer gold cue | n | inner took it at 30% | part of speech | top lemmas |")
    for state, n in Counter(d["state"] for d in missed).most_common():
        sub = [d for d in missed if d["state"] == state]
        pos = ", ".join(f"{x} {c}" for x, c in Counter(d["pos"] for d in sub).most_common(4))
        lem = ", ".join(f"{x} {c}" for x, c in Counter(d["lemma"] for d in sub).most_common(6))
        print(f"| {state} | {n} | {sum(d['took'] for d in sub)} | {pos} | {lem} |")
    print("top lemmas of the missed outer cues:", ", ".join(f"{x} {c}" for x, c in Counter(d["lemma"] for d in missed).most_common(10)))
    print(f"\nmatches at 30% that miss 80% with another cue than the gold's: {sum(another.values())}")
    for (where, state), n in sorted(another.items(), key=lambda x: (-x[1], x[0])):
        print(f"  {n:4d}  {where} / gold cue {state}")
    if args.examples:
        for state in Counter(d["state"] for d in missed):
            print(f"\n--- {state}")
            for d in [d for d in missed if d["state"] == state][: args.examples]:
                print(f"  {d['lemma']}/{d['pos']}/{d['dep']}: {d['example']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
