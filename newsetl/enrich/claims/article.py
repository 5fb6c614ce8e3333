"""One article as the claim rules see it: its Doc, quotation marks and speakers, span
helpers over the dependency parse, and a claim under construction."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Token

from newsetl.enrich.claims.lexicon import Lexicon
from newsetl.enrich.claims.quotemarks import QuoteIndex, find_quotes
from newsetl.enrich.claims.speakers import Resolution, SpeakerResolver
from newsetl.enrich.nlp import doc_text

_TRIM = " \t\r\n,;:—–-"
_NP_LEFT_SKIP = frozenset({"punct", "cc", "preconj"})
_NP_RIGHT_KEEP = frozenset({"compound", "flat", "nmod", "nummod", "case", "poss", "amod"})
# Where the parser hangs a subject it did not attach to its verb.
_STRAY_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "appos", "npadvmod", "dep", "ROOT", "nmod"})


@dataclass
class Claim:
    cue: tuple[int, int]
    cue_tok: Token
    speaker: tuple[int, int] | None
    speaker_head: Token | None
    pieces: list[tuple[int, int]]
    kind: str | None = None  # according_to, else from the quotes
    target: Token | None = None
    target_span: tuple[int, int] | None = None
    content_root: Token | None = None
    resolution: Resolution | None = None
    order: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def tok_span(tok: Token) -> tuple[int, int]:
    return tok.idx, tok.idx + len(tok)


def subtree_span(tok: Token) -> tuple[int, int]:
    return tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge)


def np_span(head: Token) -> tuple[int, int]:
    """The speaker/target noun phrase of ``head``: its modifiers on the left, compound
    names and "of"-phrases on the right, a proper-noun apposition after a common noun;
    no relative clauses, long appositions, or trailing punctuation."""
    start = head.i
    for t in head.lefts:
        if t.dep_ in _NP_LEFT_SKIP:
            continue
        start = min(start, t.left_edge.i)
        break
    end = head.i
    for t in head.rights:
        keep = t.dep_ in _NP_RIGHT_KEEP or (t.dep_ == "prep" and t.lower_ in ("of", "for", "at", "with", "by"))
        if t.dep_ == "appos" and head.pos_ != "PROPN" and t.pos_ == "PROPN":
            keep = True
        if t.dep_ in ("cc", "conj") and t.i <= end + 2:
            keep = True
        if t.dep_ == "punct" and t.i == end + 1 and any(r.dep_ == "appos" and r.pos_ == "PROPN" for r in head.rights):
            keep = head.pos_ != "PROPN"
        if not keep:
            break
        end = max(end, t.right_edge.i)
    doc = head.doc
    while end > start and doc[end].is_punct:
        end -= 1
    while start < end and doc[start].is_punct:
        start += 1
    return doc[start].idx, doc[end].idx + len(doc[end])


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def cut(span: tuple[int, int], forbidden: Sequence[tuple[int, int] | None]) -> list[tuple[int, int]]:
    """``span`` minus the forbidden spans: the non-empty pieces left, in order."""
    pieces = [span]
    for f in forbidden:
        if f is None:
            continue
        nxt = []
        for a, b in pieces:
            if not overlaps((a, b), f):
                nxt.append((a, b))
                continue
            if a < f[0]:
                nxt.append((a, f[0]))
            if f[1] < b:
                nxt.append((f[1], b))
        pieces = nxt
    return [p for p in pieces if p[1] > p[0]]


def clip(span: tuple[int, int], core: tuple[int, int], forbidden: Sequence[tuple[int, int] | None]) -> tuple[int, int]:
    """Narrow ``span`` around ``core`` so it overlaps none of the forbidden spans."""
    a, b = span
    for f in forbidden:
        if f is None or not overlaps((a, b), f):
            continue
        if f[1] <= core[0]:
            a = max(a, f[1])
        elif f[0] >= core[1]:
            b = min(b, f[0])
        else:  # the forbidden span is inside the core: keep the larger side
            if f[0] - a >= b - f[1]:
                b = f[0]
            else:
                a = f[1]
    return a, max(a, b)


class Article:
    """Everything about one Doc the rules need."""

    def __init__(self, doc: Doc, mentions: Sequence[dict], lexicon: Lexicon) -> None:
        self.doc = doc
        self.text = doc_text(doc)
        self.lexicon = lexicon
        self.quotes = QuoteIndex(find_quotes(self.text))
        self.resolver = SpeakerResolver(doc, mentions, self.quotes, lexicon.person_nominals, lexicon.org_nominals,
                                        text=self.text)
        self.sent_starts = [s.start for s in doc.sents] if doc.has_annotation("DEP") or doc.has_annotation("SENT_START") else [0]
        self.breaks = [m.start() for m in re.finditer("\n", self.text)]
        self.tok_starts = [t.idx for t in doc]

    def line_of(self, pos: int) -> tuple[int, int]:
        """[start, end) of the line (paragraph) holding ``pos``."""
        i = bisect.bisect_right(self.breaks, pos)
        start = self.breaks[i - 1] + 1 if i > 0 else 0
        end = self.breaks[i] if i < len(self.breaks) else len(self.text)
        return start, end

    def in_line(self, span: tuple[int, int], pos: int) -> tuple[int, int]:
        """``span`` cut to the line of ``pos`` (a parse never carries content over a break)."""
        a, b = self.line_of(pos)
        return max(span[0], a), min(span[1], b)

    # ------------------------------------------------------------------ spans
    def sentence_index(self, tok: Token) -> int:
        return max(0, bisect.bisect_right(self.sent_starts, tok.i) - 1)

    def trim(self, a: int, b: int) -> tuple[int, int]:
        """Strip spaces, separators and dangling quote marks from both ends of [a, b)."""
        text = self.text
        while True:
            before = (a, b)
            while a < b and text[a] in _TRIM:
                a += 1
            while b > a and text[b - 1] in _TRIM:
                b -= 1
            if a < b:
                q = self.quotes.at(a)
                # A closing mark at the start, or an opening mark at the end, is dangling.
                if q is not None and q.inner_end <= a < q.end and q.start < a:
                    a = q.end
                q = self.quotes.at(b - 1)
                if q is not None and q.start <= b - 1 < q.inner_start and q.end > b:
                    b = q.start
            if (a, b) == before:
                return a, b

    def token_at(self, pos: int) -> Token | None:
        i = bisect.bisect_right(self.tok_starts, pos) - 1
        return self.doc[i] if i >= 0 else None

    def strip_complementizer(self, a: int, b: int) -> tuple[int, int]:
        """Drop a leading complementizer "that" (not the pronoun: "that will have to change")."""
        tok = self.token_at(a)
        if tok is not None and tok.idx == a and tok.lower_ == "that" and tok.dep_ == "mark":
            a2 = tok.idx + len(tok)
            while a2 < b and self.text[a2].isspace():
                a2 += 1
            if a2 < b:
                return a2, b
        return a, b

    def balance(self, a: int, b: int) -> tuple[int, int]:
        """Quotation marks in a content: a content that is exactly one quote loses its marks;
        a quote opened inside the content and left open at its end gets its closing mark."""
        q = self.quotes.at(a)
        if q is not None and a == q.start and q.inner_end - 2 <= b <= q.end:
            return q.inner_start, min(b, q.inner_end)
        q = self.quotes.at(b - 1) if b > a else None
        if q is not None and q.start >= a and q.inner_end - 2 <= b < q.end and not self.text[b:q.inner_end].strip(".,;:!?"):
            return a, q.end
        return a, b

    def to_quote(self, span: tuple[int, int], forbidden: Sequence[tuple[int, int] | None]) -> tuple[int, int]:
        """Grow a content span to the whole of each quote it touches (multi-sentence and
        multi-paragraph quotes), but never over its own speaker or cue."""
        a, b = span
        for q in self.quotes.overlapping(a, b):
            if q.inner_start >= b or q.inner_end <= a:
                continue
            grown = (min(a, q.inner_start), max(b, q.inner_end))
            if any(f is not None and overlaps(grown, f) and not overlaps(span, f) for f in forbidden):
                continue
            a, b = grown
        return a, b

    def words(self, a: int, b: int) -> int:
        return len(re.findall(r"\w+", self.text[a:b]))

    # ------------------------------------------------------------------ speakers
    def subject_of(self, verb: Token, depth: int = 0) -> tuple[Token | None, bool]:
        """(subject head, passive?) of a cue verb, inherited from the verb it depends on
        when it has none of its own."""
        subjects = [c for c in verb.children if c.dep_ == "nsubj"]
        if subjects:
            # Two subjects is a parse error around a quote ("“Dear Michael,” the speaker
            # says"): the one outside quotation marks and nearest the verb.
            c = min(subjects, key=lambda t: (self.quotes.at(t.idx) is not None, abs(t.i - verb.i)))
            return c, False
        if any(c.dep_ == "nsubjpass" for c in verb.children):
            for c in verb.children:
                if c.dep_ == "agent":
                    for p in c.children:
                        if p.dep_ == "pobj":
                            return p, False
            return None, True
        if depth < 3:
            head = verb.head
            marks = [c for c in verb.children if c.dep_ in ("mark", "aux")]
            inherit = verb.dep_ in ("conj", "xcomp") or (
                verb.dep_ == "advcl"
                and (
                    (verb.tag_ == "VBG" and not marks)  # "tweeted, saying ..."
                    or (verb.tag_ == "VB" and any(m.lower_ == "to" for m in marks))  # "... to defend herself"
                )
            )
            if inherit and head is not verb and head.pos_ in ("VERB", "AUX"):
                return self.subject_of(head, depth + 1)
            if verb.dep_ == "pcomp" and verb.tag_ == "VBG" and head.head.pos_ in ("VERB", "AUX") and head.head is not head:
                # "distanced himself by saying ...", "responded before adding ..."
                return self.subject_of(head.head, depth + 1)
            if verb.dep_ == "xcomp" and head.pos_ == "ADJ" and head.dep_ == "acomp" and head.head.pos_ in ("VERB", "AUX"):
                # "voters are more likely to say", "was quick to point out"
                return self.subject_of(head.head, depth + 1)
            if verb.dep_ == "acl" and verb.tag_ == "VBN":
                return None, True
        if verb.dep_ == "ROOT" and depth == 0:
            return self.subject_before(verb), False
        return None, False

    def subject_before(self, verb: Token) -> Token | None:
        """A subject the parser hung elsewhere: the largest noun phrase ending right before
        the verb ("A White House official who spoke anonymously ... said")."""
        i = verb.i - 1
        sent_start = verb.sent.start
        while i >= sent_start and (verb.doc[i].dep_ in ("advmod", "punct", "aux", "neg") and verb.doc[i].head.i == verb.i or verb.doc[i].is_punct):
            i -= 1
        if i < sent_start:
            return None
        end_tok = verb.doc[i]
        best: Token | None = None
        t = end_tok
        while t.right_edge.i == end_tok.i and t.left_edge.i >= sent_start and t.pos_ not in ("VERB", "AUX"):
            if t.pos_ in ("NOUN", "PROPN", "PRON") and self.quotes.at(t.idx) is None and t.dep_ in _STRAY_SUBJECT_DEPS:
                best = t
            if t.head is t:
                break
            t = t.head
        return best



def child(tok: Token, *deps: str) -> Token | None:
    for c in tok.children:
        if c.dep_ in deps:
            return c
    return None


def prep_object(prep: Token) -> Token | None:
    for c in prep.children:
        if c.dep_ in ("pobj", "pcomp"):
            return c
    return None


def in_line_of(art: Article, tok: Token, cand: Token) -> bool:
    a, b = art.line_of(tok.idx)
    return a <= cand.idx < b



class PieceIndex:
    """Content pieces of a list of claims, by position (contents are local: a lookup
    only looks back over ``window`` characters, so a long article stays linear)."""

    def __init__(self, claims: Sequence[Claim], window: int = 20_000) -> None:
        items = sorted(((a, b, c) for c in claims for a, b in c.pieces), key=lambda x: x[0])
        self._items = items
        self._starts = [x[0] for x in items]
        self.window = window

    def overlapping(self, a: int, b: int) -> Iterable[Claim]:
        i = bisect.bisect_left(self._starts, b) - 1
        while i >= 0 and self._items[i][0] > a - self.window:
            pa, pb, c = self._items[i]
            if pa < b and a < pb:
                yield c
            i -= 1
