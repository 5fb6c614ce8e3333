"""The entity step of a run's commit at N and 10N landed articles: the full rebuild it
used to be against the update of the entities a run touches (docs/decisions.md D61).

    .venv/bin/python bench/entities.py [ARTICLES ...]        (default 5000 50000)

For each size, a warehouse of synthetic articles and mentions (bench/duckdb_queries.py's
generator: 20 mentions per article, entity names Zipf-distributed) gets its entities
table built in full; then a run of 50 new articles (1,000 mentions drawn the same way)
is merged into ``mentions`` and the entity step is timed both ways, best of three:
``rebuild`` (every mention read, every entity written) and ``update`` (the run's
entities only, ``newsetl.run.commit.update_entities``). Both tables are compared.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from duckdb_queries import ENTITIES, LABELS, MENTIONS_PER_ARTICLE, hex16, synthetic, table  # noqa: E402
from newsetl.enrich.entities import build_entities  # noqa: E402
from newsetl.enrich.mentions.reference import default_reference  # noqa: E402
from newsetl.land import Warehouse  # noqa: E402
from newsetl.land.warehouse import to_arrow  # noqa: E402
from newsetl.run.commit import entity_inputs, update_entities  # noqa: E402
from newsetl.settings import Settings  # noqa: E402

RUN_ARTICLES = 50


def rebuild(wh: Warehouse) -> int:
    with wh.connect(("mentions", "articles")) as con:
        mentions, articles = entity_inputs(con, None)
    entities = build_entities(mentions, articles, default_reference())
    wh.overwrite("entities", to_arrow("entities", entities), "bench")
    return len(entities)


def new_mentions(rng: np.random.Generator, n_articles: int) -> tuple[object, list[str]]:
    """A run's mentions: RUN_ARTICLES articles past the landed ones, drawn as they were."""
    n = RUN_ARTICLES * MENTIONS_PER_ARTICLE
    names = np.array([f"Entity {i}" for i in range(ENTITIES)])
    names[0], names[1] = "Pakistan", "Taliban"
    entity = np.minimum(rng.zipf(1.3, n) - 1, ENTITIES - 1)
    article = hex16((n_articles + 1 + np.repeat(np.arange(RUN_ARTICLES), MENTIONS_PER_ARTICLE)) * 7919)
    start = rng.integers(0, 5000, n)
    entity_ids = hex16(entity * 15485863 + 3)
    rows = table("mentions", {
        "mention_id": hex16(10**12 + np.arange(n) * 104729), "article_id": article, "start_char": start,
        "end_char": start + 8, "surface": names[entity], "label": LABELS[entity % len(LABELS)],
        "entity_id": entity_ids, "canonical_name": names[entity], "sentence_index": rng.integers(0, 30, n),
        "run_id": np.full(n, "run"),
    })
    return rows, sorted(set(entity_ids.tolist()))


def update_phases(wh: Warehouse, touched: list[str]) -> str:
    """Where the update's time goes: reading the touched entities' mentions, counting, merging."""
    t0 = time.perf_counter()
    with wh.connect(("mentions", "articles")) as con:
        mentions, articles = entity_inputs(con, touched)
    t1 = time.perf_counter()
    entities = build_entities(mentions, articles, default_reference())
    t2 = time.perf_counter()
    wh.merge("entities", to_arrow("entities", entities), "bench", update_if=True, replace_keys=touched)
    t3 = time.perf_counter()
    return (f"read {t1 - t0:.2f} s of {mentions.num_rows:,} mentions, count {t2 - t1:.2f} s, "
            f"merge {t3 - t2:.2f} s")


def best_of_three(step) -> float:
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(n_articles: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="newsetl-entities-bench-"))
    try:
        wh = Warehouse.at(root, Settings())
        wh.ensure_tables()
        rng = np.random.default_rng(7)
        synthetic(wh, n_articles * MENTIONS_PER_ARTICLE, rng)
        rebuild(wh)
        rows, touched = new_mentions(rng, n_articles)
        wh.merge("mentions", rows, "run", update_if=False)
        run = SimpleNamespace(warehouse=wh, run_id="run")
        updated = best_of_three(lambda: update_entities(run.warehouse, run.run_id, touched))
        incremental = wh.read_table("entities").sort_by("entity_id")
        phases = update_phases(wh, touched)
        full = best_of_three(lambda: rebuild(wh))
        same = incremental.equals(wh.read_table("entities").sort_by("entity_id"))
        print(f"{n_articles:>9,} articles {n_articles * MENTIONS_PER_ARTICLE:>11,} mentions: "
              f"{len(touched)} entities touched by {RUN_ARTICLES} new articles; "
              f"rebuild {full:.2f} s, update {updated:.2f} s ({phases}); same table: {same}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    for n in [int(a) for a in sys.argv[1:]] or [5000, 50000]:
        measure(n)


if __name__ == "__main__":
    main()
