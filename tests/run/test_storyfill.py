"""``newsetl maintain`` fills in stories (D73): a warehouse whose articles landed before
stories were wired gets them, near-duplicates joined and counted once in ``entities``; a
change of the story settings re-keys every signature and keeps every story."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from deltalake import DeltaTable

from newsetl.enrich import build_entities, default_reference
from newsetl.land.warehouse import to_arrow
from newsetl.run.commit import entity_inputs
from newsetl.run.stories import Params
from newsetl.run.storyfill import fill_stories, maintain
from newsetl.settings import Settings
from support.paths import REPO
from support.pipeline import run_pipeline
from support.warehouse import warehouse_at

SEED, OTHER = "004_6d7372103e3a1b89.txt", "000_8f60cbc1a07930e3.txt"
ADDED = "Update: Prime Minister Imran Khan said on Friday that Islamabad would answer Washington in writing."


def _rows(root, table: str) -> list[dict]:
    return DeltaTable(str(root / table)).to_pyarrow_table().to_pylist()


def _entities_rebuilt(wh) -> dict[str, tuple]:
    with wh.connect(("mentions", "articles")) as con:
        mentions, articles = entity_inputs(con, None)
    frame = build_entities(mentions, articles, default_reference())
    return {r["entity_id"]: (r["article_count"], r["mention_count"]) for r in frame.to_dict("records")}


def _entities(root) -> dict[str, tuple]:
    return {r["entity_id"]: (r["article_count"], r["mention_count"]) for r in _rows(root, "entities")}


@pytest.fixture(scope="module")
def landed(tmp_path_factory, samples_dir):
    """A seed, the same seed re-published elsewhere with one line added, and another seed,
    landed with their mentions."""
    root = tmp_path_factory.mktemp("storyfill")
    raw, wh = root / "raw", root / "warehouse"
    raw.mkdir()
    shutil.copy(samples_dir / "seeds" / SEED, raw / SEED)
    shutil.copy(samples_dir / "seeds" / OTHER, raw / OTHER)
    paras = (samples_dir / "seeds" / SEED).read_text(encoding="utf-8").split("\n\n")
    (raw / "elsewhere").mkdir()
    (raw / "elsewhere" / "copy.txt").write_text("\n\n".join([*paras[:3], ADDED, *paras[3:]]), encoding="utf-8")
    row = run_pipeline(raw, wh, Settings(), incremental=True, lock=True)
    assert row["articles_new"] == 3
    return wh


@pytest.fixture()
def before_stories(landed, tmp_path):
    """The warehouse as a version without stories left it: no story columns, no
    signatures, and entities counting every article."""
    root = tmp_path / "warehouse"
    shutil.copytree(landed, root)
    DeltaTable(str(root / "articles")).update({"story_id": "NULL", "duplicate_of": "NULL"})
    DeltaTable(str(root / "story_signatures")).delete()
    DeltaTable(str(root / "story_bands")).delete()
    wh = warehouse_at(root)
    with wh.connect(("mentions", "articles")) as con:
        mentions, articles = entity_inputs(con, None)
    wh.overwrite("entities", to_arrow("entities", build_entities(mentions, articles, default_reference())), "old")
    return root


def test_maintain_gives_old_articles_their_stories(before_stories):
    counted_twice = _entities(before_stories)
    done, filled = maintain(warehouse_at(before_stories), Settings())
    assert (filled.storied, filled.joined) == (3, 1)
    articles = {r["source_uri"]: r for r in _rows(before_stories, "articles")}
    seed, copy, other = articles[SEED], articles["elsewhere/copy.txt"], articles[OTHER]
    # The earliest landed founds the story (the seed: undated ties go by article_id, so
    # whichever of the two is first, the other is its duplicate).
    founder, follower = sorted((seed, copy), key=lambda r: r["article_id"])
    assert (founder["story_id"], founder["duplicate_of"]) == (founder["article_id"], None)
    assert (follower["story_id"], follower["duplicate_of"]) == (founder["article_id"], founder["article_id"])
    assert (other["story_id"], other["duplicate_of"]) == (other["article_id"], None)
    assert {r["scheme"] for r in _rows(before_stories, "story_signatures")} == {Params().scheme}
    assert len(_rows(before_stories, "story_bands")) == 3 * Params().bands
    # The copy's mentions now count once: entities equal a rebuild with the stories.
    now = _entities(before_stories)
    assert now == _entities_rebuilt(warehouse_at(before_stories))
    assert sum(a for a, _ in now.values()) < sum(a for a, _ in counted_twice.values())
    assert {t.table for t in done.tables} >= {"articles", "story_bands"} and done.failed_checks == []
    again = fill_stories(warehouse_at(before_stories), Settings(), "again")  # nothing left to do
    assert (again.storied, again.rekeyed) == (0, 0)


def test_a_changed_story_scheme_is_rekeyed_and_keeps_the_stories(landed, tmp_path):
    root = tmp_path / "warehouse"
    shutil.copytree(landed, root)
    stories = {r["article_id"]: (r["story_id"], r["duplicate_of"]) for r in _rows(root, "articles")}
    old_bands = {r["band_key"] for r in _rows(root, "story_bands")}
    settings = Settings(story_shingle_words=4)
    filled = fill_stories(warehouse_at(root), settings, "rekey")
    assert (filled.storied, filled.rekeyed) == (0, 3)
    assert {r["scheme"] for r in _rows(root, "story_signatures")} == {Params.from_settings(settings).scheme}
    new_bands = {r["band_key"] for r in _rows(root, "story_bands")}
    assert len(new_bands) > 0 and not new_bands & old_bands
    assert {r["article_id"]: (r["story_id"], r["duplicate_of"]) for r in _rows(root, "articles")} == stories


def test_maintain_cli_says_what_it_filled_in(before_stories):
    out = subprocess.run([sys.executable, "-m", "newsetl.cli", "maintain", "--warehouse", str(before_stories)],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert "stories: 3 articles given a story (1 of them near-duplicates of an earlier one)" in out.stdout
