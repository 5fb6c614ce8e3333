"""Throughput of the enrich stage against a bare spaCy loop, on real article text.

Texts: the seed dumps in raw/samples/seeds/*.txt and the gold article bodies of the
extraction benchmark (BENCH_DIR/ground-truth.json), in a fixed order, cut to
--max-words words. Measured in the same run, interleaved, best of --repeat:

  bare      for doc in full_nlp.pipe(texts): pass   (the model's default pipeline)
  enrich    enrich_articles(...) with load_nlp() (senter + ner), one process (a run
            spreads batches over its worker processes, not one pass over processes)

Words are whitespace-separated words of the input texts (the same count for every
variant). The last line is machine-readable:

  mentions_words_per_s=<enrich> ratio_vs_bare=<that / bare>

    .venv/bin/python bench/mentions.py [BENCH_DIR] [--max-words N] [--repeat N]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsetl.enrich import enrich_articles  # noqa: E402
from newsetl.enrich.mentions.reference import load_reference  # noqa: E402
from newsetl.enrich.nlp import MODEL_PACKAGE, load_nlp  # noqa: E402

DEFAULT_BENCH_DIR = ROOT.parent / "shared" / "bench" / "extraction"


def load_texts(bench_dir: Path, max_words: int) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw" / "samples" / "seeds").glob("*.txt"))]
    gt_path = bench_dir / "ground-truth.json"
    if gt_path.exists():
        gt = json.loads(gt_path.read_text(encoding="utf-8"))
        texts += [gt[k]["articleBody"] for k in sorted(gt)]
    else:
        print(f"warning: {gt_path} not found, seeds only", file=sys.stderr)
    out, words = [], 0
    for t in texts:
        if words >= max_words:
            break
        out.append(t)
        words += len(t.split())
    return out


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bench_dir", nargs="?", default=str(DEFAULT_BENCH_DIR), help="folder with ground-truth.json")
    ap.add_argument("--max-words", type=int, default=40_000, help="cut the text set at this many words")
    ap.add_argument("--repeat", type=int, default=1, help="rounds; the best time of each variant counts")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--components", default="senter,ner", help="components for load_nlp (comma-separated)")
    args = ap.parse_args(argv)

    texts = load_texts(Path(args.bench_dir), args.max_words)
    words = sum(len(t.split()) for t in texts)
    chars = sum(len(t) for t in texts)
    print(f"texts={len(texts)} words={words} chars={chars}")

    full = importlib.import_module(MODEL_PACKAGE).load()
    nlp = load_nlp(tuple(args.components.split(",")))
    reference = load_reference()
    print(f"bare pipeline: {full.pipe_names}")
    print(f"enrich pipeline: {nlp.pipe_names}")
    articles = [(f"{i:016x}", t, None) for i, t in enumerate(texts)]

    def bare() -> None:
        for _ in full.pipe(texts, batch_size=args.batch_size):
            pass

    mentions = {}

    def enrich() -> None:
        mentions["enrich"] = enrich_articles(articles, nlp, reference, "bench", batch_size=args.batch_size).counts["mentions"]

    variants = {"bare": bare, "enrich": enrich}
    best = {name: float("inf") for name in variants}
    for _ in range(max(1, args.repeat)):
        for name, fn in variants.items():
            best[name] = min(best[name], timed(fn))

    wps = {name: words / t for name, t in best.items()}
    for name in variants:
        print(f"{name:9s} {best[name]:7.2f} s  {wps[name]:8.0f} words/s  x{wps[name] / wps['bare']:.2f} vs bare")
    print(f"mentions: {mentions['enrich']}")
    print(f"mentions_words_per_s={wps['enrich']:.0f} ratio_vs_bare={wps['enrich'] / wps['bare']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
