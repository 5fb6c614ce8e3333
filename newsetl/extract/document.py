"""The value passed from extraction to the article builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Extracted:
    """Main text and metadata of one page, as an extractor found them.

    ``text`` has paragraphs separated by one blank line and no leading/trailing
    whitespace. Metadata fields are None when the page does not say.
    """

    text: str
    extractor: str
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    sitename: str | None = None
    language: str | None = None
