#!/usr/bin/env python3
"""Score the claims stage on the PolNeAR attribution gold (brat standoff).

Usage (from anywhere):

    .venv/bin/python bench/claims.py [ATTRIBUTION_DIR] [--split dev|train] [--limit N]

ATTRIBUTION_DIR defaults to ``../shared/bench/attribution`` relative to the repository
root and holds ``polnear-<split>/text/<name>.txt`` and
``polnear-<split>/attributions/<name>_<annotator>.ann`` (see its README.md). Report on
dev; build and tune on train only. Article texts stay where they are (nothing is copied).

What runs is the pipeline itself: the enrich stage's spaCy pass
(``newsetl.enrich.nlp.load_nlp(CLAIM_COMPONENTS)`` + ``pipe_texts``), the mentions stage
(``newsetl.enrich.mentions.mentions_from_doc``), then ``newsetl.enrich.claims.claims_from_doc``.

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

Prints a table and, as the very last line:
``claims_f1_30=0.xxx claims_p_30=... claims_r_30=... speaker_acc=...``
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "bench" / "attribution"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

_TOKEN = re.compile(r"\w+")
Span = tuple[int, int]


# ----------------------------------------------------------------------------- gold
@dataclass
class GoldAttribution:
    content: list[Span]
    source: list[Span]
    cue: list[Span]


@dataclass
class GoldArticle:
    name: str
    text: str
    attributions: list[GoldAttribution] = field(default_factory=list)


def _pieces(offsets: str) -> list[Span]:
    out = []
    for part in offsets.split(";"):
        a, b = part.split()
        out.append((int(a), int(b)))
    return out


def parse_ann(raw: str) -> list[GoldAttribution]:
    """Relations of one brat .ann file -> attributions (those with a Content)."""
    spans: dict[str, tuple[str, list[Span]]] = {}
    relations: list[dict[str, str]] = []
    for line in raw.splitlines():
        if line.startswith("T") and "\t" in line:
            parts = line.split("\t")
            if len(parts) < 2 or " " not in parts[1]:
                continue
            label, offsets = parts[1].split(" ", 1)
            try:
                spans[parts[0]] = (label, _pieces(offsets))
            except ValueError:
                continue
        elif line.startswith("E") and "\t" in line:
            roles = {}
            for item in line.split("\t")[1].split():
                if ":" in item:
                    role, ref = item.split(":", 1)
                    roles[role] = ref
            relations.append(roles)
    out = []
    for r in relations:
        if "Content" not in r or r["Content"] not in spans:
            continue
        content = spans[r["Content"]][1]
        source = spans[r["Source"]][1] if r.get("Source") in spans else []
        cue = spans[r["Cue"]][1] if r.get("Cue") in spans else []
        out.append(GoldAttribution(content, source, cue))
    return out


def load_split(root: Path, split: str) -> list[GoldArticle]:
    base = root / f"polnear-{split}"
    by_name: dict[str, list[Path]] = defaultdict(list)
    for ann in sorted((base / "attributions").glob("*.ann")):
        by_name[ann.stem.rsplit("_", 1)[0]].append(ann)
    articles = []
    for name in sorted(by_name):
        txt = base / "text" / f"{name}.txt"
        if not txt.exists():
            continue
        ann = sorted(by_name[name])[0]  # one annotator per article
        articles.append(GoldArticle(name, txt.read_text(encoding="utf-8"), parse_ann(ann.read_text(encoding="utf-8"))))
    return articles


# ----------------------------------------------------------------------------- scoring
class Tokens:
    """Word tokens of one text; spans -> sets of token numbers."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for m in _TOKEN.finditer(text):
            self.starts.append(m.start())
            self.ends.append(m.end())

    def of(self, spans: Iterable[Span]) -> frozenset[int]:
        out: set[int] = set()
        for a, b in spans:
            i = bisect.bisect_right(self.ends, a)  # first token ending after a
            while i < len(self.starts) and self.starts[i] < b:
                out.add(i)
                i += 1
        return frozenset(out)


@dataclass
class Predicted:
    content: list[Span]
    speaker: Span | None
    speaker_entity_id: str | None
    kind: str


def group_rows(rows: Sequence[dict]) -> list[Predicted]:
    """Claim rows -> attributions: rows sharing a cue span are one attribution."""
    by_cue: dict[Span, Predicted] = {}
    for r in sorted(rows, key=lambda r: (r["cue_start"], r["content_start"])):
        key = (int(r["cue_start"]), int(r["cue_end"]))
        sp = (int(r["speaker_start"]), int(r["speaker_end"])) if r.get("speaker_start") is not None else None
        p = by_cue.get(key)
        if p is None:
            by_cue[key] = Predicted([(int(r["content_start"]), int(r["content_end"]))], sp, r.get("speaker_entity_id"), r["kind"])
        else:
            p.content.append((int(r["content_start"]), int(r["content_end"])))
    return list(by_cue.values())


@dataclass
class Counts:
    gold: int = 0
    pred: int = 0
    match: dict[float, int] = field(default_factory=lambda: defaultdict(int))
    match_ggt: dict[float, int] = field(default_factory=lambda: defaultdict(int))
    speaker_ok: int = 0
    speaker_n: int = 0
    pred_kinds: Counter = field(default_factory=Counter)
    matched_kinds: Counter = field(default_factory=Counter)


def _match(pred_sets: list[frozenset[int]], gold_sets: list[frozenset[int]], threshold: float, ggt: bool) -> list[tuple[int, int]]:
    pairs = []
    for i, p in enumerate(pred_sets):
        if not p:
            continue
        for j, g in enumerate(gold_sets):
            if not g:
                continue
            shared = len(p & g)
            if not shared:
                continue
            score = shared / len(g) if ggt else shared / max(len(p), len(g))
            if score >= threshold:
                pairs.append((score, i, j))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((i, j))
    return out


def score_article(text: str, gold: list[GoldAttribution], rows: Sequence[dict], mentions: Sequence[dict], counts: Counts) -> list[tuple[int, int]]:
    """Adds one article to ``counts``; returns the (pred, gold) matches at 0.3."""
    toks = Tokens(text)
    preds = group_rows(rows)
    pred_sets = [toks.of(p.content) for p in preds]
    gold_sets = [toks.of(g.content) for g in gold]
    counts.gold += sum(1 for g in gold_sets if g)
    counts.pred += sum(1 for p in pred_sets if p)
    for p in preds:
        counts.pred_kinds[p.kind] += 1
    for thr in (0.3, 0.8):
        counts.match[thr] += len(_match(pred_sets, gold_sets, thr, ggt=False))
        counts.match_ggt[thr] += len(_match(pred_sets, gold_sets, thr, ggt=True))
    matches = _match(pred_sets, gold_sets, 0.3, ggt=False)
    for i, j in matches:
        p, g = preds[i], gold[j]
        counts.matched_kinds[p.kind] += 1
        counts.speaker_n += 1
        if speaker_correct(p, g, mentions):
            counts.speaker_ok += 1
    return matches


def speaker_correct(p: Predicted, g: GoldAttribution, mentions: Sequence[dict]) -> bool:
    if not g.source:
        return p.speaker is None
    if p.speaker is None:
        return False
    if any(p.speaker[0] < b and a < p.speaker[1] for a, b in g.source):
        return True
    if p.speaker_entity_id:
        for m in mentions:
            if any(a <= m["start_char"] and m["end_char"] <= b for a, b in g.source):
                if m["entity_id"] == p.speaker_entity_id:
                    return True
    return False


def prf(match: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = match / pred if pred else 0.0
    r = match / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# ----------------------------------------------------------------------------- run
def run(articles: list[GoldArticle], batch_size: int = 16) -> tuple[Counts, dict[str, float]]:
    from newsetl.enrich.claims import claims_from_doc, default_lexicon
    from newsetl.enrich.mentions.reference import default_reference
    from newsetl.enrich.mentions import mentions_from_doc
    from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp, pipe_texts

    timings = {}
    t0 = time.perf_counter()
    nlp = load_nlp(CLAIM_COMPONENTS)
    reference = default_reference()
    lexicon = default_lexicon()
    timings["load"] = time.perf_counter() - t0
    counts = Counts()
    t_nlp = t_mentions = t_claims = 0.0
    by_name = {a.name: a for a in articles}
    t = time.perf_counter()
    for doc, name in pipe_texts(nlp, ((a.text, a.name) for a in articles), batch_size=batch_size):
        t_nlp += time.perf_counter() - t
        art = by_name[name]
        t1 = time.perf_counter()
        mentions = mentions_from_doc(name[:16], doc, "bench", reference)
        t2 = time.perf_counter()
        rows = claims_from_doc("0" * 16, doc, mentions, "bench", lexicon)
        t3 = time.perf_counter()
        t_mentions += t2 - t1
        t_claims += t3 - t2
        score_article(art.text, art.attributions, rows, mentions, counts)
        t = time.perf_counter()
    timings.update(nlp=t_nlp, mentions=t_mentions, claims=t_claims)
    return counts, timings


def report(counts: Counts, timings: dict[str, float], split: str, n_articles: int, chars: int) -> None:
    print(f"PolNeAR {split}: {n_articles} articles, {chars:,} chars, {counts.gold} gold attributions, {counts.pred} predicted")
    print()
    print(f"{'overlap':<24}{'P':>7}{'R':>7}{'F1':>7}{'matched':>9}")
    for thr in (0.3, 0.8):
        p, r, f = prf(counts.match[thr], counts.pred, counts.gold)
        print(f"{'tokens >= %.1f (max len)' % thr:<24}{p:7.3f}{r:7.3f}{f:7.3f}{counts.match[thr]:9d}")
    for thr in (0.3, 0.8):
        p, r, f = prf(counts.match_ggt[thr], counts.pred, counts.gold)
        print(f"{'tokens >= %.1f (of gold)' % thr:<24}{p:7.3f}{r:7.3f}{f:7.3f}{counts.match_ggt[thr]:9d}")
    acc = counts.speaker_ok / counts.speaker_n if counts.speaker_n else 0.0
    print(f"speaker accuracy (matches at 0.3): {acc:.3f} ({counts.speaker_ok}/{counts.speaker_n})")
    print()
    print(f"{'kind':<14}{'predicted':>10}{'matched':>9}{'precision':>11}")
    for kind in ("direct", "mixed", "indirect", "according_to"):
        n, m = counts.pred_kinds[kind], counts.matched_kinds[kind]
        print(f"{kind:<14}{n:10d}{m:9d}{(m / n if n else 0):11.3f}")
    print()
    print("time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("attribution_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--split", choices=("dev", "train"), default="dev")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (quick runs)")
    args = ap.parse_args(argv)
    articles = load_split(args.attribution_dir, args.split)
    if not articles:
        print(f"no articles under {args.attribution_dir / ('polnear-' + args.split)}", file=sys.stderr)
        return 2
    if args.limit:
        articles = articles[: args.limit]
    t0 = time.perf_counter()
    counts, timings = run(articles)
    timings["total"] = time.perf_counter() - t0
    report(counts, timings, args.split, len(articles), sum(len(a.text) for a in articles))
    p, r, f = prf(counts.match[0.3], counts.pred, counts.gold)
    acc = counts.speaker_ok / counts.speaker_n if counts.speaker_n else 0.0
    print(f"claims_f1_30={f:.3f} claims_p_30={p:.3f} claims_r_30={r:.3f} speaker_acc={acc:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
