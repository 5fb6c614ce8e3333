"""History you can see: the reports index (``reports/index.html``) built by real runs of the
flow on the seeds, rendered in headless Chromium, and hostile text that stays text."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from newsetl import report
from newsetl.cli import main
from newsetl.report import history
from support.warehouse import warehouse_at
from test_report import HOSTILE_PAGE

# A directory name is untrusted too: it is the source of the inputs read from it.
HOSTILE_DIR = "<img src=x onerror=alert(1)>"
# The failed run's error names its raw directory: markup for HTML and for the terminal.
RAW_NAME = "raw [/b] <b>"


@pytest.fixture(scope="module")
def runs(tmp_path_factory, samples_dir, prefect_server):
    """Three runs of the flow: the seeds; the seeds again with a hostile page, a file that
    cannot be read and an empty one; and a run whose raw directory is gone (failed)."""
    from flows.ingest import ingest

    mp = pytest.MonkeyPatch()
    mp.setenv("NEWSETL_ENRICH", "false")
    base = tmp_path_factory.mktemp("history")
    raw, root = base / RAW_NAME, base / "warehouse"
    shutil.copytree(samples_dir / "seeds", raw / "seeds")
    indexes, rows = [], []
    try:
        rows.append(ingest(raw_dir=str(raw), warehouse_dir=str(root)))
        indexes.append((root / report.REPORTS / report.INDEX).read_text(encoding="utf-8"))
        (raw / HOSTILE_DIR).mkdir()
        (raw / HOSTILE_DIR / "page.html").write_text(HOSTILE_PAGE, encoding="utf-8")
        (raw / HOSTILE_DIR / "scan.pdf").write_bytes(b"%PDF-1.4\n")
        (raw / HOSTILE_DIR / "empty.html").write_bytes(b"")
        rows.append(ingest(raw_dir=str(raw), warehouse_dir=str(root)))
        indexes.append((root / report.REPORTS / report.INDEX).read_text(encoding="utf-8"))
        shutil.rmtree(raw)
        with pytest.raises(FileNotFoundError):
            ingest(raw_dir=str(raw), warehouse_dir=str(root))
    finally:
        mp.undo()
    return root, rows, indexes


def _run_ids(root: Path) -> list[str]:
    """Run ids from the runs table, newest first."""
    table = warehouse_at(root).read_table("runs").to_pylist()
    return [r["run_id"] for r in sorted(table, key=lambda r: (r["started_at"], r["run_id"]), reverse=True)]


def test_each_run_rewrites_the_index_with_itself_in_it(runs):
    root, rows, indexes = runs
    ids = _run_ids(root)
    assert len(ids) == 3 and ids[1:] == [rows[1]["run_id"], rows[0]["run_id"]]
    assert rows[0]["run_id"] in indexes[0] and rows[1]["run_id"] not in indexes[0]
    assert rows[1]["run_id"] in indexes[1] and ids[0] not in indexes[1]
    final = (root / report.REPORTS / report.INDEX).read_text(encoding="utf-8")
    assert all(run_id in final for run_id in ids)  # the failed run's report wrote it too
    assert f'content="{report.CSP}"' in final and "<script" not in final
    assert not list((root / report.REPORTS).glob(".*.tmp"))


def test_history_counts_match_the_tables(runs):
    root, rows, _ = runs
    h = report.gather_history(warehouse_at(root), root / report.REPORTS)
    assert [r["run_id"] for r in h.runs] == _run_ids(root)
    assert [r["status"] for r in h.runs] == ["failed", "success", "success"]
    assert h.runs[0]["error_class"] == "FileNotFoundError" and all(r["report"] for r in h.runs)
    [day] = h.per_day  # the three runs ran today
    assert day["runs"] == 3 and day["inputs"] == rows[0]["inputs_seen"] + rows[1]["inputs_seen"]
    assert day["quarantined"] == rows[1]["quarantined"] == 2
    assert day["quarantined_share"] == pytest.approx(2 / day["inputs"])
    by_source = {s["source"]: s for s in h.per_source}
    # The seeds were read by the first run and skipped (unchanged) by the second.
    assert by_source["seeds"]["inputs"] == 5 and by_source["seeds"]["articles"] == 5
    assert by_source["seeds"]["quarantined"] == 0
    # The hostile page is an article of its canonical URL's host; the rest of its directory
    # is quarantined under the directory's name.
    assert by_source["hostile.example"]["articles"] == 1
    assert by_source[HOSTILE_DIR]["inputs"] == by_source[HOSTILE_DIR]["quarantined"] == 2
    assert by_source[HOSTILE_DIR]["quarantined_share"] == 1.0
    share = {c.check_name: c for c in h.checks}["quarantined_share"]
    assert [p["run_id"] for p in share.points] == [rows[0]["run_id"], rows[1]["run_id"]]  # oldest first
    assert share.points[1]["observed"] == pytest.approx(2 / rows[1]["inputs_seen"])
    assert share.limits == [("warn", 0.1), ("fail", 0.5)]


def test_limits_are_read_from_the_threshold_text():
    assert history.limits("warn>0.1 fail>0.5") == [("warn", 0.1), ("fail", 0.5)]
    assert history.limits("warn>72h") == [("warn", 72.0)]
    assert history.limits("warn>3d") == [("warn", 3.0)]
    assert history.limits("warn outside median/2..median*2") == []
    assert history.limits(None) == []


# --- on the terminal: newsetl runs, newsetl status -------------------------------------


def test_runs_shows_why_a_run_failed_whatever_the_text(runs, capsys):
    root, rows, _ = runs
    capsys.readouterr()
    assert main(["runs", "--warehouse", str(root)]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "FileNotFoundError" in line]
    assert len(lines) == 1 and "failed" in lines[0] and "[/b]" in out  # as written, not read as markup
    assert all(r["run_id"] in out for r in rows)


def test_status_shows_the_last_run_open_quarantine_and_sources(runs, capsys, tmp_path):
    root, rows, _ = runs
    capsys.readouterr()
    assert main(["status", "--warehouse", str(root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    failed = _run_ids(root)[0]
    assert lines[0].startswith(f"last run    {failed}  FAILED  started ") and lines[0].endswith(" s")
    assert lines[1].strip().startswith("inputs 0 ")
    assert lines[2].strip().startswith("failed: FileNotFoundError: ") and RAW_NAME in lines[2]
    assert "quarantine  2 open:" in lines
    assert {line.split()[1] for line in lines if line.startswith("  ") and "/" in line.split()[1]} == {
        "input/empty_file", "input/unsupported_type"}
    assert lines[-1] == "sources     no feeds or sitemaps followed"
    assert main(["status", "--warehouse", str(tmp_path / "nothing")]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_status_names_the_feeds_that_went_quiet(tmp_path, capsys):
    from support.feeds import FETCH, backdate_fetches as _backdate_fetches, land
    from support.fetch_servers import Site

    from newsetl.settings import Settings

    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    with Site() as quiet, Site() as busy:
        followed = (quiet.url("/news.xml"), busy.url("/news.xml"), quiet.url("/dead-links.xml"))
        assert land(raw, wh, Settings(enrich=False, **FETCH), followed)["status"] == "success"
    capsys.readouterr()
    assert main(["status", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "sources     every one of 3 feeds gave a new article in the last 3 days"

    _backdate_fetches(wh, days=5)
    assert main(["status", "--warehouse", str(wh)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("sources     3 of 3 feeds stale (no new article for 3 days):")
    # The stalest first: here all three were first and last fed at about the same time.
    assert sorted(lines[at + 1:]) == sorted([
        f"  {quiet.url('/dead-links.xml')}: none in the 5 days since first followed",
        f"  {busy.url('/news.xml')}: last new article 5 days ago",
        f"  {quiet.url('/news.xml')}: last new article 5 days ago",
    ])


def test_table_output_prints_data_as_written(runs, capsys):
    root, _, _ = runs
    capsys.readouterr()
    assert main(["sql", "--warehouse", str(root), "SELECT '[/x] [bold]b' || chr(27) || '[2J' AS t"]) == 0
    out = capsys.readouterr().out
    assert "[/x] [bold]b" in out and "\x1b" not in out


# --- in a real browser -----------------------------------------------------------------


def test_index_renders_in_chromium_and_links_every_report(runs, browser):
    root, rows, _ = runs
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    url = (root / report.REPORTS / report.INDEX).resolve().as_uri()
    page.goto(url, wait_until="load")
    assert problems == [] and requests == [url]

    ids = _run_ids(root)
    links = page.locator("#runs tbody tr td:first-child a")
    assert links.all_inner_texts() == ids  # newest first, each linked
    for i, run_id in enumerate(ids):
        target = page.evaluate("a => a.href", links.nth(i).element_handle())
        assert target == report.report_path(warehouse_at(root).local, run_id).resolve().as_uri()
    failed = page.locator("#runs tbody tr").first.locator("td").last.inner_text()
    assert failed.startswith("FileNotFoundError: ") and RAW_NAME in failed

    # One column per day in each trend; each check's chart has a column per run that
    # recorded it and its limits as lines, the fail line above the warn line.
    for chart_id in ("trend-inputs", "trend-articles", "trend-quarantined", "trend-fetch-failed"):
        assert page.locator(f"#{chart_id} svg .mark").count() == 1, chart_id
    captions = page.locator("#checks figcaption").all_inner_texts()
    share = page.locator("#checks figure").nth(
        next(i for i, c in enumerate(captions) if c.startswith("run.quarantined_share")))
    assert share.locator(".mark").count() == 2
    bars = [share.locator(".mark").nth(i).bounding_box() for i in range(2)]
    assert bars[1]["height"] > bars[0]["height"]  # 0% then 2 of 8 inputs
    warn, fail = (share.locator(".rule").nth(i).bounding_box() for i in range(2))
    assert fail["y"] < warn["y"] < bars[1]["y"] + bars[1]["height"]
    assert share.locator("line.rule title").all_text_contents() == ["warn > 0.10", "fail > 0.50"]

    # Hostile text stays text: the directory name and the page title are shown as written.
    assert page.evaluate("document.querySelectorAll('script, img, iframe, object, embed').length") == 0
    assert HOSTILE_DIR in page.locator("#sources td").all_inner_texts()

    links.nth(len(ids) - 1).click()  # the oldest run's report, through its link
    page.wait_for_load_state("load")
    assert ids[-1] in page.title() and problems == []
    page.close()


def test_hostile_text_in_every_field_of_the_index_stays_text():
    import lxml.html

    evil = "<script>x()</script><img src=x onerror=\"y()\"></td></tr><svg onload=z()> & 'q'"
    started = datetime(2026, 1, 2, 3, 4, 5)
    run = {"run_id": evil, "status": evil, "started_at": started, "duration_s": 1.5, "inputs_seen": 3,
           "articles": 2, "articles_new": 1, "quarantined": 1, "urls_seen": 0, "urls_failed": 0,
           "error_class": evil, "error_message": evil, "report": True}
    day = {"day": evil, "runs": 1, "inputs": 3, "articles": 2, "quarantined": 1, "quarantined_share": 0.5,
           "urls_failed": 0}
    source = {"day": evil, "source": evil, "inputs": 3, "articles": 2, "quarantined": 1, "quarantined_share": 0.25,
              "fetches_failed": 1}
    check = history.CheckSeries(evil, evil, evil, [{"run_id": evil, "started_at": started, "observed": 0.3,
                                                    "status": evil}], [("warn", 0.1), (evil, 0.5)])
    html = report.render_index(history.History([run], [day], [source], [check]), datetime(2026, 1, 1, tzinfo=UTC))

    page = lxml.html.document_fromstring(html)
    written = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "a", "span", "section", "div",
               "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "svg", "rect", "text", "line"}
    assert {el.tag for el in page.iter() if isinstance(el.tag, str)} <= written
    assert not [a for el in page.iter() if isinstance(el.tag, str) for a in el.attrib if a.lower().startswith("on")]
    assert page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content") == [report.CSP]
    # The one link the data makes stays a relative link to a file beside the index.
    [href] = [h for h in page.xpath("//a/@href") if h != "latest.html"]
    assert href == quote(evil, safe="") + ".html"
    assert page.xpath("//section[@id='runs']//a")[0].text_content() == evil
    assert len([t for t in page.xpath("//text()") if evil in t]) >= 6
