"""End to end from the web: the flow fetches a URL list from a real server on 127.0.0.1,
a WARC of the sample pages lands the same articles as the pages loaded from disk, and
one run with every kind of bad input lands the good pages and ends each bad one as a
fetches or quarantine row with its reason."""

from __future__ import annotations

import gzip
import os

import pytest
from deltalake import DeltaTable
from support.fetch_servers import RawServer, Site, load_samples
from support.malformed_corpus import CHINESE, remove_tree, write_deep
from support.warc import write_warc

from support.paths import SAMPLES


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
    write_warc(warc, {f"https://news.example.org/{name}": gzip.decompress(data) for name, data in samples.items()})
    from_warc = ingest(raw_dir=str(tmp_path / "raw-warc"), warehouse_dir=str(tmp_path / "wh-warc"), warcs=[str(warc)])
    from_disk = ingest(raw_dir=str(SAMPLES / "html"), warehouse_dir=str(tmp_path / "wh-disk"))

    assert from_warc["urls_fetched"] == len(samples) and from_warc["urls_failed"] == 2  # a 404 and a PNG
    warc_articles = {a["content_sha256"]: a for a in _rows(tmp_path / "wh-warc", "articles")}
    disk_articles = {a["content_sha256"]: a for a in _rows(tmp_path / "wh-disk", "articles")}
    assert len(disk_articles) == from_disk["articles"] == len(samples)
    assert set(warc_articles) == set(disk_articles)
    for sha, article in disk_articles.items():
        assert warc_articles[sha]["title"] == article["title"]


def test_one_bad_input_never_stops_a_run(tmp_path, prefect_server, local_fetching, monkeypatch):
    from flows.ingest import ingest

    monkeypatch.setenv("NEWSETL_FETCH_TIMEOUT_TOTAL", "1.5")
    samples = load_samples(SAMPLES / "html")
    names = list(samples)
    page = {name: gzip.decompress(data) for name, data in samples.items()}
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    # On disk: a Latin-1 file name (a page and a binary file), a page at the bottom of a
    # tree 1,000 deep (past PATH_MAX), a UTF-8 page whose <meta> says gb2312.
    raw.mkdir()
    (raw / os.fsdecode(b"caf\xe9-page.html")).write_bytes(page[names[0]])
    (raw / os.fsdecode(b"caf\xe9-junk.txt")).write_bytes(os.urandom(500) + b"\x00")
    dirs = [f"level-{i:04d}" for i in range(1000)]
    chinese = "".join(CHINESE for _ in range(10))
    write_deep(raw / "deep", dirs, {"bottom.html": page[names[1]], "junk.txt": b"\x00\x01" * 300})
    (raw / "gb2312.html").write_bytes(
        f'<html lang="zh"><head><meta charset="gb2312"><title>财政</title></head><body><article><p>{chinese}</p>'
        f"</article></body></html>".encode())
    # From the web: pages, a status 999, a page labelled gzip sent plain, a server that
    # trickles its headers; a WARC whose second record is labelled gzip over a plain body.
    warc = tmp_path / "cc.warc.gz"
    write_warc(warc, {f"https://news.example.org/{n}": page[n] for n in names[2:4]})
    try:
        with Site(samples=samples) as site, RawServer("trickle", interval=0.2) as trickle:
            urls = {
                "page": site.url(f"/samples/{names[4]}"),
                "labelled": site.url(f"/samples-labelled-gzip/{names[5]}"),
                "999": site.url("/status-999.html"),
                "trickle": trickle.url("/slow.html"),
            }
            (tmp_path / "urls.txt").write_text("\n".join(urls.values()) + "\n")
            row = ingest(raw_dir=str(raw), warehouse_dir=str(wh), urls_file=str(tmp_path / "urls.txt"),
                         warcs=[str(warc)])
        quarantine = {q["source_uri"]: q for q in _rows(wh, "quarantine")}
        again = ingest(raw_dir=str(raw), warehouse_dir=str(wh))  # the next day: nothing new
    finally:
        remove_tree(raw / "deep")

    assert row["status"] == "success"
    assert row["inputs_seen"] == row["articles"] + row["duplicates"] + row["quarantined"]
    fetches = {r["url"]: r for r in _rows(wh, "fetches")}
    assert (fetches[urls["999"]]["error_class"], fetches[urls["999"]]["status"]) == ("invalid_status", None)
    assert "999" in fetches[urls["999"]]["reason"]
    assert fetches[urls["trickle"]]["error_class"] == "timeout"
    assert fetches[urls["trickle"]]["elapsed_s"] < 6  # two tries of 1.5 s, not 20 s of headers
    stored = [r for r in fetches.values() if r["outcome"] == "fetched"]
    assert {r["url"] for r in stored} == {urls["page"], urls["labelled"]} | {
        f"https://news.example.org/{n}" for n in names[2:4]}  # the WARC's labelled record too
    articles = {a["source_uri"]: a for a in _rows(wh, "articles")}
    assert {r["raw_path"] for r in stored} <= set(articles)
    deep = "/".join(["deep", *dirs])
    assert {"caf%E9-page.html", f"{deep}/bottom.html", "gb2312.html"} <= set(articles)
    assert CHINESE[:9] in articles["gb2312.html"]["text"]  # no mojibake
    assert quarantine["caf%E9-junk.txt"]["check"] == "binary_content"
    assert quarantine[f"{deep}/junk.txt"]["check"] == "binary_content"
    # every input, escaped names and paths past PATH_MAX too, is recognised as unchanged
    assert again["status"] == "success"
    assert again["inputs_skipped_unchanged"] == again["inputs_seen"] == row["inputs_seen"]
