"""Candidates and features of the attribution model, over one parsed Doc.

Three decisions, each a small logistic model (:mod:`newsetl.enrich.claims.model.linear`):

* **cue**: is this token the head of an attribution cue (a reporting verb, a noun such
  as "claim", "according to", a colon or dash introducing what someone said)?
* **content**: which of the candidate spans the parse offers around a cue is what was
  attributed (a clause complement, an object, the clause around an inserted "he said",
  an adjacent quote, the sentence before a closing ", said X", the sentences after a
  colon, ...; each also grown to the whole quotes it touches)?
* **source**: which noun phrase of the sentence (or the one before) is the cue's
  source, or none?

The rule extractor's own answer (:mod:`newsetl.enrich.claims`) is a feature of each decision,
so the model learns where the rules are right and where they are not. Besides these
string features each decision sees the parse's own token vectors (``doc.tensor``, the
tok2vec output the tagger and parser already computed).

Speed: the Doc is read once into plain Python lists (:class:`DocView`); the feature
functions work on token numbers, never on spaCy ``Token`` objects (making one costs
about as much as computing a feature).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from spacy.attrs import DEP, ENT_TYPE, HEAD, IDX, IS_PUNCT, IS_STOP, LEMMA, LENGTH, LOWER, POS, SENT_START, TAG
from spacy.tokens import Doc

from newsetl.enrich.claims.cueclass import CUE_PUNCT, cue_class_table
from newsetl.enrich.claims.quotemarks import QuoteIndex, find_quotes
from newsetl.enrich.nlp import doc_text

Span = tuple[int, int]

TENSOR_WIDTH = 96  # en_core_web_sm's tok2vec width (doc.tensor)
# Tokens that may head a cue besides verbs and adjectives (nouns come from the model's list).
_ANCHOR_POS = frozenset({"VERB", "AUX", "NOUN", "ADJ"})
_CONTENT_DEPS = frozenset(
    {"ccomp", "xcomp", "dobj", "attr", "oprd", "advcl", "prep", "parataxis", "acomp", "dative", "npadvmod", "conj",
     "acl", "relcl", "appos", "pobj", "pcomp"}
)
_LEFT_CONTENT_DEPS = frozenset({"ccomp", "parataxis", "advcl", "dobj", "pobj"})
_CLAUSE_DEPS = frozenset({"nsubj", "nsubjpass", "aux", "auxpass", "neg", "advmod", "prt", "agent"})
_NP_STOP = frozenset({"relcl", "acl", "appos", "punct", "cc", "conj", "advcl", "parataxis"})
_TRIM = " \t\r\n,;:—–-"
_WORD = re.compile(r"\w+")


def _bucket(n: int, edges: Sequence[int] = (0, 1, 2, 3, 5, 8, 12, 20, 35, 60)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return "big"


@dataclass
class Candidate:
    """A content candidate: its pieces (character spans) and how it was made."""

    pieces: list[Span]
    kind: str
    feats: list[str] = field(default_factory=list)


class DocView:
    """One Doc read once into lists (token numbers in, plain values out), with the
    quotes, sentences, paragraphs, word positions and the rules' claims."""

    def __init__(self, doc: Doc, rules_rows: Sequence[dict] = (), text: str | None = None) -> None:
        self.doc = doc
        self.text = text = doc_text(doc) if text is None else text
        self.cache: dict[str, object] = {}  # per-Doc values of a model (dense projections)
        self.quotes = QuoteIndex(find_quotes(text))
        n = len(doc)
        self.n = n
        # One to_array call instead of a Token object per token and attribute; each string
        # column is mapped through its distinct hashes (converting 64-bit hashes one by
        # one to Python ints is the slow part).
        arr = doc.to_array([IDX, LENGTH, HEAD, IS_PUNCT, IS_STOP, SENT_START, LOWER, LEMMA, POS, TAG, DEP, ENT_TYPE])
        strings = doc.vocab.strings

        def column(k: int) -> list[str]:
            if not n:
                return []
            uniq, inverse = np.unique(arr[:, k], return_inverse=True)
            names = [strings[int(h)] if h else "" for h in uniq]
            return [names[j] for j in inverse.tolist()]

        # Whole columns, not a list per token (those made the garbage collector walk the heap).
        ints = arr[:, :6].astype(np.int64) if n else np.zeros((0, 6), dtype=np.int64)
        self.idx = ints[:, 0].tolist()
        self.end = (ints[:, 0] + ints[:, 1]).tolist()
        # HEAD is a relative offset (stored unsigned; astype(int64) restores the sign).
        self.head = (np.arange(n) + ints[:, 2]).tolist()
        self.punct = (ints[:, 3] != 0).tolist()
        self.stop = (ints[:, 4] != 0).tolist()
        self.lower = column(6)
        self.lemma = [x.lower() for x in column(7)]
        self.pos = column(8)
        self.tag = column(9)
        self.dep = column(10)
        self.ent = column(11)
        # A Doc without a dependency parse has every DEP empty (Doc.has_annotation, cheaper).
        self.parsed = any(self.dep)
        # A leaf's children are one shared empty tuple, not an empty list per token.
        children: list[Sequence[int]] = [()] * n
        for i, h in enumerate(self.head):
            if h != i:
                kids = children[h]
                if kids:
                    kids.append(i)  # type: ignore[attr-defined]
                else:
                    children[h] = [i]
        self.children = children
        # Subtree edges: every token widens the span of each of its ancestors.
        self.left = list(range(n))
        self.right = list(range(n))
        head, left, right = self.head, self.left, self.right
        for i in range(n):
            h, steps = head[i], 0
            while h != i and steps < 200:
                if i < left[h]:
                    left[h] = i
                elif i > right[h]:
                    right[h] = i
                nxt = head[h]
                if nxt == h:
                    break
                h, steps = nxt, steps + 1
        starts = np.flatnonzero((ints[:, 5] == 1) | (np.arange(n) == 0)).tolist()
        self.sent_bounds: list[tuple[int, int]] = [(a, b) for a, b in zip(starts, starts[1:] + [n])]
        self.sent_starts = starts
        self.sent_of: list[int] = [0] * n
        for k, (a, b) in enumerate(self.sent_bounds):
            for i in range(a, b):
                self.sent_of[i] = k
        self.breaks = [m.start() for m in re.finditer("\n", text)]
        self.word_starts = [m.start() for m in _WORD.finditer(text)]
        self.word_ends = [m.end() for m in _WORD.finditer(text)]
        tensor = doc.tensor
        if tensor is None or getattr(tensor, "shape", (0,))[0] != n:
            tensor = np.zeros((n, TENSOR_WIDTH), dtype=np.float32)
        self.tensor = np.asarray(tensor, dtype=np.float32)
        # The rules' claims, by the token their cue starts at: content pieces and speaker.
        self.rule_tok: dict[int, dict] = {}
        for r in rules_rows:
            i = self.tok_at(int(r["cue_start"]))
            e = self.rule_tok.setdefault(i, {"pieces": [], "speaker": None})
            e["pieces"].append((int(r["content_start"]), int(r["content_end"])))
            if r.get("speaker_start") is not None:
                e["speaker"] = (int(r["speaker_start"]), int(r["speaker_end"]))

    # ---------------------------------------------------------------- positions
    def sent_index(self, i: int) -> int:
        return self.sent_of[i] if 0 <= i < self.n else 0

    def sent_chars(self, k: int) -> Span:
        a, b = self.sent_bounds[k]
        return self.idx[a], self.end[b - 1]

    def sent_quotes(self, k: int) -> int:
        """How many quotes overlap sentence ``k`` (counted once per sentence)."""
        counts = self.cache.setdefault("sent_quotes", {})
        n = counts.get(k)  # type: ignore[union-attr]
        if n is None:
            a, b = self.sent_chars(k)
            n = counts[k] = len(self.quotes.overlapping(a, b))  # type: ignore[index]
        return n

    def line_of(self, pos: int) -> Span:
        i = bisect.bisect_right(self.breaks, pos)
        start = self.breaks[i - 1] + 1 if i > 0 else 0
        end = self.breaks[i] if i < len(self.breaks) else len(self.text)
        return start, end

    def tok_at(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.idx, pos) - 1)

    def word_range(self, a: int, b: int) -> range:
        """Numbers of the \\w+ words overlapping [a, b)."""
        return range(bisect.bisect_right(self.word_ends, a), bisect.bisect_left(self.word_starts, b))

    def words(self, pieces: Iterable[Span]) -> int:
        return sum(len(self.word_range(a, b)) for a, b in pieces)

    def word_set(self, pieces: Iterable[Span]) -> set[int]:
        out: set[int] = set()
        for a, b in pieces:
            out.update(self.word_range(a, b))
        return out

    def trim(self, a: int, b: int) -> Span:
        text = self.text
        while a < b and text[a] in _TRIM:
            a += 1
        while b > a and text[b - 1] in _TRIM:
            b -= 1
        return a, b

    def to_quote(self, a: int, b: int) -> Span:
        """[a, b) grown to the whole of each quote it touches (marks included)."""
        for q in self.quotes.overlapping(a, b):
            if q.inner_start >= b or q.inner_end <= a:
                continue
            a, b = min(a, q.start), max(b, q.end)
        return a, b

    # ---------------------------------------------------------------- tree
    def tok_span(self, i: int) -> Span:
        return self.idx[i], self.end[i]

    def subtree_span(self, i: int) -> Span:
        return self.idx[self.left[i]], self.end[self.right[i]]

    def np_span(self, h: int) -> Span:
        """A noun phrase: the head's subtree without the clauses on its right."""
        start, end = self.left[h], h
        for c in self.children[h]:
            if c < h:
                continue
            if self.dep[c] in _NP_STOP:
                break
            end = max(end, self.right[c])
        while start < end and self.punct[start]:
            start += 1
        while end > start and self.punct[end]:
            end -= 1
        return self.idx[start], self.end[end]

    def child(self, i: int, deps: Iterable[str]) -> int | None:
        for c in self.children[i]:
            if self.dep[c] in deps:
                return c
        return None


def minus(span: Span, holes: Iterable[Span | None]) -> list[Span]:
    pieces = [span]
    for h in holes:
        if h is None:
            continue
        nxt = []
        for a, b in pieces:
            if b <= h[0] or h[1] <= a:
                nxt.append((a, b))
                continue
            if a < h[0]:
                nxt.append((a, h[0]))
            if h[1] < b:
                nxt.append((h[1], b))
        pieces = nxt
    return [p for p in pieces if p[1] > p[0]]


def overlap(v: DocView, p1: Iterable[Span], p2: Iterable[Span]) -> float:
    """Shared words over the words of the longer of the two (the benchmark's measure)."""
    s1, s2 = v.word_set(p1), v.word_set(p2)
    if not s1 or not s2:
        return 0.0
    return len(s1 & s2) / max(len(s1), len(s2))


# ============================================================================ cue
def cue_anchor(doc: Doc, pieces: Sequence[Span], content: Sequence[Span] = ()) -> int | None:
    """The head token of a gold cue span, for training labels: the cue word that governs
    the content ("are quick to [point] out that ..."), else the word whose head lies
    outside the span (a verb first)."""
    idx = [t.i for a, b in pieces for t in doc.char_span(a, b, alignment_mode="expand") or ()]
    if not idx:
        return None
    inside = set(idx)
    if content:
        span = doc.char_span(content[0][0], content[0][1], alignment_mode="expand")
        first = next((t for t in span or () if not t.is_punct), None)
        if first is not None:
            governors = [
                i for i in idx
                if doc[i].pos_ in _ANCHOR_POS and doc[i].left_edge.i <= first.i <= doc[i].right_edge.i and first in doc[i].subtree
            ]
            if governors:
                return min(governors, key=lambda i: (doc[i].right_edge.i - doc[i].left_edge.i, i))
    heads = [i for i in idx if doc[i].head.i not in inside or doc[i].head.i == i]
    heads = heads or idx
    heads.sort(key=lambda i: (doc[i].pos_ not in ("VERB", "AUX"), doc[i].pos_ != "NOUN", i))
    return heads[0]


def is_cue_candidate(v: DocView, i: int, nouns: frozenset[str]) -> bool:
    pos = v.pos[i]
    if pos == "VERB":
        return True
    if pos == "AUX":
        return v.dep[i] not in ("aux", "auxpass")
    if pos in ("NOUN", "PROPN"):
        return v.lemma[i] in nouns
    if pos == "ADJ":
        # "is sure (that) ...", "was critical of ...", or a listed one
        return v.lemma[i] in nouns or (
            v.dep[i] in ("acomp", "amod", "ROOT") and any(v.dep[c] in ("ccomp", "prep", "xcomp") for c in v.children[i])
        )
    low = v.lower[i]
    return low in CUE_PUNCT or low == "according"


_MAYBE_CUE_POS = frozenset({"VERB", "AUX", "NOUN", "PROPN", "ADJ"})


def cue_candidates(v: DocView, nouns: frozenset[str], skip: frozenset[str] = frozenset()) -> list[int]:
    """Tokens :func:`is_cue_candidate` accepts whose lemma is not in ``skip``; most tokens
    fail on their part of speech alone, tested here without a call per token."""
    pos, lower, lemma = v.pos, v.lower, v.lemma
    return [i for i in range(v.n)
            if (pos[i] in _MAYBE_CUE_POS or lower[i] in CUE_PUNCT or lower[i] == "according")
            and lemma[i] not in skip and is_cue_candidate(v, i, nouns)]


def subject_of(v: DocView, i: int) -> int | None:
    for c in v.children[i]:
        if v.dep[c] in ("nsubj", "nsubjpass"):
            return c
    h = i
    for _ in range(3):
        if v.dep[h] in ("conj", "xcomp", "advcl") and v.head[h] != h:
            h = v.head[h]
            for c in v.children[h]:
                if v.dep[c] == "nsubj":
                    return c
        else:
            break
    return None


def _ent_class(v: DocView, i: int) -> str:
    if v.ent[i]:
        return v.ent[i]
    if v.pos[i] == "PRON":
        return "PRON:" + v.lower[i]
    return v.pos[i]


_AGENT_ENTS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
# Personal pronouns and possessives: a subject or possessor that can speak.
_AGENT_WORDS = frozenset({"i", "we", "you", "he", "she", "they", "who", "his", "her", "their", "our", "my"})


def _agent(v: DocView, x: int | None) -> str:
    """Whether a subject or possessor can speak: a person-like name or pronoun, another noun, none."""
    if x is None:
        return "none"
    if v.ent[x] in _AGENT_ENTS or v.lower[x] in _AGENT_WORDS:
        return "agent"
    return "thing"


class _Frame(NamedTuple):
    """The cue's clause as both feature groups read it, from one pass over its children."""

    agent: str  # can the subject speak (``_agent``)
    comp: int | None  # the first clausal or adjectival complement (ccomp, xcomp, acl): D74's shape
    clausal: str  # the first ccomp or xcomp's relation, or "-": D78's class frame (an acl is no reported clause)
    poss: int | None  # a noun's possessor


def _frame(v: DocView, i: int, subj: int | None) -> _Frame:
    comp = poss = None
    clausal = "-"
    deps = v.dep
    for c in v.children[i]:
        d = deps[c]
        if d == "ccomp" or d == "xcomp":
            if clausal == "-":
                clausal = d
            if comp is None:
                comp = c
        elif d == "acl":
            if comp is None:
                comp = c
        elif d == "poss" and poss is None:
            poss = c
    return _Frame(_agent(v, subj), comp, clausal, poss)


def _context_features(v: DocView, i: int, frame: _Frame) -> list[str]:
    """Features that hold across lemmas (D74): the clause's shape (can its subject speak,
    which clausal complement it takes), a noun's possessor and governor, whether a cue the
    rules found governs it (speech inside speech) and how many other rule cues share its sentence."""
    lem, pos, dep = v.lemma[i], v.pos[i], v.dep[i]
    comp, poss, agent = frame.comp, frame.poss, frame.agent
    comp_dep = "-" if comp is None else v.dep[comp]
    f = [
        "shape=" + pos + "|" + dep + "|" + agent + "|" + comp_dep,
        "comp_tag=" + ("-" if comp is None else comp_dep + "|" + v.tag[comp]),
        "agent_lem=" + agent + "|" + lem,
    ]
    if comp_dep == "xcomp":
        f.append("lem_xcomp=" + lem + "|" + v.lemma[comp])  # type: ignore[index]
    if pos == "NOUN" or pos == "PROPN" or pos == "ADJ":
        f.append("poss=" + _agent(v, poss) + "|" + pos)
        f.append("hlem_dep=" + v.lemma[v.head[i]] + "|" + dep)
    head, rule_tok = v.head, v.rule_tok
    h, nested = i, "no"
    for _ in range(4):
        if head[h] == h:
            break
        h = head[h]
        if h in rule_tok:
            nested = dep
            break
    f.append("under_rule=" + nested)
    per_sent = v.cache.get("sent_rules")
    if per_sent is None:
        per_sent = v.cache["sent_rules"] = Counter(v.sent_of[t] for t in v.rule_tok)
    is_rule = i in v.rule_tok
    others = per_sent.get(v.sent_of[i], 0) - is_rule  # type: ignore[attr-defined]
    f.append("sent_rules=" + _bucket(others, (0, 1, 2)) + "|" + str(is_rule))
    return f


class SpanIndex:
    """Character spans [start, end) with an owner each, by start, with the running maximum
    of their ends: the spans overlapping a stretch without a scan of all of them (D101)."""

    def __init__(self, spans: Iterable[tuple[int, int, object]]) -> None:
        items = sorted(spans, key=lambda x: (x[0], x[1]))
        self._items = items
        self._starts = [a for a, _, _ in items]
        reach, top = [], -(10**18)
        for _, b, _ in items:
            top = max(top, b)
            reach.append(top)
        self._reach = reach

    def overlapping(self, a: int, b: int) -> list[object]:
        """Owners of the spans with start < b and end > a (an owner once per span)."""
        k = bisect.bisect_left(self._starts, b) - 1
        items, reach, out = self._items, self._reach, []
        while k >= 0 and reach[k] > a:
            _, end, owner = items[k]
            if end > a:
                out.append(owner)
            k -= 1
        return out


class RuleIndex:
    """The rules' claims of one view, indexed once per Doc: their cue tokens in order, and
    their content pieces by position (a :class:`SpanIndex` owned by the cue tokens).
    Before (D101) every cue and content candidate scanned all of the article's rule claims:
    a cost in candidates times claims, quadratic in the length of the text."""

    def __init__(self, rule_tok: dict[int, dict]) -> None:
        self.cues = sorted(rule_tok)
        self._cue_set = frozenset(rule_tok)
        # sorted whole first, so pieces with the same extent keep their cue tokens' order
        self._contents = SpanIndex(sorted((a, b, t) for t, e in rule_tok.items() for a, b in e["pieces"]))

    def covering(self, pos: int) -> list[int]:
        """Cue tokens of the content pieces with start <= pos < end, the last piece (by
        start, end, cue) first."""
        return self._contents.overlapping(pos, pos + 1)  # type: ignore[return-value]

    def cues_between(self, first: int, last: int, but: int) -> bool:
        """Whether a rule cue other than token ``but`` lies in tokens [first, last]."""
        n = bisect.bisect_right(self.cues, last) - bisect.bisect_left(self.cues, first)
        if first <= but <= last and but in self._cue_set:
            n -= 1
        return n > 0


class Covered:
    """The union of the half-open spans added so far: whether any of them holds a position,
    in log time (D101; before, every decoded cue scanned the list of all spans)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, a: int, b: int) -> None:
        if b <= a:
            return  # an empty span holds nothing
        lo = bisect.bisect_left(self._ends, a)  # the first run ending at or after a
        hi = bisect.bisect_right(self._starts, b)  # past the last run starting at or before b
        if lo < hi:
            a, b = min(a, self._starts[lo]), max(b, self._ends[hi - 1])
        self._starts[lo:hi] = [a]
        self._ends[lo:hi] = [b]

    def __contains__(self, pos: int) -> bool:
        k = bisect.bisect_right(self._starts, pos) - 1
        return k >= 0 and pos < self._ends[k]


def rule_index(v: DocView) -> RuleIndex:
    """The view's :class:`RuleIndex`, made on first use."""
    got = v.cache.get("rule_index")
    if got is None:
        got = v.cache["rule_index"] = RuleIndex(v.rule_tok)
    return got  # type: ignore[return-value]


def _placement_features(v: DocView, i: int, subj: int | None, cat: str, frame: _Frame) -> list[str]:
    """Where the candidate sits, not which word it is (D78): how far the nearest quote is
    (or, inside one, its nearer end); for a candidate without a subject, what a participle
    or relative clause hangs on ("super PACs backing ..."); whether it lies in what a rule
    cue before or after it reports (speech inside speech), as that content's head or deeper; and its class in
    ``cue_classes.yaml`` with the clause's shape (that list holds cognition verbs the
    lexicon lacks: "see", "seem", "remember")."""
    pos = v.idx[i]
    quote = v.quotes.at(pos)
    if quote is not None:
        f = ["qin=" + _bucket(min(pos - quote.start, quote.end - v.end[i]), (10, 30, 80, 200)) + "|" + cat]
    else:
        b, a = v.quotes.last_before(pos), v.quotes.next_after(v.end[i])
        d = min(pos - b.end if b is not None else 10**6, a.start - v.end[i] if a is not None else 10**6)
        f = ["qnear=" + _bucket(d, (2, 5, 15, 40, 100, 300)) + "|" + cat]
    dep = v.dep[i]
    if subj is None:
        h = v.head[i]
        kind = _agent(v, h) if dep in ("acl", "relcl", "amod") and h != i else "-"
        f.append("implied_subj=" + dep + "|" + kind + "|" + v.tag[i])
    # the last rule content (by start) that holds the candidate, of another cue than itself
    rules = rule_index(v)
    t = next((t for t in rules.covering(pos) if t != i), None)
    where = "no" if t is None else "after" if t < i else "before"
    f.append("in_rule_content=" + where + "|" + str(quote is not None) + "|" + cat)
    if where != "no":
        # the reported clause's own head ("said [he] claimed ...") or a word deeper in it
        h = v.head[i]
        top = h == i or next(iter(rules.covering(v.idx[h])), None) is None
        f.append("rule_content_top=" + where + "|" + str(top) + "|" + v.pos[i])
    cls = cue_class_table().classes.get(v.lemma[i], "-")
    f.append("cls=" + cls + "|" + v.pos[i])
    f.append("cls_frame=" + cls + "|" + frame.agent + "|" + frame.clausal + "|" + dep)
    return f


def cue_features(v: DocView, i: int, lexicon_cat: str | None) -> list[str]:
    lem, dep, tag = v.lemma[i], v.dep[i], v.tag[i]
    h = v.head[i]
    cat = str(lexicon_cat)
    f = [
        "bias",
        "lem=" + lem,
        "low=" + v.lower[i],
        "pos=" + v.pos[i],
        "tag=" + tag,
        "dep=" + dep,
        "lem_dep=" + lem + "|" + dep,
        "lem_tag=" + lem + "|" + tag,
        "hdep=" + v.dep[h] + "|" + dep,
        "hlem=" + v.lemma[h],
        "lex=" + cat,
        "lex_dep=" + cat + "|" + dep,
    ]
    kids = v.children[i]
    deps = sorted({v.dep[c] for c in kids})
    for d in deps:
        f.append("ch=" + d)
        f.append("lem_ch=" + lem + "|" + d)
    f.append("chset=" + ",".join(d for d in deps if d in ("nsubj", "nsubjpass", "ccomp", "xcomp", "dobj", "prep", "agent", "dative")))
    for c in kids:
        d = v.dep[c]
        if d in ("prep", "prt", "mark", "neg", "aux", "auxpass"):
            f.append("chw=" + d + ":" + v.lower[c])
            f.append("lem_chw=" + lem + "|" + d + ":" + v.lower[c])
        elif d == "ccomp":
            m = next((v.lower[x] for x in v.children[c] if v.dep[x] == "mark"), "-")
            f.append("ccomp_mark=" + m)
    subj = subject_of(v, i)
    if subj is not None:
        sc = _ent_class(v, subj)
        f.append("subj=" + sc)
        f.append("lem_subj=" + lem + "|" + sc)
        f.append("subj_lem=" + v.lemma[subj])
    else:
        f.append("nosubj|" + dep)
    prev_low = v.lower[i - 1] if i > 0 else "<s>"
    next_low = v.lower[i + 1] if i + 1 < v.n else "</s>"
    f.append("prev=" + prev_low)
    f.append("next=" + next_low)
    f.append("prevpos=" + (v.pos[i - 1] if i > 0 else "<s>"))
    f.append("nextpos=" + (v.pos[i + 1] if i + 1 < v.n else "</s>"))
    f.append("lem_next=" + lem + "|" + next_low)
    pos = v.idx[i]
    f.append("inquote=" + str(v.quotes.at(pos) is not None))
    sa, sb = v.sent_bounds[v.sent_of[i]]
    nq = v.sent_quotes(v.sent_of[i])
    f.append("sentq=" + _bucket(nq, (0, 1, 2)))
    f.append("lem_sentq=" + lem + "|" + str(nq > 0))
    before = v.quotes.last_before(pos)
    if before is not None and pos - before.end < 40:
        f.append("qbefore=" + _bucket(pos - before.end, (2, 5, 15, 40)))
    after = v.quotes.next_after(v.end[i])
    if after is not None and after.start - pos < 40:
        f.append("qafter=" + _bucket(after.start - pos, (2, 5, 15, 40)))
    f.append("pos_in_sent=" + _bucket(i - sa, (0, 1, 2, 4, 8, 16)))
    f.append("to_end=" + _bucket(sb - i, (1, 2, 3, 5, 8, 16)))
    rule = v.rule_tok.get(i)
    f.append("rule=" + str(rule is not None))
    f.append("rule_lem=" + str(rule is not None) + "|" + lem)
    frame = _frame(v, i, subj)
    f += _context_features(v, i, frame)
    f += _placement_features(v, i, subj, cat, frame)
    if v.lower[i] in CUE_PUNCT:
        line = v.line_of(pos)
        f.append("punct_words_before=" + _bucket(v.words([(line[0], pos)]), (1, 2, 3, 5, 8)))
        f.append("punct_q_after=" + str(after is not None and after.start - pos < 4))
    return f


# ============================================================================ content
def cue_clause(v: DocView, i: int) -> Span:
    """The cue with its subject and auxiliaries: what a content may not cover."""
    a = b = i
    for c in v.children[i]:
        if v.dep[c] in _CLAUSE_DEPS and abs(c - i) < 12:
            a = min(a, v.left[c])
            b = max(b, v.right[c])
    return v.idx[a], v.end[b]


def content_candidates(v: DocView, i: int, subject: bool = False) -> list[Candidate]:
    """The spans around cue ``i`` that may be its content; with ``subject`` also the cue's
    own subject, alone and joined to its ``xcomp`` (D90)."""
    cue = v.tok_span(i)
    clause = cue_clause(v, i)
    out: list[Candidate] = []

    def add(pieces: list[Span], kind: str) -> None:
        cleaned = []
        for a, b in pieces:
            a, b = v.trim(a, b)
            if b > a:
                cleaned.append((a, b))
        if cleaned and v.words(cleaned) >= 1:
            out.append(Candidate(cleaned, kind))

    # 1. Children of the cue (and of its prepositions: "said in a statement that ...").
    holders = [i] + [c for c in v.children[i] if v.dep[c] in ("prep", "dobj", "npadvmod")]
    for h in holders:
        for c in v.children[h]:
            d = v.dep[c]
            if c == i or d not in _CONTENT_DEPS or (c <= i and d not in _LEFT_CONTENT_DEPS):
                continue
            kind = ("c:" if h == i else "g:") + d
            if d == "prep":
                obj = v.child(c, ("pobj", "pcomp"))
                if obj is not None:
                    add(minus(v.subtree_span(obj), [cue]), kind + ":" + v.lower[c])
                continue
            span = v.subtree_span(c)
            add(minus(span, [cue, clause] if c > i else [cue]), kind)
            if d == "dobj" and h == i:
                # the object with the complement after it ("called it a disaster")
                b = span[1]
                for r in v.children[i]:
                    if r > c and v.dep[r] in ("oprd", "xcomp", "ccomp", "prep", "advcl"):
                        b = max(b, v.subtree_span(r)[1])
                if b > span[1]:
                    add(minus((span[0], b), [cue]), "c:dobj+")
    k0 = v.sent_of[i]
    sa, sb = v.sent_bounds[k0]
    s_start, s_end = v.sent_chars(k0)
    # Everything right of the cue in its sentence, and the sentences after it in its paragraph.
    if i + 1 < sb:
        start = v.idx[i + 1]
        add([(start, s_end)], "rest")
        line_end = v.line_of(v.idx[i])[1]
        for k in range(1, 4):
            if k0 + k >= len(v.sent_bounds):
                break
            na, nb = v.sent_chars(k0 + k)
            if na > line_end:
                break
            add([(start, nb)], f"rest+{k}")
    # 2. The clause around an inserted cue ("The plan, he said, is dead").
    h = v.head[i]
    if h != i:
        hole = [v.subtree_span(i), clause]
        add(minus(v.subtree_span(h), hole), "head")
        if v.head[h] != h:
            add(minus(v.subtree_span(v.head[h]), hole), "head2")
    # 3. The sentence before the cue clause ("..., said X."), and the whole sentence minus it.
    if clause[0] > s_start:
        add([(s_start, clause[0])], "before")
    add(minus((s_start, s_end), [v.subtree_span(i) if v.dep[i] in ("parataxis", "ccomp") else clause, cue]), "sent-minus")
    if k0 > 0:
        pa, pb = v.sent_chars(k0 - 1)
        add([(pa, pb)], "prev-sent")
        if clause[0] > s_start:
            add([(pa, clause[0])], "prev+before")
    # 4. Quotes next to the cue clause, and the quote the cue sits in the middle of.
    left, right = min(clause[0], cue[0]), max(clause[1], cue[1])
    qb = v.quotes.last_before(left)
    qa = v.quotes.next_after(right)
    if qb is not None and left - qb.end < 30:
        add([(qb.start, qb.end)], "q-before")
        if qa is not None and qa.start - right < 30:
            add([(qb.start, qb.end), (qa.start, qa.end)], "q-split")
    if qa is not None and qa.start - right < 40:
        add([(qa.start, qa.end)], "q-after")
    # 5. Colon / dash: what follows in the paragraph.
    if v.lower[i] in CUE_PUNCT:
        add([(cue[1], v.line_of(cue[0])[1])], "punct-para")
    # 6. The cue's subject: what is reported on where the cue is passive or a verb of
    # seeming ("the statement was signed", "Enthusiasm for Clinton appears to have
    # plummeted": the subject, and the subject with the complement).
    if subject:
        subj = v.child(i, ("nsubj", "nsubjpass"))
        if subj is not None and subj < i:
            kind = "subj:" + v.dep[subj]
            add([v.subtree_span(subj)], kind)
            xc = v.child(i, ("xcomp",))
            if xc is not None and xc > i:
                add([v.subtree_span(subj), v.subtree_span(xc)], kind + "-xcomp")
    # 7. The rules' content for this cue.
    rule = v.rule_tok.get(i)
    if rule is not None:
        add(list(rule["pieces"]), "rule")
    # Grown to whole quotes, and deduplicated.
    seen: dict[tuple[Span, ...], Candidate] = {}
    for c in out:
        key = tuple(c.pieces)
        if key in seen:
            seen[key].kind += "+" + c.kind
            continue
        seen[key] = c
        grown = [p for a, b in c.pieces for p in minus(v.to_quote(a, b), [cue])]
        gk = tuple(grown)
        if gk != key and gk not in seen:
            seen[gk] = Candidate(grown, c.kind + "^q")
    return list(seen.values())


def content_features(v: DocView, i: int, c: Candidate, lexicon_cat: str | None) -> list[str]:
    text = v.text
    lem, dep = v.lemma[i], v.dep[i]
    cat = str(lexicon_cat)
    kinds = c.kind.split("+")
    k0 = kinds[0]
    a, b = c.pieces[0][0], c.pieces[-1][1]
    n = v.words(c.pieces)
    nb = _bucket(n)
    f = ["bias", "n=" + nb]
    for k in kinds[:4]:
        f += ["k=" + k, "k_lem=" + k + "|" + lem, "k_dep=" + k + "|" + dep, "k_n=" + k + "|" + nb, "k_lex=" + k + "|" + cat]
    f.append("nk=" + str(min(len(kinds), 4)))
    f.append("npieces=" + str(min(len(c.pieces), 3)))
    side = "after" if a >= v.idx[i] else ("before" if b <= v.end[i] else "around")
    f.append("side=" + side)
    f.append("side_lem=" + side + "|" + lem)
    f.append("side_dep=" + side + "|" + dep)
    first, last = v.tok_at(a), v.tok_at(max(a, b - 1))
    ns = v.sent_of[last] - v.sent_of[first] + 1
    f.append("nsent=" + _bucket(ns, (1, 2, 3, 4)))
    f.append("nsent_k=" + _bucket(ns, (1, 2, 3, 4)) + "|" + k0)
    f.append("lines=" + str(v.line_of(a) != v.line_of(max(a, b - 1))))
    qs = v.quotes.overlapping(a, b)
    whole = sum(1 for q in qs if a <= q.start and q.end <= b)
    qkey = _bucket(whole, (0, 1, 2)) + "/" + _bucket(len(qs) - whole, (0, 1))
    f.append("q=" + qkey)
    f.append("q_k=" + qkey + "|" + k0)
    f.append("isquote=" + str(any((q.start == a and q.end == b) or (q.inner_start == a and q.inner_end == b) for q in qs)))
    f.append("cue_inq=" + str(v.quotes.at(v.idx[i]) is not None))
    f.append("first=" + v.lower[first] if v.stop[first] else "firstpos=" + v.pos[first])
    f.append("firstdep=" + v.dep[first])
    f.append("lastpos=" + v.pos[last])
    f.append("end_sent=" + str(last + 1 >= v.sent_bounds[v.sent_of[last]][1] or v.punct[last + 1]))
    after = text[b : b + 2].strip()
    f.append("after=" + (after[:1] if after else "_"))
    before = text[max(0, a - 2) : a].strip()
    f.append("before=" + (before[-1:] if before else "_"))
    rule = v.rule_tok.get(i)
    if rule is not None:
        ov = int(overlap(v, c.pieces, rule["pieces"]) * 10)
        f.append("rule_ov=" + _bucket(ov, (0, 3, 5, 8, 9, 10)))
        f.append("rule_ov_k=" + _bucket(ov, (0, 3, 5, 8, 10)) + "|" + k0)
    else:
        f.append("norule")
    if k0.startswith("subj:"):
        # a subject that can speak is the source, not what was said
        f.append("subj_agent=" + k0 + "|" + _agent(v, v.child(i, ("nsubj", "nsubjpass"))))
    kid_deps = {v.dep[x] for x in v.children[i]}
    f.append("has_ccomp_k=" + str("ccomp" in kid_deps) + "|" + k0)
    f.append("has_dobj_k=" + str("dobj" in kid_deps) + "|" + k0)
    f += _span_shape_features(v, i, c, k0, first, last)
    return f


_ARG_SKIP = frozenset({"punct", "cc", "nsubj", "nsubjpass", "aux", "auxpass", "neg"})


def _span_shape_features(v: DocView, i: int, c: Candidate, k0: str, first: int, last: int) -> list[str]:
    """What a content candidate holds of the cue's arguments and where it stops (D76):
    which of the cue's dependents right of it fall inside (an object, a clause, an adjunct
    such as "despite ..." that the annotators leave out), what comes right after its end
    (a stop word or mark as itself, else its tag: ", which", ", VBG", "IN"), and whether a
    cue the rules found lies inside it (speech inside speech). None of them names the cue
    word, so what is learnt on one cue carries to others."""
    pieces = c.pieces
    args = []
    for x in v.children[i]:
        if x < i or v.dep[x] in _ARG_SKIP:
            continue
        d = v.dep[x] if v.dep[x] != "prep" else "prep:" + v.lower[x]
        ix = v.idx[x]
        args.append(d + ("+" if any(a <= ix < b for a, b in pieces) else "-"))
    f = ["arg=" + x for x in args[:5]]
    f.append("args_k=" + k0 + "|" + ",".join(args[:4]))
    j = last + 1
    if j < v.n and v.sent_of[j] == v.sent_of[last]:
        nxt = v.lower[j] if (v.stop[j] or v.punct[j]) else v.tag[j]
        if v.punct[j] and j + 1 < v.n and v.sent_of[j + 1] == v.sent_of[j]:
            nxt += " " + (v.lower[j + 1] if v.stop[j + 1] else v.tag[j + 1])
        f.append("stop_at=" + nxt)
        f.append("stop_at_k=" + k0 + "|" + nxt)
    else:
        f.append("stop_at=</s>")
    f.append("has_cue=" + str(rule_index(v).cues_between(first, last, i)))
    return f


# ============================================================================ source
def source_candidates(v: DocView, i: int, content: Sequence[Span]) -> list[tuple[int, Span]]:
    """Noun phrase heads of the cue's sentence and the one before, outside the content."""
    k = v.sent_of[i]
    lo = v.sent_bounds[k - 1][0] if k > 0 else v.sent_bounds[k][0]
    hi = v.sent_bounds[k][1]
    out = []
    for x in range(lo, hi):
        pos, dep = v.pos[x], v.dep[x]
        if x == i or (pos not in ("NOUN", "PROPN", "PRON") and dep not in ("nsubj", "nsubjpass")):
            continue
        if dep in ("compound", "poss") and v.pos[v.head[x]] in ("NOUN", "PROPN") and pos != "PRON" and not (dep == "poss" and v.head[x] == i):
            continue
        ix = v.idx[x]
        if any(a <= ix < b for a, b in content):
            continue
        out.append((x, v.np_span(x)))
    return out


def _path(v: DocView, i: int, x: int) -> str:
    """Dependency relation of x to the cue i: x's deps up to i, or up to a common head."""
    up = []
    y = x
    for _ in range(4):
        if y == i:
            return "^".join(up) or "self"
        up.append(v.dep[y])
        if v.head[y] == y:
            break
        y = v.head[y]
    anc = {}
    z = i
    for d in range(4):
        anc[z] = d
        if v.head[z] == z:
            break
        z = v.head[z]
    y, up = x, []
    for _ in range(4):
        if y in anc:
            return "^".join(up) + ">" + str(anc[y])
        up.append(v.dep[y])
        if v.head[y] == y:
            break
        y = v.head[y]
    return "far"


def source_features(v: DocView, i: int, x: int | None, content: Sequence[Span], subj: int | None = None) -> list[str]:
    lem = v.lemma[i]
    if x is None:
        return ["none", "none_lem=" + lem, "none_dep=" + v.dep[i], "none_tag=" + v.tag[i], "none_pos=" + v.pos[i],
                "none_subj=" + str(subj is not None)]
    path = _path(v, i, x)
    cls = _ent_class(v, x)
    d = x - i
    xdep = v.dep[x]
    h = v.head[x]
    f = [
        "path=" + path,
        "path_lem=" + path + "|" + lem,
        "path_tdep=" + path + "|" + v.dep[i],
        "cls=" + cls,
        "path_cls=" + path + "|" + cls,
        "xdep=" + xdep,
        "xdep_cls=" + xdep + "|" + cls,
        "xhead=" + ("cue" if h == i else "cuehead" if h == v.head[i] else "other") + "|" + xdep,
        "xpos=" + v.pos[x],
        "xlem=" + v.lemma[x],
        "dist=" + ("-" if d < 0 else "+") + _bucket(abs(d), (1, 2, 3, 5, 8, 13, 21)),
        "same_sent=" + str(v.sent_of[x] == v.sent_of[i]),
        "xinq=" + str(v.quotes.at(v.idx[x]) is not None),
        "is_subj=" + str(subj is not None and subj == x),
    ]
    if content:
        ca, cb = content[0][0], content[-1][1]
        ix = v.idx[x]
        f.append("vs_content=" + ("before" if ix < ca else "after" if ix >= cb else "inside"))
    rule = v.rule_tok.get(i)
    if rule is not None and rule["speaker"] is not None:
        ra, rb = rule["speaker"]
        f.append("rule_sp=" + str(ra <= v.idx[x] < rb))
    else:
        f.append("rule_sp=none")
    return f


# ============================================================================ dense
def cue_dense(v: DocView, i: int) -> np.ndarray:
    """The parse's own vectors (``doc.tensor``) of the cue and of its head."""
    return np.concatenate([v.tensor[i], v.tensor[v.head[i]]])


def content_ends(v: DocView, c: Candidate) -> tuple[int, int]:
    """Token numbers of the first and last word of a content candidate."""
    return v.tok_at(c.pieces[0][0]), v.tok_at(max(c.pieces[-1][0], c.pieces[-1][1] - 1))


def content_dense(v: DocView, c: Candidate) -> np.ndarray:
    """Vectors of the first and last word of a content candidate."""
    first, last = content_ends(v, c)
    return np.concatenate([v.tensor[first], v.tensor[last]])


def source_dense(v: DocView, i: int, x: int | None) -> np.ndarray:
    if x is None:
        return np.zeros(2 * v.tensor.shape[1], dtype=np.float32)
    return np.concatenate([v.tensor[x], v.tensor[x] * v.tensor[i]])
