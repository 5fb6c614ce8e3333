#!/usr/bin/env python3
"""Speakers on the 181 extraction-benchmark pages, as an analyst sees them in the report.

Usage (from anywhere):

    .venv/bin/python bench/claims_pages.py [BENCH_DIR] [--extractor model|rules|both]

BENCH_DIR defaults to ``../shared/bench/extraction`` relative to the repository root and
holds ``html/<id>.html.gz``. Each page goes through the pipeline's own stages: the extract
stage (``extract_batch``: text, byline, language) and the NLP stage (``analyse_articles``
with ``Settings(claims_extractor=...)``: spaCy, mentions, claims, the contracts and the
span gate). Nothing is landed.

Prints, per extractor, the 20 most frequent speakers as the report ranks them (claims
with ``cue_class = 'speech'``, one per cue, by ``speaker_name``), the speaker surfaces
left unresolved most often, and two checks issue 15 asks for: no pronoun among those 20
and no pronoun ``speaker_name`` anywhere. The last line:
``pages=N claims=N pronoun_names=N pronouns_in_top20=N`` (of the last extractor run).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_DIR = REPO.parent / "shared" / "bench" / "extraction"
TOP = 20


def articles_of(bench_dir: Path):
    import pandas as pd

    from newsetl.extract import extract_batch
    from newsetl.settings import Settings
    from newsetl.sources.disk import discover

    inputs = list(discover(bench_dir / "html", Settings().ignore_globs))
    out = extract_batch(inputs, Settings(), "bench")
    return len(inputs), pd.DataFrame(out.articles)


def speakers(claims) -> tuple[Counter, Counter]:
    said = claims[claims["cue_class"] == "speech"].drop_duplicates(["article_id", "cue_start"])
    named = Counter(said["speaker_name"].dropna())
    unresolved = Counter(said.loc[said["speaker_name"].isna(), "speaker_surface"].dropna())
    return named, unresolved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--extractor", choices=("model", "rules", "both"), default="both")
    args = ap.parse_args()

    from newsetl.enrich.analysis import analyse_articles, load_models
    from newsetl.enrich.claims.speakers import NOT_NAMES
    from newsetl.settings import Settings

    t0 = time.perf_counter()
    n_inputs, articles = articles_of(args.bench_dir)
    english = articles[articles["language"] == "en"].reset_index(drop=True)
    print(f"{n_inputs} pages, {len(articles)} articles, {len(english)} in English "
          f"({english['byline'].notna().sum()} with a byline); extraction {time.perf_counter() - t0:.0f} s")
    summary = ""
    for extractor in (("model", "rules") if args.extractor == "both" else (args.extractor,)):
        settings = Settings(claims_extractor=extractor)
        t0 = time.perf_counter()
        result = analyse_articles(english, load_models(settings), settings, "bench")
        claims = result.claims
        named, unresolved = speakers(claims)
        top = named.most_common(TOP)
        pronoun_names = int(claims["speaker_name"].dropna().str.casefold().isin(NOT_NAMES).sum())
        in_top = sum(1 for name, _ in top if name.casefold() in NOT_NAMES)
        print(f"\n{extractor}: {len(claims)} claim rows, {claims['cue_class'].value_counts().to_dict()}, "
              f"{result.counts['enrich_quarantined']} quarantined, {time.perf_counter() - t0:.0f} s")
        print(f"  top {TOP} speakers (speech claims, resolved names):")
        for name, n in top:
            print(f"    {n:4d}  {name}")
        print("  most frequent unresolved speech speakers (surface, not ranked in the report): "
              + ", ".join(f"{s} {n}" for s, n in unresolved.most_common(8)))
        print(f"  pronoun speaker_name anywhere: {pronoun_names}; pronouns among the top {TOP}: {in_top}")
        summary = f"pages={n_inputs} claims={len(claims)} pronoun_names={pronoun_names} pronouns_in_top20={in_top}"
    print(summary)


if __name__ == "__main__":
    main()
