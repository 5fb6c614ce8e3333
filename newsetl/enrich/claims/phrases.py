"""Attributing phrases ("according to X"): X is the speaker, the clause around the phrase
(or the quote just before it) is the content."""

from __future__ import annotations

from spacy.tokens import Token

from newsetl.enrich.claims.article import Article, Claim, clip, np_span, prep_object, subtree_span

_NOT_SOURCES = frozenset(
    {"plan", "schedule", "preference", "rule", "law", "guideline", "instruction", "script", "need", "size",
     "type", "custom", "tradition", "standard", "procedure", "protocol", "design", "order", "age", "taste"}
)


def phrase_claims(art: Article) -> list[Claim]:
    doc = art.doc
    out: list[Claim] = []
    phrases = art.lexicon.phrases
    if not phrases:
        return out
    firsts = {p.words[0]: [] for p in phrases}
    for p in phrases:
        firsts[p.words[0]].append(p)
    for tok in doc:
        cands = firsts.get(tok.lower_)
        if not cands:
            continue
        for ph in cands:
            n = len(ph.words)
            if tok.i + n > len(doc) or tuple(t.lower_ for t in doc[tok.i : tok.i + n]) != ph.words:
                continue
            last = doc[tok.i + n - 1]
            obj = prep_object(last)
            if obj is None:
                nxt = doc[last.i + 1] if last.i + 1 < len(doc) else None
                obj = nxt.head if nxt is not None and nxt.head.i > last.i and nxt.pos_ in ("DET", "PROPN", "NOUN", "PRON", "ADJ") else None
                if obj is None:
                    continue
            if obj.lemma_.lower() in _NOT_SOURCES or any(c.dep_ == "poss" and c.lower_ in ("your", "my", "our") for c in obj.children):
                continue  # "according to plan", "according to your preferences"
            speaker = np_span(obj)
            cue = (tok.idx, last.idx + len(last))
            phrase_span = (tok.idx, max(speaker[1], cue[1], subtree_span(obj)[1]))
            claim = _phrase_content(art, tok, cue, speaker, phrase_span)
            if claim is None:
                continue
            claim.speaker_head = obj
            claim.kind = "according_to" if ph.kind == "according_to" else None
            out.append(claim)
            break
    return out


def _phrase_content(art: Article, tok: Token, cue: tuple[int, int], speaker: tuple[int, int], phrase: tuple[int, int]) -> Claim | None:
    text = art.text
    claim = _phrase_clause(art, tok, cue, speaker, phrase)
    if claim is not None:
        return claim
    # A quote right before the phrase (“…,” according to X).
    q = art.quotes.last_before(phrase[0])
    if q is not None and not text[q.end : phrase[0]].strip(" ,(—–-") and not q.contains(*phrase):
        return Claim(cue, tok, speaker, None, [(q.inner_start, q.inner_end)])
    return None


def _phrase_clause(art: Article, tok: Token, cue: tuple[int, int], speaker: tuple[int, int], phrase: tuple[int, int]) -> Claim | None:
    """The clause an attributing phrase modifies, minus the phrase (one piece per side)."""
    forbidden = [speaker, cue]
    sent = tok.sent
    head = tok.head
    steps = 0
    while head.pos_ not in ("VERB", "AUX") and head.dep_ != "ROOT" and steps < 6:
        head = head.head
        steps += 1
    if head.i == tok.i:
        return None
    a, b = subtree_span(head)
    # Coordinated clauses after the phrase are not attributed ("..., according to X, but Y").
    for c in head.rights:
        if c.dep_ in ("conj", "cc") and c.idx > phrase[1]:
            b = min(b, c.left_edge.idx)
            break
    a, b = max(a, sent.start_char), min(b, sent.end_char)
    pieces = []
    for piece in ((a, phrase[0]), (phrase[1], b)):
        piece = art.in_line(piece, tok.idx)
        if piece[1] <= piece[0]:
            continue
        span = art.to_quote(piece, forbidden)
        span = clip(span, piece, forbidden)
        pa, pb = art.balance(*art.trim(*span))
        if pb > pa and art.words(pa, pb) >= 2:
            pieces.append((pa, pb))
    if not pieces:
        return None
    return Claim(cue, tok, speaker, None, pieces, content_root=head)
