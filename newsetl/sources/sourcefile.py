"""The files that name a run's web sources: URL lists and the sources file.

* ``read_url_list``: one URL per line, ``#`` starts a comment line.
* ``load_sources``: ``raw/sources.yaml`` (feeds, sitemaps, url_lists, warcs).

Plain file reading with no heavy import, so that ``newsetl run`` can check these files
before it starts Prefect (``newsetl.sources.fetch.sources`` re-exports both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml


def read_url_list(path: Path | str) -> list[str]:
    """URLs of a list file, in order, without blanks, comments and repeats."""
    urls: list[str] = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if " #" in line:  # trailing comment
            line = line.split(" #", 1)[0].strip()
        if line and line not in urls:
            urls.append(line)
    return urls


@dataclass
class Sources:
    urls: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)  # RSS/Atom feeds and sitemaps alike
    warcs: list[Path] = field(default_factory=list)


def _entries(value: object) -> list[str]:
    out: list[str] = []
    for item in value or []:  # type: ignore[union-attr]
        if isinstance(item, str):
            out.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("url") or item.get("path"), str):
            out.append(str(item.get("url") or item.get("path")).strip())
    return [x for x in out if x]


def load_sources(path: Path | str) -> Sources:
    """Read a sources file. Relative ``url_lists`` and ``warcs`` paths are relative to
    the file's directory; URLs of the url lists come first, then ``urls``."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    base = path.parent
    src = Sources()
    for rel in _entries(data.get("url_lists")):
        for url in read_url_list(base / rel):
            if url not in src.urls:
                src.urls.append(url)
    for url in _entries(data.get("urls")):
        if url not in src.urls:
            src.urls.append(url)
    for url in _entries(data.get("feeds")) + _entries(data.get("sitemaps")):
        if url not in src.feeds:
            src.feeds.append(url)
    src.warcs = [base / rel for rel in _entries(data.get("warcs"))]
    return src
