"""Cross-table checks of enriched rows against their article's text.

A mention or claim whose span does not slice ``articles.text`` exactly, or a claim whose
content overlaps its own speaker or cue, is quarantined with the reason, never landed.
So is a claim whose ``pieces`` (all content spans of the claim, JSON) are not a list of
non-empty spans inside the text, in order, apart from its speaker and cue, one of them its
own content.
These checks need the article text, which is not a column of those tables, so they live
here rather than in the row contracts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from newsetl.quality.quarantine import quarantine_row

# table -> (start column, end column, column the span must equal, or None)
SPANS: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "mentions": (("start_char", "end_char", "surface"),),
    "claims": (
        ("speaker_start", "speaker_end", "speaker_surface"),
        ("cue_start", "cue_end", "cue"),
        ("content_start", "content_end", "content"),
    ),
}


def _present(value: Any) -> bool:
    return value is not None and value == value  # not None, not NaN/NA


def span_problems(table: str, row: Mapping[str, Any], text: str | None) -> list[str]:
    if text is None:
        return [f"article {row.get('article_id')} is not in this run's articles"]
    problems = []
    spans: dict[str, tuple[int, int]] = {}
    for start_col, end_col, surface_col in SPANS[table]:
        start, end = row.get(start_col), row.get(end_col)
        if not (_present(start) and _present(end)):
            continue
        start, end = int(start), int(end)
        spans[start_col] = (start, end)
        if not 0 <= start < end <= len(text):
            problems.append(f"{start_col}:{end_col} = {start}:{end} is outside the text ({len(text)} chars)")
        elif surface_col and text[start:end] != row.get(surface_col):
            problems.append(f"text[{start}:{end}] = {text[start:end]!r} is not {surface_col} {row.get(surface_col)!r}")
    content = spans.get("content_start")
    for other in ("speaker_start", "cue_start"):
        if content and other in spans and spans[other][0] < content[1] and content[0] < spans[other][1]:
            problems.append(f"content span {content} overlaps the {other.split('_')[0]} span {spans[other]}")
    if table == "claims" and _present(row.get("pieces")):
        problems += _piece_problems(row["pieces"], content, spans, len(text))
    return problems


def _piece_problems(raw: str, content: tuple[int, int] | None, spans: dict[str, tuple[int, int]], n: int) -> list[str]:
    try:
        pieces = [(int(a), int(b)) for a, b in json.loads(raw)]
    except (ValueError, TypeError):
        return [f"pieces {raw!r} is not a JSON list of [start, end] pairs"]
    problems = []
    if content and content not in pieces:
        problems.append(f"content span {content} is not one of the pieces {raw}")
    for k, (a, b) in enumerate(pieces):
        if not 0 <= a < b <= n:
            problems.append(f"piece {a}:{b} is outside the text ({n} chars) or empty")
        if k and a < pieces[k - 1][1]:
            problems.append(f"piece {a}:{b} overlaps or precedes the piece before it")
        for other in ("speaker_start", "cue_start"):
            if other in spans and spans[other][0] < b and a < spans[other][1]:
                problems.append(f"piece {a}:{b} overlaps the {other.split('_')[0]} span {spans[other]}")
    return problems


def check_spans(
    table: str, rows: list[dict[str, Any]], texts: Mapping[str, str], sources: Mapping[str, str], run_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows that slice their article exactly, quarantine rows for the others)."""
    good, bad = [], []
    now = datetime.now(UTC)
    key = "mention_id" if table == "mentions" else "claim_id"
    for row in rows:
        problems = span_problems(table, row, texts.get(row.get("article_id")))
        if not problems:
            good.append(row)
            continue
        bad.append(quarantine_row(
            run_id=run_id, table=table, source_uri=sources.get(row.get("article_id"), str(row.get("article_id"))), check="span_slices_text",
            reason="; ".join(problems), record_key=row.get(key), record=row, now=now,
        ))
    return good, bad
