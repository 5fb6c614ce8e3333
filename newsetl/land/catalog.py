"""The DuckDB catalog: ``warehouse/catalog.duckdb``, a table per Delta table.

Each table holds the rows of its Delta table's current version, copied into the catalog
file, so the file is the whole answer: any DuckDB client opens it with no extension and
no file of the warehouse, and a copied, moved or restored warehouse reads its own rows
(docs/decisions.md, D2). It is written in a storage format the DuckDB command-line tool
of requirements.lock can read.

A refresh builds the next catalog in a private directory and swaps it in with one atomic
rename: a reader sees either the previous run or this one, never a mix. It starts from a
copy of the previous catalog and brings up to date only the tables whose Delta files
changed (the catalog records which files each table was loaded from): the rows of the
files a commit removed go (by primary key) and the rows of the files it added come in,
so a run's refresh reads what the run wrote, not the whole table (D69); when nothing
changed it writes nothing.

User SQL (``query``) runs on a read-only connection that can open no file but the
catalog, after a check of its parsed statement (docs/decisions.md, D3).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from newsetl.land import location as storage
from newsetl.land.location import Location

CATALOG = "catalog.duckdb"
# DuckDB 2.0 writes storage version 69 by default, which the newest DuckDB command-line
# tool on PyPI (duckdb-cli 1.5) cannot open; a 1.5 format file reads in both.
STORAGE_VERSION = "v1.5.0"
# Bumped when the catalog's layout changes: a catalog of another layout is rebuilt whole.
LAYOUT = "3"
# The order a table's rows are stored in, where a query's filter gains from it: DuckDB
# skips the row groups whose min/max rule a filter out, and mentions are mostly asked for
# by entity (D68).
_ORDER = {"mentions": "canonical_name"}
# What the catalog was built from: object name -> key (see _wanted).
_META_SCHEMA = "_newsetl"
_META = f"{_META_SCHEMA}.catalog_objects"
# Private build directories, beside the catalog (one rename away from it); leftovers of a
# killed refresh are removed by the next one.
_BUILD_PREFIX = ".catalog-build-"


# A story counts once (D60): an article's story, read as itself for an article landed
# before stories were wired. A claim is counted once per story it is made in, and a quote
# split by its cue ("…," he said, "…") is one claim in several rows: its key is the text of
# its first piece, the same in every copy of the story.
STORY_OF = "coalesce(a.story_id, a.article_id)"
CLAIMS_ONCE = f"""
    SELECT c.*, coalesce({STORY_OF}, c.article_id) AS story_id,
           first_value(c.content) OVER (PARTITION BY c.article_id, c.cue_start ORDER BY c.content_start) AS claim_text
    FROM claims AS c LEFT JOIN articles AS a ON a.article_id = c.article_id"""
CLAIM_ONCE_KEY = "(story_id, claim_text)"

# Views over the tables, for analysts to start from.
VIEWS = {
    # Speech only (cue_class 'speech': said, told, warned ..., not believes/wants or a
    # poll's finding), by resolved name: an unresolved "he" or "I" is no one to rank.
    # A story's claim counts once, whatever number of copies landed (D60).
    "claims_by_speaker": f"""
        SELECT speaker_name AS speaker, speaker_entity_id, kind,
               count(DISTINCT {CLAIM_ONCE_KEY}) AS speech_claims, count(DISTINCT story_id) AS stories,
               count(DISTINCT article_id) AS articles
        FROM ({CLAIMS_ONCE}) WHERE cue_class = 'speech' AND speaker_name IS NOT NULL
        GROUP BY ALL ORDER BY speech_claims DESC, speaker""",
    "stories": f"""
        SELECT {STORY_OF} AS story_id,
               arg_min(a.title, (a.duplicate_of IS NOT NULL, a.published_at, a.article_id)) AS title,
               count(*) AS articles, count(DISTINCT a.domain) AS outlets,
               string_agg(DISTINCT a.domain, ', ' ORDER BY a.domain) AS domains,
               min(a.published_at) AS first_seen, max(a.published_at) AS last_seen
        FROM articles AS a GROUP BY ALL ORDER BY articles DESC, first_seen, story_id""",
}


class ReadOnlyViolation(ValueError):
    """The query was refused before it ran."""


class QueryLimitExceeded(RuntimeError):
    """The query ran past its time or memory limit and was stopped."""


class OutdatedCatalog(RuntimeError):
    """The catalog predates this layout; the next run rebuilds it."""


@dataclass(frozen=True)
class TableSnapshot:
    files: list[str]
    schema: pa.Schema
    # The primary key, unique in every committed version (a cross-table check): the rows of
    # a removed file are found again by it. None: the table is always loaded whole.
    key: str | None = None


def catalog_path(loc: Location) -> Path:
    return loc.local / CATALOG


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def select_sql(con: duckdb.DuckDBPyConnection, files: list[str], schema: pa.Schema) -> str:
    """A SELECT of the contract's columns, not the files': a column added to a contract
    after some files were written reads as null there, and an empty table still has
    typed columns."""
    rel = con.from_arrow(schema.empty_table())
    types = dict(zip(rel.columns, rel.types, strict=True))
    present: set[str] = set()
    source = ""
    if files:
        listed = ", ".join(_literal(f) for f in files)
        source = f" FROM read_parquet([{listed}], union_by_name = true)"
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT *{source}").fetchall()}
    columns = ", ".join(
        _quote(c) if c in present else f"CAST(NULL AS {t}) AS {_quote(c)}" for c, t in types.items()
    )
    return f"SELECT {columns}{source}" + ("" if files else " WHERE false")


def view_sql(con: duckdb.DuckDBPyConnection, name: str, files: list[str], schema: pa.Schema) -> str:
    """A view over the files themselves (the data-quality checks read Delta state this way)."""
    return f"CREATE VIEW {_quote(name)} AS {select_sql(con, files, schema)}"


# --- refresh ----------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _wanted(loc: Location, tables: Mapping[str, TableSnapshot], extra_views: Mapping[str, str]) -> dict[str, str]:
    """What the catalog must hold, name -> key. A table's key is its contract and its files,
    named relative to the table's root: Delta never reuses a file name, so equal keys mean
    equal rows, wherever the warehouse now lives."""
    wanted = {f"{_META_SCHEMA}.layout": LAYOUT}
    for name, snap in tables.items():
        prefix = loc.at(name).rstrip("/") + "/"
        files = sorted(f.removeprefix(prefix) for f in snap.files)
        wanted[name] = _digest("table", snap.schema.to_string(), *files)
        # What a later refresh needs to load only the files that changed.
        wanted[_files_entry(name)] = json.dumps(files)
        wanted[_schema_entry(name)] = _digest("schema", snap.schema.to_string(), snap.key or "")
    for name, select in extra_views.items():
        wanted[name] = _digest("view", select)
    return wanted


def _files_entry(table: str) -> str:
    return f"{_META_SCHEMA}.files.{table}"


def _schema_entry(table: str) -> str:
    return f"{_META_SCHEMA}.schema.{table}"


def _recorded(path: Path) -> dict[str, str]:
    """The keys a catalog file was built with; empty if it has none or cannot be read."""
    if not path.is_file():
        return {}
    try:
        with duckdb.connect(str(path), read_only=True, config=_LOCKED_DOWN) as con:
            return dict(con.execute(f"SELECT name, key FROM {_META}").fetchall())
    except duckdb.Error:  # an older layout, a damaged file, a client holding it for writing
        return {}


def _remove_leftovers(local: Path) -> None:
    for entry in local.glob(_BUILD_PREFIX + "*"):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def refresh(loc: Location, tables: Mapping[str, TableSnapshot], extra_views: Mapping[str, str] = {}) -> Path:
    """Make the catalog hold ``tables`` (and ``extra_views``: name -> SELECT over them).
    Call while holding the warehouse's run lock."""
    final = catalog_path(loc)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(loc.local)
    wanted = _wanted(loc, tables, extra_views)
    recorded = _recorded(final)
    if recorded == wanted:
        return final
    # A fresh directory of a random name: nothing planted beside the catalog can be in the
    # way, and DuckDB's spill directory (<database>.tmp) falls inside it.
    build_dir = Path(tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=loc.local))
    try:
        build = build_dir / CATALOG
        if recorded.get(f"{_META_SCHEMA}.layout") == LAYOUT:
            shutil.copyfile(final, build)
        else:
            recorded = {}
        con = duckdb.connect(str(build), config={"storage_compatibility_version": STORAGE_VERSION})
        try:
            _load(con, loc, tables, extra_views, wanted, recorded)
        finally:
            con.close()
        # A write-ahead log left by another client belongs to the file being replaced.
        final.with_name(final.name + ".wal").unlink(missing_ok=True)
        os.replace(build, final)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    return final


def _load(con: duckdb.DuckDBPyConnection, loc: Location, tables: Mapping[str, TableSnapshot],
          extra_views: Mapping[str, str], wanted: dict[str, str], recorded: dict[str, str]) -> None:
    """Bring the catalog open on ``con`` (built from ``recorded``) to ``wanted``."""
    storage.register_filesystem(con, loc)  # an object-store warehouse's files are read from there
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_META_SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {_META} (name VARCHAR PRIMARY KEY, key VARCHAR NOT NULL)")
    # Views are cheap: dropped and made again, so none ever names a table being replaced.
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'").fetchall():
        con.execute(f"DROP VIEW {_quote(name)}")
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall():
        if name not in tables:
            con.execute(f"DROP TABLE {_quote(name)}")
    for name, snap in tables.items():
        if recorded.get(name) == wanted[name]:
            continue
        changed = _changed_files(loc, name, snap, wanted, recorded)
        if changed is None or not _apply_changes(con, name, snap, *changed):
            # A whole load (first, after a compaction, another contract) sorts; a run's
            # appended rows stay in landing order until the next one (maintain's, weekly).
            order = f" ORDER BY {_ORDER[name]}" if name in _ORDER else ""
            con.execute(f"CREATE OR REPLACE TABLE {_quote(name)} AS {select_sql(con, snap.files, snap.schema)}{order}")
    for name, select in extra_views.items():
        con.execute(f"CREATE VIEW {_quote(name)} AS {select}")
    con.execute(f"DELETE FROM {_META}")
    con.executemany(f"INSERT INTO {_META} VALUES (?, ?)", list(wanted.items()))
    con.execute("CHECKPOINT")


def _changed_files(loc: Location, name: str, snap: TableSnapshot, wanted: dict[str, str],
                   recorded: dict[str, str]) -> tuple[list[str], list[str]] | None:
    """(removed, added): the files of the table the catalog's copy was loaded from that
    are gone, and its new files; None when the table is to be loaded whole (no key, a
    catalog that recorded no files, another contract, or no file kept: a compaction)."""
    old = recorded.get(_files_entry(name))
    if snap.key is None or old is None or name not in recorded \
            or recorded.get(_schema_entry(name)) != wanted[_schema_entry(name)]:
        return None
    before, now = set(json.loads(old)), set(json.loads(wanted[_files_entry(name)]))
    if not before & now:
        return None
    root = loc.at(name).rstrip("/") + "/"
    return [root + f for f in sorted(before - now)], [root + f for f in sorted(now - before)]


def _apply_changes(con: duckdb.DuckDBPyConnection, name: str, snap: TableSnapshot,
                   removed: list[str], added: list[str]) -> bool:
    """Delete the rows of the removed files and insert those of the added ones. Exact
    because a key is in one live file at most: a row of a removed file either is gone or
    came back in an added file. False (nothing changed) when a removed file cannot be
    read any more (vacuumed): the caller loads the table whole."""
    table, key = _quote(name), _quote(snap.key)
    if removed:
        listed = ", ".join(_literal(f) for f in removed)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _removed AS SELECT {key} FROM read_parquet([{listed}])")
        except duckdb.Error:  # vacuumed (not found locally, or an object store's error)
            return False
        con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM _removed)")
        con.execute("DROP TABLE _removed")
    if added:
        con.execute(f"INSERT INTO {table} BY NAME {select_sql(con, added, snap.schema)}")
    return True


# --- user queries: the first layer, a check of the parsed statement --------------------

# Table functions a query may call: generators and catalog introspection. Everything else
# is refused: the file readers, query()/query_table() (they run SQL given as a string),
# checkpoint(), enable_profiling()/enable_logging() (they write files), and whatever a
# later DuckDB adds.
ALLOWED_TABLE_FUNCTIONS = frozenset({
    "range", "generate_series", "unnest", "repeat", "repeat_row", "json_each", "json_tree",
    "duckdb_columns", "duckdb_constraints", "duckdb_databases", "duckdb_dependencies", "duckdb_functions",
    "duckdb_indexes", "duckdb_keywords", "duckdb_schemas", "duckdb_sequences", "duckdb_tables",
    "duckdb_types", "duckdb_views", "pragma_collations", "pragma_database_size", "pragma_metadata_info",
    "pragma_platform", "pragma_show", "pragma_storage_info", "pragma_table_info", "pragma_user_agent",
    "pragma_version", "pg_timezone_names", "icu_calendar_names", "test_all_types",
})
# PRAGMAs a query may be: introspection only (not import_database, not settings).
ALLOWED_PRAGMAS = frozenset({
    "show_tables", "show_tables_expanded", "table_info", "database_size", "storage_info", "metadata_info",
    "version", "platform", "collations", "user_agent", "database_list", "show_databases", "functions",
})
_ALLOWED = "one SELECT, SHOW, DESCRIBE or SUMMARIZE, an EXPLAIN [ANALYZE] of one, or an introspection PRAGMA"


def _refuse(what: str) -> ReadOnlyViolation:
    return ReadOnlyViolation(f"not allowed: {what} (queries are read-only: {_ALLOWED})")


def _words(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each token of ``text``, comments left out."""
    tokens = duckdb.tokenize(text)
    ends = [pos for pos, _ in tokens[1:]] + [len(text)]
    return [(pos, text[pos:end].strip()) for (pos, kind), end in zip(tokens, ends, strict=True)
            if kind != duckdb.token_type.comment]


def _table_functions(node: Any) -> list[str]:
    """Names of the table functions anywhere in a serialized parse tree."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TABLE_FUNCTION":
            found.append(str(node["function"]["function_name"]).lower())
        for value in node.values():
            found += _table_functions(value)
    elif isinstance(node, list):
        for value in node:
            found += _table_functions(value)
    return found


def _check_select(con: duckdb.DuckDBPyConnection, text: str) -> None:
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [text]).fetchone()[0])
    if tree.get("error"):
        raise ReadOnlyViolation(f"this query cannot be checked: {tree.get('error_message')}")
    for name in _table_functions(tree):
        if name not in ALLOWED_TABLE_FUNCTIONS:
            raise _refuse(f"the table function {name}()")


def _check_pragma(text: str) -> None:
    words = [w.strip('"').lower() for _, w in _words(text)[:2]]
    if words[0] != "pragma":  # IMPORT DATABASE is a PRAGMA statement too
        raise _refuse(" ".join(words).upper())
    if len(words) < 2 or words[1] not in ALLOWED_PRAGMAS:
        raise _refuse(f"PRAGMA {words[1] if len(words) > 1 else ''}".strip())


def _explained(text: str) -> tuple[str, str]:
    """(``EXPLAIN`` or ``EXPLAIN ANALYZE``, the statement it wraps)."""
    words = _words(text)
    head = ["EXPLAIN"]
    rest = 1
    if len(words) > rest and words[rest][1].upper() in ("ANALYZE", "ANALYSE"):
        head.append("ANALYZE")
        rest += 1
    if len(words) <= rest:
        raise _refuse("an EXPLAIN of nothing")
    if words[rest][1] == "(":
        raise _refuse("EXPLAIN with options")
    return " ".join(head), text[words[rest][0]:]


def checked(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The one statement of ``sql`` to run, if it can neither write nor run other
    statements; raises ReadOnlyViolation otherwise. What runs is rebuilt from what was
    checked: an EXPLAIN runs the statement checked inside it, not the user's text."""
    statements = con.extract_statements(sql)
    if not statements:
        raise ReadOnlyViolation("empty query")
    if len(statements) > 1:
        raise ReadOnlyViolation(f"one statement at a time, not {len(statements)}")
    [statement] = statements
    kind, text = statement.type.name, statement.query
    if kind == "SELECT":
        _check_select(con, text)
        return text
    if kind == "PRAGMA":
        _check_pragma(text)
        return text
    if kind == "EXPLAIN":
        head, inner = _explained(text)
        wrapped = con.extract_statements(inner)
        if len(wrapped) != 1 or wrapped[0].type.name != "SELECT":
            what = wrapped[0].type.name if len(wrapped) == 1 else "several statements"
            raise _refuse(f"{head} of {what}")
        _check_select(con, wrapped[0].query)
        return f"{head} {wrapped[0].query}"
    raise _refuse(f"{kind} statement")


# --- user queries: the second layer, a connection that can open no other file -----------

_LOCKED_DOWN = {
    # No file but the database itself: COPY/EXPORT, ATTACH, IMPORT and import_database,
    # read_*, INSTALL and secrets all fail with a Permission Error.
    "enable_external_access": False,
    # DuckDB spills to <database>.tmp, a directory beside the catalog: never spill.
    "temp_directory": "",
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def connect_read_only(path: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """A connection to the catalog file at ``path`` that can open no other file."""
    if not path.is_file():
        raise FileNotFoundError(f"no catalog at {path}: run `newsetl run` first")
    config = {**_LOCKED_DOWN, "memory_limit": memory_limit, "lock_configuration": True}
    con = duckdb.connect(str(path), read_only=True, config=config)
    known = con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE schema_name = '{_META_SCHEMA}'").fetchone()
    if known != (1,):
        con.close()
        raise OutdatedCatalog(f"the catalog at {path} was written by an older newsetl: "
                              "the next `newsetl run` rebuilds it")
    return con


def query(path: Path, sql: str, timeout_seconds: float, memory_limit: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a read-only query against the catalog file at ``path``: (column names, rows).
    Raises ReadOnlyViolation before running it, QueryLimitExceeded past either limit.
    The limits are settings (sql_timeout_seconds, sql_memory_limit), given by the caller."""
    try:
        con = connect_read_only(path, memory_limit)
    except duckdb.OutOfMemoryException:  # a limit too small to open the catalog at all
        raise _too_big(memory_limit) from None
    try:
        statement = checked(con, sql)
        timer = threading.Timer(timeout_seconds, con.interrupt)
        timer.daemon = True
        timer.start()
        try:
            rel = con.execute(statement)
            columns = [d[0] for d in rel.description] if rel.description else []
            return columns, rel.fetchall()
        except duckdb.InterruptException:
            raise QueryLimitExceeded(f"the query ran longer than {timeout_seconds:g} s and was stopped "
                                     "(--timeout, NEWSETL_SQL_TIMEOUT_SECONDS)") from None
        except duckdb.OutOfMemoryException:
            raise _too_big(memory_limit) from None
        finally:
            timer.cancel()
    finally:
        con.close()


def _too_big(memory_limit: str) -> QueryLimitExceeded:
    return QueryLimitExceeded(f"the query needed more than {memory_limit} of memory and was stopped "
                              "(--memory-limit, NEWSETL_SQL_MEMORY_LIMIT)")
