"""Stories: near-duplicates across outlets and versions of one story (newsetl/run/stories.py).

Real texts (tests/fixtures/stories), real DuckDB for the candidate lookup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from newsetl.run import stories
from newsetl.run.stories import Candidate, NewArticle, Params, Story
from newsetl.settings import Settings
from support.paths import FIXTURES as TEST_FIXTURES, REPO

FIXTURES = TEST_FIXTURES / "stories"
PARAMS = Params.from_settings(Settings())
T0 = datetime(2019, 11, 20, 9, 0, tzinfo=UTC)


def text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def paragraphs(t: str) -> list[str]:
    return [p for p in t.splitlines() if p.strip()]


def sig(t: str) -> stories.Signature:
    return stories.signature(t, PARAMS)


SONDLAND = text("ap-sondland")
TORIES = text("ap-tories-twitter")
CRASH = text("aljazeera-helicopter-crash")
SEED1, SEED3 = text("seed-001"), text("seed-003")


def wire_copy(t: str) -> str:
    """The story as another outlet runs it: its own headline, a dateline, its footer."""
    paras = paragraphs(t)
    lede = paras[0].removeprefix("WASHINGTON (AP) — ")
    return "\n\n".join(
        ["Sondland to face lawmakers in impeachment hearing", "Washington — " + lede] + paras[1:]
        + ["Copyright 2019 The Associated Press. All rights reserved. This material may not be "
           "published, broadcast, rewritten or redistributed.",
           "Sign up for the Berkshire Eagle newsletter to get the day's top stories in your inbox."])


def updated(t: str) -> str:
    """The story updated in place: one paragraph added after the lede, one rewritten."""
    paras = paragraphs(t)
    added = ("The Pentagon said on Thursday that an initial review found no sign of enemy fire and "
             "that the names of the two soldiers would be released after their families were told.")
    return "\n\n".join([paras[0], added] + paras[1:-1] + ["The investigation is continuing, officials said."])


def landed(article_id: str, t: str, story_id: str | None = None, hours: int = 0) -> Candidate:
    return Candidate(article_id, sig(t), story_id or article_id, T0 + timedelta(hours=hours))


def bands_table(cands: list[Candidate]) -> pa.Table:
    rows = [(key, c.article_id) for c in cands for key in stories.band_keys(c.signature, PARAMS)]
    return pa.table({"band_key": pa.array([r[0] for r in rows], pa.int64()),
                     "article_id": pa.array([r[1] for r in rows], pa.string())})


def run_stories(landed_cands: list[Candidate], new: list[NewArticle], relation: bool = False) -> dict[str, Story]:
    """What a run does: look up candidates in DuckDB, then decide."""
    con = duckdb.connect()
    table = bands_table(landed_cands)
    landed_rel = con.from_arrow(table) if relation else table
    new_keys = {a.article_id: stories.band_keys(a.signature, PARAMS) for a in new}
    pairs = stories.candidate_pairs(con, new_keys, landed_rel)
    wanted = set(pairs.column("candidate_id").to_pylist())
    return stories.assign_stories(new, [c for c in landed_cands if c.article_id in wanted], pairs,
                                  PARAMS.similarity)


# ----------------------------------------------------------------------------- same story


@pytest.mark.parametrize("relation", [False, True], ids=["arrow", "duckdb-relation"])
def test_exact_copy_joins_the_landed_story(relation):
    story = run_stories([landed("a-sondland", SONDLAND), landed("a-tories", TORIES)],
                        [NewArticle("b-sondland", sig(SONDLAND), T0 + timedelta(hours=5))], relation)
    assert story == {"b-sondland": Story("a-sondland", "a-sondland")}


def test_reformatted_copy_has_the_same_signature():
    reformatted = "\n".join(paragraphs(SONDLAND)).replace("’", "'").replace("“", '"').replace("”", '"')
    assert reformatted != SONDLAND
    assert np.array_equal(sig(reformatted).hashvalues, sig(SONDLAND).hashvalues)


def test_one_paragraph_update_is_the_same_story_and_both_versions_stay():
    new = updated(CRASH)
    assert stories.similarity(sig(new), sig(CRASH)) >= PARAMS.similarity
    story = run_stories([landed("crash-v1", CRASH)], [NewArticle("crash-v2", sig(new), T0 + timedelta(hours=3))])
    assert story == {"crash-v2": Story("crash-v1", "crash-v1")}


def test_wire_copy_on_another_outlet_points_to_the_earliest_article_of_the_story():
    # The story landed with a copy already: the new wire copy names the story's first article.
    cands = [landed("ap", SONDLAND), landed("eagle", wire_copy(SONDLAND), story_id="ap", hours=1),
             landed("tories", TORIES)]
    other_outlet = wire_copy(SONDLAND).replace("Berkshire Eagle", "Citizens' Voice")
    story = run_stories(cands, [NewArticle("voice", sig(other_outlet), T0 + timedelta(hours=2))])
    assert story == {"voice": Story("ap", "ap")}


def test_trimmed_syndicated_copy_is_the_same_story():
    paras = paragraphs(SONDLAND)
    trimmed = "\n\n".join(paras[: len(paras) // 3])
    assert stories.jaccard(sig(trimmed), sig(SONDLAND)) < PARAMS.similarity  # Jaccard alone would miss it
    story = run_stories([landed("full", SONDLAND)], [NewArticle("trim", sig(trimmed), T0)])
    assert story == {"trim": Story("full", "full")}


def test_copies_in_one_run_the_earliest_published_founds_the_story_whatever_the_input_order():
    copy = wire_copy(SONDLAND)
    new = [NewArticle("late", sig(copy), T0 + timedelta(hours=4)),
           NewArticle("early", sig(SONDLAND), T0),
           NewArticle("undated", sig(SONDLAND), None)]
    for order in (new, new[::-1]):
        assert run_stories([landed("tories", TORIES)], order) == {
            "early": Story("early", None), "late": Story("early", "early"), "undated": Story("early", "early")}


# ----------------------------------------------------------------------------- different stories


def test_same_topic_different_stories_stay_apart():
    # Two seeds on U.S.-Pakistan relations; two AP stories of the same day.
    assert stories.similarity(sig(SEED1), sig(SEED3)) < 0.1
    story = run_stories([landed("seed1", SEED1), landed("ap-tories", TORIES)],
                        [NewArticle("seed3", sig(SEED3), T0), NewArticle("ap-sondland", sig(SONDLAND), T0)])
    assert story == {"seed3": Story("seed3", None), "ap-sondland": Story("ap-sondland", None)}


def test_a_candidate_below_the_threshold_founds_a_new_story():
    # A candidate is only a candidate: the decision compares signatures.
    story = stories.decide("seed3", sig(SEED3), [landed("seed1", SEED1)], PARAMS.similarity)
    assert story == Story("seed3", None)


def test_best_match_wins_over_an_earlier_weaker_one():
    v1 = CRASH
    v2 = updated(CRASH)
    cands = [landed("v1", v1, hours=0), landed("other", v2, story_id="s-other", hours=1)]
    # v2 itself is the closest: the new copy of v2 joins its story, not v1's.
    assert stories.decide("new", sig(v2), cands, PARAMS.similarity) == Story("s-other", "s-other")


# ----------------------------------------------------------------------------- lookup


def test_candidate_pairs_finds_landed_and_in_run_pairs_and_ignores_rekeyed_articles():
    con = duckdb.connect()
    old = bands_table([landed("crash", CRASH), landed("sondland", SONDLAND)])
    new_keys = {
        "copy": stories.band_keys(sig(SONDLAND), PARAMS),
        "copy2": stories.band_keys(sig(wire_copy(SONDLAND)), PARAMS),
        # "crash" is re-keyed by this run (its text changed to another story): its old keys
        # must not pair it with the crash report it no longer is.
        "crash": stories.band_keys(sig(TORIES), PARAMS),
        "crash-copy": stories.band_keys(sig(CRASH), PARAMS),
    }
    pairs = stories.candidate_pairs(con, new_keys, old)
    got = {(a, c) for a, c in zip(pairs.column("article_id").to_pylist(), pairs.column("candidate_id").to_pylist())}
    assert got == {("copy", "sondland"), ("copy2", "sondland"), ("copy", "copy2"), ("copy2", "copy")}
    assert pairs.schema == stories.PAIRS_SCHEMA
    assert all(n >= 1 for n in pairs.column("shared_bands").to_pylist())


def test_band_keys_differ_per_band_and_per_scheme():
    keys = stories.band_keys(sig(CRASH), PARAMS)
    assert len(keys) == len(set(keys)) == PARAMS.bands
    assert all(-(2**63) <= k < 2**63 for k in keys)
    other = Params(PARAMS.shingle_words + 1, PARAMS.bands, PARAMS.rows, PARAMS.similarity)
    assert not set(keys) & set(stories.band_keys(stories.signature(CRASH, other), other))


def test_empty_text_has_no_keys_and_matches_nothing():
    empty = sig("")
    assert empty.shingles == 0 and stories.band_keys(empty, PARAMS) == []
    assert stories.similarity(empty, sig(CRASH)) == 0.0


def test_signature_round_trips_through_bytes():
    s = sig(CRASH)
    back = stories.Signature.from_bytes(s.to_bytes(), s.shingles)
    assert len(s.to_bytes()) == 4 * PARAMS.num_perm
    assert np.array_equal(back.hashvalues, s.hashvalues) and back.shingles == s.shingles


# ----------------------------------------------------------------------------- determinism

_CHILD = """
import json, sys
from newsetl.run import stories
from newsetl.settings import Settings
p = stories.Params.from_settings(Settings())
texts = json.loads(sys.stdin.read())
sigs = [stories.signature(t, p) for t in texts]
new = [stories.NewArticle(f"a{i}", s, None) for i, s in enumerate(sigs)]
import pyarrow as pa
pairs = pa.table({"article_id": ["a1"], "candidate_id": ["a0"]})
story = stories.assign_stories(new, [], pairs, p.similarity)
print(json.dumps({"hashvalues": [s.hashvalues.tolist() for s in sigs], "keys": [stories.band_keys(s, p) for s in sigs],
                  "stories": {k: list(v) for k, v in story.items()}}))
"""


@pytest.mark.slow
def test_same_input_same_signature_and_story_across_processes():
    texts = [SONDLAND, wire_copy(SONDLAND)]
    runs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        out = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(texts), capture_output=True,
                             text=True, check=True, env=env, cwd=REPO)
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1]
    here = [sig(t) for t in texts]
    assert runs[0]["hashvalues"] == [s.hashvalues.tolist() for s in here]
    assert runs[0]["keys"] == [stories.band_keys(s, PARAMS) for s in here]
    assert runs[0]["stories"] == {"a0": ["a0", None], "a1": ["a0", "a0"]}
