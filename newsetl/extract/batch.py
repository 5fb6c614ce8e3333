"""Extract stage: one raw input -> one article record, or one quarantine record.

``extract_batch`` is the unit of work a Prefect task runs; it never raises for a bad
document, so one broken page cannot fail a batch of fifty good ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from newsetl.extract.document import CONTROLS, Extracted
from newsetl.extract.html import extract_html
from newsetl.extract.identity import article_id_for, content_sha256, domain_of
from newsetl.extract.language import identify_language
from newsetl.extract.textdump import clean_dump
from newsetl.quality import quarantine_row
from newsetl.settings import Settings
from newsetl.sources import HTML, FileState, InputError, RawInput, file_state, read_page
from schemas import count_words

log = logging.getLogger(__name__)


@dataclass
class BatchOutput:
    articles: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    # Size, time and hash of each input read, by source_uri: the next run's skip record.
    files: dict[str, FileState] = field(default_factory=dict)


def build_article(inp: RawInput, doc: Extracted, run_id: str, now: datetime) -> dict[str, Any]:
    url = doc.url or inp.url
    return {
        "article_id": article_id_for(url, inp.source_uri),
        "source_uri": inp.source_uri,
        "url": url,
        "domain": domain_of(url),
        "title": doc.title,
        "byline": doc.byline,
        "published_at": doc.published_at,
        "language": identify_language(doc.text, declared=doc.language),
        "text": doc.text,
        "word_count": count_words(doc.text),
        "content_sha256": content_sha256(doc.text),
        "extractor": doc.extractor,
        # Decided at the commit, against every article landed and staged (D58).
        "story_id": None,
        "duplicate_of": None,
        "run_id": run_id,
        "ingested_at": now,
    }


def extract_one(inp: RawInput, settings: Settings) -> Extracted:
    """The input read and extracted, without control characters or non-characters
    (``newsetl.extract.document.CONTROLS``): the one place, for HTML pages and text dumps
    alike, before anything is counted, hashed, identified or spanned. Raw ones in an HTML
    page become spaces before extraction (the HTML parser deletes them, joining the words on
    either side); a text dump's splitter reads a vertical tab or a form feed as the line
    break it is and the rest as spaces; the extracted text, title and byline lose what the
    parser made of character references (``&#1;``, ``&#xFFFE;``)."""
    page = read_page(inp, settings.max_file_bytes, settings.max_decompressed_bytes)
    if inp.kind == HTML and CONTROLS.search(page):
        page = CONTROLS.sub(" ", page)
    doc = extract_html(page, url=inp.url) if inp.kind == HTML else clean_dump(page)
    return doc.without_controls()


def extract_batch(inputs: list[RawInput], settings: Settings, run_id: str) -> BatchOutput:
    out = BatchOutput()
    now = datetime.now(UTC)
    for inp in inputs:
        state = file_state(inp.path)
        if state is not None:
            out.files[inp.source_uri] = state
        try:
            doc = extract_one(inp, settings)
        except InputError as exc:
            out.quarantine.append(
                quarantine_row(run_id=run_id, table="input", source_uri=inp.source_uri,
                               check=exc.check, reason=exc.reason, now=now)
            )
            continue
        except Exception as exc:  # an extractor bug must cost one page, not the run
            log.exception("extraction failed for %s", inp.source_uri)
            out.quarantine.append(
                quarantine_row(run_id=run_id, table="input", source_uri=inp.source_uri,
                               check="extraction_error", reason=f"{type(exc).__name__}: {exc}", now=now)
            )
            continue
        out.articles.append(build_article(inp, doc, run_id, now))
    return out
