#!/usr/bin/env python3
"""Score the claims stage on the PolNeAR attribution gold (brat standoff).

Usage (from anywhere):

    .venv/bin/python bench/claims.py [ATTRIBUTION_DIR] [--split dev|train] [--limit N]
                                     [--extractor both|rules|model] [--model DIR]

ATTRIBUTION_DIR defaults to ``../shared/bench/attribution`` relative to the repository
root and holds ``polnear-<split>/text/<name>.txt`` and
``polnear-<split>/attributions/<name>_<annotator>.ann`` (see its README.md). Report on
dev; build and tune on train only. Article texts stay where they are (nothing is copied).

What runs is the pipeline itself: the enrich stage's spaCy pass
(``newsetl.enrich.nlp.load_nlp(CLAIM_COMPONENTS)`` + ``pipe_texts``), the mentions stage
(``newsetl.enrich.mentions.mentions_from_doc``), then the two claim extractors side by side on
the same Docs: the rules alone (``newsetl.enrich.claims.claims_from_doc``) and the trained model
with the rules (``newsetl.enrich.claims.model.extract.attribution_rows``, the shipped weights or
``--model DIR``). Each is timed on its own; the model's words/s is what it adds on top of
the spaCy pass and the rules.

Scoring, as the field does it (SFU Gender Gap Tracker's quote evaluation, PARC-style
partial match), on word tokens (``\\w+``) of the article text:

* gold: one attribution per relation line (E...) of the first annotator file of each
  article that has a Content span; a content may be discontinuous (all its pieces count);
* predicted: claims rows with the same cue span are one attribution (a quote split by
  its attribution is two rows with one cue); their content tokens are pooled;
* overlap of a predicted and a gold content = shared tokens / tokens of the *longer* of
  the two (symmetric: a prediction that swallows a paragraph does not match the short
  gold inside it). The GGT variant (shared / gold tokens) is printed too;
* a prediction matches a gold attribution when overlap >= 0.3 (and, stricter, 0.8);
  pairs are matched one-to-one, best overlap first. P = matched / predicted,
  R = matched / gold, F1 their harmonic mean;
* speaker accuracy (over matches at 0.3): the predicted speaker span overlaps the gold
  Source span, or resolves to the same entity (speaker_entity_id = the entity of a
  mention inside the gold Source span), or both have no speaker.

Per cue class (speech, cognition, document, other: ``cue_class`` of the model's rows;
the same function on the gold cue and source and on the rules' cues): recall of the gold
attributions of that class and precision of the predictions of that class. Then the
worst error classes of each extractor and its speaker errors by class
(``bench/claims_errors.py``).

Prints tables and, as the very last line (the model's figures when it ran):
``claims_f1_30=0.xxx claims_p_30=... claims_r_30=... claims_f1_80=... speaker_acc=... rules_f1_30=...``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "bench" / "attribution"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from newsetl.enrich.claims.model.polnear import GoldArticle, GoldAttribution, load_split  # noqa: E402,F401
from newsetl.enrich.claims.model.scoring import (  # noqa: E402,F401
    Counts,
    Predicted,
    Tokens,
    _match,
    group_rows,
    prf,
    score_article,
    speaker_correct,
)

EXTRACTORS = ("rules", "model")
CLASSES = ("speech", "cognition", "document", "other")


@dataclass
class Sample:
    """What the error analysis needs of one article (bench/claims_errors.py)."""

    name: str
    text: str
    doc: object
    gold: GoldArticle
    rows: dict[str, list[dict]] = field(default_factory=dict)
    mentions: list[dict] = field(default_factory=list)


@dataclass
class ClassCounts:
    gold: Counter = field(default_factory=Counter)
    gold_matched: Counter = field(default_factory=Counter)
    pred: Counter = field(default_factory=Counter)
    pred_matched: Counter = field(default_factory=Counter)


def _token_at(doc, a: int, b: int):
    span = doc.char_span(a, b, alignment_mode="expand")
    return span.root if span is not None and len(span) else None


def gold_classes(doc, gold: Sequence[GoldAttribution]) -> list[str]:
    from newsetl.enrich.claims.cueclass import cue_class
    from newsetl.enrich.claims.model.features import cue_anchor

    out = []
    for g in gold:
        i = cue_anchor(doc, g.cue, g.content) if g.cue else None
        src = _token_at(doc, *g.source[0]) if g.source else None
        out.append(cue_class(doc[i], src) if i is not None else "other")
    return out


def pred_classes(doc, preds: Sequence[Predicted], rows: Sequence[dict]) -> list[str]:
    from newsetl.enrich.claims.cueclass import cue_class

    by_cue = {}
    for r in rows:
        key = (int(r["cue_start"]), int(r["cue_end"]))
        if "cue_class" in r:
            by_cue[key] = r["cue_class"]
        elif key not in by_cue:
            cue = _token_at(doc, *key)
            sp = _token_at(doc, int(r["speaker_start"]), int(r["speaker_end"])) if r.get("speaker_start") is not None else None
            by_cue[key] = cue_class(cue, sp) if cue is not None else "other"
    ordered = sorted(rows, key=lambda r: (r["cue_start"], r["content_start"]))
    keys = list(dict.fromkeys((int(r["cue_start"]), int(r["cue_end"])) for r in ordered))
    return [by_cue[k] for k in keys]


def score_classes(sample: Sample, rows: Sequence[dict], matches: list[tuple[int, int]], cc: ClassCounts) -> None:
    preds = group_rows(rows)
    g_cls = gold_classes(sample.doc, sample.gold.attributions)
    p_cls = pred_classes(sample.doc, preds, rows)
    toks = Tokens(sample.text)
    for j, g in enumerate(sample.gold.attributions):
        if toks.of(g.content):
            cc.gold[g_cls[j]] += 1
    for i, p in enumerate(preds):
        if toks.of(p.content):
            cc.pred[p_cls[i]] += 1
    for i, j in matches:
        cc.gold_matched[g_cls[j]] += 1
        cc.pred_matched[p_cls[i]] += 1


# ----------------------------------------------------------------------------- run
def run(articles: list[GoldArticle], extractors: Sequence[str], model_dir: Path | None, batch_size: int = 16):
    from newsetl.enrich.claims import claims_from_doc, default_lexicon
    from newsetl.enrich.mentions import default_reference
    from newsetl.enrich.mentions import mentions_from_doc
    from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp, pipe_texts

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    nlp = load_nlp(CLAIM_COMPONENTS)
    reference = default_reference()
    lexicon = default_lexicon()
    model = None
    if "model" in extractors:
        from newsetl.enrich.claims.model.extract import attribution_rows
        from newsetl.enrich.claims.model.model import AttributionModel, default_model

        model = AttributionModel.load(model_dir) if model_dir else default_model()
    timings["load"] = time.perf_counter() - t0
    counts = {e: Counts() for e in extractors}
    classes = {e: ClassCounts() for e in extractors}
    samples: list[Sample] = []
    spent = Counter()
    by_name = {a.name: a for a in articles}
    t = time.perf_counter()
    for doc, name in pipe_texts(nlp, ((a.text, a.name) for a in articles), batch_size=batch_size):
        spent["nlp"] += time.perf_counter() - t
        art = by_name[name]
        t1 = time.perf_counter()
        mentions = mentions_from_doc(name[:16], doc, "bench", reference)
        t2 = time.perf_counter()
        rules = claims_from_doc("0" * 16, doc, mentions, "bench", lexicon)
        t3 = time.perf_counter()
        spent["mentions"] += t2 - t1
        spent["rules"] += t3 - t2
        sample = Sample(name, art.text, doc, art, {}, mentions)
        if "rules" in extractors:
            sample.rows["rules"] = rules
        if model is not None:
            sample.rows["model"] = attribution_rows("0" * 16, doc, mentions, "bench", rules, model, lexicon)
            spent["model"] += time.perf_counter() - t3
        for e in extractors:
            matches = score_article(art.text, art.attributions, sample.rows[e], mentions, counts[e])
            score_classes(sample, sample.rows[e], matches, classes[e])
        samples.append(sample)
        t = time.perf_counter()
    timings.update(spent)
    return counts, classes, samples, timings


def _line(label: str, c: Counts) -> str:
    p3, r3, f3 = prf(c.match[0.3], c.pred, c.gold)
    p8, r8, f8 = prf(c.match[0.8], c.pred, c.gold)
    acc = c.speaker_ok / c.speaker_n if c.speaker_n else 0.0
    return f"{label:<10}{c.pred:7d}{p3:7.3f}{r3:7.3f}{f3:7.3f}{p8:7.3f}{r8:7.3f}{f8:7.3f}{acc:9.3f}"


def report(counts: dict[str, Counts], classes: dict[str, ClassCounts], samples: list[Sample], timings: dict[str, float],
           split: str, chars: int, words: int) -> None:
    first = next(iter(counts.values()))
    print(f"PolNeAR {split}: {len(samples)} articles, {chars:,} chars, {first.gold} gold attributions")
    print()
    print(f"{'':<10}{'pred':>7}{'P@.3':>7}{'R@.3':>7}{'F1@.3':>7}{'P@.8':>7}{'R@.8':>7}{'F1@.8':>7}{'speaker':>9}")
    for e, c in counts.items():
        print(_line(e, c))
    print()
    for e, c in counts.items():
        g = c.match_ggt
        print(f"{e}: GGT variant (shared / gold tokens): F1@.3 {prf(g[0.3], c.pred, c.gold)[2]:.3f}, F1@.8 {prf(g[0.8], c.pred, c.gold)[2]:.3f}")
    print()
    print("per cue class (gold class from the gold cue and source; matches at 0.3):")
    print(f"{'':<10}{'class':<11}{'gold':>6}{'R':>7}{'pred':>6}{'P':>7}{'F1':>7}")
    for e, cc in classes.items():
        for cls in CLASSES:
            r = cc.gold_matched[cls] / cc.gold[cls] if cc.gold[cls] else 0.0
            p = cc.pred_matched[cls] / cc.pred[cls] if cc.pred[cls] else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            print(f"{e:<10}{cls:<11}{cc.gold[cls]:6d}{r:7.3f}{cc.pred[cls]:6d}{p:7.3f}{f:7.3f}")
    print()
    for e, c in counts.items():
        print(f"{e}: kinds " + ", ".join(f"{k} {c.pred_kinds[k]} ({c.matched_kinds[k] / c.pred_kinds[k]:.2f})" for k in ("direct", "mixed", "indirect", "according_to") if c.pred_kinds[k]))
    print()
    from claims_errors import analyse, print_report, print_speaker_report, speaker_errors  # bench/claims_errors.py
    from newsetl.enrich.claims.model.train import lexicon_categories

    cats = lexicon_categories()
    for e in counts:
        print(f"---- worst error classes: {e}")
        print_report(analyse(samples, lambda s, e=e: s.rows[e], cats), top=12)
        print_speaker_report(*speaker_errors(samples, lambda s, e=e: s.rows[e], lambda s: s.mentions))
        print()
    print("time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    if timings.get("model"):
        print(f"words/s: spaCy pass {words / timings['nlp']:,.0f}; rules {words / timings['rules']:,.0f}; model on top of the rules {words / timings['model']:,.0f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("attribution_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--split", choices=("dev", "train"), default="dev")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (quick runs)")
    ap.add_argument("--extractor", choices=("both", *EXTRACTORS), default="both")
    ap.add_argument("--model", type=Path, default=None, help="a model folder (default: the shipped weights)")
    args = ap.parse_args(argv)
    articles = load_split(args.attribution_dir, args.split)
    if not articles:
        print(f"no articles under {args.attribution_dir / ('polnear-' + args.split)}", file=sys.stderr)
        return 2
    if args.limit:
        articles = articles[: args.limit]
    extractors = EXTRACTORS if args.extractor == "both" else (args.extractor,)
    t0 = time.perf_counter()
    counts, classes, samples, timings = run(articles, extractors, args.model)
    timings["total"] = time.perf_counter() - t0
    report(counts, classes, samples, timings, args.split, sum(len(a.text) for a in articles), sum(len(a.text.split()) for a in articles))
    main_e = "model" if "model" in counts else "rules"
    c = counts[main_e]
    p, r, f = prf(c.match[0.3], c.pred, c.gold)
    f8 = prf(c.match[0.8], c.pred, c.gold)[2]
    acc = c.speaker_ok / c.speaker_n if c.speaker_n else 0.0
    line = f"claims_f1_30={f:.3f} claims_p_30={p:.3f} claims_r_30={r:.3f} claims_f1_80={f8:.3f} speaker_acc={acc:.3f}"
    if "rules" in counts and main_e == "model":
        line += f" rules_f1_30={prf(counts['rules'].match[0.3], counts['rules'].pred, counts['rules'].gold)[2]:.3f}"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
