"""The warehouse on an object store: the pipeline against s3://bucket/wh on a local
S3-compatible server (moto), compared with the same run into a local directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from deltalake import DeltaTable

from newsetl.land import Warehouse, catalog, location as storage, warehouse
from newsetl.settings import Settings
from newsetl.quality.validate import validate_records
from schemas import TABLES
from test_landing import article
from support.pipeline import run_pipeline
from support.warehouse import query_catalog, warehouse_at

# The module's fixture lands the samples twice, on a moto S3 server and on disk.
pytestmark = pytest.mark.slow

BUCKET = "bucket"
URI = f"s3://{BUCKET}/wh"
SECRET = "s3cr3t-of-the-test"  # moto takes any key; this one is easy to look for
COLUMNS = ["article_id", "source_uri", "title", "published_at", "word_count", "content_sha256", "extractor"]


# Serves until its standard input closes (when the test ends, or dies).
SERVER = """
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@pytest.fixture(scope="module")
def s3():
    """A moto S3 server on a free port, in its own process: deltalake holds the GIL during
    some requests, which would starve a server thread of this process."""
    proc = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        options = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "test",
                   "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}
        client = boto3.client("s3", endpoint_url=options["AWS_ENDPOINT_URL"], aws_access_key_id="test",
                              aws_secret_access_key=SECRET, region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.create_bucket(Bucket="other")
        client.put_object(Bucket="other", Key="secret.txt", Body=b"not yours")
        yield client, options
    finally:
        proc.stdin.close()
        proc.wait(30)


def _articles(where) -> list[dict]:
    return sorted(warehouse_at(where).read_table("articles", COLUMNS).to_pylist(), key=lambda r: r["article_id"])


def _keys(client, prefix: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


@pytest.fixture(scope="module")
def landed(s3, tmp_path_factory, samples_dir):
    """The samples landed twice, into a local directory and into s3://bucket/wh."""
    client, options = s3
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(samples_dir, raw / "samples")
    (raw / "bad.html").write_bytes(b"")  # one quarantine row
    local_dir = tmp_path_factory.mktemp("local")
    remote = storage.locate(URI, Settings(storage_options=options, local_dir=local_dir))
    settings = Settings(raw_dir=raw, enrich=False)
    on_disk = tmp_path_factory.mktemp("wh")
    return {"raw": raw, "remote": remote, "local": on_disk, "settings": settings, "client": client,
            "remote_row": run_pipeline(raw, Warehouse(remote), settings, lock=True),
            "local_row": run_pipeline(raw, warehouse_at(on_disk), settings, lock=True)}


def test_a_run_on_s3_lands_what_a_local_run_lands(landed):
    remote, client = landed["remote"], landed["client"]
    assert landed["remote_row"]["status"] == landed["local_row"]["status"] == "success"
    counts = ("inputs_seen", "articles_new", "duplicates", "quarantined")
    assert {k: landed["remote_row"][k] for k in counts} == {k: landed["local_row"][k] for k in counts}
    assert landed["remote_row"]["articles_new"] == 16 and landed["remote_row"]["quarantined"] == 1
    assert _articles(remote) == _articles(landed["local"])
    for table in ("quarantine", "runs"):
        assert warehouse_at(remote).read_table(table).num_rows == warehouse_at(landed["local"]).read_table(table).num_rows
    # The tables are in the bucket; this machine keeps only the lock, catalog and reports.
    assert f"wh/articles/_delta_log/{0:020d}.json" in _keys(client, "wh/articles/_delta_log/")
    assert all(f.startswith(f"{URI}/articles/") for f in warehouse_at(remote).live_files("articles"))
    assert not (remote.local / "articles").exists() and not any((remote.local / warehouse.STAGING).iterdir())
    assert warehouse_at(remote).catalog_path.is_file()
    assert not _keys(client, "wh/_commit.json")  # committed: no journal left


def test_the_catalog_reads_the_bucket_and_nothing_else(landed):
    remote, local = landed["remote"], landed["local"]
    sql = "SELECT count(*), sum(word_count), count(DISTINCT content_sha256) FROM articles"
    assert query_catalog(remote, sql) == query_catalog(local, sql)
    # The catalog holds the rows: it names no file of the bucket, and no credential is
    # written, nor shown in a repr.
    assert f"{URI}/articles/".encode() not in warehouse_at(remote).catalog_path.read_bytes()
    written = [p for p in remote.local.rglob("*") if p.is_file()]
    assert written and not [p for p in written if SECRET.encode() in p.read_bytes()]
    assert SECRET not in repr(remote) and SECRET not in repr(Settings(storage_options={"K": SECRET}))
    outside = (f"SELECT * FROM read_text('{Path(__file__).resolve()}')",
               "SELECT * FROM read_text('s3://other/secret.txt')",
               f"SELECT * FROM glob('s3://{BUCKET}/*')")
    for query in outside:
        with pytest.raises(catalog.ReadOnlyViolation):
            query_catalog(remote, query)
    # Past the check, the connection has no filesystem for the bucket and opens no file.
    con = catalog.connect_read_only(warehouse_at(remote).catalog_path, Settings().sql_memory_limit)
    for query in outside:
        with pytest.raises(Exception, match="Permission Error"):
            con.execute(query)
    con.close()


def test_newsetl_sql_takes_the_uri_and_settings_from_the_environment(landed, s3):
    _, options = s3
    env = {**os.environ, "NEWSETL_STORAGE_OPTIONS": json.dumps(options),
           "NEWSETL_LOCAL_DIR": str(landed["remote"].local)}
    out = subprocess.run(
        [sys.executable, "-m", "newsetl.cli", "sql", "--warehouse", URI, "--format", "json",
         "SELECT count(*) AS n FROM articles"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"n": 16}]


def test_a_rerun_on_s3_changes_nothing(landed):
    remote = landed["remote"]
    before = {t: warehouse_at(remote).table_version(t) for t in ("articles", "quarantine", "mentions", "claims")}
    rows = _articles(remote)
    wh = Warehouse(remote)
    row = run_pipeline(landed["raw"], wh, landed["settings"], lock=True)
    assert row["status"] == "success" and row["articles_new"] == 0 and row["articles_unchanged"] == 16
    # Each table was opened once for the whole run, its handle reused (D29: an open is
    # several requests to the store).
    assert wh.opens == len(TABLES)
    assert {t: warehouse_at(remote).table_version(t) for t in before} == before
    assert _articles(remote) == rows
    assert query_catalog(remote, "SELECT count(*) FROM runs")[1] == [(2,)]


def test_roll_back_on_s3_restores_the_recorded_versions(landed):
    remote, client = landed["remote"], landed["client"]
    dying = Warehouse(remote)
    version, rows = dying.table_version("articles"), _articles(remote)
    dying.begin_commit("r-dies")
    assert _keys(client, "wh/_commit.json") == ["wh/_commit.json"]  # the journal is with the tables
    valid = validate_records("articles", [article("late.txt", run_id="r-dies")], "r-dies").valid
    dying.stage("r-dies", "articles", valid, 0)
    dying.merge("articles", dying.staged("r-dies", "articles"), "r-dies",
                update_if="t.content_sha256 != s.content_sha256")
    assert dying.table_version("articles") == version + 1
    # The run dies here; the next one (any machine) finds the journal and undoes the merge.
    following = Warehouse(remote)
    assert following.roll_back() == "r-dies"
    assert following.table_version("articles") == version + 2  # a restore is a new version
    assert _articles(remote) == rows
    assert not _keys(client, "wh/_commit.json")
    assert following.roll_back() is None
    dying.drop_staging("r-dies")


def test_delta_commits_on_s3_refuse_a_stale_writer(landed):
    """Delta's conditional-put commit protocol protects each table even when the local lock
    cannot (two machines): a writer that lost the race fails instead of overwriting."""
    remote = landed["remote"]
    options = storage.delta_options(remote)
    first, second = (DeltaTable(remote.at("articles"), storage_options=options) for _ in range(2))
    victim = _articles(remote)[0]["article_id"]
    first.delete(f"article_id = '{victim}'")
    with pytest.raises(Exception, match="(?i)conflict|concurrent|commit"):
        second.delete(f"article_id = '{victim}'")
    first.restore(first.version() - 1)


def test_a_location_is_a_directory_or_an_s3_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSETL_STORAGE_OPTIONS", json.dumps({"aws_region": "eu-west-1"}))
    monkeypatch.delenv("NEWSETL_LOCAL_DIR", raising=False)
    local = storage.locate("wh", Settings())
    assert not local.remote and local.uri == str(tmp_path / "wh") and local.local == tmp_path / "wh"
    remote = storage.locate("s3://news-bucket/prod/wh/", Settings())
    assert remote.remote and remote.uri == "s3://news-bucket/prod/wh"
    assert remote.local == tmp_path / ".newsetl" / "s3" / "news-bucket" / "prod" / "wh"
    assert remote.options == {"AWS_REGION": "eu-west-1"}
    assert warehouse_at(remote).table_path("runs") == "s3://news-bucket/prod/wh/runs"
    assert warehouse_at(local).table_path("runs") == tmp_path / "wh" / "runs"
    for bad in ("gs://bucket/wh", "s3:///wh", Path("s3://bucket/wh")):  # a Path loses a slash
        with pytest.raises(ValueError):
            storage.locate(bad, Settings())
