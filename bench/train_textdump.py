#!/usr/bin/env python3
"""Train the line classifier of text dumps (``newsetl.extract.textdump``) on dumps of the benchmark pages.

    .venv/bin/python bench/train_textdump.py [BENCH_DIR] [--cv-only] [--out PATH]
    make train-textdump

Data: the 181 article-extraction-benchmark pages dumped in four layouts
(``bench/dumpmaker.py``), split into units and judged by the hand-written rules
(``newsetl.extract.textdump.rules``) exactly as at run time, one feature row per unit
(``newsetl.extract.textdump.features``). A unit is labelled body when its words are in the
page's gold article body (verbatim, or half of its 4-token shingles; a unit of 1-3
words only when it is a whole gold line). Each page's units carry weights summing to one,
in proportion to their words, as the benchmark's per-page shingle score weighs them.

Model: gradient-boosted trees (LightGBM, CPU, one thread, fixed seed: the same data give
the same trees); the kept units are the span rule of ``newsetl.extract.textdump.keep_mask`` over
its probabilities. Cross-validation is grouped by site, so no page of a site (nor the
same page in another layout) is ever both trained and scored on. Printed: the
cross-validated shingle F1 of rules+model against the rules alone, per layout. Then the
model is trained on all pages and written as JSON (tree arrays, no code) to
``newsetl/data/textdump_model.json``. About 2 minutes on this machine (one core).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
for path in (REPO_ROOT, BENCH):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from dumpmaker import DEFAULT_BENCH_DIR, DEFAULT_OUT, STYLES, ensure_dumps, load_pages  # noqa: E402
from extraction import score, shingles, tokenize  # noqa: E402
from newsetl.extract.textdump import keep_mask  # noqa: E402
from newsetl.extract.textdump import model as textdump_model  # noqa: E402
from newsetl.extract.textdump.features import FEATURES, Unit, unit_features  # noqa: E402
from newsetl.extract.textdump.rules import classify_text_dump  # noqa: E402

SEED = 16
FOLDS = 5
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "deterministic": True,
    "seed": SEED,
    "verbose": -1,
}
ROUNDS = 200


def site(url: str) -> str:
    host = urlparse(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def label_units(units: list[Unit], gold: str) -> np.ndarray:
    gold_tokens = tokenize(gold)
    joined = " " + " ".join(gold_tokens) + " "
    gold_lines = {" ".join(tokenize(line)) for line in gold.splitlines() if line.strip()}
    gold_shingles = shingles(gold)
    labels = []
    for u in units:
        tokens = tokenize(u.text)
        key = " ".join(tokens)
        if not tokens:
            labels.append(0)
        elif len(tokens) <= 3:
            labels.append(int(key in gold_lines))
        elif f" {key} " in joined:
            labels.append(1)
        else:
            own = shingles(u.text)
            total = sum(own.values())
            labels.append(int(total > 0 and sum((own & gold_shingles).values()) / total >= 0.5))
    return np.array(labels)


def build(dumps: dict[str, dict[str, str]], gold: dict[str, str]) -> dict[str, dict]:
    """Per "style/page": units, features, labels, weights."""
    docs = {}
    for style, texts in dumps.items():
        for key, dump in texts.items():
            verdicts, *_ = classify_text_dump(dump)
            units = [Unit(text, rule, block) for rule, text, block in verdicts]
            words = np.array([len(u.text.split()) + 1 for u in units], dtype=float)
            docs[f"{style}/{key}"] = {
                "units": units,
                "X": unit_features(units),
                "y": label_units(units, gold[key]),
                "w": words / words.sum() if len(units) else words,
                "page": key,
            }
    return docs


def train(docs: list[dict]):
    import lightgbm as lgb

    X = np.vstack([d["X"] for d in docs])
    y = np.concatenate([d["y"] for d in docs])
    w = np.concatenate([d["w"] for d in docs])
    data = lgb.Dataset(X, y, weight=w, feature_name=list(FEATURES), free_raw_data=False)
    return lgb.train(PARAMS, data, num_boost_round=ROUNDS)


def kept_texts(docs: dict[str, dict], probs: dict[str, np.ndarray]) -> dict[str, str]:
    return {
        name: "\n\n".join(u.text for u, k in zip(d["units"], keep_mask(probs[name], d["units"])) if k)
        for name, d in docs.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench_dir", nargs="?", type=Path, default=DEFAULT_BENCH_DIR)
    parser.add_argument("--dumps", type=Path, default=DEFAULT_OUT, help="where dumps are cached")
    parser.add_argument("--cv-only", action="store_true", help="cross-validate, write no model")
    parser.add_argument("--out", type=Path, default=textdump_model.MODEL_PATH)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    gold, pages, urls = load_pages(args.bench_dir)
    dumps = ensure_dumps(pages, args.dumps, STYLES)
    docs = build(dumps, gold)
    gold_of = {name: gold[d["page"]] for name, d in docs.items()}
    print(f"{len(docs)} dumps, {sum(len(d['units']) for d in docs.values())} units, "
          f"{len(FEATURES)} features, built in {time.perf_counter() - start:.0f} s", flush=True)

    # Folds by site: every page of a site, in every layout, in one fold.
    sites = sorted({site(urls[k]) for k in pages})
    rng = np.random.default_rng(SEED)
    fold_of_site = dict(zip(rng.permutation(sites), np.arange(len(sites)) % FOLDS))
    fold_of = {name: fold_of_site[site(urls[d["page"]])] for name, d in docs.items()}
    cv_probs: dict[str, np.ndarray] = {}
    for fold in range(FOLDS):
        train_names = [n for n in docs if fold_of[n] != fold]
        booster = train([docs[n] for n in train_names])
        for n in docs:
            if fold_of[n] == fold:
                cv_probs[n] = booster.predict(docs[n]["X"])
        print(f"  fold {fold}: trained on {len(train_names)} dumps", flush=True)

    predicted = kept_texts(docs, cv_probs)
    rules = {n: "\n\n".join(u.text for u in d["units"] if u.rule == "keep") for n, d in docs.items()}
    print(f"\ncross-validated by site ({FOLDS} folds)       F1   prec recall")
    for style in list(dumps) + ["all"]:
        names = [n for n in docs if style == "all" or n.startswith(style + "/")]
        for label, texts in (("rules only", rules), ("rules + model", predicted)):
            m = score({n: gold_of[n] for n in names}, {n: texts[n] for n in names})
            print(f"  {style:<11} {label:<15} {m['f1']:.3f} {m['precision']:.3f} {m['recall']:.3f}")

    if args.cv_only:
        return 0
    booster = train(list(docs.values()))
    textdump_model.save(booster.dump_model(), args.out)
    print(f"\nmodel: {ROUNDS} trees, written to {args.out} "
          f"({args.out.stat().st_size // 1024} KiB) in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
