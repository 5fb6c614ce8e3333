"""Reporting nouns with a that-clause: "Trump's claim that ...", "a warning by the
Pentagon that ...", "X repeated the claim that ..."."""

from __future__ import annotations

from spacy.tokens import Token

from newsetl.enrich.claims.article import Article, Claim, clip, cut, np_span, prep_object, subtree_span, tok_span
from newsetl.enrich.claims.lexicon import CueNoun

_MAKING_DEPS = frozenset({"dobj", "nsubjpass", "attr"})


def noun_claim(art: Article, tok: Token, entry: CueNoun) -> Claim | None:
    """"Trump's claim that ...", "a warning by the Pentagon that ...", "X repeated the claim that ..."."""
    content: Token | None = None
    for c in tok.rights:
        if c.dep_ in ("acl", "ccomp", "relcl", "appos") and any(m.dep_ == "mark" and m.lower_ == "that" and m.i < c.i for m in c.children):
            content = c
            break
        if entry.xcomp and c.dep_ in ("acl", "relcl", "xcomp") and c.tag_ == "VB" and any(a.lower_ == "to" and a.dep_ == "aux" for a in c.lefts):
            content = c
            break
    if content is None:
        return None
    speaker: Token | None = None
    for c in tok.children:
        if c.dep_ == "poss":
            speaker = c
        elif c.dep_ == "prep" and c.lower_ == "by" and c.i < content.i:
            speaker = prep_object(c) or speaker
    if speaker is None and tok.dep_ in _MAKING_DEPS and tok.head.pos_ in ("VERB", "AUX"):
        subj, _ = art.subject_of(tok.head)
        speaker = subj
    cue = tok_span(tok)
    sp = np_span(speaker) if speaker is not None else None
    if sp is not None and sp[1] > cue[0] and speaker.i < tok.i:
        sp = (sp[0], min(sp[1], cue[0]))
        sp = art.trim(*sp)
        if sp[1] <= sp[0]:
            sp, speaker = None, None
    forbidden = [sp, cue]
    p = art.in_line(subtree_span(content), tok.idx)
    pieces = []
    for piece in cut(p, forbidden):
        span = clip(art.to_quote(piece, forbidden), piece, forbidden)
        a, b = art.trim(*span)
        a, b = art.balance(*art.trim(*art.strip_complementizer(a, b)))
        if b > a and art.words(a, b) >= 2:
            pieces.append((a, b))
    if not pieces:
        return None
    return Claim(cue, tok, sp, speaker, pieces, content_root=content)
