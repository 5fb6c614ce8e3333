#!/usr/bin/env python3
"""Stories (near-duplicates): shingle size, thresholds and LSH bands chosen by measurement.

Usage (from anywhere):

    .venv/bin/python bench/stories.py [BENCH_DIR] [--landed N] [--new N]

BENCH_DIR defaults to ``../shared/bench/extraction`` (``ground-truth.json``: the gold texts
of 181 news pages). Pairs are built from the gold texts of at least 50 words (what the
articles contract lands) and from the five seeds of ``raw/samples/seeds`` (cleaned by the
pipeline's text-dump cleaner), with a fixed seed:

same story (positives), one of each per article where it applies:
  exact        the same text; ``reformatted``: the same words with other line breaks,
               straight quotes and an upper-cased first line;
  para_changed one paragraph replaced by a paragraph of another article (a story updated
               in place); ``para_added`` one inserted; ``para_removed`` one dropped;
  wire         a wire copy on another outlet: another headline line, a dateline before
               the lede, two boilerplate lines (copyright, newsletter) after the text;
  trim70/50    the same story shortened: its first paragraphs up to 70% / 50% of the words
               (syndication cuts the tail);
different stories (negatives):
  same_outlet  every pair of benchmark articles of the same domain (55 domains);
  seeds        the ten pairs of seeds, all on U.S.-Pakistan relations;
  outlet_chrome the same-outlet pairs with the same three footer lines added to both
               (boilerplate an extractor kept);
  shared_para  the same-outlet pairs with one paragraph of one inserted into the other
               (a background paragraph reused across stories);
  random       every other pair of benchmark articles (different domains).

Prints: per shingle size the separation of exact set scores (Jaccard and containment);
per threshold precision/recall of "same story" with the MinHash estimate, with the recall
of every positive kind and the false positives of every negative kind; the LSH recall and
candidate rate of band layouts; trafilatura's SimHash on the same pairs; signature cost
(µs per article); the candidate lookup of N new articles against the band keys of M landed
ones in DuckDB (synthetic keys); and last a summary line ``stories_f1=…``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DIR = REPO_ROOT.parent / "shared" / "bench" / "extraction"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
from trafilatura.deduplication import Simhash  # noqa: E402

from newsetl.extract.textdump import clean_dump  # noqa: E402
from newsetl.run import stories  # noqa: E402
from newsetl.settings import Settings  # noqa: E402
from schemas.articles import MIN_WORDS  # noqa: E402
from schemas.words import count_words  # noqa: E402

SEED = 17
POSITIVE = ("exact", "reformatted", "para_changed", "para_added", "para_removed", "wire", "trim70", "trim50")
NEGATIVE = ("same_outlet", "seeds", "outlet_chrome", "shared_para", "random")
HARD = NEGATIVE[:-1]
WIRE_LINES = ("Copyright 2019 The Associated Press. All rights reserved. This material may not be published, "
              "broadcast, rewritten or redistributed.",
              "Sign up for our morning newsletter to get the day's top stories in your inbox.")
CHROME_LINES = ("Follow us on Twitter and Facebook for the latest news.",
                "Sign up for our newsletter: the stories you need to know, every morning.",
                "© 2019 All rights reserved. Terms of use | Privacy policy | Contact us")
DATELINES = ("WASHINGTON (AP) — ", "NEW YORK (Reuters) - ", "LONDON (AFP) — ")


# ----------------------------------------------------------------------------- pairs


class Pair:
    __slots__ = ("kind", "a", "b")

    def __init__(self, kind: str, a: str, b: str):
        self.kind, self.a, self.b = kind, a, b

    @property
    def same(self) -> bool:
        return self.kind in POSITIVE


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def join(paras: list[str]) -> str:
    return "\n\n".join(paras)


def trimmed(paras: list[str], share: float) -> list[str] | None:
    total = sum(len(p.split()) for p in paras)
    kept, words = [], 0
    for p in paras:
        if kept and words + len(p.split()) > share * total:
            break
        kept.append(p)
        words += len(p.split())
    return kept if len(kept) < len(paras) else None


def positives(text: str, donor: list[str], rng: random.Random) -> dict[str, str]:
    """The same-story variants of one article; ``donor`` are another article's paragraphs."""
    paras = paragraphs(text)
    out = {"exact": text,
           "reformatted": "\n".join(paras).replace("’", "'").replace("“", '"').replace("”", '"')}
    out["reformatted"] = out["reformatted"].replace(paras[0], paras[0].upper(), 1)
    foreign = rng.choice(donor)
    if len(paras) >= 2:
        i = rng.randrange(len(paras))
        out["para_changed"] = join(paras[:i] + [foreign] + paras[i + 1:])
        j = rng.randrange(len(paras))
        out["para_removed"] = join(paras[:j] + paras[j + 1:])
    k = rng.randrange(1, len(paras) + 1)
    out["para_added"] = join(paras[:k] + [foreign] + paras[k:])
    headline = " ".join(rng.choice(donor).split()[:10])
    out["wire"] = join([headline, rng.choice(DATELINES) + paras[0]] + paras[1:] + list(WIRE_LINES))
    for name, share in (("trim70", 0.7), ("trim50", 0.5)):
        cut = trimmed(paras, share)
        if cut is not None:
            out[name] = join(cut)
    return {k: v for k, v in out.items() if count_words(v) >= MIN_WORDS}


def build_pairs(articles: dict[str, tuple[str, str]], seeds: list[str]) -> tuple[dict[str, str], list[Pair]]:
    """``articles``: id -> (domain, text). Returns every text by key, and the pairs of keys."""
    rng = random.Random(SEED)
    texts: dict[str, str] = {aid: text for aid, (_, text) in articles.items()}
    ids = sorted(articles)
    pairs: list[Pair] = []
    for aid in ids:
        donor_id = rng.choice([d for d in ids if d != aid])
        for kind, variant in positives(articles[aid][1], paragraphs(articles[donor_id][1]), rng).items():
            key = f"{aid}~{kind}"
            texts[key] = variant
            pairs.append(Pair(kind, aid, key))
    by_domain: dict[str, list[str]] = defaultdict(list)
    for aid in ids:
        by_domain[articles[aid][0]].append(aid)
    same_domain = {frozenset(p) for group in by_domain.values() for p in itertools.combinations(group, 2)}
    for a, b in sorted(tuple(sorted(p)) for p in same_domain):
        pairs.append(Pair("same_outlet", a, b))
        texts[f"{a}~chrome"] = join(paragraphs(texts[a]) + list(CHROME_LINES))
        texts[f"{b}~chrome"] = join(paragraphs(texts[b]) + list(CHROME_LINES))
        pairs.append(Pair("outlet_chrome", f"{a}~chrome", f"{b}~chrome"))
        # A background paragraph of a (at most a third of it) reused in b.
        pa_, pb = paragraphs(texts[a]), paragraphs(texts[b])
        small = [p for p in pa_ if 3 * len(p.split()) <= len(texts[a].split())]
        if small:
            texts[f"{b}~shared"] = join(pb[:1] + [rng.choice(small)] + pb[1:])
            pairs.append(Pair("shared_para", a, f"{b}~shared"))
    for i, text in enumerate(seeds):
        texts[f"seed{i}"] = text
    pairs += [Pair("seeds", f"seed{i}", f"seed{j}") for i, j in itertools.combinations(range(len(seeds)), 2)]
    pairs += [Pair("random", a, b) for a, b in itertools.combinations(ids, 2) if frozenset((a, b)) not in same_domain]
    return texts, pairs


def load(bench_dir: Path) -> tuple[dict[str, tuple[str, str]], list[str]]:
    gold = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    articles = {aid: ((urlparse(item["url"]).hostname or "").removeprefix("www."), item["articleBody"])
                for aid, item in sorted(gold.items()) if count_words(item["articleBody"]) >= MIN_WORDS}
    seeds = [clean_dump(p.read_text(encoding="utf-8")).text
             for p in sorted((REPO_ROOT / "raw" / "samples" / "seeds").glob("*.txt"))]
    return articles, seeds


# ----------------------------------------------------------------------------- scoring


def prf(scores: list[float], pairs: list[Pair], threshold: float) -> tuple[float, float, float]:
    tp = sum(1 for s, p in zip(scores, pairs) if s >= threshold and p.same)
    fp = sum(1 for s, p in zip(scores, pairs) if s >= threshold and not p.same)
    fn = sum(1 for s, p in zip(scores, pairs) if s < threshold and p.same)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def by_kind(scores: list[float], pairs: list[Pair], threshold: float) -> dict[str, str]:
    """Recall of each positive kind, false positives of each negative kind."""
    out = {}
    for kind in POSITIVE + NEGATIVE:
        hits = [s >= threshold for s, p in zip(scores, pairs) if p.kind == kind]
        if hits:
            out[kind] = f"{sum(hits) / len(hits):.3f}" if kind in POSITIVE else f"{sum(hits)}/{len(hits)}"
    return out


def best_threshold(scores: list[float], pairs: list[Pair], grid) -> tuple[float, tuple[float, float, float]]:
    return max(((t, prf(scores, pairs, t)) for t in grid), key=lambda x: (x[1][2], -x[0]))


def exact_scores(sets: dict[str, set], pairs: list[Pair]) -> tuple[list[float], list[float]]:
    jac, con = [], []
    for p in pairs:
        a, b = sets[p.a], sets[p.b]
        inter = len(np.intersect1d(a, b, assume_unique=True))
        jac.append(inter / (len(a) + len(b) - inter) if len(a) or len(b) else 0.0)
        con.append(inter / min(len(a), len(b)) if len(a) and len(b) else 0.0)
    return jac, con


def shingle_sizes(texts: dict[str, str], pairs: list[Pair]) -> None:
    print("\n## Shingle size: exact shingle sets; best threshold by F1 over all pairs")
    print("| words | Jaccard: thr, F1 | containment: thr, F1 | containment: positives p1 / p5 | hard negatives max / p95 | random max | random mean Jaccard |")
    print("|---|---|---|---|---|---|---|")
    grid = [x / 100 for x in range(5, 100)]
    for n in (2, 3, 4, 5, 6, 8):
        sets = {k: stories.shingles(t, n) for k, t in texts.items()}
        jac, con = exact_scores(sets, pairs)
        tj, (_, _, fj) = best_threshold(jac, pairs, grid)
        tc, (_, _, fc) = best_threshold(con, pairs, grid)
        pos = sorted(s for s, q in zip(con, pairs) if q.same)
        hard = sorted(s for s, q in zip(con, pairs) if q.kind in HARD)
        rand = max(s for s, q in zip(con, pairs) if q.kind == "random")
        rand_j = statistics.fmean(s for s, q in zip(jac, pairs) if q.kind == "random")
        print(f"| {n} | {tj:.2f}, {fj:.3f} | {tc:.2f}, {fc:.3f} | {pos[len(pos) // 100]:.3f} / {pos[len(pos) // 20]:.3f} "
              f"| {hard[-1]:.3f} / {hard[len(hard) * 95 // 100]:.3f} | {rand:.3f} | {rand_j:.4f} |")


def signatures(texts: dict[str, str], params: stories.Params) -> dict[str, stories.Signature]:
    return {k: stories.signature(t, params) for k, t in texts.items()}


def thresholds(sigs, pairs: list[Pair], measure, grid, title: str) -> list[float]:
    scores = [measure(sigs[p.a], sigs[p.b]) for p in pairs]
    print(f"\n## {title}")
    print("| threshold | P | R | F1 | " + " | ".join(POSITIVE + NEGATIVE) + " |")
    print("|---" * (4 + len(POSITIVE + NEGATIVE)) + "|")
    for t in grid:
        p, r, f1 = prf(scores, pairs, t)
        kinds = by_kind(scores, pairs, t)
        print(f"| {t:.2f} | {p:.3f} | {r:.3f} | {f1:.3f} | " + " | ".join(kinds.get(k, "") for k in POSITIVE + NEGATIVE)
              + " |")
    return scores


def lsh(texts: dict[str, str], pairs: list[Pair], base: stories.Params, threshold: float) -> None:
    """Per band layout: the share of the same-story pairs the decision accepts that also
    share a band key (LSH recall); the share of the hard negatives sharing one; and the
    random candidates a new article would meet among 1M landed unrelated articles,
    1M × mean over the random pairs of 1 - (1 - J**rows)**bands (J: exact Jaccard)."""
    sets = {k: stories.shingles(t, base.shingle_words) for k, t in texts.items()}
    rand_j = np.array([j for j, p in zip(exact_scores(sets, pairs)[0], pairs) if p.kind == "random"])
    print(f"\n## LSH: band layouts at similarity {threshold}")
    print("| num_perm | bands × rows | LSH recall | hard negatives sharing a key | random candidates per new article at 1M landed | band-key bytes/article |")
    print("|---|---|---|---|---|---|")
    hard = [p for p in pairs if p.kind in HARD]
    for bands, rows in ((16, 4), (32, 2), (32, 3), (16, 8), (32, 4), (42, 3), (64, 2), (64, 4)):
        params = base._replace(bands=bands, rows=rows)
        sigs = signatures(texts, params)
        keys = {k: set(stories.band_keys(s, params)) for k, s in sigs.items()}
        accepted = [p for p in pairs if p.same and stories.similarity(sigs[p.a], sigs[p.b]) >= threshold]
        found = sum(1 for p in accepted if keys[p.a] & keys[p.b])
        hard_keys = sum(1 for p in hard if keys[p.a] & keys[p.b])
        expected = 1e6 * float(np.mean(1 - (1 - rand_j ** params.rows) ** bands))
        print(f"| {params.num_perm} | {bands} × {rows} | {found / len(accepted):.3f} | {hard_keys}/{len(hard)} "
              f"| {expected:.2f} | {8 * bands} |")


def simhash(texts: dict[str, str], pairs: list[Pair]) -> None:
    start = time.perf_counter()
    hashes = {k: Simhash(t) for k, t in texts.items()}
    per = (time.perf_counter() - start) / len(texts) * 1e6
    scores = [hashes[p.a].similarity(hashes[p.b]) for p in pairs]
    grid = [x / 64 for x in range(32, 65)]
    t, (p, r, f1) = best_threshold(scores, pairs, grid)
    print(f"\n## trafilatura SimHash (64 bits, bag of words), {per:.0f} µs/article")
    print(f"best threshold {t:.3f} ({round(t * 64)}/64 bits): P {p:.3f} R {r:.3f} F1 {f1:.3f}")
    print("| threshold | P | R | F1 | " + " | ".join(POSITIVE + NEGATIVE) + " |")
    print("|---" * (4 + len(POSITIVE + NEGATIVE)) + "|")
    for bits in (48, 52, 54, 56, 58, 60):
        thr = bits / 64
        p, r, f1 = prf(scores, pairs, thr)
        kinds = by_kind(scores, pairs, thr)
        print(f"| {bits}/64 | {p:.3f} | {r:.3f} | {f1:.3f} | " + " | ".join(kinds.get(k, "") for k in POSITIVE + NEGATIVE)
              + " |")


def cost(articles: dict[str, tuple[str, str]], params: stories.Params, rounds: int = 5) -> float:
    texts = [t for _, t in articles.values()]
    stories.signature(texts[0], params)  # permutations built once per process
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for t in texts:
            stories.band_keys(stories.signature(t, params), params)
        best = min(best, time.perf_counter() - start)
    words = sum(count_words(t) for t in texts)
    per = best / len(texts) * 1e6
    print(f"\n## Signature cost: tokens + shingles + MinHash + band keys, best of {rounds}")
    print(f"{per:.0f} µs/article ({len(texts)} benchmark articles, mean {words / len(texts):.0f} words; "
          f"{best / words * 1e6:.2f} µs/word)")
    return per


# ----------------------------------------------------------------------------- scale


def lookup(landed: int, new: int, params: stories.Params) -> dict[str, float]:
    """The run's lookup at scale, with synthetic keys, in the two layouts of D58: a
    per-article ``story_signatures`` table whose ``band_keys`` list column the query
    unnests (the one chosen), and a long ``story_bands(band_key, article_id)`` table;
    each as a Parquet file (as Delta stores it) and as a DuckDB table (as the catalog
    holds it), under a 1 GB DuckDB memory limit. ``new`` articles, of which one in 20
    shares a band with a landed article. Then the candidates' signatures are read back
    from ``story_signatures`` (the decision's input)."""
    bands, out = params.bands, {}
    with tempfile.TemporaryDirectory() as tmp:
        sigs_path, bands_path = Path(tmp) / "story_signatures.parquet", Path(tmp) / "story_bands.parquet"
        con = duckdb.connect(str(Path(tmp) / "catalog.duckdb"))
        # Ids as 16 hex digits like article_id; keys and MinHash bytes as random as real ones.
        blob = " || ".join(f"md5(i::VARCHAR || '/{k}')" for k in range(params.num_perm // 4))  # 16 bytes each
        start = time.perf_counter()
        con.execute(f"""CREATE TABLE story_signatures AS
            SELECT printf('%016x', hash(i)) AS article_id, 200 + i % 800 AS shingles, unhex({blob}) AS minhash,
                   list_transform(range({bands}), lambda b: (hash(i, b) >> 1)::BIGINT) AS band_keys
            FROM range({landed}) AS t(i)""")
        con.execute("CREATE TABLE story_bands AS SELECT unnest(band_keys) AS band_key, article_id FROM story_signatures")
        con.execute(f"COPY story_signatures TO '{sigs_path}' (FORMAT parquet)")
        con.execute(f"COPY story_bands TO '{bands_path}' (FORMAT parquet)")
        out["build_s"] = time.perf_counter() - start
        out["list_bytes"] = sigs_path.stat().st_size / landed
        out["long_bytes"] = bands_path.stat().st_size / landed
        rng = np.random.default_rng(SEED)
        new_keys = {}
        for i in range(new):
            keys = rng.integers(-(2**63), 2**63 - 1, size=bands, dtype=np.int64).tolist()
            if i % 20 == 0:
                j, b = int(rng.integers(landed)), int(rng.integers(bands))
                keys[b] = con.execute("SELECT (hash(?::BIGINT, ?::BIGINT) >> 1)::BIGINT", [j, b]).fetchall()[0][0]
            new_keys[f"n{i:015d}"] = keys
        con.execute("SET memory_limit = '1GB'")
        unnested = "SELECT unnest(band_keys) AS band_key, article_id FROM {}"
        layouts = {"list_parquet": lambda: con.sql(unnested.format(f"read_parquet('{sigs_path}')")),
                   "list_table": lambda: con.sql(unnested.format("story_signatures")),
                   "long_parquet": lambda: con.read_parquet(str(bands_path)),
                   "long_table": lambda: con.table("story_bands")}
        for name, relation in layouts.items():
            times = []
            for _ in range(3):
                start = time.perf_counter()
                pairs = stories.candidate_pairs(con, new_keys, relation())
                times.append(time.perf_counter() - start)
            out[name] = min(times)
            out["pairs"] = pairs.num_rows
        con.register("pairs", pairs)
        start = time.perf_counter()
        fetched = con.sql(f"""SELECT s.article_id, s.shingles, s.minhash FROM read_parquet('{sigs_path}') AS s
                              SEMI JOIN pairs AS p ON s.article_id = p.candidate_id""").to_arrow_table()
        out["fetch_s"] = time.perf_counter() - start
        out["fetched"] = fetched.num_rows
        con.close()
    return out


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bench_dir", nargs="?", type=Path, default=DEFAULT_BENCH_DIR)
    parser.add_argument("--landed", type=int, default=1_000_000, help="landed articles for the lookup")
    parser.add_argument("--new", type=int, default=10_000, help="new articles for the lookup")
    args = parser.parse_args()

    settings = Settings()
    params = stories.Params.from_settings(settings)
    articles, seeds = load(args.bench_dir)
    texts, pairs = build_pairs(articles, seeds)
    counts = {k: sum(1 for p in pairs if p.kind == k) for k in POSITIVE + NEGATIVE}
    print(f"{len(articles)} benchmark articles of ≥ {MIN_WORDS} words, {len(seeds)} seeds; pairs: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"settings: shingle_words {params.shingle_words}, bands {params.bands} × rows {params.rows} "
          f"({params.num_perm} permutations), similarity {params.similarity}")

    shingle_sizes(texts, pairs)
    sigs = signatures(texts, params)
    grid = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    thresholds(sigs, pairs, stories.jaccard, grid, f"MinHash Jaccard estimate, {params.num_perm} permutations: "
               "P/R of 'same story' per threshold (positive kinds: recall; negative kinds: false positives)")
    scores = thresholds(sigs, pairs, stories.similarity, grid,
                        f"MinHash containment estimate (newsetl.run.stories.similarity), {params.num_perm} permutations")
    p, r, f1 = prf(scores, pairs, params.similarity)
    print(f"\nAt similarity {params.similarity}, by permutations (bands × rows):")
    for bands, rows in ((32, 2), (32, 3), (32, 4), (64, 4)):
        other = params._replace(bands=bands, rows=rows)
        osigs = signatures(texts, other)
        op, orr, of1 = prf([stories.similarity(osigs[q.a], osigs[q.b]) for q in pairs], pairs, params.similarity)
        print(f"  {other.num_perm} ({bands} × {rows}): P {op:.3f} R {orr:.3f} F1 {of1:.3f}")
    lsh(texts, pairs, params, params.similarity)
    keys = {k: set(stories.band_keys(s, params)) for k, s in sigs.items()}
    found = {k: [bool(keys[q.a] & keys[q.b]) and scores[i] >= params.similarity
                 for i, q in enumerate(pairs) if q.kind == k] for k in POSITIVE}
    e2e = sum(sum(v) for v in found.values()) / sum(len(v) for v in found.values())
    print(f"Chosen layout {params.bands} × {params.rows}: same-story pairs found (share a key and pass the threshold) "
          f"by kind: " + ", ".join(f"{k} {sum(v) / len(v):.3f}" for k, v in found.items()) + f"; all {e2e:.3f}")
    simhash(texts, pairs)
    per = cost(articles, params)

    print(f"\n## Candidate lookup: {args.new:,} new articles against {args.landed:,} landed articles' band keys "
          f"({params.bands} per article), DuckDB")
    scale = lookup(args.landed, args.new, params)
    print(f"synthetic tables built in {scale['build_s']:.1f} s; {scale['pairs']:,} candidate pairs found; "
          "best of 3 under a 1 GB DuckDB memory limit:")
    print("| layout | bytes per landed article (Parquet) | candidate_pairs over Parquet | over a DuckDB table |")
    print("|---|---|---|---|")
    print(f"| story_signatures.band_keys BIGINT[{params.bands}], unnested (with the signature) "
          f"| {scale['list_bytes']:.0f} | {scale['list_parquet']:.2f} s | {scale['list_table']:.2f} s |")
    print(f"| story_bands(band_key, article_id), {params.bands} rows per article "
          f"| {scale['long_bytes']:.0f} | {scale['long_parquet']:.2f} s | {scale['long_table']:.2f} s |")
    print(f"the candidates' signatures read back from story_signatures (Parquet, semi-join): {scale['fetch_s']:.2f} s "
          f"for {scale['fetched']:,} rows")

    print(f"\nstories_f1={f1:.3f} precision={p:.3f} recall={r:.3f} lsh_recall={e2e:.3f} "
          f"signature_us={per:.0f} lookup_s={scale['long_parquet']:.2f}")


if __name__ == "__main__":
    main()
