"""Claim rows of one article: every rule's claims, nested repeats dropped, speakers and
targets resolved in text order, one row per content piece (see the package docstring)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

import pandas as pd
from spacy.tokens import Doc

from newsetl.enrich.claims.article import Article, Claim, PieceIndex, child, np_span, overlaps
from newsetl.enrich.claims.cueclass import cue_class, idiom
from newsetl.enrich.claims.lexicon import Lexicon, default_lexicon
from newsetl.enrich.claims.nouns import noun_claim
from newsetl.enrich.claims.phrases import phrase_claims
from newsetl.enrich.claims.quotes import (
    floating_quote_claims,
    labelled_quote_claims,
    leading_quote_claims,
    split_quote_claims,
)
from newsetl.enrich.claims.speakers import FIRST_PERSON, RELATIVE, Resolution, named, resolution_of
from newsetl.enrich.claims.verbs import interjected, verb_claim, verb_entry
from newsetl.ids import short_hash
from schemas import columns, frame
from schemas.claims import ClaimModel

CLAIM_COLUMNS = columns(ClaimModel)

_NESTED_PRONOUNS = frozenset({"he", "she", "they", "it", "i", "we", "him", "her"})


def _drop_nested(claims: list[Claim]) -> list[Claim]:
    """A claim reported inside the content of another claim by the same speaker ("he said
    he believes X") repeats it: keep the outer one."""
    index = PieceIndex(claims)
    out = []
    for c in claims:
        nested = False
        for o in index.overlapping(c.cue[0], c.cue[0] + 1):
            if o is c:
                continue
            h = c.speaker_head
            if h is None or h.lower_ in _NESTED_PRONOUNS or (
                o.speaker_head is not None and h.lower_ == o.speaker_head.lower_
            ):
                nested = True
                break
        if not nested:
            out.append(c)
    return out



def _kind(art: Article, a: int, b: int) -> str:
    quotes = [q for q in art.quotes.overlapping(a, b) if q.inner_start < b and a < q.inner_end]
    if not quotes:
        return "indirect"
    for q in quotes:
        if q.inner_start <= a and b <= q.inner_end:
            return "direct"
    return "mixed"


def _target(art: Article, claim: Claim, speaker_res: Resolution | None) -> Resolution | None:
    resolver = art.resolver
    if claim.target is not None and claim.target_span is not None:
        return resolver.resolve(claim.target, *claim.target_span)
    root = claim.content_root
    if root is not None:
        subj = child(root, "nsubj", "nsubjpass")
        if subj is not None and subj.lower_ not in FIRST_PERSON and subj.lower_ not in RELATIVE:
            res = resolver.resolve(subj, *np_span(subj))
            if res is not None and (speaker_res is None or res.entity_id != speaker_res.entity_id):
                return res
    for a, b in claim.pieces:
        for m in resolver.mentions.within(a, b):
            if m["label"] in ("PERSON", "ORG", "GPE", "NORP") and (speaker_res is None or m["entity_id"] != speaker_res.entity_id):
                return resolution_of(m)
    return None


def claims_from_doc(
    article_id: str,
    doc: Doc,
    mentions: Sequence[dict],
    run_id: str,
    lexicon: Lexicon | None = None,
) -> list[dict]:
    """Rows of the ``claims`` table for one article (see the module docstring).

    ``doc`` must come from a pipeline with a dependency parser (tagger, parser,
    lemmatizer, ner) and ``doc.text`` must be the article's text; ``mentions`` are the
    article's mention rows (only start_char, end_char, label, entity_id and
    canonical_name are read). Rows are in text order of their content.
    """
    lexicon = lexicon or default_lexicon()
    if len(doc) == 0 or not doc.has_annotation("DEP"):
        return []
    art = Article(doc, mentions, lexicon)

    claims: list[Claim] = []
    for tok in doc:
        entry = verb_entry(tok, lexicon)
        if entry is None:
            continue
        q = art.quotes.at(tok.idx)
        if q is not None:
            # A cue inside direct speech belongs to the quoted words ("“I told them ...”"),
            # unless its subject stands outside: Mattis “reiterated that ...”.
            subj, _ = art.subject_of(tok)
            if subj is None:
                continue
            if q.start <= subj.idx < q.end and (q.closed or not interjected(art, subj, tok)):
                continue
        c = verb_claim(art, tok, entry)
        if c is not None:
            claims.append(c)
    for tok in doc:
        if tok.pos_ != "NOUN":
            continue
        noun = lexicon.noun(tok.lemma_.lower())
        if noun is None or art.quotes.at(tok.idx) is not None:
            continue
        c = noun_claim(art, tok, noun)
        if c is not None:
            claims.append(c)
    claims.extend(phrase_claims(art))
    claims = _drop_nested(claims)
    claims.extend(split_quote_claims(art, claims))
    claims.extend(leading_quote_claims(art, claims))
    claims.extend(floating_quote_claims(art, claims))
    claims.extend(labelled_quote_claims(art, claims))
    claims.sort(key=lambda c: (c.cue[0], c.pieces[0][0]))

    # Speakers in text order, so pronouns can refer back to earlier speakers.
    resolver = art.resolver
    for c in claims:
        if c.extra.get("continues") is not None:
            continue
        if c.speaker is not None and c.speaker_head is not None:
            c.resolution = resolver.resolve(c.speaker_head, *c.speaker)
            resolver.remember(c.speaker[0], c.speaker_head, c.resolution, art.text[c.speaker[0] : c.speaker[1]])
    for c in claims:
        prev = c.extra.get("continues")
        if prev is not None:
            c.resolution = prev.resolution
    # "I" inside a quote is the speaker of the claim quoting it.
    index = PieceIndex(claims)
    for c in claims:
        if c.resolution is None and c.speaker_head is not None and c.speaker_head.lower_ in ("i", "me"):
            q = art.quotes.at(c.cue[0])
            if q is None:
                continue
            for outer in index.overlapping(q.inner_start, q.inner_end):
                if outer is not c and outer.resolution is not None:
                    c.resolution = outer.resolution
                    break

    rows: list[dict] = []
    seen: set[tuple[int, int]] = set()
    text = art.text
    for c in claims:
        if idiom(c.cue_tok, c.speaker_head):
            continue
        res = named(c.resolution)
        target = _target(art, c, res)
        pieces = sorted(p for p in c.pieces if p[1] > p[0] and not overlaps(p, c.cue)
                        and (c.speaker is None or not overlaps(p, c.speaker)))
        kinds = [c.kind or _kind(art, a, b) for a, b in pieces]
        cls = cue_class(c.cue_tok, c.speaker_head, pieces, quoted=any(k in ("direct", "mixed") for k in kinds))
        rows += piece_rows(article_id, text, run_id, seen, speaker=c.speaker, speaker_name=res.name if res else None,
                           speaker_entity_id=res.entity_id if res else None, cue=c.cue, pieces=pieces, kinds=kinds,
                           cue_class=cls, target=(target.name, target.entity_id) if target else None,
                           sentence_index=art.sentence_index(c.cue_tok))
    rows.sort(key=lambda r: (r["content_start"], r["content_end"]))
    return rows


def piece_rows(article_id: str, text: str, run_id: str, seen: set[tuple[int, int]], *,
               speaker: tuple[int, int] | None, speaker_name: str | None, speaker_entity_id: str | None,
               cue: tuple[int, int], pieces: Sequence[tuple[int, int]], kinds: Sequence[str], cue_class: str,
               target: tuple[str, str | None] | None, sentence_index: int,
               confidence: float | None = None) -> list[dict]:
    """The rows of one claim, rules' or model's: one per content piece no earlier claim of
    the article took (``seen``, updated), each with the claim's speaker, cue, class, target,
    all of its pieces and its confidence (the model's; the rules have none)."""
    pieces_json = json.dumps([list(p) for p in pieces], separators=(",", ":"))
    rows = []
    for (a, b), kind in zip(pieces, kinds, strict=True):
        if (a, b) in seen:
            continue
        seen.add((a, b))
        rows.append(
            {
                "claim_id": short_hash(article_id, str(a), str(b)),
                "article_id": article_id,
                "speaker_surface": text[speaker[0] : speaker[1]] if speaker else None,
                "speaker_name": speaker_name,
                "speaker_entity_id": speaker_entity_id,
                "speaker_start": speaker[0] if speaker else None,
                "speaker_end": speaker[1] if speaker else None,
                "cue": text[cue[0] : cue[1]],
                "cue_start": cue[0],
                "cue_end": cue[1],
                "content": text[a:b],
                "content_start": a,
                "content_end": b,
                "kind": kind,
                "cue_class": cue_class,
                "pieces": pieces_json,
                "confidence": confidence,
                "target_name": target[0] if target else None,
                "target_entity_id": target[1] if target else None,
                "sentence_index": sentence_index,
                "run_id": run_id,
            }
        )
    return rows


def claims_consumer(run_id: str, lexicon: Lexicon | None = None) -> Callable[[str, Doc, list[dict]], list[dict]]:
    """:func:`claims_from_doc` as an enrich-stage consumer: ``(article_id, doc, mention
    rows) -> claim rows`` (``newsetl.enrich.nlp_pass.DocConsumer``)."""
    lex = lexicon or default_lexicon()

    def consume(article_id: str, doc: Doc, mentions: list[dict]) -> list[dict]:
        return claims_from_doc(article_id, doc, mentions, run_id, lex)

    return consume


def claims_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Claim rows -> a DataFrame with the table's columns and dtypes (also when empty)."""
    return frame(ClaimModel, rows)
