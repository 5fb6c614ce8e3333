"""Score the mentions pipeline against the hand-annotated gold set (set level).

For each article in bench/gold/mentions/*.json, the distinct (canonical_name, type)
pairs the pipeline finds are compared with the annotated ones (names casefolded and
whitespace-normalized; a gold entity also matches any of its `also` names). Types:
PERSON, ORG, PLACE (= GPE, LOC, FAC); NORP and EVENT are not scored.

    .venv/bin/python bench/mentions_gold.py [GOLD_DIR] [-v]

Prints precision / recall / F1 per type and overall; -v also lists the misses (FN) and
the spurious entities (FP) of every article.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsetl.enrich import enrich_articles  # noqa: E402
from newsetl.enrich.mentions.reference import load_reference  # noqa: E402
from newsetl.enrich.nlp import load_nlp  # noqa: E402

TYPES = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE"}
SCORED = ("PERSON", "ORG", "PLACE")
_WS = re.compile(r"\s+")


def norm(name: str) -> str:
    return _WS.sub(" ", name).strip().casefold()


def load_gold(gold_dir: Path) -> list[dict]:
    docs = []
    for path in sorted(gold_dir.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["slug"] = path.stem
        docs.append(doc)
    if not docs:
        raise SystemExit(f"no gold files in {gold_dir}")
    return docs


def score(gold_docs: list[dict], predicted: dict[str, set[tuple[str, str]]]) -> tuple[dict, list[str]]:
    stats = {t: {"tp_p": 0, "n_p": 0, "tp_g": 0, "n_g": 0} for t in SCORED}
    report = []
    for doc in gold_docs:
        pred = predicted.get(doc["id"], set())
        # (type, accepted names, display name) per gold entity
        gold = [
            (e["label"], {norm(e["canonical_name"]), *map(norm, e.get("also", []))}, e["canonical_name"])
            for e in doc["entities"]
        ]
        fn = [name for t, names, name in gold if not any((n, t) in pred for n in names)]
        fp = [f"{n} ({t})" for n, t in sorted(pred) if not any(t == gt and n in names for gt, names, _ in gold)]
        for t in SCORED:
            g_t = [names for gt, names, _ in gold if gt == t]
            p_t = [n for n, pt in pred if pt == t]
            stats[t]["n_g"] += len(g_t)
            stats[t]["tp_g"] += sum(any((n, t) in pred for n in names) for names in g_t)
            stats[t]["n_p"] += len(p_t)
            stats[t]["tp_p"] += sum(any(n in names for names in g_t) for n in p_t)
        report.append(f"{doc['slug']}:\n  missed:   {fn}\n  spurious: {fp}")
    return stats, report


def table(stats: dict) -> str:
    lines = [f"{'type':8s} {'gold':>5s} {'pred':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}"]
    total = {"tp_p": 0, "n_p": 0, "tp_g": 0, "n_g": 0}
    for t in (*SCORED, "ALL"):
        s = stats[t] if t != "ALL" else total
        if t != "ALL":
            for k in total:
                total[k] += s[k]
        p = s["tp_p"] / s["n_p"] if s["n_p"] else 0.0
        r = s["tp_g"] / s["n_g"] if s["n_g"] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        lines.append(f"{t:8s} {s['n_g']:5d} {s['n_p']:5d} {p:6.3f} {r:6.3f} {f:6.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold_dir", nargs="?", default=str(Path(__file__).resolve().parent / "gold" / "mentions"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    gold_docs = load_gold(Path(args.gold_dir))
    nlp = load_nlp()
    result = enrich_articles(((d["id"], d["text"], "en") for d in gold_docs), nlp, load_reference(), run_id="gold")
    predicted: dict[str, set[tuple[str, str]]] = {}
    for row in result.mentions.itertuples():
        t = TYPES.get(row.label)
        if t:
            predicted.setdefault(row.article_id, set()).add((norm(row.canonical_name), t))
    stats, report = score(gold_docs, predicted)
    if args.verbose:
        print("\n".join(report))
        print()
    print(f"{len(gold_docs)} articles, {sum(len(d['entities']) for d in gold_docs)} gold entities")
    print(table(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
