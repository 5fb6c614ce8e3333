"""How the catalog should hold the tables, measured at 1,000,000 mentions (docs/decisions.md, D2).

    .venv/bin/python bench/catalog_layout.py [MENTIONS]        (default 1000000; or BENCH_MENTIONS)

Three layouts over the same synthetic warehouse (bench/duckdb_queries.py's generator):

- ``absolute``: views over the Parquet files of each table's Delta version, by absolute
  path (the layout before D2 was rewritten). A "relink on open" is this layout rebuilt
  when the warehouse is found elsewhere: its cost is the build time, and a plain DuckDB
  client still reads the old place.
- ``relative``: the same views with paths relative to the warehouse; DuckDB resolves them
  against the process's working directory, so they only read from inside the warehouse.
- ``native``: the rows copied into the catalog as DuckDB tables (what newsetl does), built
  by ``catalog.refresh``; then refreshed with nothing changed, with a small table changed
  (quarantine), and with the largest one changed (mentions), the file size after each.

For each: catalog size, build time, the README's five example queries (best of five, ms,
on a plain read-only connection; the native layout also through ``catalog.query``),
and whether a plain DuckDB client opening the catalog of a moved warehouse reads it.
The last line is machine-readable.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from duckdb_queries import checked_query, readme_queries, synthetic  # noqa: E402

from newsetl.land import Warehouse, catalog  # noqa: E402
from newsetl.land.catalog import VIEWS  # noqa: E402
from newsetl.settings import Settings  # noqa: E402


def size_mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def parquet_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*.parquet")) / 1e6


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def build_views(wh: Warehouse, relative: bool) -> Path:
    root = wh.local
    path = root / "views.duckdb"
    path.unlink(missing_ok=True)
    cwd = os.getcwd()
    os.chdir(root)  # relative paths are read against the working directory, here too
    con = duckdb.connect(str(path))
    try:
        for name, snap in wh.snapshots().items():
            files = [os.path.relpath(f, root) for f in snap.files] if relative else snap.files
            con.execute(catalog.view_sql(con, name, files, snap.schema))
        for name, select in VIEWS.items():
            con.execute(f'CREATE VIEW "{name}" AS {select}')
        con.execute("CHECKPOINT")
    finally:
        con.close()
        os.chdir(cwd)
    return path


def query_times(run: Callable[[str], list]) -> list[float]:
    out = []
    for _, sql in readme_queries():
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            run(sql)
            best = min(best, time.perf_counter() - t0)
        out.append(best * 1000)
    return out


def view_query(path: Path, cwd: Path) -> Callable[[str], list]:
    def run(sql: str) -> list:
        here = os.getcwd()
        os.chdir(cwd)
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                return con.execute(sql).fetchall()
        finally:
            os.chdir(here)
    return run


def reads_after_move(root: Path, catalog_name: str, cwd_inside: bool) -> str:
    """Move the warehouse; open its catalog in a plain client (working directory outside
    the warehouse unless ``cwd_inside``), count articles; move it back."""
    moved = root.with_name(root.name + "-moved")
    root.rename(moved)
    here = os.getcwd()
    os.chdir(moved if cwd_inside else moved.parent)
    try:
        with duckdb.connect(str(moved / catalog_name), read_only=True) as con:
            return f"yes ({con.execute('SELECT count(*) FROM mentions').fetchone()[0]} mentions)"
    except duckdb.Error as exc:
        return "no: " + str(exc).splitlines()[0][:70]
    finally:
        os.chdir(here)
        moved.rename(root)


def change_quarantine(wh: Warehouse) -> None:
    wh.overwrite("quarantine", wh.read_table("quarantine").slice(1), "bench-2")


def change_mentions(wh: Warehouse) -> None:
    wh.overwrite("mentions", wh.read_table("mentions").slice(1), "bench-3")


def main() -> None:
    n_mentions = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_MENTIONS", "1000000"))
    root = Path(tempfile.mkdtemp(prefix="newsetl-catalog-bench-")) / "warehouse"
    settings = Settings()
    wh = Warehouse.at(root, settings)
    rows = []
    try:
        wh.ensure_tables()
        synthetic(wh, n_mentions, np.random.default_rng(7))
        print(f"{n_mentions} mentions; Delta tables' Parquet files: {parquet_mb(root):.1f} MB")

        for layout, relative in (("absolute", False), ("relative", True)):
            build = timed(lambda: build_views(wh, relative))  # noqa: B023
            path = root / "views.duckdb"
            times = query_times(view_query(path, root if relative else Path.cwd()))
            moved = reads_after_move(root, "views.duckdb", cwd_inside=False)
            inside = reads_after_move(root, "views.duckdb", cwd_inside=True) if relative else ""
            rows.append((layout, size_mb(path), build, times, moved + (f"; from inside it: {inside}" if inside else "")))
            path.unlink()

        final = wh.catalog_path
        build = timed(lambda: catalog.refresh(wh.loc, wh.snapshots(), VIEWS))
        times = query_times(view_query(final, Path.cwd()))
        moved = reads_after_move(root, catalog.CATALOG, cwd_inside=False)
        rows.append(("native", size_mb(final), build, times, moved))
        checked = query_times(checked_query(wh, settings))
        rows.append(("native, through `newsetl sql`'s check and sandbox", size_mb(final), build, checked, moved))
        refreshes = [("nothing changed", timed(lambda: catalog.refresh(wh.loc, wh.snapshots(), VIEWS)), size_mb(final))]
        change_quarantine(wh)
        refreshes.append(("quarantine changed", timed(lambda: catalog.refresh(wh.loc, wh.snapshots(), VIEWS)), size_mb(final)))
        for i in range(3):
            change_mentions(wh)
            refreshes.append((f"mentions changed ({i + 1})",
                              timed(lambda: catalog.refresh(wh.loc, wh.snapshots(), VIEWS)), size_mb(final)))
        rows_now = checked_query(wh, settings)("SELECT count(*) FROM mentions")[1][0][0]
        assert rows_now == n_mentions - 3, rows_now
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)

    titles = [t for t, _ in readme_queries()]
    print("\n| layout | catalog MB | build s | " + " | ".join(f"Q{i + 1} ms" for i in range(len(titles)))
          + " | plain client after a move |")
    print("|---|---|---|" + "---|" * len(titles) + "---|")
    for layout, mb, build, times, moved in rows:
        print(f"| {layout} | {mb:.1f} | {build:.2f} | " + " | ".join(f"{t:.0f}" for t in times) + f" | {moved} |")
    print("\n| native refresh | s | catalog MB after |\n|---|---|---|")
    for what, seconds, mb in refreshes:
        print(f"| {what} | {seconds:.2f} | {mb:.1f} |")
    print("\n" + "\n".join(f"Q{i + 1}: {t}" for i, t in enumerate(titles)))
    native = rows[-2]
    print(f"native_build_s={native[2]:.2f} native_mb={native[1]:.1f} native_max_query_ms={max(native[3]):.0f} "
          f"refresh_unchanged_s={refreshes[0][1]:.2f} refresh_mentions_s={refreshes[-1][1]:.2f}")


if __name__ == "__main__":
    main()
