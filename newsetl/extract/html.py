"""Main text and metadata of an HTML news page, with trafilatura.

The settings below were chosen by measurement on the Zyte/Scrapinghub
article-extraction-benchmark (181 pages, token 4-gram shingle F1), see
``bench/extraction.py`` and docs/decisions.md (D14, D42):

* primary: trafilatura ``bare_extraction`` with comments off and
  ``favor_precision`` (best F1 and best precision of the single settings);
* then ``newsetl.extract.candidates.choose`` asks for a second opinion (readability-lxml,
  trafilatura's recall mode) only where a cheap signal says the primary may have
  stopped early or kept page furniture at its edges, and keeps a candidate only
  when the extractors agree on it.

``extract_html`` never raises on bad markup: it returns an ``Extracted`` with
``text == ""`` and the caller decides what to do with too-short texts. The
exceptions are a page too large to parse in reasonable time, which raises
``InputError("html_too_complex")``, and one nested past the parser's depth limit, which
raises ``InputError("html_too_deep")``, so the quarantine says why.
"""

from __future__ import annotations

import logging
import re
import threading
from copy import copy
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura import bare_extraction, baseline, html2txt, load_html
# The functions trafilatura's extract_metadata calls, as it imports them (courlan's
# extract_domain, htmldate's find_date): page_metadata is that function, shortened.
from trafilatura.metadata import (
    META_URL, URL_SELECTORS, examine_meta, extract_author, extract_domain, extract_meta_json, extract_sitename,
    extract_title, extract_url, find_date,
)
from trafilatura.settings import Document

from newsetl.extract import candidates
from newsetl.extract.document import Extracted
from newsetl.sources import InputError

LOGGER = logging.getLogger(__name__)

TRAFILATURA_VERSION: str = trafilatura.__version__

#: Name of the primary strategy, used in ``Extracted.extractor``.
PRIMARY = "trafilatura"
#: Keyword arguments of the primary ``bare_extraction`` call (chosen by bench/extraction.py).
PRIMARY_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": True,
    "favor_recall": False,
}
#: ``Extracted.extractor`` name per source of the chosen text (``candidates.Choice.source``).
EXTRACTOR_NAMES = {
    "primary": PRIMARY,
    "primary-trimmed": "trafilatura-trimmed",
    "recall": "trafilatura-recall",
    "readability": "readability",
}
#: Documents larger than this are not parsed (trafilatura's own MAX_FILE_SIZE).
MAX_HTML_CHARS = 20_000_000
#: Parsed pages with more elements are not extracted: trafilatura and htmldate need
#: over a minute on such trees (a 5 MB page of ~500k nested inline tags: ~80 s), while the
#: 181 benchmark news pages have at most ~1,600 elements.
MAX_ELEMENTS = 100_000
#: libxml2's HTML parser (without XML_PARSE_HUGE, as trafilatura parses) stops at this
#: depth and silently drops the rest of the page, text after the deep part included: 300
#: unclosed <div>, <span> or <font> tags are enough. A tree that reaches it has lost
#: text (or, rarely, ends exactly there): refused with a reason rather than landed cut.
PARSER_MAX_DEPTH = 256
# An element PARSER_MAX_DEPTH deep: the root and PARSER_MAX_DEPTH - 1 steps below it (C, ~0.05 ms a page).
_AT_PARSER_DEPTH = etree.XPath("boolean(" + "/".join(["*"] * (PARSER_MAX_DEPTH - 1)) + ")")

# trafilatura (lxml underneath) can crash the whole process with SIGSEGV when two threads
# of it run at once (adbar/trafilatura#840, #925; CI saw it when two extract tasks ran
# in threads of the flow). Extraction is CPU-bound Python, so threads gained nothing: the
# parallelism is in worker processes, each extracting one page at a time.
_ONE_AT_A_TIME = threading.Lock()

# htmldate keeps time of day and zone when the output format asks for them.
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_LANG_SPLIT = re.compile(r"[-_,;\s]+")
_JSONLD_LANGUAGE = re.compile(r'"inLanguage"\s*:\s*"([^"]{2,20})"')
# ISO 639-2 codes and English names sometimes found instead of ISO 639-1 codes.
_LANG_ALIASES = {
    "eng": "en", "english": "en",
    "fra": "fr", "fre": "fr", "french": "fr",
    "deu": "de", "ger": "de", "german": "de",
    "spa": "es", "spanish": "es",
    "ita": "it", "italian": "it",
    "por": "pt", "portuguese": "pt",
    "nld": "nl", "dut": "nl", "dutch": "nl",
    "rus": "ru", "russian": "ru",
    "pol": "pl", "polish": "pl",
    "zho": "zh", "chi": "zh", "chinese": "zh",
    "jpn": "ja", "japanese": "ja",
    "kor": "ko", "korean": "ko",
    "ara": "ar", "arabic": "ar",
}  # fmt: skip


# --- strategies: parsed tree (not modified) + url -> raw text, lines = paragraphs ---


def run_trafilatura(tree: HtmlElement, url: str | None = None, **options: Any) -> str:
    """trafilatura's main cascade (``bare_extraction`` copies the tree)."""
    document = bare_extraction(tree, url=url, with_metadata=False, **options)
    return (document.text or "") if document is not None else ""


def run_baseline(tree: HtmlElement, url: str | None = None) -> str:
    """trafilatura's ``baseline``: JSON-LD articleBody, <article>, then <p> texts."""
    _body, text, _length = baseline(tree)
    return text or ""


def run_html2txt(tree: HtmlElement, url: str | None = None) -> str:
    """All text of the cleaned page body (one paragraph)."""
    return html2txt(tree) or ""


def run_justext(tree: HtmlElement, url: str | None = None) -> str:
    """jusText (shipped with trafilatura) with the stoplists of all languages."""
    from trafilatura.baseline import basic_cleaning  # internal helpers, trafilatura pinned <3
    from trafilatura.external import try_justext

    body = try_justext(basic_cleaning(copy(tree)), url, None)
    return "\n".join(p.text for p in body if p.text)


def run_trafilatura_recall(tree: HtmlElement, url: str | None = None) -> str:
    """trafilatura's cascade in recall mode, comments off."""
    return run_trafilatura(tree, url, include_comments=False, favor_recall=True)


def run_primary(tree: HtmlElement, url: str | None = None) -> str:
    """The primary strategy of ``extract_html``."""
    return run_trafilatura(tree, url, **PRIMARY_OPTIONS)


# --- helpers ---


def normalize_paragraphs(text: str | None) -> str:
    """One paragraph per non-empty line, inner whitespace collapsed, joined by one blank line."""
    if not text:
        return ""
    paragraphs = (" ".join(line.split()) for line in text.splitlines())
    return "\n\n".join(p for p in paragraphs if p)


def parse_published(value: str | None) -> datetime | None:
    """htmldate output -> tz-aware UTC datetime (no zone: taken as UTC; date only: midnight UTC)."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None = None
    for parse in (
        datetime.fromisoformat,
        lambda v: datetime.strptime(v, _DATE_FORMAT),
        lambda v: datetime.strptime(v[:10], "%Y-%m-%d"),
    ):
        try:
            parsed = parse(value)
            break
        except (ValueError, TypeError):
            continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def normalize_language(value: str | None) -> str | None:
    """'en-US', 'en_GB', 'EN', 'eng', 'English' -> 'en'; anything else -> None."""
    if not value:
        return None
    head = _LANG_SPLIT.split(value.strip().lower(), maxsplit=1)[0]
    if len(head) == 2 and head.isascii() and head.isalpha():
        return head
    return _LANG_ALIASES.get(head)


def _page_language(tree: HtmlElement) -> str | None:
    """Language declared by the page: <html lang>, then Content-Language / og:locale metas."""
    candidates: list[str | None] = []
    root = tree.getroottree().getroot()
    candidates += [root.get("lang"), root.get("xml:lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in tree.iter("meta"):
        key = (meta.get("http-equiv") or meta.get("name") or meta.get("property") or "").lower()
        if key in {"content-language", "language", "og:locale", "dc.language"}:
            candidates.append(meta.get("content"))
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        match = _JSONLD_LANGUAGE.search(script.text or "")
        if match:
            candidates.append(match[1])
    for candidate in candidates:
        language = normalize_language(candidate)
        if language:
            return language
    return None


def _canonical_link(tree: HtmlElement, url: str | None) -> str | None:
    """The page's canonical link as written (trafilatura's selectors), made absolute."""
    for selector in URL_SELECTORS:
        element = tree.find(selector)
        href = (element.get("href") or "").strip() if element is not None else ""
        if href:
            absolute = urljoin(url or "", href)
            parts = urlsplit(absolute)
            return absolute if parts.scheme in ("http", "https") and parts.netloc else None
    return None


def _page_url(tree: HtmlElement, declared: str | None, url: str | None) -> str | None:
    """trafilatura's URL (og:url, then the canonical link, then ``url``), except that a
    canonical link is kept as written: trafilatura passes it through courlan, whose
    tracker filter drops parameters that name pages ("?reform=1", "?gallery=2").
    ``article_id`` normalises it itself (identity.normalize_url, D53)."""
    if declared and declared != url and declared == extract_url(tree):
        return _canonical_link(tree, url) or declared
    return declared or url


def page_metadata(tree: HtmlElement, default_url: str | None, date_config: dict[str, Any]) -> Document:
    """trafilatura's ``extract_metadata`` (2.3, no author blacklist) up to what an article
    keeps: title, author, URL, date and site name. Its last steps, the categories, tags
    and license, took a third of its time and nothing reads them (D79); a test holds this
    to ``extract_metadata`` field by field."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as err:  # noqa: BLE001 - as trafilatura: bugs in its JSON-LD reading
        LOGGER.debug("error in JSON metadata extraction: %s", err)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, default_url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    metadata.date = find_date(tree, **{**date_config, "url": metadata.url})
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")  # a Twitter handle
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.filedate = date_config.get("max_date")
    metadata.clean_and_trim()
    return metadata


def date_config() -> dict[str, Any]:
    """htmldate's parameters: the original (not the last modified) date, searched
    extensively, no later than today."""
    return {
        "original_date": True,
        "extensive_search": True,
        "max_date": datetime.now().astimezone().strftime("%Y-%m-%d"),
        "outputformat": _DATE_FORMAT,
    }


def _metadata(tree: HtmlElement, url: str | None) -> dict[str, Any]:
    try:
        meta = page_metadata(tree, url, date_config())
    except Exception as err:  # noqa: BLE001 - metadata is best effort
        LOGGER.debug("metadata extraction failed: %r", err)
        return {"url": url}
    try:
        page_language = _page_language(tree)
    except Exception:  # noqa: BLE001
        page_language = None
    return {
        "title": meta.title or None,
        "byline": meta.author or None,
        "published_at": parse_published(meta.date),
        "url": _page_url(tree, meta.url, url),
        "sitename": meta.sitename or None,
        # What the page declares (trafilatura's metadata has none); the text decides
        # with it in newsetl.extract.language.
        "language": page_language,
    }


def _count_elements(tree: HtmlElement) -> int:
    return sum(1 for _ in zip(tree.iter(), range(MAX_ELEMENTS + 1)))


def _parse(html: str | bytes) -> HtmlElement | None:
    if not html or not isinstance(html, (str, bytes)) or len(html) > MAX_HTML_CHARS:
        return None
    if isinstance(html, str) and not html.strip():
        return None
    tree = load_html(html)
    return tree if isinstance(tree, HtmlElement) else None


def extract_html(html: str, url: str | None = None) -> Extracted:
    """Main text and metadata of an HTML page.

    ``text`` has paragraphs separated by one blank line; it is "" when nothing
    could be extracted (empty or non-HTML input, unparsable or text-less pages).
    ``extractor`` names the strategy that produced the text, e.g.
    "trafilatura/2.3.1", or "readability/2.3.1" when readability-lxml's text was chosen
    (the version is trafilatura's: it fixes the primary every choice starts from).
    Safe to call from several threads: they take turns.
    """
    with _ONE_AT_A_TIME:
        return _extract_html(html, url)


def _extract_html(html: str, url: str | None) -> Extracted:
    primary_name = f"{PRIMARY}/{TRAFILATURA_VERSION}"
    try:
        tree = _parse(html)
    except Exception as err:  # noqa: BLE001 - never crash on bad input
        LOGGER.debug("HTML parsing failed: %r", err)
        tree = None
    if tree is None:
        return Extracted(text="", extractor=primary_name, url=url)
    if _count_elements(tree) > MAX_ELEMENTS:
        raise InputError("html_too_complex", f"more than {MAX_ELEMENTS} HTML elements: not extracted")
    if _AT_PARSER_DEPTH(tree):
        raise InputError("html_too_deep", f"elements nested {PARSER_MAX_DEPTH} deep, where the HTML parser stops: "
                                          "the text past that point would be lost")

    metadata = _metadata(tree, url)
    page_url = metadata.get("url")
    try:
        primary = normalize_paragraphs(run_primary(tree, page_url))
    except Exception as err:  # noqa: BLE001 - e.g. RecursionError on pathological trees
        LOGGER.debug("primary extraction failed: %r", err)
        primary = ""

    choice = candidates.choose(
        primary,
        tree,
        lambda: run_trafilatura_recall(tree, page_url),
        normalize_paragraphs,
    )
    extractor = f"{EXTRACTOR_NAMES[choice.source]}/{TRAFILATURA_VERSION}"
    return Extracted(text=choice.text, extractor=extractor, **metadata)
