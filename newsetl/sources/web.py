"""The run's web sources (URL lists, feeds and sitemaps, WARC files, a sources file),
fetched into raw/ before anything reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from newsetl.settings import Settings
from newsetl.sources.sourcefile import load_sources, read_url_list

if TYPE_CHECKING:
    from newsetl.sources.fetch.run import FetchOutcome


@dataclass(frozen=True)
class WebSources:
    """Where a run fetches pages from, besides what is already under raw_dir."""

    urls_file: Path | None = None
    feeds: tuple[str, ...] = ()
    warcs: tuple[Path, ...] = ()
    sources_file: Path | None = None

    def __bool__(self) -> bool:
        return bool(self.urls_file or self.feeds or self.warcs or self.sources_file)


@dataclass
class WebFetch:
    """What fetching gave: one ``fetches`` row per URL (``outcome``), and the feed and
    sitemap entries the run followed."""

    outcome: FetchOutcome
    feeds: list[str] = field(default_factory=list)


def fetch_web(sources: WebSources, raw_dir: Path, run_id: str, settings: Settings) -> WebFetch:
    """Fetch every page the sources name into ``raw_dir`` (stored before extraction, so the
    run can be replayed from raw/ alone)."""
    from newsetl.sources.fetch import FetchOutcome, fetch_all, load_warc  # the HTTP stack, only here

    urls = read_url_list(sources.urls_file) if sources.urls_file else []
    feeds, warcs = list(sources.feeds), list(sources.warcs)
    if sources.sources_file:
        listed = load_sources(sources.sources_file)
        urls += listed.urls
        feeds += listed.feeds
        warcs += listed.warcs
    outcome = FetchOutcome(run_id=run_id, raw_dir=Path(raw_dir))
    if urls or feeds:
        outcome.extend(fetch_all(urls, settings, raw_dir, run_id, feeds=feeds))
    for warc in warcs:
        outcome.extend(load_warc(warc, raw_dir, run_id, settings))
    return WebFetch(outcome, list(dict.fromkeys(f.strip() for f in feeds if f.strip())))
