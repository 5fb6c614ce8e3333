"""Mention rows of one article: candidates found, people linked, each resolved to its
canonical entity (one label and spelling per entity in the article), with stable ids."""

from __future__ import annotations

import bisect
import re
from collections import Counter

import pandas as pd
from spacy.tokens import Doc

from newsetl.enrich.mentions.candidates import (
    SURNAME_MISLABELS, Cand, ner_candidates, relabel_by_context, split_place_person, surface_of, title_phrase_spans,
)
from newsetl.enrich.mentions.matching import add_acronyms, add_reference_matches, add_surnames
from newsetl.enrich.mentions.people import link_people
from newsetl.enrich.mentions.reference import EntityReference, ReferenceEntity
from newsetl.enrich.nlp import doc_text
from newsetl.ids import short_hash
from schemas import columns, frame
from schemas.mentions import MentionModel

_WS = re.compile(r"\s+")


def entity_id_for(canonical_name: str) -> str:
    """The entity id of a canonical name: SHA-256 of the casefolded name, 16 hex digits
    (the same name in two articles, runs or spellings of case, the same id)."""
    return short_hash(canonical_name.casefold())


def mention_id_for(article_id: str, start_char: int, end_char: int) -> str:
    return short_hash(article_id, str(start_char), str(end_char))


def sentence_key_of(mention_id: str) -> int:
    """A mention id (16 hex digits) as a signed 64-bit integer: one to one."""
    return int.from_bytes(bytes.fromhex(mention_id), "big", signed=True)


def with_sentence_keys(mentions: pd.DataFrame) -> pd.DataFrame:
    """``mentions`` with ``sentence_key``: per (article, sentence), the id of its first
    mention as an integer (D68). Called on the rows that land, after the gate: the key is
    a landed mention's id, so the primary key's uniqueness makes it exact (two sentences
    never share one), while a single integer column lets DuckDB push a Bloom filter of
    the join into the scan of the other side."""
    out = mentions.copy()
    first = mentions.sort_values(["article_id", "sentence_index", "start_char", "end_char"], kind="stable")
    first = first.drop_duplicates(["article_id", "sentence_index"])
    keys = dict(zip(zip(first["article_id"], first["sentence_index"], strict=True),
                    map(sentence_key_of, first["mention_id"]), strict=True))
    out["sentence_key"] = pd.array([keys[k] for k in zip(mentions["article_id"], mentions["sentence_index"], strict=True)],
                                   dtype="Int64")
    return out


def _resolve(text: str, c: Cand, ref: EntityReference, depth: int = 0) -> tuple[str, str, ReferenceEntity | None]:
    """(canonical name, label, reference entity or None) of one candidate."""
    if depth < 3 and c.acronym_of is not None:
        return _resolve(text, c.acronym_of, ref, depth + 1)
    if depth < 3 and c.person is not None:
        return _resolve(text, c.person, ref, depth + 1)
    surface = _WS.sub(" ", surface_of(text, c)).strip()
    ent = c.ref or ref.lookup(surface)
    if ent is None:
        weak = ref.lookup_weak(surface)
        if weak is not None:
            if weak.label == "PERSON":
                # A surname; the model also tags it ORG/NORP ("Trump’s decision").
                ent = weak if c.label in SURNAME_MISLABELS else None
            else:
                ent = weak if c.label != "PERSON" else None
    if ent is not None:
        return ent.name, ent.label, ent
    return surface, c.label, None



def mentions_from_doc(article_id: str, doc: Doc, run_id: str, reference: EntityReference) -> list[dict]:
    """Rows of the ``mentions`` table for one article (see the module docstring).

    ``doc.text`` must be the article's ``text`` exactly (``newsetl.enrich.nlp.pipe_texts``
    guarantees it for long texts too). Rows are ordered by ``start_char``.
    """
    text = doc_text(doc)
    titles = title_phrase_spans(text, reference)
    cands = ner_candidates(doc, reference, titles)
    cands = add_reference_matches(text, cands, reference, titles)
    cands = split_place_person(text, cands, reference)
    relabel_by_context(text, cands, reference)
    cands = add_acronyms(text, cands)
    cands = add_surnames(text, cands, reference)
    link_people(text, cands, reference)

    resolved = [(c, *_resolve(text, c, reference)) for c in cands]

    # One label and one spelling per entity in this article.
    labels: dict[str, Counter[str]] = {}
    spellings: dict[str, Counter[str]] = {}
    fixed_label: dict[str, str] = {}
    for c, canonical, label, ent in resolved:
        key = canonical.casefold()
        labels.setdefault(key, Counter())[label] += 1
        spellings.setdefault(key, Counter())[canonical] += 1
        if ent is not None:
            fixed_label[key] = ent.label
        elif c.person is not None or (label == "PERSON" and len(c.words) >= 2):
            fixed_label.setdefault(key, "PERSON")

    def entity_label(key: str) -> str:
        if key in fixed_label:
            return fixed_label[key]
        counts = labels[key]
        top = max(counts.values())
        return next(lab for lab in counts if counts[lab] == top)  # first seen among the most frequent

    def entity_name(key: str) -> str:
        counts = spellings[key]
        top = max(counts.values())
        return next(name for name in counts if counts[name] == top)

    sent_starts = _sentence_starts(doc)
    rows: list[dict] = []
    seen: set[tuple[int, int]] = set()
    for c, canonical, _label, _ent in sorted(resolved, key=lambda r: r[0].start):
        if (c.start, c.end) in seen or c.end <= c.start:
            continue
        seen.add((c.start, c.end))
        key = canonical.casefold()
        name = entity_name(key)
        surface = text[c.start : c.end]
        rows.append(
            {
                "mention_id": mention_id_for(article_id, c.start, c.end),
                "article_id": article_id,
                "start_char": c.start,
                "end_char": c.end,
                "surface": surface,
                "label": entity_label(key),
                "entity_id": entity_id_for(name),
                "canonical_name": name,
                "sentence_index": max(0, bisect.bisect_right(sent_starts, c.start) - 1),
                "run_id": run_id,
            }
        )
    return rows


def _sentence_starts(doc: Doc) -> list[int]:
    if len(doc) == 0 or not (doc.has_annotation("SENT_START") or doc.has_annotation("DEP")):
        return [0]
    return [s.start_char for s in doc.sents]



MENTION_COLUMNS = columns(MentionModel)


def mentions_frame(rows: list[dict]) -> pd.DataFrame:
    """Mention rows -> a DataFrame with the table's columns and dtypes (also when empty)."""
    return frame(MentionModel, rows)
