#!/usr/bin/env python3
"""The false attributions of a held-out fold, sorted into classes; and the full held-out
check replayed from one run's dumps with the joint step, for new second-stage inputs (D94).

    .venv/bin/python bench/claims_false.py INNER HELD [ATTRIBUTION_DIR] --cache DIR
                                           [--threshold 0.45] [--inputs NAME[,NAME]] [--examples N]

``INNER`` and ``HELD`` are ``bench/claims_heldout.py --dump-inner`` and ``--dump`` of one
run (one fold). The second stage is chosen on ``INNER`` (the fit slice's out-of-fold
candidates, as the full check chooses it), applied to ``HELD``'s candidates, and its accepted
attributions go through the joint step (``joint.resolve`` with ``joint.DEFAULT``, as
``AttributionModel.predict`` runs it) and are scored through ``attribution_rows``: the
first line reproduces ``claims_heldout.py``'s figures for that run exactly (``claims_accept.py
--inner`` scores without the joint step). ``--inputs`` (repeatable) adds inputs of
``accept.INPUTS`` to the CONFIG's and prints one more line each.

Then the false attributions (accepted, with a row, matching no gold at 30%) of the base
line, counted by: where the cue stands against the gold cues (a gold cue head: the cue is
right and the content wrong; inside a gold cue span; no gold cue), what the content touches
(no gold content; a gold content another attribution matched; an unmatched gold content,
under 30%), nesting (the cue inside the content of a more confident accepted attribution,
inside a gold content only, neither), the cue's subject, its class and lemma. Dev and test
are never read.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
for p in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from claims_accept import _Fixed, _inside, cue_matches, load_dump  # noqa: E402
from newsetl.enrich.claims.model import accept as A  # noqa: E402
from newsetl.enrich.claims.model import features as F  # noqa: E402
from newsetl.enrich.claims.model import joint as J  # noqa: E402
from newsetl.enrich.claims.model import train as T  # noqa: E402
from newsetl.enrich.claims.model.extract import attribution_rows  # noqa: E402
from newsetl.enrich.claims.model.scoring import Counts, prf, score_article  # noqa: E402

# Subjects of poll results ("60 percent said", "voters say"): D78's false "say".
POLL_SUBJECTS = frozenset({"voter", "percent", "american", "respondent", "people", "majority", "%", "many", "most",
                           "half", "third"})


def choose(samples: list, preds: list, threshold: float, extra: tuple[str, ...]) -> dict:
    """The second stage with the CONFIG's inputs and ``extra``, chosen on ``preds``."""
    saved = dict(T.CONFIG)
    T.CONFIG.update(decision="stack", stack_extra=(*T.CONFIG["stack_extra"], *extra))
    try:
        return T.choose_decision(samples, preds, threshold)["accept"]
    finally:
        T.CONFIG.clear()
        T.CONFIG.update(saved)


def decide(samples: list, preds: list, stage: dict) -> list[list]:
    """Each article's accepted attributions after the joint step, as ``predict`` decides them."""
    names, w, t = A.names_of(stage), stage["weights"], float(stage["threshold"])
    out = []
    for s, p in zip(samples, preds):
        found = copy.deepcopy([a for a in p if a.cue_prob >= stage["floor"]])
        for a in found:
            a.extra["accept_prob"] = A.accept_prob(w, a.extra, names)
        v = F.DocView(s.doc, s.rules)
        out.append(J.resolve(v, found, lambda e: A.accept_prob(w, e, names), t) if found else [])
    return out


def score(samples: list, kept: list[list]) -> Counts:
    counts = Counts()
    for s, k in zip(samples, kept):
        rows = attribution_rows("0" * 16, s.doc, s.mentions, "false", s.rules, _Fixed(k))
        score_article(s.text, s.gold.attributions, rows, s.mentions, counts)
    return counts


def line(label: str, c: Counts, stage: dict) -> str:
    p3, r3, f3 = prf(c.match[0.3], c.pred, c.gold)
    f8 = prf(c.match[0.8], c.pred, c.gold)[2]
    sp = c.speaker_ok / c.speaker_n if c.speaker_n else 0.0
    return (f"inputs={label} t={stage['threshold']} f1_30={f3:.4f} f1_80={f8:.4f} speaker={sp:.4f} p_30={p3:.4f} "
            f"r_30={r3:.4f} pred={c.pred} m30={c.match[0.3]} m80={c.match[0.8]}")


def subject_kind(v: F.DocView, i: int) -> str:
    subj = F.subject_of(v, i)
    if subj is None:
        return "none"
    if v.lemma[subj] in POLL_SUBJECTS:
        return "poll-like (percent, voters)"
    return "can speak (person, org, pronoun)" if F._agent(v, subj) == "agent" else "another noun"


def false_classes(s, kept: list) -> list[dict]:
    """The false attributions of one article (accepted, with a row, no gold at 30%)."""
    toks, cues, gs, (m3,) = cue_matches(s, kept, (0.3,), "false")
    taken = set(m3.values())
    row_of = {c: k for k, c in enumerate(cues)}
    v = F.DocView(s.doc, s.rules)
    heads = T.gold_anchors(s)
    spans = [(a, b) for g in s.gold.attributions for a, b in g.cue]
    out = []
    for a in kept:
        k = row_of.get(tuple(a.cue))
        if k is None or k in m3:
            continue
        i = a.cue_i
        cue = ("gold cue head (content wrong)" if i in heads
               else "inside a gold cue span" if any(x <= a.cue[0] < y for x, y in spans) else "no gold cue")
        mine = toks.of(a.pieces)
        best = max(((len(mine & g) / max(len(mine), len(g)), j) for j, g in enumerate(gs) if g and mine), default=(0.0, -1))
        content = ("touches no gold content" if best[0] == 0 else
                   "overlaps a gold content another attribution matched" if best[1] in taken else
                   "overlaps an unmatched gold content, under 30%")
        if any(b is not a and J.confidence(b) > J.confidence(a) and _inside(a.cue[0], b.pieces) for b in kept):
            nest = "inside a more confident accepted content"
        elif any(_inside(a.cue[0], g.content) for g in s.gold.attributions):
            nest = "inside a gold content only"
        else:
            nest = "neither"
        out.append({"cue": cue, "content": content, "nesting": nest, "subject": subject_kind(v, i),
                    "class": a.extra["cls"], "lemma": v.lemma[i],
                    "example": f"{v.lower[i]} [{a.extra['accept_prob']:.2f}]: " + " ".join(s.doc[i].sent.text.split())[:200]})
    return out


class Replay(NamedTuple):
    """One ``claims_heldout.py`` run replayed from its two dumps: its fold, the parsed train
    split, the fit slice's and the held-out fold's samples and candidates (in name order),
    the second stage chosen on the first and the held-out attributions it and the joint step keep."""

    fold: int
    samples: list
    si: list
    pi: list
    sh: list
    ph: list
    stage: dict
    kept: list


def replay_arguments(description: str) -> argparse.ArgumentParser:
    """The arguments of a replay: the two dumps, the attribution data, the cache, the cue threshold."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("inner", type=Path)
    ap.add_argument("held", type=Path)
    ap.add_argument("attribution_dir", nargs="?", type=Path, default=REPO_ROOT.parent / "shared" / "bench" / "attribution")
    ap.add_argument("--cache", type=Path, default=None, help="the parsed train split (train --cache)")
    ap.add_argument("--threshold", type=float, default=0.45)
    return ap


def replay(ap: argparse.ArgumentParser, args: argparse.Namespace) -> Replay:
    """The run of ``args.inner`` and ``args.held`` replayed (see the module's docstring)."""
    dumps = [load_dump(args.inner), load_dump(args.held)]
    if dumps[0][0] != dumps[1][0]:
        ap.error("INNER and HELD must be the two dumps of one claims_heldout.py run")
    samples = T.parse_samples(args.attribution_dir, "train", args.cache)
    by = {s.name: s for s in samples}
    (si, pi), (sh, ph) = [([by[n] for n in sorted(arts)], [arts[n] for n in sorted(arts)]) for _, arts in dumps]
    for pl in (pi, ph):
        for p in pl:
            A.content_overlap(p)
    stage = choose(si, pi, args.threshold, ())
    return Replay(dumps[1][0], samples, si, pi, sh, ph, stage, decide(sh, ph, stage))


def main(argv: list[str] | None = None) -> int:
    ap = replay_arguments(__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", action="append", default=[], metavar="NAME[,NAME]")
    ap.add_argument("--examples", type=int, default=0, help="print this many false attributions of each cue class")
    args = ap.parse_args(argv)
    _, _, si, pi, sh, ph, stage, kept = replay(ap, args)
    print(line("base", score(sh, kept), stage), flush=True)
    for group in args.inputs:
        extra = tuple(x for x in group.split(",") if x)
        st = choose(si, pi, args.threshold, extra)
        print(line(group, score(sh, decide(sh, ph, st)), st), flush=True)
    false = [d for s, k in zip(sh, kept) for d in false_classes(s, k)]
    print(f"\nfalse attributions (accepted, no gold at 30%): {len(false)} of {sum(len(k) for k in kept)} accepted")
    for dim in ("cue", "content", "nesting", "subject", "class"):
        print(f"| {dim} | " + " | ".join(f"{val} {n}" for val, n in Counter(d[dim] for d in false).most_common()) + " |")
    cross = Counter((d["cue"], d["content"]) for d in false)
    print("| cue × content | " + " | ".join(f"{a} / {b} {n}" for (a, b), n in cross.most_common()) + " |")
    print("| lemma (top 15) | " + ", ".join(f"{val} {n}" for val, n in Counter(d["lemma"] for d in false).most_common(15)) + " |")
    pure = [d for d in false if d["cue"] == "no gold cue" and d["content"] == "touches no gold content"]
    print("| no gold cue, no gold content: lemma | " + ", ".join(f"{val} {n}" for val, n in Counter(d["lemma"] for d in pure).most_common(15)) + " |")
    if args.examples:
        for cue in sorted({d["cue"] for d in false}):
            for d in [d for d in false if d["cue"] == cue][: args.examples]:
                print(f"  [{cue} / {d['content']} / {d['nesting']}] {d['example']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
