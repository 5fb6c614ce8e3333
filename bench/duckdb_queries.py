"""DuckDB query times on the landed tables at scale: the README's example queries over
synthetic tables of 1,000,000 mentions, and the cost of rebuilding ``entities`` from them.

    .venv/bin/python bench/duckdb_queries.py [MENTIONS]        (default 1000000; or BENCH_MENTIONS)

Rows are synthetic but shaped like the real ones (20 mentions and 4 claims per article,
entity names Zipf-distributed, "Taliban" and "Pakistan" among the most named); they are
written as Delta tables with the pipeline's own schemas and the catalog is built as a run
builds it. Each query runs through the read-only catalog connection ``newsetl sql`` uses,
best of three; the queries are read from README.md, so the figures are for the queries
as published. The last line is machine-readable:

  duckdb_max_query_s=<slowest query> entities_rebuild_s=<build_entities over all mentions>
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newsetl.enrich.entities import build_entities  # noqa: E402
from newsetl.enrich.mentions.reference import default_reference  # noqa: E402
from newsetl.land import Warehouse, catalog  # noqa: E402
from newsetl.settings import Settings  # noqa: E402
from schemas import TABLES, arrow_schema  # noqa: E402
from schemas.claims import KINDS as CLAIM_KINDS  # noqa: E402

MENTIONS_PER_ARTICLE = 20
CLAIMS_PER_ARTICLE = 4
ENTITIES = 20_000
LABELS = np.array(["PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"])
KINDS = np.array(CLAIM_KINDS)
CHECKS = np.array(["too_short", "empty_file", "binary_content", "html_too_complex", "undecodable"])


def hex16(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%016x", values)


def sentence_keys(article: np.ndarray, sentence: np.ndarray, start: np.ndarray, mention_ids: np.ndarray) -> pa.Array:
    """What the pipeline's ``with_sentence_keys`` gives (D68): per (article, sentence), the
    id of its first mention (16 hex digits) as a signed 64-bit integer, vectorised."""
    digits = np.array(mention_ids, dtype="S16").view(np.uint8).reshape(-1, 16)
    nibbles = (digits - np.where(digits > ord("9"), ord("a") - 10, ord("0"))).astype(np.uint64)
    keys = np.zeros(len(digits), np.uint64)
    for i in range(16):
        keys = (keys << np.uint64(4)) | nibbles[:, i]
    order = np.lexsort((start, sentence, article))
    a, s = article[order], sentence[order]
    head = np.ones(len(order), bool)
    head[1:] = (a[1:] != a[:-1]) | (s[1:] != s[:-1])
    first = order[head][np.cumsum(head) - 1]  # per row in sorted order: its group's first row
    out = np.empty(len(order), np.uint64)
    out[order] = keys[first]
    return pa.array(out.view(np.int64))


def table(name: str, columns: dict) -> pa.Table:
    schema = arrow_schema(TABLES[name].model)
    n = len(next(iter(columns.values())))
    return pa.table({f.name: columns.get(f.name, pa.nulls(n, f.type)) for f in schema}, schema=schema)


def synthetic(wh: Warehouse, n_mentions: int, rng: np.random.Generator) -> None:
    n_articles = n_mentions // MENTIONS_PER_ARTICLE
    now = datetime.now(UTC)
    article_ids = hex16(np.arange(1, n_articles + 1) * 7919)
    published = [now - timedelta(hours=int(h)) for h in rng.integers(0, 24 * 365, n_articles)]
    domains = np.array([f"news{i}.example" for i in range(40)])[rng.integers(0, 40, n_articles)]
    wh.overwrite("articles", table("articles", {
        "article_id": article_ids, "source_uri": np.char.add("web/", article_ids), "domain": domains,
        "title": np.char.add("Title ", article_ids), "published_at": pa.array(published, pa.timestamp("us", tz="UTC")),
        "language": np.full(n_articles, "en"), "text": np.full(n_articles, "text " * 100),
        "word_count": np.full(n_articles, 100), "content_sha256": np.char.add(article_ids, "0" * 48),
        "extractor": np.full(n_articles, "trafilatura"), "run_id": np.full(n_articles, "bench"),
        "ingested_at": pa.array([now] * n_articles, pa.timestamp("us", tz="UTC")),
    }), "bench")

    names = np.array([f"Entity {i}" for i in range(ENTITIES)])
    names[0], names[1] = "Pakistan", "Taliban"
    entity = np.minimum(rng.zipf(1.3, n_mentions) - 1, ENTITIES - 1)
    article = np.repeat(np.arange(n_articles), MENTIONS_PER_ARTICLE)
    start = rng.integers(0, 5000, n_mentions)
    mention_ids, sentence = hex16(np.arange(n_mentions) * 104729 + 1), rng.integers(0, 30, n_mentions)
    wh.overwrite("mentions", table("mentions", {
        "mention_id": mention_ids, "article_id": article_ids[article],
        "start_char": start, "end_char": start + 8, "surface": names[entity], "label": LABELS[entity % len(LABELS)],
        "entity_id": hex16(entity * 15485863 + 3), "canonical_name": names[entity], "sentence_index": sentence,
        "sentence_key": sentence_keys(article, sentence, start, mention_ids), "run_id": np.full(n_mentions, "bench"),
    }), "bench")

    n_claims = n_articles * CLAIMS_PER_ARTICLE
    speaker = np.minimum(rng.zipf(1.3, n_claims) - 1, ENTITIES - 1)
    target = np.minimum(rng.zipf(1.5, n_claims) - 1, ENTITIES - 1)
    cue_start = rng.integers(0, 5000, n_claims)
    wh.overwrite("claims", table("claims", {
        "claim_id": hex16(np.arange(n_claims) * 1299709 + 5),
        "article_id": article_ids[np.repeat(np.arange(n_articles), CLAIMS_PER_ARTICLE)],
        "speaker_surface": names[speaker], "speaker_name": names[speaker], "speaker_entity_id": hex16(speaker * 15485863 + 3),
        "cue": np.full(n_claims, "said"), "cue_start": cue_start, "cue_end": cue_start + 4,
        "content": np.full(n_claims, "something was said about something"), "content_start": cue_start + 5,
        "content_end": cue_start + 40, "kind": KINDS[rng.integers(0, len(KINDS), n_claims)],
        "target_name": names[target], "target_entity_id": hex16(target * 15485863 + 3),
        "sentence_index": rng.integers(0, 30, n_claims), "run_id": np.full(n_claims, "bench"),
        # the shares of the model's classes on the benchmark pages, and its confidence's range
        "cue_class": rng.choice(["speech", "cognition", "document", "other"], n_claims, p=[0.6, 0.15, 0.05, 0.2]),
        "confidence": rng.uniform(0.37, 1.0, n_claims),
    }), "bench")

    n_quarantine = max(1, n_articles // 20)
    wh.overwrite("quarantine", table("quarantine", {
        "quarantine_id": hex16(np.arange(n_quarantine) * 31 + 7), "run_id": np.full(n_quarantine, "bench"),
        "table": np.full(n_quarantine, "input"), "source_uri": np.char.add("bad/", hex16(np.arange(n_quarantine))),
        "check": CHECKS[rng.integers(0, len(CHECKS), n_quarantine)], "reason": np.full(n_quarantine, "synthetic"),
        "quarantined_at": pa.array([now] * n_quarantine, pa.timestamp("us", tz="UTC")),
    }), "bench")


def readme_queries() -> list[tuple[str, str]]:
    """(title comment, query) of each ```sql block under "Example queries" in README.md."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Example queries", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    return [(b.splitlines()[0].lstrip("- ").strip(), b.strip().rstrip(";")) for b in blocks]


def checked_query(wh: Warehouse, settings: Settings) -> Callable[[str], tuple[list[str], list[tuple]]]:
    """``newsetl sql``'s query: its check, its read-only connection and its limits."""
    return lambda query: catalog.query(wh.catalog_path, query, settings.sql_timeout_seconds, settings.sql_memory_limit)


def main() -> None:
    n_mentions = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_MENTIONS", "1000000"))
    root = Path(tempfile.mkdtemp(prefix="newsetl-duckdb-bench-"))
    settings = Settings()
    wh = Warehouse.at(root, settings)
    try:
        wh.ensure_tables()
        started = time.perf_counter()
        synthetic(wh, n_mentions, np.random.default_rng(7))
        wh.refresh_catalog()
        print(f"{n_mentions} mentions written and catalogued in {time.perf_counter() - started:.1f} s")

        worst = 0.0
        for title, query in readme_queries():
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                _, rows = checked_query(wh, settings)(query)
                times.append(time.perf_counter() - t0)
            worst = max(worst, min(times))
            print(f"{min(times) * 1000:8.0f} ms  {len(rows):3d} rows  {title}")

        t0 = time.perf_counter()
        mentions = wh.read_table("mentions", ["article_id", "entity_id", "canonical_name", "label", "surface"])
        articles = wh.read_table("articles", ["article_id", "published_at"])
        entities = build_entities(mentions, articles, default_reference())
        rebuild = time.perf_counter() - t0
        print(f"entities rebuilt from {n_mentions} mentions: {len(entities)} entities in {rebuild:.1f} s")
        print(f"duckdb_max_query_s={worst:.3f} entities_rebuild_s={rebuild:.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
