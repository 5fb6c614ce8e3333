"""Scoring attributions against the PolNeAR gold, as ``bench/claims.py`` reports it and
as training chooses its thresholds (on train folds only).

On word tokens (``\\w+``): a predicted and a gold content overlap by shared tokens over
the tokens of the longer of the two (the GGT variant: over the gold's); pairs are
matched one-to-one, best overlap first, at 0.3 and 0.8. Claim rows sharing a cue span
are one attribution. Speaker accuracy over matches at 0.3: the predicted speaker span
overlaps the gold Source, or resolves to the entity of a mention inside it, or both
have none.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from newsetl.enrich.claims.model.polnear import GoldAttribution, Span

_TOKEN = re.compile(r"\w+")


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


