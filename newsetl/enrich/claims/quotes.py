"""Claims that go on in quotes: the second half of a split quote ("“A,” she said. “B.”")
and up to three following paragraphs that are nothing but a quote."""

from __future__ import annotations

import bisect

from newsetl.enrich.claims.article import Article, Claim, PieceIndex

def split_quote_claims(art: Article, claims: list[Claim]) -> list[Claim]:
    """“A,” she said. “B.” -> B is a second row of the claim whose content is A."""
    text = art.text
    index = PieceIndex(claims)
    out = []
    for c in claims:
        if c.kind == "according_to" or len(c.pieces) != 1:
            continue
        a, b = c.pieces[0]
        q1 = art.quotes.at(a)
        if q1 is None or q1.end > c.cue[0]:
            continue
        clause_end = max(c.cue[1], c.speaker[1]) if c.speaker else c.cue[1]
        q2 = art.quotes.next_after(clause_end)
        if q2 is None:
            continue
        gap = text[clause_end : q2.start]
        sent_end = c.cue_tok.sent.end_char
        if len(gap) > 200 or "\n" in gap or q2.start > sent_end + 2 and text[sent_end : q2.start].strip():
            continue
        if art.quotes.overlapping(clause_end, q2.start):
            continue
        if any(True for _ in index.overlapping(q2.inner_start, q2.inner_end)):
            continue
        pa, pb = art.trim(q2.inner_start, q2.inner_end)
        if pb > pa:
            out.append(Claim(c.cue, c.cue_tok, c.speaker, c.speaker_head, [(pa, pb)], extra={"continues": c}))
    return out


_FLOATING_MAX = 3  # paragraphs of quote after the attributed one


def floating_quote_claims(art: Article, claims: list[Claim]) -> list[Claim]:
    """A paragraph that is one quote, with no attribution of its own, right after a
    paragraph that ends by attributing a quote: the same speaker goes on ("“A,” she said.
    ¶ “B.”"). Up to three such paragraphs."""
    text = art.text
    index = PieceIndex(claims)
    cue_starts = sorted(c.cue[0] for c in claims)
    out: list[Claim] = []
    by_cue: dict[tuple[int, int], list[Claim]] = {}
    for c in claims:
        by_cue.setdefault(c.cue, []).append(c)
    for cue, group in by_cue.items():
        first = group[0]
        if first.kind == "according_to" or first.extra.get("continues") is not None:
            continue
        if not any(art.quotes.overlapping(a, b) for c in group for a, b in c.pieces):
            continue
        end = max([b for c in group for _, b in c.pieces] + [cue[1], first.speaker[1] if first.speaker else 0])
        line_start, line_end = art.line_of(end)
        if line_end - end > 80 or art.quotes.overlapping(end, line_end):
            continue
        for _ in range(_FLOATING_MAX):
            nxt = line_end + 1
            while nxt < len(text) and text[nxt].isspace():
                nxt += 1
            if nxt >= len(text):
                break
            line_start, line_end = art.line_of(nxt)
            q = art.quotes.at(nxt)
            if q is None or q.start != nxt or q.end < _trim_right(text, line_start, line_end):
                break
            i = bisect.bisect_left(cue_starts, line_start)
            if i < len(cue_starts) and cue_starts[i] < line_end:
                break  # the paragraph has its own attribution
            if any(True for _ in index.overlapping(q.inner_start, q.inner_end)):
                break
            a, b = art.trim(q.inner_start, q.inner_end)
            if b <= a:
                break
            out.append(Claim(cue, first.cue_tok, first.speaker, first.speaker_head, [(a, b)], extra={"continues": first}))
            line_end = q.end if q.end > line_end else line_end
    return out


def _trim_right(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b
