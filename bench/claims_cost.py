#!/usr/bin/env python3
"""What the attribution model costs inside the pipeline: the one-core flow with
``NEWSETL_CLAIMS_EXTRACTOR=model`` against ``=rules``, side by side on the two cores, then
with the cores swapped (the machine's two cores are not equally loaded).

    .venv/bin/python bench/claims_cost.py [PAGES]      (default 48)

Uses ``bench/throughput.py``'s corpus (copies of raw/samples), Prefect server and child
runs (times of the flow call; peak RSS of the child's process tree). Prints one line per
round and, last, ``model_vs_rules=<mean of the two rounds' pages/s ratios>``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import throughput as T  # noqa: E402


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 48
    work = Path(tempfile.mkdtemp(prefix="newsetl-claims-cost-"))
    server = None
    try:
        server, api = T.start_prefect_server(work / "prefect-home")
        env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_HOME": str(work / "prefect-home"),
               "PREFECT_LOGGING_LEVEL": "WARNING", "NEWSETL_ENRICH": "true", "NEWSETL_WORKERS": "1"}
        raw = work / "raw"
        raw.mkdir()
        T.build_corpus(raw, pages)
        ratios = []
        for rnd, (model_core, rules_core) in enumerate(((0, 1), (1, 0))):
            with ThreadPoolExecutor(2) as pool:
                model = pool.submit(T.child, ["run", str(raw), str(work / f"model-{rnd}")],
                                    {**env, "NEWSETL_CLAIMS_EXTRACTOR": "model"}, model_core)
                rules = pool.submit(T.child, ["run", str(raw), str(work / f"rules-{rnd}")],
                                    {**env, "NEWSETL_CLAIMS_EXTRACTOR": "rules"}, rules_core)
                (m, m_rss), (r, r_rss) = model.result(), rules.result()
            ratios.append(r["seconds"] / m["seconds"])
            print(f"round {rnd}: model {m['seconds']:.1f} s ({m['claims']} claims, peak {m_rss / 2**20:.0f} MiB) on core "
                  f"{model_core}, rules {r['seconds']:.1f} s ({r['claims']} claims, peak {r_rss / 2**20:.0f} MiB); "
                  f"model pages/s = x{ratios[-1]:.3f} of the rules'", flush=True)
        print(f"model_vs_rules={sum(ratios) / len(ratios):.3f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
