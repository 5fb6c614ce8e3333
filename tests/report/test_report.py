"""The run report: a real run on the samples (plus hostile and bad inputs) writes it; a
real headless Chromium renders it; the Prefect summary and ``newsetl report`` read it."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable

from newsetl import enrich as analysis, report, run as pipeline
from newsetl.cli import main
from newsetl.extract import extract_batch
from newsetl.settings import Settings
from support.warehouse import warehouse_at

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.body.dataset.pwned=1\">"
HOSTILE_PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(HOSTILE)}</title>
<link rel="canonical" href="https://hostile.example/news/1"></head><body><article>
<p>The city council met on Tuesday evening to discuss the new budget for the coming year, and members
debated the plan for several hours before a vote was taken.</p>
<p>Officials said the budget would fund road repairs, new buses and a library renovation, while critics
warned that the spending could raise local taxes for many families.</p>
<p>The mayor said the plan was balanced and promised that residents would see better services within
months, according to a statement released after the meeting ended.</p></article></body></html>"""
# A file name is untrusted too: it is shown as the example of its quarantine reason.
HOSTILE_FILE = "<img src=x onerror=alert(1)>.pdf"


def _land(raw: Path, root: Path, models: analysis.Models | None) -> dict:
    """One run through the pipeline's own functions, as the flow calls them."""
    settings = Settings(raw_dir=raw, warehouse_dir=root)
    with warehouse_at(root).exclusive():
        run = pipeline.start_run(raw, warehouse_at(root))
        for part, batch in enumerate(pipeline.plan_batches(raw, settings)):
            staged = pipeline.stage_batch(run, part, batch, extract_batch(batch, settings, run.run_id))
            run.fold_batch(staged)
            if models is not None:
                run.fold_analysis(pipeline.enrich_batch(run, staged, models, settings))
        return pipeline.commit_run(run, settings)


@pytest.fixture(scope="module")
def sample(tmp_path_factory, samples_dir):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(samples_dir, raw / "samples")
    (raw / "hostile").mkdir()
    (raw / "hostile" / "page.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (raw / "hostile" / HOSTILE_FILE).write_bytes(b"%PDF-1.4\n")
    (raw / "hostile" / "empty.html").write_bytes(b"")
    root = tmp_path_factory.mktemp("warehouse")
    row = _land(raw, root, analysis.load_models(Settings()))
    return root, row


def _table(root: Path, name: str):
    return DeltaTable(str(root / name)).to_pyarrow_table()


@pytest.mark.slow
def test_each_run_writes_its_report_and_latest(sample):
    root, row = sample
    own, latest = report.report_path(warehouse_at(root).local, row["run_id"]), report.report_path(warehouse_at(root).local)
    assert own.is_file() and latest.is_file()
    html = own.read_text(encoding="utf-8")
    assert latest.read_text(encoding="utf-8") == html
    assert f'content="{report.CSP}"' in html
    # Nothing to fetch, no script at all.
    assert "href=" not in html
    assert "src=" not in html.replace("src=x", "") and "<script" not in html
    assert "&lt;script&gt;document.title=" in html and "&lt;img src=x onerror=" in html
    assert not list((root / report.REPORTS).glob(".*.tmp"))


@pytest.mark.slow
def test_report_shows_every_check_of_the_run(sample):
    root, row = sample
    data = report.gather(warehouse_at(root), row["run_id"])
    dq = _table(root, "dq_results").filter(pc.field("run_id") == row["run_id"]).to_pylist()
    assert data.checks is not None and len(data.checks) == len(dq)
    assert [c["status"] for c in data.checks] == sorted((c["status"] for c in data.checks),
                                                       key=["fail", "warn", "pass"].index)
    html = report.report_path(warehouse_at(root).local, row["run_id"]).read_text(encoding="utf-8")
    checks_html = html[html.index('<section id="checks">'):html.index('<section id="quarantine">')]
    assert checks_html.count("<tr>") == len(dq) + 1  # and the header
    for check in dq:
        assert f"<td>{check['check_name']}</td>" in checks_html


@pytest.mark.slow
def test_summary_markdown_and_checks_table(sample):
    root, row = sample
    data = report.gather(warehouse_at(root), row["run_id"])
    path = report.report_path(warehouse_at(root).local, row["run_id"])
    md = report.summary_markdown(data, path)
    assert md.startswith(f"# Ingest run {row['run_id']}: success\n")
    assert f"Report: `{path}`" in md
    assert f"- **inputs_seen**: {row['inputs_seen']}" in md and f"- **quarantined**: {row['quarantined']}" in md
    table = report.checks_table(data)
    assert len(table) == len(data.checks) and {"status", "table", "check", "message"} <= set(table[0])
    for check in table:
        assert f"**{check['status'].upper()}**" in md
    assert "input/empty\\_file" in md and "input/unsupported\\_type" in md
    # A hostile file name cannot open a link, an image or raw HTML in Prefect's renderer.
    assert re.search(r"(?<!\\)[<>\[\]]", md) is None and "\\<img src=x onerror=alert\\(1\\)\\>" in md

    made_up = report.ReportData(
        run_id="r1", run=None,
        checks=[{"table": "run", "check_name": "quarantined_share", "status": "fail", "failure_count": 9,
                 "rows_checked": 10, "observed": 0.9, "threshold": "warn>0.1 fail>0.5",
                 "message": "90% quarantined [see](javascript:x) ![i](http://x/)"}],
    )
    md = report.summary_markdown(made_up)
    assert "# Ingest run r1: not recorded" in md and "Nothing quarantined." in md
    assert "- **FAIL** run.quarantined\\_share: 90% quarantined \\[see\\]\\(javascript:x\\) \\!\\[i\\]\\(http:" in md
    assert report.checks_table(made_up)[0]["failures"] == 9


@pytest.mark.slow
def test_without_a_dq_results_table_the_report_says_no_checks(sample, tmp_path):
    root, row = sample
    copy = tmp_path / "warehouse"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(report.REPORTS))
    # The views read the copy's own files (Delta logs hold relative paths).
    shutil.rmtree(copy / "dq_results")
    path = report.write_report(warehouse_at(copy), row["run_id"])
    html = path.read_text(encoding="utf-8")
    assert "<p>No checks recorded.</p>" in html
    assert "No checks recorded." in report.summary_markdown(report.gather(warehouse_at(copy), row["run_id"]))
    assert f"<b>{row['inputs_seen']}</b>inputs seen" in html


def test_a_failed_run_gets_a_report(tmp_path):
    raw, root = tmp_path / "raw", tmp_path / "warehouse"
    raw.mkdir()
    with warehouse_at(root).exclusive():
        run = pipeline.start_run(raw, warehouse_at(root))
        pipeline.fail_run(run)
    html = report.report_path(warehouse_at(root).local).read_text(encoding="utf-8")
    assert report.report_path(warehouse_at(root).local, run.run_id).read_text(encoding="utf-8") == html
    assert '<span class="status failed">failed</span>' in html and "Nothing quarantined." in html


def test_a_report_error_does_not_fail_the_run(tmp_path, caplog):
    raw, root = tmp_path / "raw", tmp_path / "warehouse"
    raw.mkdir()
    root.mkdir()
    (root / report.REPORTS).write_text("a file where the reports directory should be")
    with caplog.at_level(logging.ERROR, logger="newsetl.run.commit"):
        row = _land(raw, root, models=None)
    assert row["status"] == "success"
    assert _table(root, "runs").to_pylist()[0]["status"] == "success"
    assert any("writing the report failed" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.slow
def test_newsetl_report_prints_the_path(sample, tmp_path, capsys):
    root, row = sample
    assert main(["report", "--warehouse", str(root)]) == 0
    assert capsys.readouterr().out.strip() == str(report.report_path(warehouse_at(root).local))
    assert main(["report", "--warehouse", str(root), "--run", row["run_id"]]) == 0
    assert capsys.readouterr().out.strip() == str(report.report_path(warehouse_at(root).local, row["run_id"]))
    assert main(["report", "--warehouse", str(root), "--run", "20000101T000000Z-000000"]) == 2
    assert "no report for run 20000101T000000Z-000000" in capsys.readouterr().err
    assert main(["report", "--warehouse", str(tmp_path)]) == 2
    assert "no report for any run" in capsys.readouterr().err


def _artifacts(flow_run_id) -> dict[str, object]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {a.key: a.data for a in found}


def test_the_flow_publishes_its_summary_even_when_the_run_fails(prefect_server, samples_dir, tmp_path, monkeypatch):
    from flows.ingest import ingest

    monkeypatch.setenv("NEWSETL_ENRICH", "false")
    raw, root = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(samples_dir / "seeds", raw)
    (raw / "empty.txt").write_bytes(b"")
    state = ingest(raw_dir=str(raw), warehouse_dir=str(root), return_state=True)
    row = state.result()
    published = _artifacts(state.state_details.flow_run_id)
    assert json.loads(published["ingest-counts"])[0]["inputs_seen"] == row["inputs_seen"] == 6
    checks = json.loads(published["ingest-checks"])
    assert len(checks) == len(report.gather(warehouse_at(root), row["run_id"]).checks)
    summary = published["ingest-summary"]
    assert summary == report.summary_markdown(report.gather(warehouse_at(root), row["run_id"]),
                                              report.report_path(warehouse_at(root).local, row["run_id"]))
    assert "input/empty\\_file" in summary

    # A run that fails (here: its raw directory is gone) is recorded, reported and published,
    # and the flow still fails with the run's own error.
    shutil.rmtree(raw)
    state = ingest(raw_dir=str(raw), warehouse_dir=str(root), return_state=True)
    assert state.is_failed()
    with pytest.raises(FileNotFoundError):
        state.result()
    failed = [r for r in _table(root, "runs").to_pylist() if r["status"] == "failed"]
    assert len(failed) == 1
    assert report.report_path(warehouse_at(root).local, failed[0]["run_id"]).is_file()
    assert _artifacts(state.state_details.flow_run_id)["ingest-summary"].startswith(
        f"# Ingest run {failed[0]['run_id']}: failed")


# --- in a real browser -----------------------------------------------------------------


def _expected_marks(root: Path) -> dict[str, int]:
    """What each chart should draw, counted from the tables themselves."""
    articles = _table(root, "articles").to_pylist()
    claims = _table(root, "claims").to_pylist()
    # Speech claims of resolved speakers only, as the chart says.
    speakers = {c["speaker_name"] for c in claims if c["cue_class"] == "speech"} - {None}
    return {
        "chart-sources": min(report.TOP, len({a["domain"] for a in articles})),
        "chart-days": min(report.DAYS, len({a["published_at"].date() for a in articles if a["published_at"]})),
        "chart-entities": min(report.TOP, _table(root, "entities").num_rows),
        "chart-speakers": min(report.TOP, len(speakers)),
        "chart-kinds": len({c["kind"] for c in claims}),
    }


@pytest.mark.slow
def test_report_renders_in_chromium(sample, browser):
    from PIL import Image, ImageStat

    root, row = sample
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    url = report.report_path(warehouse_at(root).local, row["run_id"]).resolve().as_uri()
    page.goto(url, wait_until="load")

    assert problems == []
    assert requests == [url]  # self-contained: nothing else was asked for
    assert row["run_id"] in page.title() and "pwned" not in page.title()

    expected = _expected_marks(root)
    assert all(expected.values()), expected  # every chart has something to draw
    for chart_id, n in expected.items():
        marks = page.locator(f"#{chart_id} svg .mark")
        assert marks.count() == n, chart_id
        boxes = [marks.nth(i).bounding_box() for i in range(n)]
        assert all(b and b["width"] > 0 and b["height"] > 0 for b in boxes), chart_id
    # Bars follow their values: the sources chart is sorted, so its bars shrink down the chart.
    widths = [b["width"] for b in (page.locator("#chart-sources .mark").nth(i).bounding_box()
                                   for i in range(expected["chart-sources"]))]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]

    # Hostile text stays text: no element was created from it, and it reads as written.
    assert page.evaluate("document.querySelectorAll('script, img, iframe, object, embed').length") == 0
    assert page.evaluate("document.body.dataset.pwned") is None
    titles = page.locator("#articles td").all_inner_texts()
    assert HOSTILE in titles
    assert f"hostile/{HOSTILE_FILE}" in page.locator("#quarantine td").all_inner_texts()

    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    assert shot.height > 900  # the full page, not one blank viewport
    colours = shot.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50
    assert max(ImageStat.Stat(shot.convert("L")).stddev) > 20
    # The bar colour is on the screen, so the charts were painted.
    assert any(c == (0x3B, 0x6E, 0xA8) for _, c in colours)
    page.close()


@pytest.mark.slow
def test_the_same_data_renders_the_same_page(sample):
    root, row = sample
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert report.render(report.gather(warehouse_at(root), row["run_id"]), at) == report.render(report.gather(warehouse_at(root), row["run_id"]), at)


def test_hostile_text_in_every_field_stays_text():
    """Every value the page prints comes from the warehouse, so each one gets a hostile
    string: the page must hold exactly the elements the template writes (D55)."""
    import lxml.html

    evil = "<script>x()</script><img src=x onerror=\"y()\"></td></tr><svg onload=z()> & 'q'"
    run = {k: 3 for k in report.data.COUNTS} | {
        "run_id": evil, "status": "failed\" onmouseover=\"x()", "source": evil, "newsetl_version": evil,
        "started_at": datetime(2026, 1, 2, 3, 4, 5), "finished_at": datetime(2026, 1, 2, 3, 5, 6),
        "error_class": evil, "error_message": evil}
    check = {"table": evil, "check_name": evil, "status": evil, "failure_count": evil, "rows_checked": 1.5,
             "observed": evil, "threshold": evil, "message": evil}
    problem = {"table": evil, "check": evil, "rows": evil, "new_in_run": 1, "example": evil, "reason": evil}
    article = {"title": evil, "domain": evil, "source_uri": evil, "published": evil, "word_count": evil}
    pairs = [(evil, 3.0), (evil + "2", 1.0)]
    data = report.ReportData(evil, run, [check], [problem], [article], pairs, pairs, 1, pairs, pairs, pairs)
    html = report.render(data, datetime(2026, 1, 1, tzinfo=UTC))

    page = lxml.html.document_fromstring(html)
    written = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b", "span", "section", "div",
               "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "svg", "rect", "text", "line"}
    assert {el.tag for el in page.iter() if isinstance(el.tag, str)} <= written
    assert not [a for el in page.iter() if isinstance(el.tag, str) for a in el.attrib if a.lower().startswith("on")]
    assert page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content") == [report.CSP]
    assert evil in page.xpath("string(//title)")
    assert page.xpath("//section[@id='articles']//td")[0].text_content() == evil
    assert len([t for t in page.xpath("//text()") if evil in t]) >= 20  # each field, as text
