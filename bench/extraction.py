#!/usr/bin/env python3
"""Score HTML main-text extraction on the Zyte/Scrapinghub article-extraction-benchmark.

Usage (from anywhere):

    .venv/bin/python bench/extraction.py [BENCH_DIR] [--pipeline-only]

BENCH_DIR defaults to ``../shared/bench/extraction`` relative to the repository root
and must hold ``ground-truth.json`` ({id: {"articleBody", "url"}}) and
``html/<id>.html.gz``.

Scoring follows the benchmark's own ``evaluate.py``
(github.com/scrapinghub/article-extraction-benchmark):

* tokens: ``\\w+`` matches of the text (case is kept, as in evaluate.py);
* shingles: multiset of consecutive 4-token tuples (a text of 1-3 tokens is one shingle);
* per page: tp/fp/fn = multiset intersection / pred excess / gold excess, normalised
  to sum 1 so long pages do not weigh more;
* precision = mean over pages with a non-empty prediction, recall = mean over pages
  with a non-empty gold text (both empty: 1, one empty: 0);
* F1 = harmonic mean of the mean precision and mean recall (not a mean of per-page
  F1s; that one is printed too, as ``mF1``); accuracy = token sequences identical;
* ``±``: bootstrap std of F1 (1000 resamples, fixed seed), as evaluate.py reports.

Prints one row per configuration (wall time = extraction only, summed over pages), the
pipeline's worst pages with the source of each chosen text, and, as the very last line,
``aeb_f1=0.xxx`` for the pipeline's ``extract_html(html)`` (called without the gold URL:
files on disk come without one). The pipeline row includes metadata extraction; the
others extract text only. Rows marked ``*`` are composed from already measured outputs
(primary, plus the fallback's output on pages where the primary is short: the rule of
D14 before D42); their time is primary time + fallback time on the pages it ran on.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DIR = REPO_ROOT.parent / "shared" / "bench" / "extraction"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import trafilatura  # noqa: E402
from trafilatura import load_html  # noqa: E402

from newsetl.extract import html as htmlextract  # noqa: E402
from newsetl.extract.candidates import run_readability  # noqa: E402
from newsetl.extract.html import extract_html, normalize_paragraphs  # noqa: E402
from schemas import count_words  # noqa: E402

# ----------------------------------------------------------------------------- scoring

_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
NGRAM_N = 4
N_BOOTSTRAP = 1000


def tokenize(text: str | None) -> list[str]:
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = NGRAM_N) -> Counter[tuple[str, ...]]:
    tokens = tokenize(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(gold: str, pred: str) -> tuple[float, float, float]:
    """Shingle matching of one page, normalised so the three sum to 1 (0,0,0 if both empty)."""
    gold_sh, pred_sh = shingles(gold), shingles(pred)
    tp = float(sum((gold_sh & pred_sh).values()))
    fp = float(sum((pred_sh - gold_sh).values()))
    fn = float(sum((gold_sh - pred_sh).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total > 0 else (0.0, 0.0, 0.0)


def precision_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def metrics(counts: list[tuple[float, float, float]], mean: Callable = statistics.mean) -> dict[str, float]:
    precision = mean([precision_score(*c) for c in counts if c[0] + c[1] > 0] or [0.0])
    recall = mean([recall_score(*c) for c in counts if c[0] + c[2] > 0] or [0.0])
    return {"f1": _f1(precision, recall), "precision": precision, "recall": recall}


def _fast_mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def score(gold: dict[str, str], pred: dict[str, str]) -> dict[str, float]:
    ids = sorted(gold)
    counts = [tp_fp_fn(gold[i], pred.get(i, "")) for i in ids]
    result = metrics(counts)
    result["accuracy"] = statistics.mean(float(tokenize(gold[i]) == tokenize(pred.get(i, ""))) for i in ids)
    result["mf1"] = statistics.mean(_f1(precision_score(*c), recall_score(*c)) for c in counts)
    rng = random.Random(0)
    n = len(counts)
    boot = [metrics([counts[rng.randrange(n)] for _ in range(n)], _fast_mean)["f1"] for _ in range(N_BOOTSTRAP)]
    result["f1_std"] = statistics.stdev(boot)
    return result


# ----------------------------------------------------------------------------- runs


@dataclass
class Run:
    name: str
    texts: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    fallbacks: int | None = None
    composed: bool = False


def load_bench(bench_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    truth = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    gold = {key: item.get("articleBody") or "" for key, item in truth.items()}
    pages = {}
    for key in gold:
        with gzip.open(bench_dir / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            pages[key] = f.read()
    return gold, pages


def measure(name: str, pages: dict[str, str], fn: Callable[[str], str]) -> Run:
    run = Run(name)
    failures = 0
    for key, html in pages.items():
        start = time.perf_counter()
        try:
            text = fn(html) or ""
        except Exception as err:  # noqa: BLE001 - a crashing candidate scores "" on that page
            if not failures:
                print(f"  ! {name} failed on {key[:12]}: {err!r}", file=sys.stderr)
            failures += 1
            text = ""
        run.seconds[key] = time.perf_counter() - start
        run.texts[key] = normalize_paragraphs(text)
    if failures:
        print(f"  ! {name} failed on {failures} pages (scored as empty)", file=sys.stderr)
    return run


def compose(name: str, primary: Run, fallback: Run, below_words: int) -> Run:
    """A fixed-threshold fallback (D14's rule), from measured outputs: the fallback runs on
    primaries under ``below_words`` words and is kept when it has more words."""
    run = Run(name, composed=True, fallbacks=0)
    for key, text in primary.texts.items():
        ran = count_words(text) < below_words
        used = ran and count_words(fallback.texts[key]) > count_words(text)
        run.texts[key] = fallback.texts[key] if used else text
        run.seconds[key] = primary.seconds[key] + (fallback.seconds[key] if ran else 0.0)
        run.fallbacks += used
    return run


def on_tree(strategy: Callable) -> Callable[[str], str]:
    """Time parsing too: the strategies of htmlextract take a parsed tree."""

    def run(html: str) -> str:
        tree = load_html(html)
        return strategy(tree, None) if tree is not None else ""

    return run


def extract_kw(**kwargs) -> Callable[[str], str]:
    return lambda html: trafilatura.extract(html, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench_dir", nargs="?", type=Path, default=DEFAULT_BENCH_DIR)
    parser.add_argument("--pipeline-only", action="store_true", help="score only extract_html (faster)")
    args = parser.parse_args(argv)

    gold, pages = load_bench(args.bench_dir)
    print(f"article-extraction-benchmark: {len(pages)} pages, trafilatura {trafilatura.__version__}, "
          f"pipeline primary={htmlextract.PRIMARY_OPTIONS}, then newsetl.extract.candidates", flush=True)

    runs: list[Run] = []
    if not args.pipeline_only:
        off = {"include_comments": False}
        base = {
            "defaults": measure("extract() defaults", pages, extract_kw()),
            "off": measure("comments off", pages, extract_kw(**off)),
            "precision": measure("comments off, favor_precision", pages, extract_kw(**off, favor_precision=True)),
            "recall": measure("comments off, favor_recall", pages, extract_kw(**off, favor_recall=True)),
            "notables": measure("comments off, include_tables=False", pages, extract_kw(**off, include_tables=False)),
            "prec_notables": measure("comments off, precision, tables off", pages,
                                     extract_kw(**off, favor_precision=True, include_tables=False)),
            "fast": measure("comments off, fast=True", pages, extract_kw(**off, fast=True)),
            "baseline": measure("baseline() alone", pages, on_tree(htmlextract.run_baseline)),
            "justext": measure("justext alone", pages, on_tree(htmlextract.run_justext)),
            "html2txt": measure("html2txt() alone", pages, on_tree(htmlextract.run_html2txt)),
            "readability": measure("readability-lxml alone", pages, on_tree(lambda tree, _url: run_readability(tree))),
        }
        runs += base.values()
        fallbacks = ("recall", "baseline", "justext", "html2txt")
        for primary in ("off", "precision"):
            for fallback in fallbacks:
                runs.append(compose(f"{base[primary].name} + {fallback}<100w", base[primary], base[fallback], 100))
        for fallback, threshold in (("recall", 50), ("recall", 250), ("baseline", 50), ("justext", 50)):
            runs.append(compose(f"{base['precision'].name} + {fallback}<{threshold}w",
                                base["precision"], base[fallback], threshold))

    extractors: list[str] = []

    def pipeline_text(html: str) -> str:
        extracted = extract_html(html)
        extractors.append(extracted.extractor)
        return extracted.text

    pipeline = measure("PIPELINE extract_html(html)", pages, pipeline_text)
    pipeline.fallbacks = sum(not name.startswith(f"{htmlextract.PRIMARY}/") for name in extractors)
    sources = dict(zip(pages, extractors))
    runs.append(pipeline)

    width = max(len(r.name) for r in runs) + 2
    print(f"\n{'config':<{width}} {'F1':>6} {'±':>5} {'prec':>6} {'recall':>6} {'mF1':>6} {'acc':>5} "
          f"{'fb':>4} {'time_s':>7} {'ms/page':>7}")
    results = {}
    for run in runs:
        m = score(gold, run.texts)
        results[run.name] = m
        total = sum(run.seconds.values())
        fb = "" if run.fallbacks is None else str(run.fallbacks)
        mark = "*" if run.composed else " "
        print(f"{run.name:<{width}} {m['f1']:6.3f} {m['f1_std']:5.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
              f"{m['mf1']:6.3f} {m['accuracy']:5.3f} {fb:>4} {total:6.1f}{mark} {1000 * total / len(pages):7.1f}")
    empty = sum(not t for t in pipeline.texts.values())
    print(f"\npipeline: {empty} empty texts; fb = pages where the text is not the primary's as it came "
          f"({', '.join(f'{n} {c}' for n, c in Counter(e.split('/')[0] for e in extractors).most_common())}); "
          f"* = composed row")
    print("pipeline's worst pages (F1 P R, page, gold words -> words, source):")
    worst = []
    for key in gold:
        c = tp_fp_fn(gold[key], pipeline.texts[key])
        p, r = precision_score(*c), recall_score(*c)
        worst.append((_f1(p, r), p, r, key))
    for f1, p, r, key in sorted(worst)[:10]:
        print(f"  {f1:.3f} {p:.3f} {r:.3f}  {key[:12]}  {count_words(gold[key]):>5} -> "
              f"{count_words(pipeline.texts[key]):>5}  {sources[key].split('/')[0]}")
    print(f"aeb_f1={results[pipeline.name]['f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
