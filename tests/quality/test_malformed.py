"""Over a thousand malformed inputs (tests/support/malformed_corpus.py) in one run: every input
ends as exactly one article, one quarantine row or one counted duplicate, the runs row
adds up, and a second run on the same inputs changes no row. Among them: names that are
not UTF-8, a tree nested a thousand deep past PATH_MAX, pages whose meta charset their
bytes contradict, and D99's hostile inputs (UTF-16/32, UTF-8 labels that lie, unclosed tags
past the parser's depth, gzip members and gzip in gzip, a FIFO, names with line breaks)."""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import pytest
from deltalake import DeltaTable

from support.crash_driver import run as run_pipeline
from support.malformed_corpus import ANY, ARTICLE, DEEP_DIR, DUPLICATE, QUARANTINE, build, remove_tree
from newsetl.settings import Settings
from schemas import TABLES

# The corpus of over a thousand inputs is landed once for the module: about a minute.
pytestmark = pytest.mark.slow

# Quarantine rows about an input (not about a mention or claim of a landed article).
INPUT_TABLES = {"input", "articles"}
# Tables that get rows for every run, by design.
PER_RUN = {"runs", "dq_results"}
_DUPLICATE_LOG = re.compile(r"^duplicate skipped: (.*) \((?:same text|same article id).*\)$", re.S)


def _table(root: Path, name: str) -> list[dict]:
    return DeltaTable(str(root / name)).to_pyarrow_table().to_pylist()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    raw = tmp_path_factory.mktemp("malformed-raw")
    try:
        yield raw, build(raw)
    finally:
        if (raw / DEEP_DIR).exists():
            remove_tree(raw / DEEP_DIR)


@pytest.fixture(scope="module")
def landed(corpus, tmp_path_factory):
    raw, kinds = corpus
    root = tmp_path_factory.mktemp("malformed-warehouse")
    # A corpus that is mostly junk on purpose: the data-quality circuit breaker (which
    # would rightly stop such a run in production) is opened wide for this test.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSETL_DQ_QUARANTINED_FAIL", "1")
        mp.setenv("NEWSETL_DQ_NO_TEXT_FAIL", "1")
        settings = Settings(raw_dir=raw, warehouse_dir=root, batch_size=100, enrich=True)
        first = _run_logged(raw, root, settings)
        before = {t: _table(root, t) for t in TABLES if t not in PER_RUN}
        versions = {t: DeltaTable(str(root / t)).version() for t in TABLES}
        second = _run_logged(raw, root, settings)
    return root, first, second, before, versions


def _run_logged(raw: Path, root: Path, settings: Settings) -> tuple[dict, list[str]]:
    """The run's row, and the inputs it logged as duplicates."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("newsetl.run.stage")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        row = run_pipeline(raw, root, settings)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    dupes = [m.group(1) for r in records if (m := _DUPLICATE_LOG.match(r.getMessage()))]
    return row, dupes


def test_the_corpus_is_large_and_varied(corpus):
    raw, kinds = corpus
    assert len(kinds) >= 1000
    families = Counter(k.family for k in kinds.values())
    for family in ("binary", "truncated_gzip", "gzip_bomb", "invalid_utf8", "empty_html", "zero_bytes",
                   "nested_5mb", "wide_5mb", "long_line_html", "long_line_text", "non_english", "exact_duplicate",
                   "near_duplicate", "symlink", "odd_name", "html_as_txt", "huge_attribute", "unsupported",
                   "latin1_name", "deep_tree", "contradicted_charset", "wide_unicode", "lying_utf8_label", "too_deep",
                   "gzip_members", "gzip_in_gzip", "fifo", "dir_named_like_a_page", "newline_name",
                   "codec_as_charset"):
        assert families[family] >= 1, family
    assert (raw / "huge" / "nested-5mb.html").stat().st_size >= 5_000_000
    assert (raw / "huge" / "wide-5mb.html").stat().st_size >= 5_000_000
    assert 1_000_000 <= len((raw / "huge" / "one-line.txt").read_bytes()) and b"\n" not in (raw / "huge" / "one-line.txt").read_bytes()


def test_every_input_is_exactly_one_article_quarantine_row_or_duplicate(corpus, landed):
    raw, kinds = corpus
    root, (row, dupes), _, _, _ = landed
    articles = [a["source_uri"] for a in _table(root, "articles")]
    quarantined = [q["source_uri"] for q in _table(root, "quarantine") if q["table"] in INPUT_TABLES]
    assert len(articles) == len(set(articles)) and len(quarantined) == len(set(quarantined))
    assert len(dupes) == len(set(dupes))
    outcomes = Counter(articles) + Counter(quarantined) + Counter(dupes)
    assert set(outcomes) == set(kinds), "an input is missing, or something that is not an input landed"
    assert [uri for uri, n in outcomes.items() if n != 1] == []

    article_set, quarantine_rows = set(articles), {q["source_uri"]: q for q in _table(root, "quarantine")
                                                   if q["table"] in INPUT_TABLES}
    wrong = []
    for uri, kind in kinds.items():
        if kind.expect == ARTICLE:
            ok = uri in article_set
        elif kind.expect == DUPLICATE:
            ok = uri in dupes
        elif kind.expect == ANY:
            ok = True
        elif kind.expect == QUARANTINE:
            ok = uri in quarantine_rows
        else:
            q = quarantine_rows.get(uri)
            ok = q is not None and (q["check"] == kind.expect or kind.expect in q["reason"])
        if not ok:
            got = quarantine_rows.get(uri, {}).get("check") or ("article" if uri in article_set else "duplicate")
            wrong.append(f"{kind.family} {uri}: expected {kind.expect}, got {got}")
    assert wrong == []


def test_odd_names_deep_paths_and_contradicted_charsets_land_right(corpus, landed):
    raw, kinds = corpus
    root = landed[0]
    articles = {a["source_uri"]: a for a in _table(root, "articles")}
    wrong = []
    for uri, kind in kinds.items():
        if kind.contains is not None:
            article = articles.get(uri)
            if article is None or kind.contains not in (article["title"] or "") + article["text"]:
                wrong.append(uri)
    assert wrong == []
    deep = [uri for uri, kind in kinds.items() if kind.family == "deep_tree"]
    assert deep and all(len(uri.encode()) > 4096 for uri in deep)  # past PATH_MAX
    # every source_uri is text (the table would refuse anything else); the escapes say
    # which bytes the names really have
    assert "names/caf%E9 03.html" in articles and "names/100%25 s%FBr.html" in articles
    assert articles["names/caf%E9 00.html"]["title"] == "Looks escaped"


def test_the_runs_row_adds_up(corpus, landed):
    raw, kinds = corpus
    root, (row, dupes), _, _, _ = landed
    assert row["status"] == "success"
    assert row["inputs_seen"] == len(kinds)
    assert row["articles"] + row["duplicates"] + row["quarantined"] == row["inputs_seen"]
    assert row["articles"] == row["articles_new"] == len(_table(root, "articles"))
    assert row["duplicates"] == len(dupes)
    assert row["quarantined"] == sum(q["table"] in INPUT_TABLES for q in _table(root, "quarantine"))
    stored = {r["run_id"]: r for r in _table(root, "runs")}[row["run_id"]]
    for column in ("inputs_seen", "articles", "duplicates", "quarantined", "mentions", "claims"):
        assert stored[column] == row[column], column
    # Other languages land but are not analysed; English articles are.
    languages = Counter(a["language"] for a in _table(root, "articles"))
    assert languages["en"] >= 10 and sum(n for lang, n in languages.items() if lang != "en") >= 10
    assert row["enrich_skipped_non_english"] >= 10 and row["articles_enriched"] >= 10
    assert row["mentions"] == len(_table(root, "mentions"))


def test_quarantine_rows_say_why(landed):
    root = landed[0]
    rows = _table(root, "quarantine")
    assert rows and all(q["check"].strip() and q["reason"].strip() for q in rows)


def test_a_second_run_on_the_same_inputs_changes_no_row(landed):
    root, (first, _), (second, _), before, versions = landed
    assert second["status"] == "success"
    assert second["articles_unchanged"] == first["articles"] and second["articles_new"] == second["articles_updated"] == 0
    for column in ("inputs_seen", "duplicates", "quarantined"):
        assert second[column] == first[column], column
    for table, rows in before.items():
        assert _table(root, table) == rows, table
    changed = [t for t in TABLES if t not in PER_RUN and DeltaTable(str(root / t)).version() != versions[t]]
    assert changed == []
