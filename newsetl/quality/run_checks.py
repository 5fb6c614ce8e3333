"""Run-level checks: what a run staged, looked at before anything lands.

The share of inputs quarantined, inputs with bytes that gave no text, article count and
average word count against the last successful runs, freshness, and for runs that fetch
from the web the share of fetches that failed and the feeds that stopped giving new
articles. A failing one is the circuit breaker.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from newsetl.quality.results import FAIL, PASS, RUN, WARN, Result
from newsetl.settings import Settings
from schemas import TABLES, arrow_schema
from schemas.fetches import NOT_OBTAINED, counts_as_url

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

# The tables the checks read.
TABLES_READ = ("runs", "dq_results", "articles", "fetches")
# Quarantine rows that mean "the input had bytes but extraction gave no usable text":
# the extractor raised, or the article's text/word count failed its contract.
_NO_TEXT_REASON = re.compile(r"(^|; )(text|word_count): (str_length|greater_than_or_equal_to)")


def _share_status(share: float, warn: float, fail: float, enough_inputs: bool) -> str:
    if share > fail and enough_inputs:
        return FAIL
    return WARN if share > warn else PASS



@dataclass(frozen=True)
class RunFacts:
    """What the run-level checks need to know about a run, gathered before it lands."""

    inputs_seen: int
    quarantined: int
    articles: int
    quarantine: list[dict[str, Any]]  # this run's quarantine rows: table, check, reason, source_uri
    word_counts: list[int]  # of the new and changed articles the run staged
    newest_staged: datetime | None  # newest published_at among them
    # Inputs skipped as unchanged are not read again: their quarantine rows are not
    # this run's, so shares of this run's rows are taken over the inputs it read.
    inputs_skipped: int = 0
    fetches: list[dict[str, Any]] = field(default_factory=list)  # this run's fetches rows (FETCH_COLUMNS)
    feeds: list[str] = field(default_factory=list)  # feed and sitemap entries the run followed
    staged_sources: list[str] = field(default_factory=list)  # source_uri of the articles it staged


FETCH_COLUMNS = ["source", "url", "via_feed", "outcome", "error_class", "raw_path", "fetched_at"]
# Rows of requests this run made over HTTP; a WARC record's outcome is its archive's history.
HTTP_SOURCES = ("page", "feed")


def quarantined_share(facts: RunFacts, settings: Settings) -> Result:
    share = facts.quarantined / facts.inputs_seen if facts.inputs_seen else 0.0
    enough = facts.inputs_seen >= settings.dq_min_inputs
    status = _share_status(share, settings.dq_quarantined_warn, settings.dq_quarantined_fail, enough)
    limit = {FAIL: f" (fail above {settings.dq_quarantined_fail:.0%})",
             WARN: f" (warn above {settings.dq_quarantined_warn:.0%})"}
    note = ("" if enough or share <= settings.dq_quarantined_fail
            else f"; under {settings.dq_min_inputs} inputs, so only a warning")
    sample = [q["source_uri"] for q in facts.quarantine if q["table"] in ("input", "articles")]
    return Result(
        RUN, "quarantined_share", status, facts.quarantined, facts.inputs_seen,
        f"{share:.0%} of inputs quarantined{limit.get(status, '')}: {facts.quarantined} of {facts.inputs_seen}{note}",
        observed=share, threshold=f"warn>{settings.dq_quarantined_warn} fail>{settings.dq_quarantined_fail}",
        sample=tuple(sample),
    )


def _no_text(row: dict[str, Any]) -> bool:
    if row["table"] == "input":
        return row["check"] == "extraction_error"
    return row["table"] == "articles" and bool(_NO_TEXT_REASON.search(row["reason"]))


def no_text_share(facts: RunFacts, settings: Settings) -> Result:
    empty = sum(1 for q in facts.quarantine if q["table"] == "input" and q["check"] == "empty_file")
    with_bytes = facts.inputs_seen - facts.inputs_skipped - empty
    no_text = [q["source_uri"] for q in facts.quarantine if _no_text(q)]
    share = len(no_text) / with_bytes if with_bytes else 0.0
    enough = with_bytes >= settings.dq_min_inputs
    status = _share_status(share, settings.dq_no_text_warn, settings.dq_no_text_fail, enough)
    return Result(
        RUN, "no_text_from_input", status, len(no_text), with_bytes,
        f"{len(no_text)} of {with_bytes} non-empty inputs gave no article text ({share:.0%})",
        observed=share, threshold=f"warn>{settings.dq_no_text_warn} fail>{settings.dq_no_text_fail}",
        sample=tuple(no_text),
    )


def _against_history(check: str, value: float, history: list[float], settings: Settings, unit: str) -> Result:
    threshold = f"warn outside median/{settings.dq_history_max_ratio:g}..median*{settings.dq_history_max_ratio:g}"
    if len(history) < settings.dq_history_min_runs:
        return Result(RUN, check, PASS, 0, 1, f"{unit} {value:g}: only {len(history)} earlier runs to compare with",
                      observed=value, threshold=threshold)
    median = statistics.median(history)
    ratio = settings.dq_history_max_ratio
    far = value > median * ratio or value < median / ratio
    return Result(
        RUN, check, WARN if far else PASS, int(far), 1,
        f"{unit} {value:g} against a median of {median:g} over the last {len(history)} successful runs",
        observed=value, threshold=threshold,
    )


def history(con: DuckDBPyConnection, settings: Settings) -> tuple[list[float], list[float]]:
    """(article counts, average word counts) of the last successful runs, newest first."""
    runs = con.execute(
        "SELECT run_id, articles FROM runs WHERE status = 'success' ORDER BY started_at DESC LIMIT ?",
        [settings.dq_history_runs],
    ).fetchall()
    words = con.execute(
        "SELECT d.observed FROM dq_results d JOIN runs r USING (run_id) WHERE r.status = 'success' "
        "AND d.check_name = 'avg_word_count' AND d.observed IS NOT NULL ORDER BY r.started_at DESC LIMIT ?",
        [settings.dq_history_runs],
    ).fetchall()
    return [float(a) for _, a in runs], [float(w) for (w,) in words]


def freshness(newest: datetime | None, now: datetime, settings: Settings) -> Result:
    limit = timedelta(hours=settings.dq_freshness_warn_hours)
    threshold = f"warn>{settings.dq_freshness_warn_hours:g}h"
    if newest is None:
        return Result(RUN, "freshness", WARN, 1, 0, "no article has a published_at", threshold=threshold)
    age = now - newest
    hours = age.total_seconds() / 3600
    status = WARN if age > limit else PASS
    return Result(RUN, "freshness", status, int(status == WARN), 1,
                  f"newest published_at is {newest:%Y-%m-%d %H:%M} UTC, {hours:.0f} h old",
                  observed=hours, threshold=threshold, sample=(newest.isoformat(),) if status == WARN else ())


def fetch_failed_share(facts: RunFacts, settings: Settings) -> Result | None:
    """Share of the run's HTTP fetches that got nothing: failed, or refused by robots.txt.
    None when the run fetched nothing over HTTP."""
    asked = [f for f in facts.fetches if f["source"] in HTTP_SOURCES and counts_as_url(f["source"], f["outcome"])]
    if not asked:
        return None
    bad = [f for f in asked if f["outcome"] in NOT_OBTAINED]
    share = len(bad) / len(asked)
    warn, fail = settings.dq_fetch_failed_warn, settings.dq_fetch_failed_fail
    status = _share_status(share, warn, fail, enough_inputs=True)
    limit = {FAIL: f" (fail above {fail:.0%})", WARN: f" (warn above {warn:.0%})"}
    classes = ", ".join(f"{n} {c}" for c, n in Counter(f["error_class"] for f in bad).most_common())
    # Feeds first: one dead feed hides all the pages it would have listed.
    bad.sort(key=lambda f: f["source"] != "feed")
    return Result(
        RUN, "fetch_failed_share", status, len(bad), len(asked),
        f"{share:.0%} of fetched URLs failed or were refused by robots.txt{limit.get(status, '')}: "
        f"{len(bad)} of {len(asked)}" + (f" ({classes})" if classes else ""),
        observed=share, threshold=f"warn>{warn} fail>{fail}",
        sample=tuple(f"{f['url']} ({f['error_class']})" for f in bad),
    )


def _feed_history(con: DuckDBPyConnection, facts: RunFacts) -> list[tuple[str, datetime | None, datetime | None]]:
    """(feed, first fetched, last page fetched that is an article's current text) for every
    feed the run followed, over the warehouse's fetches and this run's staged rows."""
    schema = arrow_schema(TABLES["fetches"].model)
    rows = pa.Table.from_pylist(facts.fetches, schema=pa.schema([schema.field(c) for c in FETCH_COLUMNS]))
    con.register("run_fetches", rows)
    con.register("run_articles", pa.table({"source_uri": pa.array(facts.staged_sources, pa.string())}))
    con.register("followed", pa.table({"feed": pa.array(facts.feeds, pa.string())}))
    return con.execute(f"""
        WITH f AS (SELECT {', '.join(FETCH_COLUMNS)} FROM fetches WHERE via_feed IS NOT NULL
                   UNION ALL SELECT * FROM run_fetches WHERE via_feed IS NOT NULL),
             articles_now AS (SELECT source_uri FROM articles UNION SELECT source_uri FROM run_articles),
             new_pages AS (SELECT via_feed, fetched_at FROM f
                           WHERE source = 'page' AND outcome = 'fetched'
                             AND raw_path IN (SELECT source_uri FROM articles_now))
        SELECT feed, (SELECT min(fetched_at) FROM f WHERE f.via_feed = feed),
               (SELECT max(fetched_at) FROM new_pages n WHERE n.via_feed = feed)
        FROM followed ORDER BY feed""").fetchall()


def feed_history(con: DuckDBPyConnection, feeds: list[str]) -> list[tuple[str, datetime | None, datetime | None]]:
    """The same for ``feeds`` over the warehouse alone, between runs (``newsetl status``)."""
    return _feed_history(con, RunFacts(0, 0, 0, [], [], None, feeds=feeds))


def source_stale(feeds: list[tuple[str, datetime | None, datetime | None]], now: datetime,
                 settings: Settings) -> Result | None:
    """Feeds (and sitemaps) the run follows that gave no new or changed article for
    ``dq_source_stale_days``: the last page fetched through them that is an article's
    current text is older than that, or there was none since they were first followed
    that long ago. A warning: the feed may be slow, moved, or list pages that fail."""
    if not feeds:
        return None
    days = settings.dq_source_stale_days
    stale: list[tuple[float, str, str]] = []
    for feed, first, last in feeds:
        since = last or first
        if since is None:
            continue
        age = (now - since).total_seconds() / 86400
        if age > days:
            what = f"last new article {age:.0f} days ago" if last else f"none in the {age:.0f} days since first followed"
            stale.append((age, feed, what))
    stale.sort(reverse=True)
    listed = "; ".join(f"{feed}: {what}" for _, feed, what in stale[:3]) + ("; …" if len(stale) > 3 else "")
    message = (f"{len(stale)} of {len(feeds)} feeds gave no new article for {days:g} days: {listed}" if stale
               else f"every one of {len(feeds)} feeds gave a new article in the last {days:g} days")
    return Result(RUN, "source_stale", WARN if stale else PASS, len(stale), len(feeds), message,
                  observed=stale[0][0] if stale else None, threshold=f"warn>{days:g}d",
                  sample=tuple(f"{feed}: {what}" for _, feed, what in stale))



def run_checks(con: DuckDBPyConnection, facts: RunFacts, settings: Settings, now: datetime) -> list[Result]:
    """The run-level checks. ``con`` shows the tables as committed (``TABLES_READ``)."""
    counts, words = history(con, settings)
    [(newest_landed,)] = con.execute("SELECT max(published_at) FROM articles").fetchall()
    feeds = _feed_history(con, facts) if facts.feeds else []
    results = [
        quarantined_share(facts, settings),
        no_text_share(facts, settings),
        _against_history("article_count", facts.articles, counts, settings, "articles"),
    ]
    if facts.word_counts:
        results.append(_against_history("avg_word_count", statistics.fmean(facts.word_counts), words, settings,
                                        "average word count"))
    newest = max((d for d in (newest_landed, facts.newest_staged) if d is not None), default=None)
    results.append(freshness(newest, now, settings))
    results += [r for r in (fetch_failed_share(facts, settings), source_stale(feeds, now, settings)) if r]
    return results
