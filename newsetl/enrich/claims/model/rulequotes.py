"""The rules' direct quotes where they beat the model's rows (D89).

The model sees the rules' rows only as features (D50); its own decisions can still drop a
quote the rules found or cut it short. On direct quotes (``bench/claims_quotes.py``) the
rules are the better extractor, so after the model's rows are made:

* :func:`whole_quotes`: a model row on the rules' cue whose content is part of the rules'
  quote ("“These rioters, they are also criminals.”" of a two-paragraph quote) takes the
  whole quote;
* :func:`uncovered_quotes`: a rules' row whose content is a direct quote of
  ``MIN_WORDS`` words or more, with a speech cue (a verb of saying, a review's dash
  label), that no model row touches is added as it is (``confidence`` null, as every
  rules row).

The rules' speaker in place of the model's where both have the same content on the same
cue was measured and not kept (D89: a wash on PolNeAR, worse on the hand audits).

Each step was measured on the quote bench and on PolNeAR's held-out folds (D89).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from newsetl.ids import short_hash

MIN_WORDS = 4  # "best performance", "a disaster": a partial quote the model's mixed rows judge
_WORD = re.compile(r"\w+")


def _words(text: str, a: int, b: int) -> set[int]:
    return {m.start() for m in _WORD.finditer(text, a, b)}


def _span(r: dict) -> tuple[int, int]:
    return int(r["content_start"]), int(r["content_end"])


def whole_quotes(text: str, article_id: str, rows: list[dict], rules_rows: Sequence[dict]) -> list[dict]:
    """Model rows cut inside a rules' direct quote on the same cue take the whole quote;
    a row whose whole quote another row already has is dropped."""
    by_cue: dict[int, list[dict]] = {}
    for r in rules_rows:
        if r["kind"] == "direct":
            by_cue.setdefault(int(r["cue_start"]), []).append(r)
    taken = {_span(r) for r in rows}
    out = []
    for m in rows:
        whole = _whole(text, m, by_cue.get(int(m["cue_start"]), ()))
        if whole is None:
            out.append(m)
            continue
        if _span(whole) in taken:
            continue
        taken.add(_span(whole))
        out.append(_with_content(text, article_id, m, _span(whole)))
    return out


def _whole(text: str, m: dict, candidates: Sequence[dict]) -> dict | None:
    if m["kind"] != "direct":
        return None
    mw = _words(text, *_span(m))
    for r in candidates:
        rw = _words(text, *_span(r))
        if mw and mw < rw:
            return r
    return None


def _with_content(text: str, article_id: str, m: dict, span: tuple[int, int]) -> dict:
    old = _span(m)
    pieces = sorted(span if tuple(p) == old else tuple(p) for p in json.loads(m["pieces"]))
    return {**m, "claim_id": short_hash(article_id, str(span[0]), str(span[1])), "content": text[span[0] : span[1]],
            "content_start": span[0], "content_end": span[1], "kind": "direct",
            "pieces": json.dumps([list(p) for p in pieces], separators=(",", ":"))}


def uncovered_quotes(text: str, rows: list[dict], rules_rows: Sequence[dict]) -> list[dict]:
    """The rules' direct quotes with a speech cue that no model row touches (module docstring)."""
    spans = [_span(r) for r in rows]
    added = []
    for r in rules_rows:
        a, b = _span(r)
        if r["kind"] != "direct" or r["cue_class"] != "speech" or len(_words(text, a, b)) < MIN_WORDS:
            continue
        if any(pa < b and a < pb for pa, pb in spans):
            continue
        added.append(dict(r))
        spans.append((a, b))
    return added


def with_rule_quotes(text: str, article_id: str, rows: list[dict], rules_rows: Sequence[dict]) -> list[dict]:
    """The model's rows with the rules' direct quotes where they beat them (module docstring)."""
    rows = whole_quotes(text, article_id, rows, rules_rows)
    return rows + uncovered_quotes(text, rows, rules_rows)
