"""Cost of finding the reference list's names in a text, as the list grows (D57).

    .venv/bin/python bench/reference_scan.py

Texts: the five gold articles of bench/gold/mentions and the five seed dumps. Lists: the
shipped data/entities.yaml, then the same with made-up person names added up to 1,000 and
10,000 entities. Prints, per list, the time to build the matcher and ms per article (best
of five rounds) of ``EntityReference.scan``.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsetl.enrich.mentions.reference import EntityReference, ReferenceEntity, load_reference  # noqa: E402


def made_up_names(n: int, taken: set[str]) -> list[ReferenceEntity]:
    rng = random.Random(57)
    syllables = ["ka", "ro", "min", "ta", "lu", "ver", "sen", "dor", "pa", "qui", "zan", "el"]
    out: list[ReferenceEntity] = []
    while len(out) < n:
        name = " ".join("".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()
                        for _ in range(rng.randint(1, 3)))
        if name.casefold() not in taken:
            taken.add(name.casefold())
            out.append(ReferenceEntity(name, "PERSON"))
    return out


def per_article_ms(reference: EntityReference, texts: list[str]) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for text in texts:
            list(reference.scan(text))
        best = min(best, (time.perf_counter() - started) / len(texts) * 1000)
    return best


def main() -> int:
    texts = [json.loads(p.read_text(encoding="utf-8"))["text"] for p in sorted((ROOT / "bench/gold/mentions").glob("*.json"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw/samples/seeds").glob("*.txt"))]
    shipped = load_reference()
    print(f"{len(texts)} texts, {sum(map(len, texts)) / len(texts):,.0f} characters on average")
    print(f"{'entities':>9s} {'build s':>8s} {'ms/article':>11s}")
    for size in (len(shipped.entities), 1_000, 10_000):
        taken = {e.name.casefold() for e in shipped.entities}
        entities = [*shipped.entities, *made_up_names(size - len(shipped.entities), taken)]
        started = time.perf_counter()
        reference = EntityReference(entities, shipped.fixes)
        build = time.perf_counter() - started
        print(f"{size:9,d} {build:8.2f} {per_article_ms(reference, texts):11.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
