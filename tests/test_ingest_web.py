"""End to end from the web: the flow fetches a URL list from a real server on 127.0.0.1,
and a WARC of the sample pages lands the same articles as the pages loaded from disk."""

from __future__ import annotations

import gzip

import pytest
from deltalake import DeltaTable
from fetch_servers import Site, load_samples
from test_fetch import _write_warc

from conftest import SAMPLES


def _rows(warehouse, table: str) -> list[dict]:
    return DeltaTable(str(warehouse / table)).to_pyarrow_table().to_pylist()


@pytest.fixture
def local_fetching(monkeypatch):
    # The test server is on loopback, which the fetcher refuses by default.
    for key, value in {"FETCH_ALLOW_PRIVATE_HOSTS": "true", "FETCH_PER_HOST_DELAY": "0",
                       "FETCH_BACKOFF_BASE": "0.01", "FETCH_TIMEOUT_READ": "2", "FETCH_RETRIES": "1"}.items():
        monkeypatch.setenv(f"NEWSETL_{key}", value)


def test_url_list_is_fetched_stored_and_landed(tmp_path, prefect_server, local_fetching):
    from flows.ingest import ingest

    samples = dict(list(load_samples(SAMPLES / "html").items())[:4])
    with Site(samples=samples) as site:
        good = [site.url(f"/samples/{name}") for name in samples]
        urls = tmp_path / "urls.txt"
        urls.write_text("# today's pages\n" + "\n".join(good + [site.url("/missing"), "ftp://example.org/a"]) + "\n")
        raw, wh = tmp_path / "raw", tmp_path / "wh"
        row = ingest(raw_dir=str(raw), warehouse_dir=str(wh), urls_file=str(urls))
        again = ingest(raw_dir=str(raw), warehouse_dir=str(wh), urls_file=str(urls))

    assert row["urls_seen"] == 6 and row["urls_fetched"] == 4 and row["urls_failed"] == 2
    assert row["articles_new"] == 4 and row["inputs_seen"] == 4
    fetches = {r["url"]: r for r in _rows(wh, "fetches") if r["run_id"] == row["run_id"]}
    assert fetches[site.url("/missing")]["error_class"] == "http_4xx"
    assert fetches["ftp://example.org/a"]["error_class"] == "scheme_refused"
    stored = {r["raw_path"] for r in fetches.values() if r["outcome"] == "fetched"}
    assert {a["source_uri"] for a in _rows(wh, "articles")} == stored  # landed from the stored copies
    # The second day: nothing new on the server, nothing new in the warehouse.
    assert again["urls_unchanged"] == 4 and again["urls_fetched"] == 0
    assert again["articles_unchanged"] == 4 and again["articles_new"] == 0


def test_warc_lands_the_same_articles_as_the_pages_on_disk(tmp_path, prefect_server):
    from flows.ingest import ingest

    samples = load_samples(SAMPLES / "html")
    warc = tmp_path / "news.warc.gz"
    _write_warc(warc, {f"https://news.example.org/{name}": gzip.decompress(data) for name, data in samples.items()})
    from_warc = ingest(raw_dir=str(tmp_path / "raw-warc"), warehouse_dir=str(tmp_path / "wh-warc"), warcs=[str(warc)])
    from_disk = ingest(raw_dir=str(SAMPLES / "html"), warehouse_dir=str(tmp_path / "wh-disk"))

    assert from_warc["urls_fetched"] == len(samples) and from_warc["urls_failed"] == 2  # a 404 and a PNG
    warc_articles = {a["content_sha256"]: a for a in _rows(tmp_path / "wh-warc", "articles")}
    disk_articles = {a["content_sha256"]: a for a in _rows(tmp_path / "wh-disk", "articles")}
    assert len(disk_articles) == from_disk["articles"] == len(samples)
    assert set(warc_articles) == set(disk_articles)
    for sha, article in disk_articles.items():
        assert warc_articles[sha]["title"] == article["title"]
