"""End to end: the Prefect flow on the bundled samples plus bad inputs, into a temporary
warehouse; then a second run; then queries through the CLI, as a user would."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from deltalake import DeltaTable

from support.paths import REPO
from support.warehouse import warehouse_at


# (seed file, a sentence of its first body paragraph, a sentence of its last one)
SEED_BODIES = {
    "000_8f60cbc1a07930e3.txt": (
        "Relations between Pakistan and the United States appear to be at an all-time low.",
        "requires careful diplomacy and investment in Pakistan to offset China’s economic and military influence.",
    ),
    "001_cc9ea31035356c05.txt": (
        "Pakistan’s prolonged detention of Raymond Davis, the CIA contractor who shot and killed two Pakistani "
        "motorcyclists in Lahore on January 27, has undoubtedly dealt a body blow to U.S.-Pakistan relations.",
        "a very shaky status quo may well persevere.",
    ),
    "002_c211a52ca44ff17f.txt": (
        "The CIA drone attack June 4 in northwest Pakistan that killed deputy al-Qaeda leader Abu Yahya al-Libi",
        "the Haqqanis will then turn on them.",
    ),
    "003_9fa6333cba715c2c.txt": (
        "Pakistan once was the focal point of the chairman of the Joint Chiefs of Staff’s attention",
        "one individual that the U.S. had listed as a Specially Designated Global Terrorist.",
    ),
    "004_6d7372103e3a1b89.txt": (
        "U.S. Secretary of State Rex Tillerson was recently on a tour of South Asia",
        "only time will tell whether the policy shift that is exacerbating regional faultlines will bear fruit.",
    ),
}
# One marker for each kind of boilerplate the seeds carry.
BOILERPLATE = [
    "cookie", "Cookie", "Do Not Sell", "IP access", "uninterrupted reading", "Getty Images", "via Flickr",
    "Bangash/AP", "Related articles", "Share this", "Trending Now", "Taboola", "More from Foreign Policy",
    "Top Stories", "More From Our Experts", "More on:",
]
BAD_INPUTS = {
    "bad/empty.html": b"",
    "bad/report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "bad/binary.txt": bytes(range(256)) * 40,
    "bad/menu.html": b"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>",
    "bad/truncated.html.gz": gzip.compress(b"".join(b"<p>paragraph %d</p>" % i for i in range(5000)))[:3000],
}


def _articles(warehouse: Path) -> dict[str, dict]:
    rows = DeltaTable(str(warehouse / "articles")).to_pyarrow_table().to_pylist()
    return {r["source_uri"]: r for r in rows}


@pytest.fixture(scope="module")
def landed(tmp_path_factory, prefect_server, samples_dir):
    """Run the flow through the CLI entry point, once, and return what it produced."""
    from newsetl.cli import main

    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(samples_dir, raw / "samples")
    for rel, data in BAD_INPUTS.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data)
    # The same page saved twice under another name lands once.
    (raw / "zz-copies").mkdir()
    shutil.copy(samples_dir / "seeds" / "004_6d7372103e3a1b89.txt", raw / "zz-copies" / "again.txt")
    warehouse = tmp_path_factory.mktemp("warehouse")
    assert main(["run", "--raw", str(raw), "--warehouse", str(warehouse), "--batch-size", "7"]) == 0
    runs = DeltaTable(str(warehouse / "runs")).to_pyarrow_table().to_pylist()
    return raw, warehouse, runs[0]


def test_counts_add_up(landed):
    raw, warehouse, run = landed
    n_inputs = 16 + len(BAD_INPUTS) + 1  # 5 seeds + 11 HTML pages, bad files, one copy
    assert run["status"] == "success"
    assert run["inputs_seen"] == n_inputs
    assert run["articles"] == run["articles_new"] == 16
    assert run["duplicates"] == 1
    assert run["quarantined"] == len(BAD_INPUTS)
    assert run["articles"] + run["duplicates"] + run["quarantined"] == run["inputs_seen"]
    assert len(_articles(warehouse)) == 16


def test_bad_inputs_are_quarantined_with_reasons(landed):
    _, warehouse, run = landed
    rows = DeltaTable(str(warehouse / "quarantine")).to_pyarrow_table().to_pylist()
    by_source = {r["source_uri"]: r for r in rows}
    assert set(by_source) == set(BAD_INPUTS)
    assert by_source["bad/empty.html"]["check"] == "empty_file"
    assert by_source["bad/report.pdf"]["check"] == "unsupported_type"
    assert by_source["bad/binary.txt"]["check"] == "binary_content"
    assert by_source["bad/truncated.html.gz"]["check"] == "corrupt_gzip"
    menu = by_source["bad/menu.html"]
    assert menu["table"] == "articles" and "word_count" in menu["reason"]
    assert json.loads(menu["record_json"])["source_uri"] == "bad/menu.html"
    assert all(r["reason"] and r["run_id"] == run["run_id"] for r in rows)


def test_seed_text_is_clean_and_whole(landed):
    _, warehouse, _ = landed
    articles = _articles(warehouse)
    for name, (first, last) in SEED_BODIES.items():
        text = articles[f"samples/seeds/{name}"]["text"]
        assert first in text, name
        assert last in text, name
        for marker in BOILERPLATE:
            assert marker not in text, (name, marker)
        paragraphs = text.split("\n\n")
        assert len(paragraphs) == len(set(paragraphs)), f"{name}: a paragraph appears twice"


def test_html_articles_carry_metadata(landed):
    _, warehouse, _ = landed
    html = [a for src, a in _articles(warehouse).items() if src.startswith("samples/html/")]
    assert len(html) == 11
    english = [a for a in html if a["language"] == "en"]
    assert len(english) == 10
    assert all(a["title"] and a["published_at"] is not None for a in english)
    assert all(a["extractor"].startswith("trafilatura") for a in html)
    assert sum(a["url"] is not None for a in html) >= 9


def test_second_run_changes_nothing(landed, prefect_server):
    from flows.ingest import ingest

    raw, warehouse, _ = landed
    table = DeltaTable(str(warehouse / "articles"))
    version, before = table.version(), _articles(warehouse)
    enriched = {t: DeltaTable(str(warehouse / t)).version() for t in ("mentions", "claims", "entities")}
    row = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert row["articles_unchanged"] == 16 and row["articles_new"] == row["articles_updated"] == 0
    assert row["duplicates"] == 1 and row["quarantined"] == len(BAD_INPUTS)
    assert DeltaTable(str(warehouse / "articles")).version() == version
    assert {t: DeltaTable(str(warehouse / t)).version() for t in enriched} == enriched
    assert row["articles_enriched"] == row["mentions"] == row["claims"] == 0
    assert _articles(warehouse) == before
    quarantine = DeltaTable(str(warehouse / "quarantine")).to_pyarrow_table()
    assert quarantine.num_rows == len(BAD_INPUTS)  # the same problems, not new rows
    runs = duckdb.connect(str(warehouse_at(warehouse).catalog_path), read_only=True).execute("SELECT count(*) FROM runs").fetchone()
    assert runs == (2,)


def test_mentions_and_claims_slice_the_article_text(landed):
    _, warehouse, run = landed
    assert run["articles_enriched"] == 15 and run["enrich_skipped_non_english"] == 1  # the Korean page
    assert run["mentions"] > 500 and run["claims"] > 50 and run["enrich_quarantined"] == 0
    con = duckdb.connect(str(warehouse_at(warehouse).catalog_path), read_only=True)
    off = con.execute("""SELECT count(*) FROM mentions m JOIN articles a USING (article_id)
                         WHERE substr(a.text, m.start_char + 1, m.end_char - m.start_char) <> m.surface""").fetchone()
    assert off == (0,)
    orphans = con.execute("SELECT count(*) FROM claims WHERE article_id NOT IN (SELECT article_id FROM articles)")
    assert orphans.fetchone() == (0,)
    asif = con.execute("""SELECT article_count FROM entities WHERE canonical_name = 'Khawaja Asif'""").fetchone()
    assert asif == (1,)
    gibson = con.execute("""SELECT count(*) FROM claims WHERE speaker_surface = 'she'
                            AND speaker_name = 'Jen Gibson' AND kind = 'direct'""").fetchone()
    assert gibson[0] >= 1
    speakers = dict(con.execute("SELECT speaker, sum(speech_claims) FROM claims_by_speaker GROUP BY 1").fetchall())
    assert speakers.get("Donald Trump", 0) >= 3
    # The view counts what was said (cue_class speech), by resolved name only.
    said = {n for (n,) in con.execute("SELECT DISTINCT speaker_name FROM claims WHERE cue_class = 'speech'").fetchall()}
    assert set(speakers) == said - {None}
    assert con.execute("SELECT count(*) FROM claims WHERE cue_class <> 'speech'").fetchone()[0] > 0
    assert not {s.casefold() for s in speakers} & {"i", "you", "we", "he", "she", "they", "it", "who", "which", "that"}


def _sql(warehouse: Path, query: str, fmt: str = "json") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsetl.cli", "sql", "--warehouse", str(warehouse), "--format", fmt, query],
        capture_output=True, text=True, timeout=120,
    )


def test_sql_answers_from_the_catalog(landed):
    _, warehouse, _ = landed
    out = _sql(warehouse, "SELECT domain, count(*) AS n FROM articles WHERE domain IS NOT NULL "
                          "GROUP BY domain ORDER BY domain")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {"domain": "nytimes.com", "n": 1} in rows
    csv_out = _sql(warehouse, "SELECT count(*) AS n FROM articles", fmt="csv")
    assert csv_out.stdout.splitlines() == ["n", "16"]


def test_sql_refuses_writes(landed):
    _, warehouse, _ = landed
    for statement in ("DELETE FROM articles", "DROP TABLE articles", "COPY articles TO 'x.csv'",
                      "ATTACH 'other.db'", "INSTALL httpfs", "SELECT * FROM read_text('/etc/hostname')"):
        out = _sql(warehouse, statement)
        assert out.returncode == 2, statement
        assert "read-only" in out.stderr
    assert _articles(warehouse)  # still there


def test_flow_module_runs_with_settings_from_the_environment(tmp_path, prefect_server, samples_dir):
    """`python -m flows.ingest` against the test's Prefect server, configured by NEWSETL_* variables."""
    import os

    from prefect.settings import PREFECT_API_URL

    raw = tmp_path / "raw"
    shutil.copytree(samples_dir / "seeds", raw)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "NEWSETL_RAW_DIR": str(raw), "NEWSETL_WAREHOUSE_DIR": str(tmp_path / "wh")}
    out = subprocess.run([sys.executable, "-m", "flows.ingest"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert len(_articles(tmp_path / "wh")) == 5


def test_readme_example_queries_run_as_written(landed):
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Example queries", 1)[1].split("\n## ", 1)[0]
    queries = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    assert len(queries) == 6
    _, warehouse, _ = landed
    for query in queries:
        out = _sql(warehouse, query)
        assert out.returncode == 0, (query, out.stderr)
        assert json.loads(out.stdout), f"no rows from:\n{query}"


def _readme_query(title: str) -> str:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Example queries", 1)[1].split("\n## ", 1)[0]
    [query] = [q for q in re.findall(r"```sql\n(.*?)```", section, flags=re.S) if title in q.splitlines()[0]]
    return query.strip().rstrip(";")


def test_same_sentence_query_gives_what_the_plain_self_join_gives(landed):
    """README query 3 joins on sentence_key (D68); every count it gives, not only its top
    10, is what joining on (article_id, sentence_index) gives."""
    _, warehouse, _ = landed
    con = duckdb.connect(str(warehouse_at(warehouse).catalog_path), read_only=True)
    readme = _readme_query("same sentence as the Taliban")
    assert "sentence_key" in readme
    whole = readme.replace("ORDER BY sentences DESC LIMIT 10", "ORDER BY ALL")
    plain = """SELECT other.canonical_name, other.label, count(*) AS sentences
               FROM mentions AS t JOIN mentions AS other
                 ON other.article_id = t.article_id AND other.sentence_index = t.sentence_index
                AND other.entity_id <> t.entity_id
               WHERE t.canonical_name = 'Taliban' GROUP BY ALL ORDER BY ALL"""
    expected = con.execute(plain).fetchall()
    assert len(expected) > 10
    assert con.execute(whole).fetchall() == expected
    top = sorted(expected, key=lambda r: -r[2])[:10]
    assert sorted(r[2] for r in con.execute(readme).fetchall()) == sorted(r[2] for r in top)


def test_top_speakers_query_filters_before_its_window_and_gives_the_same_counts(landed):
    """README query 1 filters claims (speech, a named speaker, the last 30 days) before the
    window that picks each claim's first piece: every piece of a claim shares those, so
    the counts are those of filtering after the window over every claim."""
    _, warehouse, _ = landed
    con = duckdb.connect(str(warehouse_at(warehouse).catalog_path), read_only=True)
    readme = _readme_query("Top speakers")
    assert "INTERVAL 30 DAY)" in readme  # the filter closes the subquery: it runs before the window
    whole = readme.replace("ORDER BY claims DESC LIMIT 10", "ORDER BY ALL")
    after = """SELECT speaker_name, count(DISTINCT (story, claim)) AS claims, count(DISTINCT story) AS stories
               FROM (SELECT speaker_name, published_at, coalesce(story_id, article_id) AS story, cue_class,
                            first_value(content) OVER (PARTITION BY article_id, cue_start ORDER BY content_start) AS claim
                     FROM claims JOIN articles USING (article_id))
               WHERE speaker_name IS NOT NULL AND cue_class = 'speech'
                 AND published_at >= (SELECT max(published_at) FROM articles) - INTERVAL 30 DAY
               GROUP BY speaker_name ORDER BY ALL"""
    expected = con.execute(after).fetchall()
    assert len(expected) > 3
    assert con.execute(whole).fetchall() == expected


def test_sentence_key_is_one_to_one_with_article_and_sentence(landed):
    _, warehouse, _ = landed
    con = duckdb.connect(str(warehouse_at(warehouse).catalog_path), read_only=True)
    nulls, keys, sentences = con.execute("""
        SELECT count(*) FILTER (sentence_key IS NULL), count(DISTINCT sentence_key),
               count(DISTINCT (article_id, sentence_index)) FROM mentions""").fetchone()
    assert nulls == 0 and keys == sentences > 100
    pairs = con.execute("SELECT count(DISTINCT (sentence_key, article_id, sentence_index)) FROM mentions").fetchone()
    assert pairs == (sentences,)
    # The catalog keeps mentions in entity order, so a filter on a name skips row groups.
    names = [n for (n,) in con.execute("SELECT canonical_name FROM mentions ORDER BY rowid").fetchall()]
    assert names == sorted(names)


def test_make_run_queries_run_as_written(landed):
    """`make run` prints its results with `newsetl sql`: each of its queries must run on a
    landed warehouse (a renamed view column once made `make run` fail at its last step)."""
    import re

    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    queries = re.findall(r'newsetl sql --warehouse warehouse \\\n\s*"(.*?)"\n', target)
    assert len(queries) == 3
    _, warehouse, _ = landed
    for query in queries:
        out = _sql(warehouse, query)
        assert out.returncode == 0, (query, out.stderr)
        assert json.loads(out.stdout), f"no rows from:\n{query}"


def test_readme_quick_start_commands_run_as_written(landed, tmp_path):
    """The Quick start's query commands, typed as written where `make run` leaves the user:
    at the repository root, with .venv/ and warehouse/ (here: this test's virtualenv and a
    copy of the landed warehouse, which must work as it is)."""
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    [block] = [b for b in re.findall(r"```sh\n(.*?)```", section, flags=re.S) if "newsetl sql" in b]
    commands = [line for line in block.splitlines() if line.strip()]
    assert sum("newsetl sql" in c for c in commands) == 2 and sum("/duckdb " in c for c in commands) == 1
    _, warehouse, _ = landed
    shutil.copytree(warehouse, tmp_path / "warehouse")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    for command in commands:
        shell = "/duckdb " in command
        out = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             input="SELECT count(*) AS n FROM articles;\n" if shell else None)
        assert out.returncode == 0 and not out.stderr, (command, out.stderr)
        assert ("16" in out.stdout) if shell else out.stdout.strip(), (command, out.stdout)
