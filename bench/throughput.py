"""Throughput, re-run cost and memory of ``newsetl run``, against a bare loop on the same pages.

    .venv/bin/python bench/throughput.py [PAGES]        (default 500; or BENCH_PAGES)

Builds a corpus of PAGES pages from raw/samples (copies of the 16 samples, each with its
edition number written into its first body paragraph, so dedup keeps every one), starts one Prefect server for every run (its start-up
is not timed), then runs each measurement in a fresh process:

  bare       trafilatura.extract on each HTML page (a text dump as read), then one
             nlp.pipe over the texts with the components the pipeline loads, in one plain
             loop, pinned to one core
  1 core     the ingest flow with NEWSETL_WORKERS=1 (everything in the flow's process),
             pinned to the other core, into a fresh warehouse, at the same time as the
             bare loop: both one-core figures see the same machine, and the benchmark
             fits in its time budget
  2 cores    the flow as it runs by default (one worker process per core), fresh warehouse
  re-run     the same flow again on the same pages and warehouse (nothing changed)
  2x, 4x     the default flow on 2 and 4 times the pages, fresh warehouses

Times are of the flow call inside the child process (imports and the Prefect server's
start-up excluded; the flow's own start, model loading and the commit included). Peak
memory is the largest sum of RSS over the child's process tree (flow process plus its
workers), sampled every 0.2 s. The last line is machine-readable:

  ratio_vs_bare=<1-core pages/s / bare pages/s> speedup_2cores=<2-core / 1-core>
  rerun_share=<re-run time / first run time> rss_growth=<peak RSS at 4x / at 1x>
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# The cores the bare loop and the one-core run are pinned to (they run side by side).
BARE_CORE, ONE_CORE = 1, 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_prefect_server(home: Path) -> tuple[subprocess.Popen, str]:
    """One Prefect API server for every child: each would otherwise start its own."""
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host",
                               "127.0.0.1", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("the Prefect server did not start within 180 s")


@contextmanager
def bench_setup(prefix: str) -> Iterator[tuple[Path, dict[str, str], str]]:
    """A scratch directory, one Prefect server for every child (not timed) and the
    children's environment (that server, enrichment on); all removed at the end."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    server = None
    try:
        server, api_url = start_prefect_server(work / "prefect-home")
        env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_HOME": str(work / "prefect-home"),
               "PREFECT_LOGGING_LEVEL": "WARNING", "NEWSETL_ENRICH": "true"}
        yield work, env, api_url
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def build_corpus(dest: Path, pages: int) -> None:
    """``pages`` copies of the samples; copy i carries "(edition i)" inside the first
    sentence of its body, where every extractor keeps it, and a canonical URL of its own
    (articles are identified by it)."""
    from dataclasses import replace

    from newsetl.extract import extract_one
    from newsetl.sources.disk import discover, read_page
    from newsetl.settings import Settings

    settings = Settings()
    sources = []
    probe = dest / ".probe"
    for inp in discover(REPO / "raw" / "samples", settings.ignore_globs):
        page = read_page(inp, settings.max_file_bytes, settings.max_decompressed_bytes)
        doc = extract_one(inp, settings)
        # A piece of body text that is in the page as written (not split by markup), and
        # where an inserted word survives extraction.
        for anchor in (line[start:start + 30] for line in doc.text.splitlines() if len(line) >= 60
                       for start in (0, 30)):
            if anchor not in page:
                continue
            probe.write_text(page.replace(anchor, f"{anchor} (edition 0)"), encoding="utf-8")
            if "(edition 0)" in extract_one(replace(inp, path=probe, compressed=False), settings).text:
                break
        else:
            raise RuntimeError(f"no anchor for {inp.source_uri}")
        sources.append((inp.kind, page, anchor, doc.url))
    probe.unlink()
    for i in range(pages):
        kind, page, anchor, url = sources[i % len(sources)]
        page = page.replace(anchor, f"{anchor} (edition {i})")
        if url:
            page = page.replace(url, f"{url.rstrip('/')}/edition-{i}")
        (dest / f"{i:05d}{'.html' if kind == 'html' else '.txt'}").write_text(page, encoding="utf-8")


def child(args: list[str], env: dict[str, str], core: int | None = None,
          script: Path = Path(__file__)) -> tuple[dict, float]:
    """Run ``script --child ...`` (this file by default) in a fresh process (pinned to
    ``core`` if given); its JSON result and the peak RSS (bytes) of its process tree."""
    proc = psutil.Popen([sys.executable, str(script), "--child", *args], env=env, stdout=subprocess.PIPE,
                        preexec_fn=(lambda: os.sched_setaffinity(0, {core})) if core is not None else None)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass  # a worker ended between listing and reading
        time.sleep(0.2)
    out = proc.stdout.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed ({proc.returncode}): {out[-2000:]}")
    return json.loads(out.strip().splitlines()[-1]), peak


# --- the children -----------------------------------------------------------------------


def bare(raw: Path) -> dict:
    import trafilatura

    from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp

    nlp = load_nlp(CLAIM_COMPONENTS)
    pages = sorted(raw.iterdir())
    started = time.perf_counter()

    def texts():
        for page in pages:
            data = page.read_text(encoding="utf-8", errors="replace")
            yield (trafilatura.extract(data) or "") if page.suffix == ".html" else data

    words = 0
    for doc in nlp.pipe(texts(), batch_size=32):
        words += len(doc)
    return {"seconds": time.perf_counter() - started, "pages": len(pages), "tokens": words}


def run(raw: Path, warehouse: Path) -> dict:
    from flows.ingest import ingest

    started = time.perf_counter()
    row = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    seconds = time.perf_counter() - started
    keys = ("inputs_seen", "articles_new", "articles_unchanged", "duplicates", "quarantined",
            "inputs_skipped_unchanged", "articles_enriched", "mentions", "claims")
    return {"seconds": seconds, "pages": row["inputs_seen"], **{k: row[k] for k in keys}}


# --- the parent -------------------------------------------------------------------------


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_PAGES", "500"))
    with bench_setup("newsetl-throughput-") as (work, env, api_url):
        raws = {}
        for factor in (1, 2, 4):
            raws[factor] = work / f"raw-{factor}x"
            raws[factor].mkdir()
            build_corpus(raws[factor], pages * factor)

        results: dict[str, dict] = {}
        peaks: dict[str, float] = {}

        def measure(name: str, args: list[str], extra_env: dict[str, str] | None = None,
                    core: int | None = None) -> None:
            results[name], peaks[name] = child(args, {**env, **(extra_env or {})}, core)

        def show(name: str) -> None:
            r = results[name]
            print(f"{name:8s} {r['seconds']:8.1f} s  {r['pages'] / r['seconds']:7.2f} pages/s  "
                  f"peak RSS {peaks[name] / 2**20:7.0f} MiB  {json.dumps({k: v for k, v in r.items() if k not in ('seconds', 'pages')})}",
                  flush=True)

        print(f"{pages} pages; {os.cpu_count()} cores; Prefect server at {api_url} (start-up not timed)", flush=True)
        with ThreadPoolExecutor(2) as side_by_side:
            one_core = side_by_side.submit(measure, "1 core", ["run", str(raws[1]), str(work / "wh-1core")],
                                           {"NEWSETL_WORKERS": "1"}, ONE_CORE)
            side_by_side.submit(measure, "bare", ["bare", str(raws[1])], None, BARE_CORE).result()
            one_core.result()
        show("bare")
        show("1 core")
        for name, args in (("2 cores", ["run", str(raws[1]), str(work / "wh-1x")]),
                           ("re-run", ["run", str(raws[1]), str(work / "wh-1x")]),
                           ("2x", ["run", str(raws[2]), str(work / "wh-2x")]),
                           ("4x", ["run", str(raws[4]), str(work / "wh-4x")])):
            measure(name, args)
            show(name)

        rate = {name: r["pages"] / r["seconds"] for name, r in results.items()}
        ratio = rate["1 core"] / rate["bare"]
        speedup = rate["2 cores"] / rate["1 core"]
        rerun = results["re-run"]["seconds"] / results["2 cores"]["seconds"]
        growth = peaks["4x"] / peaks["2 cores"]
        print(f"peak RSS at 1x / 2x / 4x: {peaks['2 cores'] / 2**20:.0f} / {peaks['2x'] / 2**20:.0f} / "
              f"{peaks['4x'] / 2**20:.0f} MiB")
        print(f"ratio_vs_bare={ratio:.2f} speedup_2cores={speedup:.2f} rerun_share={rerun:.3f} rss_growth={growth:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        mode, *rest = sys.argv[2:]
        result = bare(Path(rest[0])) if mode == "bare" else run(Path(rest[0]), Path(rest[1]))
        print(json.dumps(result))
    else:
        main()
