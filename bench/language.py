"""Language identification on the 181 benchmark articles: accuracy by text length, cost.

    .venv/bin/python bench/language.py [BENCH_DIR]

Labels (bench/gold/language.json) are the language of each page's gold article text,
checked by hand; 20 of the 181 are not English, and 4 pages declare a language their text
is not in (two `lang="en"` pages in German, two `lang="de"` pages in English). Each text
is cut to its first 3, 5, 10, 20 and 50 words (two characters a word in Chinese and
Japanese) and also read whole. Systems:

* `before`: the pipeline before D54: the page's declaration, else `en` when a fifth of
  the words are English function words, else nothing;
* `py3langid`: its most likely language; `newsetl`: `identify_language` with the page's
  declaration (<html lang>), as the pipeline calls it;
* `lingua high` / `lingua low`: lingua-language-detector, all languages, in its two
  accuracy modes, only when installed (`pip install lingua-language-detector==2.1.1`; it is
  not a dependency of newsetl).

Prints accuracy per length (undecided counts as wrong), ms per text on whole articles,
load time and memory of each system.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsetl.extract.html import normalize_language  # noqa: E402

LENGTHS = (3, 5, 10, 20, 50, None)
_LANG_ATTR = re.compile(r"<html[^>]*\blang=[\"']?([A-Za-z_-]+)", re.IGNORECASE)


def prefix(text: str, words: int | None) -> str:
    if words is None:
        return text
    tokens = text.split()
    if len(tokens) < len(text) / 15:  # unspaced script: about two characters a word
        return text[: words * 2]
    return " ".join(tokens[:words])


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def before() -> Callable[[str, str | None], str | None]:
    words = frozenset(
        "the of and to in a is that for it as was with be by on not he i this are or his from at which but have"
        " an they you were her she there been their has would will its who what".split())

    def guess(text: str, declared: str | None) -> str | None:
        found = re.findall(r"[a-z]+", text[:20_000].lower())
        if declared or len(found) < 20:
            return declared
        return "en" if sum(w in words for w in found) / len(found) >= 0.2 else None

    return guess


def py3langid_top() -> Callable[[str, str | None], str | None]:
    from newsetl.extract.language import language_probabilities

    return lambda text, declared: next(iter(language_probabilities(text)), None)


def newsetl_policy() -> Callable[[str, str | None], str | None]:
    from newsetl.extract.language import identify_language

    return identify_language


def lingua(low: bool) -> Callable[[str, str | None], str | None]:
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages()
    if low:
        builder = builder.with_low_accuracy_mode()
    detector = builder.with_preloaded_language_models().build()

    def detect(text: str, declared: str | None) -> str | None:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else None

    return detect


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bench_dir", nargs="?", default=str(ROOT.parent / "shared" / "bench" / "extraction"))
    ap.add_argument("--only", help=argparse.SUPPRESS)  # one system, in a process of its own
    args = ap.parse_args(argv)
    bench = Path(args.bench_dir)
    gold = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    labels = json.loads((ROOT / "bench" / "gold" / "language.json").read_text(encoding="utf-8"))
    texts = {page: gold[page]["articleBody"] for page in labels}
    declared = {}
    for page in labels:
        with gzip.open(bench / "html" / f"{page}.html.gz", "rt", encoding="utf-8", errors="replace") as f:
            match = _LANG_ATTR.search(f.read(200_000))
        declared[page] = normalize_language(match[1]) if match else None
    lying = [p for p in labels if declared[p] and declared[p] != labels[p]]
    if args.only is None:
        print(f"{len(labels)} articles, {sum(v != 'en' for v in labels.values())} not English, "
              f"{sum(v is not None for v in declared.values())} declare a language, {len(lying)} wrongly")

    systems = {"before": before, "py3langid": py3langid_top, "newsetl": newsetl_policy,
               "lingua high": lambda: lingua(False), "lingua low": lambda: lingua(True)}
    if args.only is None:
        header = f"{'system':15s} " + " ".join(f"{'all' if n is None else f'{n} w':>6s}" for n in LENGTHS)
        print(header + f" {'lying':>6s} {'ms/text':>8s} {'load s':>7s} {'+MB':>6s}")
        for name in systems:
            subprocess.run([sys.executable, __file__, str(bench), "--only", name], check=True)
        return 0
    name = args.only
    rss_before, t0 = rss_mb(), time.perf_counter()
    try:
        identify = systems[name]()
        identify("warm up the model with a sentence or two of plain text", None)
    except ImportError:
        print(f"{name:15s} (not installed)")
        return 0
    load = time.perf_counter() - t0
    cells = []
    for n in LENGTHS:
        started = time.perf_counter()
        right = sum(identify(prefix(texts[p], n), declared[p]) == labels[p] for p in labels)
        per_text = (time.perf_counter() - started) / len(labels) * 1000  # the last: whole texts
        cells.append(f"{right / len(labels):6.3f}")
    fixed = sum(identify(texts[p], declared[p]) == labels[p] for p in lying)
    print(f"{name:15s} {' '.join(cells)} {fixed:>4d}/{len(lying)} {per_text:8.2f} {load:7.1f} {rss_mb() - rss_before:6.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
