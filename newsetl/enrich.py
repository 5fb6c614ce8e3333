"""The enrich stage: one spaCy pass over the articles, several consumers of its Docs.

``enrich_articles`` streams ``(article_id, text, language)`` triples through
``nlp.pipe`` (via :func:`newsetl.nlp.pipe_texts`, which handles texts longer than
``nlp.max_length``) and hands every Doc, one at a time, to the mentions extractor and
to any extra *consumers* (the claims stage will be one: it needs the same Docs and
the mentions of the same article for speaker resolution). Docs are dropped as soon
as the consumers are done with them: at most one ``nlp.pipe`` batch is alive.

Input that cannot be analysed never stops the run; it is counted instead:

* empty or whitespace-only text (or no text at all) -> ``skipped_empty``
* a language other than English, when the language is known -> ``skipped_non_english``
  (``None`` means unknown and is analysed: the model is English-only, but most
  unlabelled pages are English)
* a text longer than ``max_chars`` is analysed in chunks -> ``chunked``
* an exception while extracting one article's mentions -> ``failed`` (+ ``errors``)
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from newsetl.entity_reference import EntityReference
from newsetl.mentions import MENTION_COLUMNS, mentions_from_doc
from newsetl.nlp import pipe_texts

# A consumer of the Docs: (article_id, doc, mention rows of that article) -> its rows.
DocConsumer = Callable[[str, Doc, list[dict]], Iterable[dict]]

DEFAULT_BATCH_SIZE = 32
# With n_process=0 ("auto") a second process is used only when it pays (measured with
# bench/mentions.py on the 2-core machine): when the input holds at least this many
# characters (below ~150k, starting the workers and shipping Docs back between processes
# costs more than it saves: x0.86-0.93 at 30k-100k chars, x1.37 at 250k), and when a
# second core is actually free (the 1-minute load average, which counts this process,
# is under cores - 0.5: with another job busy on the other core, 2 processes ran x0.8).
AUTO_MULTIPROCESS_MIN_CHARS = 300_000
ENGLISH = "en"

COUNT_KEYS = (
    "articles_in",
    "articles_enriched",
    "skipped_empty",
    "skipped_non_english",
    "chunked",
    "failed",
    "mentions",
    "entities",
    "chars",
    "words",
    "n_process",
)


@dataclass
class EnrichResult:
    """``mentions``: a DataFrame with the columns of ``schemas.mentions.MentionModel``.
    ``counts``: see ``COUNT_KEYS``. ``outputs``: rows of each extra consumer, by name.
    ``errors``: (article_id, message) of articles whose analysis failed."""

    mentions: pd.DataFrame
    counts: dict[str, int]
    outputs: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)


def mentions_frame(rows: list[dict]) -> pd.DataFrame:
    """Mention rows -> a DataFrame with the table's columns and dtypes (also when empty)."""
    df = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    for col in ("start_char", "end_char", "sentence_index"):
        df[col] = df[col].astype("int64")
    return df


def _is_english(language: str | None) -> bool:
    if language is None or not str(language).strip():
        return True
    return str(language).strip().lower().replace("_", "-").split("-")[0] == ENGLISH


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # not available on this platform
        return 0.0


def _resolve_n_process(n_process: int | None, articles: Iterable[Any]) -> tuple[int, Iterable[Any]]:
    """0/None = auto: 2 processes when the input is big enough and a second core is free
    (see AUTO_MULTIPROCESS_MIN_CHARS). To judge a stream, it looks ahead (texts only, no
    Docs) until enough text has been seen."""
    cores = os.cpu_count() or 1
    if n_process is not None and n_process < 0:
        return max(1, cores), articles
    if n_process:
        return n_process, articles
    if cores < 2 or _load_average() >= cores - 0.5:
        return 1, articles
    it = iter(articles)
    head: list[Any] = []
    total = 0
    for item in it:
        head.append(item)
        text = item[1] if len(item) > 1 else None
        total += len(text) if isinstance(text, str) else 0
        if total >= AUTO_MULTIPROCESS_MIN_CHARS:
            return 2, itertools.chain(head, it)
    return 1, head


def enrich_articles(
    articles: Iterable[tuple[str, str | None, str | None]],
    nlp: Language,
    reference: EntityReference,
    run_id: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int | None = 1,
    *,
    max_chars: int | None = None,
    consumers: Mapping[str, DocConsumer] | None = None,
) -> EnrichResult:
    """Run ``nlp`` once over ``(article_id, text, language)`` triples and extract mentions.

    ``n_process``: worker processes for ``nlp.pipe``; 0 or None chooses (2 for big
    inputs, else 1), -1 uses every core. ``max_chars``: longest piece of text given to the
    model at once (default ``nlp.max_length``); longer texts are chunked with exact offsets.
    ``consumers``: extra functions called with (article_id, doc, mention rows) for every
    analysed article; their rows are returned in ``result.outputs[name]``.
    """
    counts = dict.fromkeys(COUNT_KEYS, 0)
    errors: list[tuple[str, str]] = []
    consumers = dict(consumers or {})
    outputs: dict[str, list[dict]] = {name: [] for name in consumers}
    rows: list[dict] = []
    limit = max_chars or nlp.max_length

    n_proc, articles = _resolve_n_process(n_process, articles)
    counts["n_process"] = n_proc

    def analysable() -> Iterator[tuple[str, str]]:
        for item in articles:
            counts["articles_in"] += 1
            article_id, text, language = item
            if not isinstance(text, str) or not text.strip():
                counts["skipped_empty"] += 1
                continue
            if not _is_english(language):
                counts["skipped_non_english"] += 1
                continue
            if len(text) > limit:
                counts["chunked"] += 1
            yield text, article_id

    for doc, article_id in pipe_texts(nlp, analysable(), batch_size=batch_size, n_process=n_proc, max_chars=limit):
        try:
            article_rows = mentions_from_doc(article_id, doc, run_id, reference)
            extra = {name: list(fn(article_id, doc, article_rows)) for name, fn in consumers.items()}
        except Exception as exc:  # one bad article must not stop the run
            counts["failed"] += 1
            errors.append((article_id, f"{type(exc).__name__}: {exc}"))
            continue
        rows.extend(article_rows)
        for name, extra_rows in extra.items():
            outputs[name].extend(extra_rows)
        counts["articles_enriched"] += 1
        counts["chars"] += len(doc.text)
        counts["words"] += len(doc.text.split())

    mentions = mentions_frame(rows)
    counts["mentions"] = len(mentions)
    counts["entities"] = int(mentions["entity_id"].nunique())
    return EnrichResult(mentions=mentions, counts=counts, outputs=outputs, errors=errors)


__all__ = [
    "AUTO_MULTIPROCESS_MIN_CHARS",
    "COUNT_KEYS",
    "DEFAULT_BATCH_SIZE",
    "DocConsumer",
    "EnrichResult",
    "enrich_articles",
    "mentions_frame",
]
