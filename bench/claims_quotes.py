#!/usr/bin/env python3
"""Direct quotes and their speakers on other sites' pages: the claims table against a
hand-annotated gold set (``bench/data/quotes_gold.jsonl``, D82).

Usage (from anywhere):

    .venv/bin/python bench/claims_quotes.py [BENCH_DIR] [--extractor model|rules|both] [--examples N]

BENCH_DIR defaults to ``../shared/bench/extraction`` relative to the repository root and
holds the Zyte article-extraction benchmark's ``ground-truth.json``. The gold texts are
its ``articleBody`` texts, not our extraction (this measures claims alone). The pages are
chosen by a fixed rule: the first 40 ids in sorted order whose language is English
(``bench/gold/language.json``) and whose text has at least 4 double quotation marks
(``" “ ” « »``); the script checks that the gold file covers exactly those pages.

Each page goes through the pipeline's NLP stage (``analyse_articles`` with
``Settings(claims_extractor=...)``: spaCy, mentions, claims, contracts, span gate).

Scores (words are ``\\w+`` runs, compared by position):

* a predicted row is a **quote row** when its kind is ``direct`` or ``mixed`` (its
  content touches quotation marks);
* **recall**: a gold quote is found when one quote row covers >= 50% of its words;
* **precision**: a quote row is right when >= 50% of its quoted words (the words of its
  content inside quotation marks, as ``quotemarks.find_quotes`` sees them) lie in one
  gold quote: "called it “a disaster”" is judged by "a disaster" (a row on a scare
  quote, a title or quoted words that are no one's speech is wrong). A ``mixed`` row
  whose quoted words are not in a gold quote and are under half its words is an
  indirect claim with a scare quote in it ("Mayer said, and “patched” the software"):
  not counted either way;
* ``any_r``: recall counting rows of any kind (an indirect row that covers the quote);
* **speaker accuracy**, on the found gold quotes (the row covering most of its words):
  right when the predicted ``speaker_name`` equals the gold name (case and whitespace
  aside), or both are null, or the predicted speaker span overlaps the gold speaker
  span (for a pronoun surface, "he", only when the names do not disagree:
  the pronoun's span alone says nothing about who was named). ``speaker_strict``
  counts names only: equal, one a word-suffix of the other ("Cook" / "Tim Cook"), or
  both null.

Prints, per extractor, the figures, the missed and wrong quotes by error class with
examples, the figures on the first and on the last 20 pages alone (a change made by
error class should not move only one half: a guard against fitting the 40 pages), and
as its last line (of the last extractor run)
``quotes_p=… quotes_r=… quotes_f1=… speaker_acc=…``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_DIR = REPO.parent / "shared" / "bench" / "extraction"
GOLD = REPO / "bench" / "data" / "quotes_gold.jsonl"
LANGUAGE = REPO / "bench" / "gold" / "language.json"
PAGES = 40
MIN_MARKS = 4
MARKS = '"“”«»'
MATCH = 0.5
QUOTE_KINDS = ("direct", "mixed")
PRONOUNS = frozenset({"he", "she", "they", "it", "i", "we", "his", "her", "their"})
_WORD = re.compile(r"\w+")


def select_pages(truth: dict, language: dict) -> list[str]:
    """The fixed page rule (module docstring)."""
    out = []
    for pid in sorted(truth):
        body = truth[pid]["articleBody"]
        if language.get(pid) == "en" and sum(body.count(m) for m in MARKS) >= MIN_MARKS:
            out.append(pid)
    return out[:PAGES]


def load_gold(truth: dict, pages: list[str]) -> list[dict]:
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    for g in gold:
        text = truth[g["id"]]["articleBody"]
        if text[g["quote_start"] : g["quote_end"]] != g["quote"]:
            raise SystemExit(f"gold quote does not slice its text: {g['id'][:12]} {g['quote_start']}")
        if g["speaker_start"] is not None and text[g["speaker_start"] : g["speaker_end"]] != g["speaker_surface"]:
            raise SystemExit(f"gold speaker does not slice its text: {g['id'][:12]} {g['speaker_start']}")
    extra = {g["id"] for g in gold} - set(pages)
    if extra:
        raise SystemExit(f"gold pages outside the page rule: {sorted(extra)[:3]}")
    return gold


def words(text: str, start: int, end: int) -> set[int]:
    """Start offsets of the words of text[start:end]."""
    return {m.start() for m in _WORD.finditer(text, start, end)}


def norm(name: str | None) -> str | None:
    return " ".join(name.casefold().split()) if isinstance(name, str) and name.strip() else None


def names_agree(pred: str | None, gold: str | None) -> bool:
    """Equal, or one a word-suffix of the other ("Cook" / "Tim Cook"), or both null."""
    p, g = norm(pred), norm(gold)
    if p is None or g is None:
        return p is None and g is None
    pw, gw = p.split(), g.split()
    n = min(len(pw), len(gw))
    return pw[-n:] == gw[-n:]


def speaker_right(row, g: dict) -> tuple[bool, bool]:
    """(lenient, strict) speaker verdicts for a found gold quote (module docstring)."""
    pred = row["speaker_name"] if isinstance(row["speaker_name"], str) else None
    strict = names_agree(pred, g["speaker_name"])
    if norm(pred) == norm(g["speaker_name"]):
        return True, strict
    if g["speaker_start"] is None or pd.isna(row["speaker_start"]):
        return False, strict
    overlap = int(row["speaker_start"]) < g["speaker_end"] and g["speaker_start"] < int(row["speaker_end"])
    if overlap and g["speaker_surface"].casefold() in PRONOUNS:
        overlap = pred is None or strict
    return overlap, strict


def error_class(g: dict, text: str, rows, found_any: bool) -> str:
    """Why a gold quote was missed: the shape of the quote, not the page."""
    para_start = text.rfind("\n", 0, g["quote_start"]) + 1
    para_end = text.find("\n", g["quote_end"])
    para_end = len(text) if para_end < 0 else para_end
    before = text[para_start : g["quote_start"]].strip(" “\"«")
    after = text[g["quote_end"] : para_end].strip(" ”\"».,")
    if found_any:
        return "found only as an indirect/according_to row"
    if g["cue"] is None and not before and not after:
        return "quote paragraph with no cue (speaker earlier)"
    if g["cue"] is None:
        return "second quote of a split/chained quote, no cue of its own"
    if g["speaker_start"] is not None and not (para_start <= g["speaker_start"] < para_end):
        return "speaker outside the quote's paragraph"
    if len(_WORD.findall(g["quote"])) <= 5:
        return "short partial quote"
    if rows:
        return "quote partly covered (< 50% of its words)"
    return "cue in the quote's paragraph, no row"


class Tally:
    """Counts and examples of one extractor's run over the gold pages."""

    def __init__(self) -> None:
        self.found = self.found_any = self.speaker_ok = self.speaker_strict = 0
        self.right_rows = self.wrong_rows = 0
        self.missed: dict[str, list[str]] = defaultdict(list)
        self.false_pos: dict[str, list[str]] = defaultdict(list)
        self.wrong_speaker: list[str] = []


def score_recall(t: Tally, pid: str, text: str, golds: list[dict], gwords: list[set[int]],
                 rows, rwords, is_quote) -> None:
    """Each gold quote: found by a quote row (its speaker then judged), or missed by class."""
    for g, gw in zip(golds, gwords, strict=True):
        best, best_cov, any_cov = None, 0.0, 0.0
        for (_, r), rw, q in zip(rows.iterrows(), rwords, is_quote, strict=True):
            cov = len(gw & rw) / max(1, len(gw))
            any_cov = max(any_cov, cov)
            if q and cov > best_cov:
                best, best_cov = r, cov
        t.found_any += any_cov >= MATCH
        if best is not None and best_cov >= MATCH:
            t.found += 1
            lenient, strict = speaker_right(best, g)
            t.speaker_ok += lenient
            t.speaker_strict += strict
            if not lenient:
                t.wrong_speaker.append(f"gold {g['speaker_name']!r} ({g['speaker_surface']!r}), "
                                       f"predicted {best['speaker_name']!r} ({best['speaker_surface']!r}): "
                                       f"“{g['quote'][:70]}”")
        else:
            near = [rw for rw, q in zip(rwords, is_quote, strict=True) if q and gw & rw]
            cls = error_class(g, text, near, any_cov >= MATCH)
            t.missed[cls].append(f"[{pid[:8]}] {g['speaker_name']!r} {g['cue']!r}: “{g['quote'][:80]}”")


def score_precision(t: Tally, pid: str, gwords: list[set[int]], quoted: set[int], rows, rwords, is_quote) -> None:
    """Each quote row: right, not counted (an indirect claim with a scare quote), or wrong by class."""
    for (_, r), rw, q in zip(rows.iterrows(), rwords, is_quote, strict=True):
        if not q:
            continue
        inq = rw & quoted
        share = max((len(inq & gw) / len(inq) for gw in gwords), default=0.0) if inq else 0.0
        if share >= MATCH:
            t.right_rows += 1
            continue
        if inq and r["kind"] == "mixed" and len(inq) < MATCH * len(rw):
            continue  # an indirect claim with a scare quote in it, not a quote row
        t.wrong_rows += 1
        cls = ("a quote row with no quoted words" if not inq
               else "a quote row inside a gold quote's paragraph, mostly unquoted" if share > 0
               else "scare quote / title / term" if len(rw) <= 6 else "quoted text that is no one's speech")
        t.false_pos[cls].append(f"[{pid[:8]}] {r['speaker_name']!r} {r['cue']!r}: “{r['content'][:80]}”")


def figures(t: Tally, n_gold: int) -> dict:
    n_rows = t.right_rows + t.wrong_rows
    p = t.right_rows / n_rows if n_rows else 0.0
    r = t.found / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f1": f1, "speaker": t.speaker_ok / max(1, t.found), "rows": n_rows}


def report(t: Tally, n_gold: int, n_pages: int, examples: int) -> dict:
    s = figures(t, n_gold)
    p, r, f1, speaker, n_rows = s["p"], s["r"], s["f1"], s["speaker"], s["rows"]
    print(f"  gold quotes {n_gold} on {n_pages} pages; quote rows {n_rows}")
    print(f"  quotes_p={p:.3f} quotes_r={r:.3f} quotes_f1={f1:.3f} any_r={t.found_any / max(1, n_gold):.3f} "
          f"speaker_acc={speaker:.3f} speaker_strict={t.speaker_strict / max(1, t.found):.3f}")
    for title, groups in (("missed gold quotes", t.missed), ("wrong quote rows", t.false_pos)):
        print(f"  {title} by class:")
        for cls, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"    {len(items):3d}  {cls}")
            for item in items[:examples]:
                print(f"           {item}")
    print(f"  wrong speakers on found quotes: {len(t.wrong_speaker)}")
    for item in t.wrong_speaker[: examples * 3]:
        print(f"           {item}")
    return s


def score(pages: list[str], truth: dict, gold: list[dict], claims, examples: int) -> dict:
    """The figures on ``pages`` with the report, then on their first and last halves (one line
    each: a change made by error class should move both, not one page's quotes)."""
    s = report(*tally(pages, truth, gold, claims), len(pages), examples)
    half = len(pages) // 2
    for name, part in (("first", pages[:half]), ("last", pages[half:])):
        t, n_gold = tally(part, truth, gold, claims)
        h = figures(t, n_gold)
        print(f"  {name} {len(part)} pages ({n_gold} gold quotes): quotes_p={h['p']:.3f} quotes_r={h['r']:.3f} "
              f"quotes_f1={h['f1']:.3f} speaker_acc={h['speaker']:.3f}")
    return s


def tally(pages: list[str], truth: dict, gold: list[dict], claims) -> tuple[Tally, int]:
    """The tally of ``pages`` and the number of their gold quotes."""
    from newsetl.enrich.claims.quotemarks import find_quotes

    by_page: dict[str, list[dict]] = defaultdict(list)
    for g in gold:
        by_page[g["id"]].append(g)
    claims = claims.assign(pid=claims["article_id"].map({p[:16]: p for p in pages}))
    t = Tally()
    for pid in pages:
        text = truth[pid]["articleBody"]
        golds = by_page.get(pid, [])
        gwords = [words(text, g["quote_start"], g["quote_end"]) for g in golds]
        rows = claims[claims["pid"] == pid]
        rwords = [words(text, int(r.content_start), int(r.content_end)) for r in rows.itertuples()]
        is_quote = [k in QUOTE_KINDS for k in rows["kind"]]
        quoted = set().union(*(words(text, q.inner_start, q.inner_end) for q in find_quotes(text)))
        score_recall(t, pid, text, golds, gwords, rows, rwords, is_quote)
        score_precision(t, pid, gwords, quoted, rows, rwords, is_quote)
    return t, sum(len(by_page.get(pid, [])) for pid in pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--extractor", choices=("model", "rules", "both"), default="both")
    ap.add_argument("--examples", type=int, default=4, help="examples printed per error class")
    args = ap.parse_args()

    from newsetl.enrich.analysis import analyse_articles, load_models
    from newsetl.settings import Settings

    truth = json.loads((args.bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    pages = select_pages(truth, json.loads(LANGUAGE.read_text(encoding="utf-8")))
    gold = load_gold(truth, pages)
    articles = pd.DataFrame({
        "article_id": [p[:16] for p in pages],
        "text": [truth[p]["articleBody"] for p in pages],
        "language": ["en"] * len(pages),
        "source_uri": [truth[p]["url"] for p in pages],
        "byline": [None] * len(pages),
    })
    summary = ""
    for extractor in (("model", "rules") if args.extractor == "both" else (args.extractor,)):
        settings = Settings(claims_extractor=extractor)
        t0 = time.perf_counter()
        result = analyse_articles(articles, load_models(settings), settings, "bench")
        print(f"\n{extractor}: {len(result.claims)} claim rows, {result.counts['enrich_quarantined']} quarantined, "
              f"{time.perf_counter() - t0:.0f} s")
        s = score(pages, truth, gold, result.claims, args.examples)
        summary = f"quotes_p={s['p']:.3f} quotes_r={s['r']:.3f} quotes_f1={s['f1']:.3f} speaker_acc={s['speaker']:.3f}"
    print(summary)


if __name__ == "__main__":
    main()
