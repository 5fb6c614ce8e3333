"""The run-level data-quality checks at scale, feed staleness included: all of them over a
synthetic history of 1,000,000 fetches through 50 feeds and 200,000 articles.

    .venv/bin/python bench/run_checks.py [FETCHES]        (default 1000000; or BENCH_FETCHES)

Fetch rows are spread over the feeds, one minute apart; every fifth page became an article
(only the feeds whose pages did have a last new article). The tables are Delta tables with
the pipeline's own schemas, read as a run reads them. Best of three; the last line is
machine-readable:

  run_checks_s=<all run-level checks, 50 feeds>
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from deltalake import write_deltalake

from newsetl import quality as dq
from newsetl.land import Warehouse
from newsetl.quality.run_checks import TABLES_READ
from newsetl.settings import Settings
from schemas import TABLES, arrow_schema

FEEDS = 50
ARTICLE_EVERY = 5


def _fetches(n: int, feeds: list[str], now: datetime) -> pa.Table:
    schema = arrow_schema(TABLES["fetches"].model)
    via = [feeds[i % len(feeds)] for i in range(n)]
    columns = {
        "fetch_id": [f"{i:016x}" for i in range(n)], "run_id": [f"r{i // 5000}" for i in range(n)],
        "source": ["page"] * n, "url": [f"{v}/p{i}" for i, v in enumerate(via)], "via_feed": via,
        "outcome": ["fetched" if i % 3 else "unchanged" for i in range(n)], "status": [200] * n,
        "attempts": [1] * n, "redirects": [0] * n, "bytes": [1000] * n, "elapsed_s": [0.1] * n,
        "fetched_at": [now - timedelta(minutes=i) for i in range(n)], "raw_path": [f"web/{i}.html.gz" for i in range(n)],
    }
    return pa.table({f.name: columns.get(f.name, [None] * n) for f in schema}, schema=schema)


def _articles(n: int, now: datetime) -> pa.Table:
    schema = arrow_schema(TABLES["articles"].model)
    columns = {"article_id": [f"{i:016x}" for i in range(n)], "source_uri": [f"web/{i * ARTICLE_EVERY}.html.gz"
                                                                           for i in range(n)],
               "text": ["x"] * n, "word_count": [100] * n, "content_sha256": ["0" * 64] * n, "extractor": ["x"] * n,
               "run_id": ["r"] * n, "ingested_at": [now] * n}
    return pa.table({f.name: columns.get(f.name, [None] * n) for f in schema}, schema=schema)


def main() -> None:
    n = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_FETCHES", 1_000_000))
    now = datetime.now(UTC)
    feeds = [f"https://site{i}.example/feed" for i in range(FEEDS)]
    root = Path(tempfile.mkdtemp(prefix="newsetl-bench-checks-"))
    try:
        write_deltalake(str(root / "fetches"), _fetches(n, feeds, now))
        write_deltalake(str(root / "articles"), _articles(n // ARTICLE_EVERY, now))
        for name in ("runs", "dq_results"):
            write_deltalake(str(root / name), arrow_schema(TABLES[name].model).empty_table())
        facts = dq.RunFacts(inputs_seen=0, quarantined=0, articles=0, quarantine=[], word_counts=[],
                            newest_staged=None, feeds=feeds)
        settings = Settings()
        times = []
        for _ in range(3):
            started = time.perf_counter()
            # Opening the tables and their views is part of the cost, as at the start of a commit.
            with Warehouse.at(root, settings).connect(TABLES_READ) as con:
                results = dq.run_checks(con, facts, settings, now)
            times.append(time.perf_counter() - started)
        stale = next(r for r in results if r.check_name == "source_stale")
        print(f"{FEEDS} feeds, {n:,} fetches, {n // ARTICLE_EVERY:,} articles: {stale.failure_count} stale")
        print(f"run_checks_s={min(times):.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
