"""One spaCy pass over the articles, several consumers of its Docs.

``enrich_articles`` streams ``(article_id, text, language)`` triples through
``nlp.pipe`` (via :func:`newsetl.enrich.nlp.pipe_texts`, which handles texts longer than
``nlp.max_length``) and hands every Doc, one at a time, to the mentions extractor and
to any extra *consumers* (the claims stage will be one: it needs the same Docs and
the mentions of the same article for speaker resolution). Docs are dropped as soon
as the consumers are done with them: at most one ``nlp.pipe`` batch is alive. The
input is read in windows of ``max(64, 8 * batch_size)`` texts (texts, not Docs), the
unit in which an error inside the model is retried article by article.

Input that cannot be analysed never stops the run; it is counted instead:

* empty or whitespace-only text (or no text at all) -> ``skipped_empty``
* a language other than English, when the language is known -> ``skipped_non_english``
  (``None`` means unknown and is analysed: the model is English-only, but most
  unlabelled pages are English)
* a text longer than ``max_chars`` is analysed in chunks -> ``chunked``
* an exception in the model, in the mentions extractor or in a consumer, for one
  article -> ``failed`` (+ ``errors``); that article gets no rows, the others go on
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from newsetl.enrich.mentions import EntityReference, mentions_frame, mentions_from_doc
from newsetl.enrich.nlp import doc_text, pipe_texts

# A consumer of the Docs: (article_id, doc, mention rows of that article) -> its rows.
DocConsumer = Callable[[str, Doc, list[dict]], Iterable[dict]]

DEFAULT_BATCH_SIZE = 32
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


def _is_english(language: str | None) -> bool:
    if language is None or not str(language).strip():
        return True
    return str(language).strip().lower().replace("_", "-").split("-")[0] == ENGLISH


def enrich_articles(
    articles: Iterable[tuple[str, str | None, str | None]],
    nlp: Language,
    reference: EntityReference,
    run_id: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    *,
    max_chars: int | None = None,
    consumers: Mapping[str, DocConsumer] | None = None,
) -> EnrichResult:
    """Run ``nlp`` once over ``(article_id, text, language)`` triples and extract mentions.

    One process: parallelism is the caller's (the run's worker processes, D27, D47).
    ``max_chars``: longest piece of text given to the model at once (at most
    ``nlp.max_length``, its default); longer texts are chunked with exact offsets.
    ``consumers``: extra functions called with (article_id, doc, mention rows) for every
    analysed article; their rows are returned in ``result.outputs[name]``.
    """
    counts = dict.fromkeys(COUNT_KEYS, 0)
    errors: list[tuple[str, str]] = []
    consumers = dict(consumers or {})
    outputs: dict[str, list[dict]] = {name: [] for name in consumers}
    rows: list[dict] = []
    limit = min(max_chars or nlp.max_length, nlp.max_length)

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

    def consume(doc: Doc, article_id: str) -> None:
        _consume(article_id, doc, run_id, reference, consumers, rows, outputs, counts, errors)

    # Model errors. spaCy hands an exception inside a component to
    # nlp.default_error_handler; during the pass the handler drops the Docs of that batch
    # and nlp.pipe goes on (an exception elsewhere ends it). Either way the articles of
    # the window that did not come back are retried one at a time, where an error is just
    # that article's failure.
    def drop_batch(proc_name: str | None, proc: Any, docs: Any, exc: Exception) -> None:
        """Let nlp.pipe go on without the failing Docs (they are retried below)."""

    window_size = max(64, batch_size * 8)
    for window in _windows(analysable(), window_size):
        back: set[int] = set()
        indexed = [(text, i) for i, (text, _) in enumerate(window)]
        previous_handler = nlp.default_error_handler
        nlp.default_error_handler = drop_batch
        try:
            for doc, i in pipe_texts(nlp, indexed, batch_size=batch_size, max_chars=limit):
                back.add(i)
                consume(doc, window[i][1])
        except Exception:  # noqa: BLE001 - the rest of the window is retried below
            pass
        finally:
            nlp.default_error_handler = previous_handler
        for i, (text, article_id) in enumerate(window):
            if i in back:
                continue
            try:
                [(doc, _)] = list(pipe_texts(nlp, [(text, article_id)], batch_size=1, max_chars=limit))
            except Exception as exc:  # one bad article must not stop the run
                counts["failed"] += 1
                errors.append((article_id, f"model error: {type(exc).__name__}: {exc}"))
                continue
            consume(doc, article_id)

    mentions = mentions_frame(rows)
    counts["mentions"] = len(mentions)
    counts["entities"] = int(mentions["entity_id"].nunique())
    return EnrichResult(mentions=mentions, counts=counts, outputs=outputs, errors=errors)


def _windows(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while window := list(itertools.islice(it, size)):
        yield window


def _consume(
    article_id: str,
    doc: Doc,
    run_id: str,
    reference: EntityReference,
    consumers: Mapping[str, DocConsumer],
    rows: list[dict],
    outputs: dict[str, list[dict]],
    counts: dict[str, int],
    errors: list[tuple[str, str]],
) -> None:
    """Mentions and consumer rows of one analysed article; all of them or none."""
    try:
        article_rows = mentions_from_doc(article_id, doc, run_id, reference)
        extra = {name: list(fn(article_id, doc, article_rows)) for name, fn in consumers.items()}
    except Exception as exc:  # one bad article must not stop the run
        counts["failed"] += 1
        errors.append((article_id, f"{type(exc).__name__}: {exc}"))
        return
    rows.extend(article_rows)
    for name, extra_rows in extra.items():
        outputs[name].extend(extra_rows)
    counts["articles_enriched"] += 1
    text = doc_text(doc)
    counts["chars"] += len(text)
    counts["words"] += len(text.split())


__all__ = [
    "COUNT_KEYS",
    "DEFAULT_BATCH_SIZE",
    "DocConsumer",
    "EnrichResult",
    "enrich_articles",
]
