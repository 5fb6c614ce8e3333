#!/usr/bin/env python3
"""What one long article costs the NLP stage: CPU seconds and peak RSS against its length (D101).

    .venv/bin/python bench/huge_article.py [SIZES...] [--bench-dir DIR] [--extractor model|rules]
                                           [--kind gold|dense] [--profile SIZE] [--dump SIZE FILE]

Each size (characters; default 50000 100000 200000 400000) is one article made by joining
the gold ``articleBody`` texts of the extraction benchmark (``ground-truth.json``, in key
order, a blank line between them) and cutting at the last line break before the size (``--kind dense``: D99's hostile
sentences instead, :func:`dense_text`).
Every size runs in a fresh child process: models loaded first, then ``analyse_articles``
(the NLP stage as the pipeline calls it, default settings) over that one article. Printed
per size: characters, CPU seconds of the analysis (the process's, not wall time: other
jobs share the machine), of which spaCy, mentions and claims, peak RSS of the child and
its RSS after the models loaded, mention and claim rows. ``--profile SIZE`` prints the
cProfile of one size (cumulative, top 40); ``--dump SIZE FILE`` pickles that size's
mentions and claims (to compare two versions of the code).

BENCH_DIR defaults to ``../shared/bench/extraction`` relative to the repository root.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_DIR = REPO.parent / "shared" / "bench" / "extraction"
SIZES = (50_000, 100_000, 200_000, 400_000)


def long_text(bench_dir: Path, size: int) -> str:
    """Gold article bodies joined (blank line between) and cut at a line break before ``size``."""
    gold = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    bodies = [str(gold[k].get("articleBody") or "").strip() for k in sorted(gold)]
    parts, n = [], 0
    while n < size:
        for body in bodies:
            if body:
                parts.append(body)
                n += len(body) + 2
            if n >= size:
                break
    text = "\n\n".join(parts)[:size]
    cut = text.rfind("\n")
    return text[:cut].rstrip() if cut > 0 else text


def dense_text(size: int) -> str:
    """D99's hostile article: the malformed corpus's five English sentences (three of them
    reported speech) in a seeded random order, one sentence a paragraph, up to ``size``."""
    import random

    from tests.support.malformed_corpus import ENGLISH

    rng = random.Random(99)
    sentences = [s.strip().rstrip(".") + "." for s in ENGLISH.split(". ") if s.strip()]
    out, n = [], 0
    while n < size:
        s = rng.choice(sentences)
        out.append(s)
        n += len(s) + 1
    return "\n".join(out)[:size].rsplit("\n", 1)[0]


def child(size: int, bench_dir: Path, extractor: str, profile: bool, dump: str | None, kind: str = "gold") -> dict:
    import resource
    import time

    import pandas as pd

    from newsetl.enrich import analysis, nlp_pass
    from newsetl.enrich.analysis import analyse_articles, load_models
    from newsetl.settings import Settings

    text = long_text(bench_dir, size) if kind == "gold" else dense_text(size)
    settings = Settings(claims_extractor=extractor)
    models = load_models(settings)
    loaded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    spent = {"mentions": 0.0, "claims": 0.0}
    mentions_from_doc, extractor_of = nlp_pass.mentions_from_doc, analysis.claims_extractor

    def timed(fn, part: str):
        def run(*args, **kwargs):
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[part] += time.process_time() - t

        return run

    def timed_extractor(*args, **kwargs):
        return timed(extractor_of(*args, **kwargs), "claims")

    nlp_pass.mentions_from_doc, analysis.claims_extractor = timed(mentions_from_doc, "mentions"), timed_extractor
    article_id = hashlib.sha256(f"huge-{size}".encode()).hexdigest()[:16]  # the contract's HEX16
    articles = pd.DataFrame([{"article_id": article_id, "text": text, "language": "en",
                              "source_uri": f"bench://huge/{size}", "byline": None}])
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile(time.process_time)
        prof.enable()
    t0 = time.process_time()
    result = analyse_articles(articles, models, settings, "bench")
    cpu = time.process_time() - t0
    if prof is not None:
        import pstats

        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    if dump:
        import pickle

        Path(dump).write_bytes(pickle.dumps({"mentions": result.mentions, "claims": result.claims}))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"chars": len(text), "cpu_s": cpu, "spacy_s": cpu - spent["mentions"] - spent["claims"],
            "mentions_s": spent["mentions"], "claims_s": spent["claims"], "peak_mb": peak / 1024,
            "loaded_mb": loaded_rss / 1024, "mentions": len(result.mentions), "claims": len(result.claims),
            "quarantine": len(result.quarantine)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    ap.add_argument("--bench-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--extractor", choices=("model", "rules"), default="model")
    ap.add_argument("--kind", choices=("gold", "dense"), default="gold",
                    help="gold: the benchmark's article bodies joined; dense: D99's five sentences repeated")
    ap.add_argument("--profile", type=int, default=None, help="cProfile this size (to stderr)")
    ap.add_argument("--dump", nargs=2, metavar=("SIZE", "FILE"), default=None)
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        dump = args.dump[1] if args.dump and int(args.dump[0]) == args.child else None
        print(json.dumps(child(args.child, args.bench_dir, args.extractor, args.profile == args.child, dump,
                               args.kind)))
        return
    print("| characters | CPU s | spaCy s | mentions s | claims s | peak RSS MB | RSS after load MB | mentions | claims | quarantined |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(size), "--bench-dir", str(args.bench_dir),
               "--extractor", args.extractor, "--kind", args.kind]
        if args.profile is not None:
            cmd += ["--profile", str(args.profile)]
        if args.dump:
            cmd += ["--dump", *args.dump]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"size {size}: the child failed:\n{out.stderr}")
        if out.stderr.strip() and args.profile == size:
            print(out.stderr, file=sys.stderr)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {r['chars']:,} | {r['cpu_s']:.1f} | {r['spacy_s']:.1f} | {r['mentions_s']:.1f} | {r['claims_s']:.1f} "
              f"| {r['peak_mb']:.0f} | {r['loaded_mb']:.0f} | {r['mentions']} | {r['claims']} | {r['quarantine']} |", flush=True)


if __name__ == "__main__":
    main()
