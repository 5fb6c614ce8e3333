"""Claims that go on in quotes: the second half of a split quote ("“A,” she said. “B.”"),
the first half when the parser took only the second,
up to three following paragraphs that are nothing but a quote, and a quote signed by a
dash label after it ("“The show was great.” ¶ – Anna K.")."""

from __future__ import annotations

import bisect
import re

from newsetl.enrich.claims.article import Article, Claim, PieceIndex
from newsetl.enrich.claims.quotemarks import Quote

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
        row = _continued(art, index, c, q2)
        if row is not None:
            out.append(row)
    return out


def _continued(art: Article, index: PieceIndex, c: Claim, q: Quote) -> Claim | None:
    """Quote ``q``'s inner text as another row of claim ``c``, unless a claim holds it already
    or it is empty."""
    if any(True for _ in index.overlapping(q.inner_start, q.inner_end)):
        return None
    a, b = art.trim(q.inner_start, q.inner_end)
    return Claim(c.cue, c.cue_tok, c.speaker, c.speaker_head, [(a, b)], extra={"continues": c}) if b > a else None


_SENTENCE_END = frozenset(".!?”\"…")


def leading_quote_claims(art: Article, claims: list[Claim]) -> list[Claim]:
    """“A,” she said, “B.” when the parser hung B on the cue and A on nothing: A, the quote
    that opens its sentence and ends just before the speaker and cue, is a second row of
    the claim whose content is B."""
    text = art.text
    index = PieceIndex(claims)
    out = []
    for c in claims:
        if c.kind == "according_to" or len(c.pieces) != 1 or c.extra.get("continues") is not None:
            continue
        a, _ = c.pieces[0]
        q2 = art.quotes.at(a)
        clause_start = min(c.cue[0], c.speaker[0]) if c.speaker else c.cue[0]
        if q2 is None or q2.start < max(c.cue[1], c.speaker[1] if c.speaker else 0):
            continue
        q1 = art.quotes.last_before(clause_start)
        if q1 is None or text[q1.end : clause_start].strip(" ,") or "\n" in text[q1.start : q2.start]:
            continue
        before = text[art.line_of(q1.start)[0] : q1.start].rstrip()
        if before and before[-1] not in _SENTENCE_END:
            continue  # a quote inside a sentence ("After hitting “Takin’ It To the Streets,” ...")
        row = _continued(art, index, c, q1)
        if row is not None:
            out.append(row)
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
            row = _continued(art, index, first, q)
            if row is None:
                break
            out.append(row)
            line_end = q.end if q.end > line_end else line_end
    return out


def _trim_right(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


# A label signing the quote before it: a dash, then a name and at most a short title
# ("– Man**", "— Ivan Braiker, Chief Strategy Officer").
_LABEL = re.compile(r"[–—]\s*(?P<name>[^\W\d_][^,(\n]*?)\s*(?:[,(][^\n]*)?$")
_LABEL_WORDS = 5
_PARTICLES = frozenset({"de", "da", "van", "von", "der", "den", "al", "el", "bin", "la", "le", "du", "of"})


def _is_name(label: str) -> bool:
    """A short run of capitalised words ("Ivan Braiker", "Man**", "Dia**** Co** Ga****"),
    not a clause after a dash ("— and that was the end of it")."""
    words = label.split()
    return 0 < len(words) <= _LABEL_WORDS and words[0][0].isupper() and all(
        w[0].isupper() or w in _PARTICLES for w in words)


def labelled_quote_claims(art: Article, claims: list[Claim]) -> list[Claim]:
    """A paragraph that is one quote and nothing else, signed by a dash label right after
    it (at the end of the same paragraph or as the next paragraph), as reviews,
    testimonials and pull quotes are: the label names the speaker ("“The show was really
    great.” ¶ – Man**"). The dash is the cue."""
    text = art.text
    index = PieceIndex(claims)
    out: list[Claim] = []
    for q in art.quotes.quotes:
        line_start, line_end = art.line_of(q.start)
        if text[line_start : q.start].strip() or any(True for _ in index.overlapping(q.inner_start, q.inner_end)):
            continue
        label_start = q.end
        if not text[q.end : line_end].strip():
            label_start = line_end + 1
            while label_start < len(text) and text[label_start].isspace():
                label_start += 1
            if label_start >= len(text):
                continue
        else:
            label_start += len(text[q.end : line_end]) - len(text[q.end : line_end].lstrip())
        label_end = art.line_of(label_start)[1]
        m = _LABEL.match(text, label_start, label_end)
        if m is None or not _is_name(m.group("name")):
            continue
        claim = _labelled(art, q, (label_start, label_start + 1), m.span("name"))
        if claim is not None:
            out.append(claim)
    return out


def _labelled(art: Article, q: Quote, cue: tuple[int, int], name: tuple[int, int]) -> Claim | None:
    """The claim of quote ``q`` signed by the label ``name`` after the dash ``cue``."""
    doc = art.doc
    cue_span = doc.char_span(*cue, alignment_mode="expand")
    name_span = doc.char_span(*name, alignment_mode="expand")
    a, b = art.trim(q.inner_start, q.inner_end)
    if cue_span is None or name_span is None or len(name_span) == 0 or b <= a:
        return None
    head = name_span.root if name_span.root.is_alpha else next((t for t in reversed(name_span) if t.is_alpha), None)
    if head is None:
        return None
    return Claim(cue, cue_span[0], name, head, [(a, b)])
