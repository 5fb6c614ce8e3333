#!/usr/bin/env python3
"""Error classes of an attribution extractor on PolNeAR (train by default: analysis, not a score).

    .venv/bin/python bench/claims_errors.py [ATTRIBUTION_DIR] [--split train] [--extractor rules|model] [--cache DIR]

For every gold attribution not matched at 30% overlap: why (the extractor has no cue on
the gold cue's head word, by the kind of that word; or it has the cue but another
content); for matches below 80% overlap: too short, too long or shifted, and which edge
is off (starts late or early, ends early or late, a piece of a split gold left out); for every
prediction not matched: a cue the gold does not have (by lemma) or a content elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from newsetl.enrich.claims.model import features as F  # noqa: E402
from newsetl.enrich.claims.model.scoring import Tokens, _match, group_rows  # noqa: E402


def cue_kind(t, lexicon_cats: dict[str, str]) -> str:
    lem = t.lemma_.lower()
    if t.lower_ in F.CUE_PUNCT:
        return "punct (: —)"
    if lem == "accord" or t.lower_ == "according":
        return "according to"
    if t.pos_ in ("NOUN", "PROPN"):
        return "noun" + (" (lexicon)" if lem in lexicon_cats else " (not in lexicon)")
    if t.pos_ in ("VERB", "AUX"):
        cat = lexicon_cats.get(lem) or lexicon_cats.get(t.lower_)
        return f"verb, lexicon {cat}" if cat else "verb, not in lexicon"
    return "other word (" + t.pos_ + ")"


def edge_class(pred: frozenset[int], gold: frozenset[int], gold_pieces: list[frozenset[int]]) -> str:
    """Where a match at 30% but not 80% goes wrong (D72): a piece of a discontinuous gold
    content left out, else which edge is off and which way (word numbers)."""
    pieces = [x for x in gold_pieces if x]
    if len(pieces) > 1 and any(not (x & pred) for x in pieces):
        return "a gold piece left out (split content not joined)"
    start = "starts late" if min(pred) > min(gold) else "starts early" if min(pred) < min(gold) else "start right"
    end = "ends early" if max(pred) < max(gold) else "ends late" if max(pred) > max(gold) else "end right"
    return start + ", " + end


def analyse(samples, rows_of_sample, lexicon_cats) -> dict[str, Counter]:
    out = {k: Counter() for k in ("missed", "partial", "edges", "false", "missed_lemmas", "false_lemmas")}
    for s in samples:
        rows = rows_of_sample(s)
        toks = Tokens(s.text)
        preds = group_rows(rows)
        gold = s.gold.attributions
        ps = [toks.of(p.content) for p in preds]
        gs = [toks.of(g.content) for g in gold]
        m30 = dict((j, i) for i, j in _match(ps, gs, 0.3, ggt=False))
        m80 = {j for _, j in _match(ps, gs, 0.8, ggt=False)}
        cue_tok_of_pred = {}
        for r in rows:
            cue_tok_of_pred.setdefault((int(r["cue_start"]), int(r["cue_end"])), s.doc.char_span(int(r["cue_start"]), int(r["cue_end"]), alignment_mode="expand"))
        pred_heads = {}
        for key, span in cue_tok_of_pred.items():
            if span is not None and len(span):
                pred_heads[span.root.i] = key
        gold_heads = {}
        for j, g in enumerate(gold):
            a = F.cue_anchor(s.doc, g.cue, g.content) if g.cue else None
            if a is not None:
                gold_heads[a] = j
        for j, g in enumerate(gold):
            if not gs[j]:
                continue
            a = F.cue_anchor(s.doc, g.cue, g.content) if g.cue else None
            if j in m30:
                if j not in m80:
                    p = ps[m30[j]]
                    if p < gs[j]:
                        out["partial"]["too short (inside gold)"] += 1
                    elif p > gs[j]:
                        out["partial"]["too long (covers gold)"] += 1
                    else:
                        out["partial"]["shifted / split"] += 1
                    out["edges"][edge_class(p, gs[j], [toks.of([pc]) for pc in g.content])] += 1
                continue
            if a is None:
                out["missed"]["no cue in gold"] += 1
                continue
            t = s.doc[a]
            kind = cue_kind(t, lexicon_cats)
            if a in pred_heads:
                out["missed"]["cue found, content elsewhere"] += 1
            else:
                out["missed"]["no cue: " + kind] += 1
                out["missed_lemmas"][kind + ": " + t.lemma_.lower()] += 1
        matched_preds = set(m30.values())
        for i, p in enumerate(preds):
            if not ps[i] or i in matched_preds:
                continue
            # the prediction's cue head
            head = None
            for h, key in pred_heads.items():
                if any(key == (int(r["cue_start"]), int(r["cue_end"])) for r in rows if [(int(r["content_start"]), int(r["content_end"]))][0] in p.content):
                    head = h
                    break
            if head is not None and head in gold_heads:
                out["false"]["gold cue, content elsewhere (or taken by another)"] += 1
            else:
                t = s.doc[head] if head is not None else None
                lem = t.lemma_.lower() if t is not None else "?"
                out["false"]["cue the gold does not have"] += 1
                out["false_lemmas"][lem] += 1
    return out


def print_report(res: dict[str, Counter], top: int = 25) -> None:
    for key in ("missed", "partial", "edges", "false"):
        total = sum(res[key].values())
        print(f"\n{key} ({total})")
        for k, n in res[key].most_common():
            print(f"  {n:6d}  {k}")
    print(f"\nmost missed cue words (top {top}):")
    print("  " + ", ".join(f"{k} {n}" for k, n in res["missed_lemmas"].most_common(top)))
    print(f"\nmost frequent false cues (top {top}):")
    print("  " + ", ".join(f"{k} {n}" for k, n in res["false_lemmas"].most_common(top)))


def main(argv=None) -> int:
    from newsetl.enrich.claims.model.model import default_model
    from newsetl.enrich.claims.model.train import lexicon_categories, parse_samples

    ap = argparse.ArgumentParser()
    ap.add_argument("attribution_dir", nargs="?", type=Path, default=REPO_ROOT.parent / "shared" / "bench" / "attribution")
    ap.add_argument("--split", choices=("train", "dev"), default="train")
    ap.add_argument("--extractor", choices=("rules", "model"), default="rules")
    ap.add_argument("--cache", type=Path, default=None)
    args = ap.parse_args(argv)
    samples = parse_samples(args.attribution_dir, args.split, args.cache)
    cats = lexicon_categories()
    if args.extractor == "rules":
        rows_of = lambda s: s.rules  # noqa: E731
    else:
        from newsetl.enrich.claims.model.extract import attribution_rows

        model = default_model()
        rows_of = lambda s: attribution_rows("0" * 16, s.doc, s.mentions, "bench", s.rules, model)  # noqa: E731
    print_report(analyse(samples, rows_of, cats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
