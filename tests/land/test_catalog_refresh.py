"""The catalog refresh brings a table up to date from the files a commit changed (D69):
the result is the table's current version whatever the commit did (insert, update,
delete, a roll-back, a compaction, files vacuumed), and rows of untouched files are not
read again."""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa

from newsetl.enrich.mentions.rows import mention_id_for
from newsetl.land import Location, Warehouse
from newsetl.land.upkeep import upkeep_table
from schemas import TABLES, arrow_schema


def _mentions(article_ids: list[str], per: int, run_id: str, surface: str = "Lahore") -> pa.Table:
    rows = [{"mention_id": mention_id_for(a, i * 10, i * 10 + 4), "article_id": a, "start_char": i * 10,
             "end_char": i * 10 + 4, "surface": surface, "label": "GPE", "entity_id": "0123456789abcdef",
             "canonical_name": surface, "sentence_index": i, "run_id": run_id}
            for a in article_ids for i in range(per)]
    return pa.Table.from_pylist(rows, schema=arrow_schema(TABLES["mentions"].model))


def _ids(day: int) -> list[str]:
    return [hashlib.sha256(f"{day}/{a}".encode()).hexdigest()[:16] for a in range(3)]


def _catalog_rows(wh: Warehouse) -> list[tuple]:
    with duckdb.connect(str(wh.catalog_path), read_only=True) as con:
        return con.execute("SELECT mention_id, article_id, surface, run_id FROM mentions ORDER BY ALL").fetchall()


def _delta_rows(wh: Warehouse) -> list[tuple]:
    with wh.connect(("mentions",)) as con:
        return con.execute("SELECT mention_id, article_id, surface, run_id FROM mentions ORDER BY ALL").fetchall()


def _refreshed(wh: Warehouse) -> list[tuple]:
    wh.refresh_catalog()
    return _catalog_rows(wh)


def test_each_refresh_shows_the_current_version(tmp_path):
    wh = Warehouse(Location(str(tmp_path), tmp_path))
    wh.ensure_tables()
    wh.refresh_catalog()
    for day in range(4):
        wh.merge("mentions", _mentions(_ids(day), 5, f"r{day}"), f"r{day}", update_if=True)
        assert _refreshed(wh) == _delta_rows(wh)
    assert len(_catalog_rows(wh)) == 4 * 3 * 5

    # An update: one article's rows rewritten with another surface, and fewer of them.
    changed = _ids(1)[0]
    wh.merge("mentions", _mentions([changed], 2, "r4", surface="Karachi"), "r4", update_if=True,
             replace_articles=[changed])
    rows = _refreshed(wh)
    assert rows == _delta_rows(wh)
    assert [r[2] for r in rows if r[1] == changed] == ["Karachi", "Karachi"]

    # A delete with nothing brought in, then a roll-back to the version before it.
    gone = _ids(3)[2]
    versions = wh.begin_commit("r5")
    wh.merge("mentions", None, "r5", update_if=True, replace_articles=[gone])
    assert not [r for r in _refreshed(wh) if r[1] == gone]
    wh.roll_back()
    assert wh.table_version("mentions") > versions["mentions"]  # a restore is a new version
    assert _refreshed(wh) == _delta_rows(wh)
    assert len([r for r in _catalog_rows(wh) if r[1] == gone]) == 5

    # A file replaced and vacuumed before the next refresh: its rows cannot be read again.
    changed = _ids(0)[1]
    wh.merge("mentions", _mentions([changed], 1, "r6", surface="Quetta"), "r6", update_if=True,
             replace_articles=[changed])
    wh.table("mentions").vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    rows = _refreshed(wh)
    assert rows == _delta_rows(wh)
    assert [r[2] for r in rows if r[1] == changed] == ["Quetta"]

    # Compacted: no file of the catalog's copy is left.
    wh.merge("mentions", _mentions(_ids(9), 5, "r7"), "r7", update_if=True)
    upkeep_table(wh, "mentions", 0, "m1", 16)
    assert len(wh.live_files("mentions")) == 1
    assert _refreshed(wh) == _delta_rows(wh)
    assert len(_catalog_rows(wh)) == 5 * 3 * 5 - 3 - 4


def test_a_refresh_reads_only_the_files_a_commit_changed(tmp_path):
    wh = Warehouse(Location(str(tmp_path), tmp_path))
    wh.ensure_tables()
    for day in range(3):
        wh.merge("mentions", _mentions(_ids(day), 5, f"r{day}"), f"r{day}", update_if=True)
    wh.refresh_catalog()
    # A mark in the catalog's copy of day 0's rows: a refresh that reloads the whole
    # table loses it, one that reads only the changed files keeps it.
    marked = _ids(0)[0]
    with duckdb.connect(str(wh.catalog_path)) as con:
        con.execute("UPDATE mentions SET run_id = 'mark' WHERE article_id = ?", [marked])
    updated = _ids(2)[1]
    wh.merge("mentions", _mentions([updated], 1, "r3", surface="Quetta"), "r3", update_if=True,
             replace_articles=[updated])
    wh.merge("mentions", _mentions(_ids(3), 5, "r4"), "r4", update_if=True)
    rows = _refreshed(wh)
    assert {r[3] for r in rows if r[1] == marked} == {"mark"}
    assert [r[2] for r in rows if r[1] == updated] == ["Quetta"]
    assert [r for r in rows if r[1] != marked] == [r for r in _delta_rows(wh) if r[1] != marked]
