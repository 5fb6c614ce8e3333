#!/usr/bin/env python3
"""The claims table on other sites' pages, judged claim by claim: hand audits of the rows
the extractor emits, re-scored against the current code (``bench/data/claims_audit.jsonl``,
D83, and ``bench/data/claims_audit2.jsonl``, D88).

Usage (from anywhere):

    .venv/bin/python bench/claims_audit.py [BENCH_DIR] [--extractor model|rules] [--examples N]
    .venv/bin/python bench/claims_audit.py [BENCH_DIR] --draw OUT.jsonl [--sample d83|d88]   # an unjudged sample

BENCH_DIR defaults to ``../shared/bench/extraction`` relative to the repository root and
holds the Zyte article-extraction benchmark's ``ground-truth.json``. The pages are its
English ``articleBody`` texts (``bench/gold/language.json``) that are NOT among the 40 of
``bench/claims_quotes.py`` (D82); they go through the pipeline's NLP stage
(``analyse_articles``) as there.

**The samples** (``--draw``): one row per cue (the cue's first content piece), a seeded
shuffle (the sample's seed in ``SAMPLES``: 83, then 88), the first ``PER_STRATUM``
``speech`` rows and the first ``PER_STRATUM`` rows of the other classes; a later sample
leaves out the cues of the earlier ones (``d88`` was drawn from the code after D83's fixes
and D81's retrain, so it measures that code blind). Each line was then judged by hand
(the guideline is in ``bench/data/README.md``): ``attribution`` (is the cue an attribution
at all), ``content`` (right / too_long / too_short / wrong), ``speaker`` (right / wrong /
null_named / null_right) with ``gold_speaker`` (the name that is right, or null) and
``gold_class`` (the class that is right).

**The score**: every audited line is looked up in the current output by its page and cue
span. A line whose cue is no longer emitted is *dropped* (counted apart: a dropped
non-attribution is a gain, a dropped attribution a loss). Of the lines still emitted,
over the attributions:

* ``content``: the judgment stands when the content span is unchanged, else the line is
  *changed* and needs a re-judge (left out of the figure);
* ``speaker``: right when the ``speaker_name`` equals ``gold_speaker`` (case and
  whitespace aside; "Cook" = "Tim Cook"), or both are null;
* ``class``: right when ``cue_class`` equals ``gold_class``.

Prints the figures, per predicted class, attribution precision by the rows' ``confidence``
(D84: per band, and what a threshold keeps; the model only, the rules have none; over the
stratified sample, so the speech half weighs more than in the table), and the wrong lines
by field, for each sample and for both together; each sample's last line is
``<sample>_attr_p=… <sample>_content=… …`` and the last line of all (both samples) is
``audit_attr_p=… audit_content=… audit_speaker=… audit_class=… audit_changed=… audit_dropped=…``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "bench"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from claims_quotes import DEFAULT_DIR, LANGUAGE, names_agree, select_pages  # noqa: E402

DATA = REPO / "bench" / "data"
# The judged samples: name -> (file, seed of its draw). The second was drawn from the code
# after D83's fixes, leaving out the cues of the first, and judged before D88's fixes.
SAMPLES = {"d83": (DATA / "claims_audit.jsonl", 83), "d88": (DATA / "claims_audit2.jsonl", 88)}
PER_STRATUM = 60
SHORT = 240
CONTENT = ("right", "too_long", "too_short", "wrong")
SPEAKER = ("right", "wrong", "null_named", "null_right")
BANDS = (0.0, 0.5, 0.7, 0.9)  # lower edges of the confidence bands
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


def audit_pages(truth: dict, language: dict) -> list[str]:
    """English pages outside D82's 40, in sorted id order."""
    quoted = set(select_pages(truth, language))
    return [p for p in sorted(truth) if language.get(p) == "en" and p not in quoted]


def extract(pages: list[str], truth: dict, extractor: str) -> pd.DataFrame:
    """The claims rows of the pages, through the NLP stage; ``pid`` is the page id."""
    from newsetl.enrich.analysis import analyse_articles, load_models
    from newsetl.settings import Settings

    articles = pd.DataFrame({
        "article_id": [p[:16] for p in pages],
        "text": [truth[p]["articleBody"] for p in pages],
        "language": ["en"] * len(pages),
        "source_uri": [truth[p]["url"] for p in pages],
        "byline": [None] * len(pages),
    })
    settings = Settings(claims_extractor=extractor)
    result = analyse_articles(articles, load_models(settings), settings, "bench")
    claims = result.claims
    return claims.assign(pid=claims["article_id"].map({p[:16]: p for p in pages}))


def one_per_cue(claims: pd.DataFrame) -> pd.DataFrame:
    """A claim split around its cue is one row per piece: keep its first piece."""
    return (claims.sort_values(["pid", "cue_start", "content_start"])
            .drop_duplicates(["pid", "cue_start", "cue_end"]).reset_index(drop=True))


def short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def draw(claims: pd.DataFrame, seed: int, exclude: set[tuple[str, int, int]] = frozenset()) -> list[dict]:
    """The seeded, stratified sample (module docstring), unjudged, in page order; cues in
    ``exclude`` (page, cue start, cue end: an earlier sample's) are left out."""
    cues = one_per_cue(claims)
    order = [i for i in range(len(cues))
             if (cues.at[i, "pid"], int(cues.at[i, "cue_start"]), int(cues.at[i, "cue_end"])) not in exclude]
    random.Random(seed).shuffle(order)
    speech = [i for i in order if cues.at[i, "cue_class"] == "speech"][:PER_STRATUM]
    other = [i for i in order if cues.at[i, "cue_class"] != "speech"][:PER_STRATUM]
    out = []
    for i in sorted(speech + other, key=lambda i: (cues.at[i, "pid"], cues.at[i, "cue_start"])):
        r = cues.loc[i]
        out.append({
            "id": r["pid"], "cue_start": int(r["cue_start"]), "cue_end": int(r["cue_end"]), "cue": r["cue"],
            "content_start": int(r["content_start"]), "content_end": int(r["content_end"]),
            "content_text": short(r["content"]), "kind": r["kind"], "cue_class": r["cue_class"],
            "speaker_surface": r["speaker_surface"] if isinstance(r["speaker_surface"], str) else None,
            "speaker_name": r["speaker_name"] if isinstance(r["speaker_name"], str) else None,
            "confidence": None if pd.isna(r["confidence"]) else round(float(r["confidence"]), 4),
        })
    return out


def load_audit(truth: dict, path: Path) -> list[dict]:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    for a in lines:
        text = truth[a["id"]]["articleBody"]
        if text[a["cue_start"] : a["cue_end"]] != a["cue"]:
            raise SystemExit(f"audited cue does not slice its text: {a['id'][:12]} {a['cue_start']}")
        if a["j_attribution"] and (a["j_content"] not in CONTENT or a["j_speaker"] not in SPEAKER):
            raise SystemExit(f"audit line without a content or speaker judgment: {a['id'][:12]} {a['cue_start']}")
    return lines


class Tally:
    def __init__(self) -> None:
        self.n = Counter()  # (stratum, figure) -> count
        self.wrong: dict[str, list[str]] = defaultdict(list)
        self.confidence: list[tuple[float, bool]] = []  # (confidence, judged an attribution) of emitted rows

    def add(self, cls: str, key: str, ok: bool | None) -> None:
        """``ok`` None: not counted (changed, needs a re-judge)."""
        if ok is None:
            self.n[(cls, key + "_changed")] += 1
            return
        for stratum in (cls, "all"):
            self.n[(stratum, key + "_n")] += 1
            self.n[(stratum, key + "_ok")] += ok

    def rate(self, stratum: str, key: str) -> float:
        return self.n[(stratum, key + "_ok")] / max(1, self.n[(stratum, key + "_n")])


def judge(t: Tally, a: dict, row: pd.Series | None) -> None:
    """One audited line against its row in the current output (module docstring)."""
    where = f"[{a['id'][:8]}] {a['cue']!r}"
    if row is None:
        t.n[("all", "dropped_attr" if a["j_attribution"] else "dropped_non")] += 1
        return
    cls = row["cue_class"]
    t.add(cls, "attr", a["j_attribution"])
    if pd.notna(row.get("confidence")):
        t.confidence.append((float(row["confidence"]), bool(a["j_attribution"])))
    if not a["j_attribution"]:
        t.wrong["not an attribution"].append(f"{where} ({cls}): {short(row['content'])[:90]}")
        return
    same_span = (int(row["content_start"]), int(row["content_end"])) == (a["content_start"], a["content_end"])
    t.add(cls, "content", a["j_content"] == "right" if same_span else None)
    if same_span and a["j_content"] != "right":
        t.wrong[f"content {a['j_content']}"].append(f"{where}: {short(row['content'])[:90]}")
    pred = row["speaker_name"] if isinstance(row["speaker_name"], str) else None
    ok = names_agree(pred, a["gold_speaker"])
    t.add(cls, "speaker", ok)
    if not ok:
        why = "speaker null, the text names it" if pred is None else "speaker wrong"
        t.wrong[why].append(f"{where}: predicted {pred!r} ({row['speaker_surface']!r}), right {a['gold_speaker']!r}")
    t.add(cls, "class", cls == a["gold_class"])
    if cls != a["gold_class"]:
        t.wrong[f"class {cls} -> {a['gold_class']}"].append(f"{where}: {short(row['content'])[:90]}")


def by_confidence(t: Tally) -> None:
    """Attribution precision per confidence band, and of the rows a threshold keeps."""
    if not t.confidence:
        print("  confidence: none on these rows")
        return
    edges = [*BANDS, float("inf")]
    for lo, hi in zip(edges, edges[1:]):
        band = [ok for c, ok in t.confidence if lo <= c < hi]
        label = f"[{lo:.1f}, {hi:.1f})" if hi != float("inf") else f"[{lo:.1f}, 1.0]"
        print(f"  confidence {label:11} {len(band):4d} rows  attr_p {sum(band) / max(1, len(band)):.3f}")
    for x in THRESHOLDS:
        kept = [ok for c, ok in t.confidence if c >= x]
        print(f"  confidence >= {x:.1f}    keeps {len(kept):4d} of {len(t.confidence)}  attr_p {sum(kept) / max(1, len(kept)):.3f}, "
              f"attributions kept {sum(kept)} of {sum(ok for _, ok in t.confidence)}")


def report(t: Tally, examples: int) -> str:
    classes = sorted({s for s, _ in t.n} - {"all"})
    print(f"  {'class':10} {'rows':>5} {'attr_p':>7} {'content':>8} {'speaker':>8} {'class':>7} {'changed':>8}")
    for s in classes + ["all"]:
        changed = sum(t.n[(c, "content_changed")] for c in (classes if s == "all" else [s]))
        print(f"  {s:10} {t.n[(s, 'attr_n')]:5d} {t.rate(s, 'attr'):7.3f} {t.rate(s, 'content'):8.3f} "
              f"{t.rate(s, 'speaker'):8.3f} {t.rate(s, 'class'):7.3f} {changed:8d}")
    print(f"  cues no longer emitted: {t.n[('all', 'dropped_non')]} judged not an attribution, "
          f"{t.n[('all', 'dropped_attr')]} judged an attribution")
    by_confidence(t)
    print("  wrong by field:")
    for why, items in sorted(t.wrong.items(), key=lambda kv: -len(kv[1])):
        print(f"    {len(items):3d}  {why}")
        for item in items[:examples]:
            print(f"           {item}")
    changed = sum(t.n[(c, "content_changed")] for c in classes)
    return (f"audit_attr_p={t.rate('all', 'attr'):.3f} audit_content={t.rate('all', 'content'):.3f} "
            f"audit_speaker={t.rate('all', 'speaker'):.3f} audit_class={t.rate('all', 'class'):.3f} "
            f"audit_changed={changed} audit_dropped={t.n[('all', 'dropped_non')] + t.n[('all', 'dropped_attr')]}")


def score(audit: list[dict], claims: pd.DataFrame, examples: int) -> str:
    rows = {(r["pid"], int(r["cue_start"]), int(r["cue_end"])): r for _, r in one_per_cue(claims).iterrows()}
    t = Tally()
    for a in audit:
        judge(t, a, rows.get((a["id"], a["cue_start"], a["cue_end"])))
    return report(t, examples)


def cue_keys(lines: list[dict]) -> set[tuple[str, int, int]]:
    return {(a["id"], a["cue_start"], a["cue_end"]) for a in lines}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--extractor", choices=("model", "rules"), default="model")
    ap.add_argument("--examples", type=int, default=4, help="examples printed per error class")
    ap.add_argument("--draw", type=Path, help="write the unjudged sample here instead of scoring")
    ap.add_argument("--sample", choices=tuple(SAMPLES), default="d83",
                    help="with --draw: whose seed, leaving out the cues of the samples before it")
    args = ap.parse_args()

    truth = json.loads((args.bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    pages = audit_pages(truth, json.loads(LANGUAGE.read_text(encoding="utf-8")))
    claims = extract(pages, truth, args.extractor)
    print(f"{args.extractor}: {len(pages)} pages, {len(claims)} claim rows, {len(one_per_cue(claims))} cues, "
          f"by class {dict(Counter(one_per_cue(claims)['cue_class']))}")
    if args.draw:
        names = list(SAMPLES)
        earlier = set().union(*(cue_keys(load_audit(truth, SAMPLES[n][0])) for n in names[: names.index(args.sample)]))
        lines = draw(claims, SAMPLES[args.sample][1], earlier)
        args.draw.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
        print(f"wrote {len(lines)} unjudged lines to {args.draw}")
        return
    samples = {n: load_audit(truth, path) for n, (path, _) in SAMPLES.items()}
    samples["both"] = [a for lines in list(samples.values()) for a in lines]
    for name, lines in samples.items():
        print(f"\n== sample {name}: {len(lines)} judged rows")
        last = score(lines, claims, args.examples)
        print(last.replace("audit_", f"{name}_"))
    print(last)


if __name__ == "__main__":
    main()
