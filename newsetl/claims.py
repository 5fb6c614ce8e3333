"""Claims: attributed statements (who said, claimed, accused or warned what) in one article.

:func:`claims_from_doc` turns one parsed spaCy Doc (tagger + parser + lemmatizer + ner,
the Doc the enrich stage already made for the mentions) and the article's mention rows
into rows of the ``claims`` table (``schemas.claims.ClaimModel``). Rules over the
dependency parse plus a quotation-mark scan (:mod:`newsetl.quotes`); the cues are data
(``data/reporting_verbs.yaml``, :func:`load_lexicon`).

What is found, per article:

* **reported speech**: a cue verb of the lexicon with its content in the parse: a
  clause ("Asif said Trump officials have created ..."; a that-clause the parser hung
  lower, "said in a statement that ..."), or what the verb's flags allow: an
  infinitive ("threatened to shoot down ..."), a direct object with its complement
  ("called it “a disaster”"), the object of a preposition ("called for ...";
  "accused Pakistan of Y": content Y, target Pakistan). The speaker is the verb's
  subject, inherited through coordination and participles ("criticized ... and said",
  "tweeted, saying", "responded before adding"), the relative pronoun of a relative
  clause (resolved to its noun: "Reprieve, which argues ..."), the agent of a passive,
  or a noun phrase the parser left just before the verb. "The plan, he said, is dead"
  and "as the Post reported, X" take the clause around the cue; "X, says Daniel
  Markey" (a name parsed as the content) takes the clause before it.
* **reporting nouns** with a that-clause ("Trump's claim that ...", "a warning by the
  Pentagon that ..."): the possessor, the by-agent or the subject of the verb making
  the noun is the speaker.
* **direct quotes**: quotation marks found by :func:`newsetl.quotes.find_quotes`
  (straight, curly and doubled apostrophes; multi-paragraph; unbalanced). A content
  that touches a quote grows to the whole quote ("“Q1. Q2,” she said" -> Q1 Q2), a
  speech verb with no content in the parse takes the quote right next to it ("he said:
  “…”"), the second half of a split quote ("“A,” she said. “B.”") and up to three
  following paragraphs that are nothing but a quote are more rows of the same claim.
  A cue inside a quote belongs to the quoted words and is skipped, unless its subject
  stands outside the quote (Mattis “reiterated that …”) or the quote was never closed
  before ", he said".
* **"according to X"** (and the other phrases of the lexicon): X is the speaker, the
  clause around the phrase (or the quote just before it) is the content.
* a claim whose cue lies inside the content of another one and whose speaker is a
  pronoun or the same word ("he said he believes X") repeats it and is dropped.

Invariants: every span slices ``doc.text`` exactly, a content span never overlaps its
own speaker or cue span and is never empty, and a quote never runs past its paragraph
unless the next paragraph reopens it. One claim whose content is split around its cue
becomes one row per piece (the same speaker and cue).

Speakers are linked to the mentions' entities by :mod:`newsetl.speakers` (names,
pronouns, nominals). ``kind`` is ``according_to`` for those phrases, else ``direct``
(the content lies inside a quote), ``mixed`` (partly quoted) or ``indirect``.
"""

from __future__ import annotations

import bisect
import importlib.resources
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from spacy.tokens import Doc, Token

from newsetl.identity import short_hash
from newsetl.quotes import Quote, QuoteIndex, find_quotes
from newsetl.speakers import FIRST_PERSON, RELATIVE, Resolution, SpeakerResolver, resolution_of

CLAIM_COLUMNS = [
    "claim_id",
    "article_id",
    "speaker_surface",
    "speaker_name",
    "speaker_entity_id",
    "speaker_start",
    "speaker_end",
    "cue",
    "cue_start",
    "cue_end",
    "content",
    "content_start",
    "content_end",
    "kind",
    "target_name",
    "target_entity_id",
    "sentence_index",
    "run_id",
]

CATEGORIES = ("speech", "evidence", "cognition", "stance")
KINDS = ("direct", "indirect", "mixed", "according_to")


# ============================================================================ lexicon
@dataclass(frozen=True)
class CueVerb:
    """One reporting verb of the lexicon (see ``data/reporting_verbs.yaml`` for the flags)."""

    lemma: str
    particle: str | None = None
    category: str = "speech"
    quote: bool = True
    clause: bool = True
    object: bool = False
    xcomp: bool = False
    addressee: bool = False
    target: bool = False
    preps: tuple[str, ...] = ()


@dataclass(frozen=True)
class CueNoun:
    """A reporting noun: its that-clause (or, with ``xcomp``, its to-infinitive) is the content."""

    lemma: str
    category: str = "speech"
    xcomp: bool = False


@dataclass(frozen=True)
class CuePhrase:
    """A fixed attributing expression ("according to"); its last word takes the speaker."""

    words: tuple[str, ...]
    kind: str = "according_to"  # or "auto"


@dataclass(frozen=True)
class Lexicon:
    verbs: dict[str, tuple[CueVerb, ...]]  # lemma -> entries (with and without particle)
    phrases: tuple[CuePhrase, ...]
    enabled: frozenset[str]
    person_nominals: frozenset[str] = frozenset()
    org_nominals: frozenset[str] = frozenset()
    nouns: dict[str, CueNoun] = field(default_factory=dict)

    def entries(self, lemma: str) -> tuple[CueVerb, ...]:
        return tuple(v for v in self.verbs.get(lemma, ()) if v.category in self.enabled)

    def noun(self, lemma: str) -> CueNoun | None:
        n = self.nouns.get(lemma)
        return n if n is not None and n.category in self.enabled else None

    def with_categories(self, categories: Iterable[str]) -> Lexicon:
        cats = frozenset(categories)
        unknown = cats - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown cue categories: {sorted(unknown)}")
        return replace(self, enabled=cats)


_VERB_FLAGS = {"category", "quote", "clause", "object", "xcomp", "addressee", "target", "preps"}


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false, not {value!r}")
    return value


def _words(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{what} must be a list of words")
    return tuple(v.strip().lower() for v in value)


def parse_lexicon(data: Any) -> Lexicon:
    """Validate the YAML structure of ``reporting_verbs.yaml`` into a :class:`Lexicon`."""
    if not isinstance(data, dict):
        raise ValueError("lexicon: a mapping with verbs, phrases, nominals expected")
    unknown = set(data) - {"version", "enabled", "verbs", "nouns", "phrases", "nominals"}
    if unknown:
        raise ValueError(f"lexicon: unknown keys {sorted(unknown)}")
    verbs: dict[str, list[CueVerb]] = {}
    for key, flags in (data.get("verbs") or {}).items():
        flags = flags or {}
        if not isinstance(key, str) or not key.strip() or not isinstance(flags, dict):
            raise ValueError(f"lexicon verb {key!r}: a lemma with a mapping of flags expected")
        bad = set(flags) - _VERB_FLAGS
        if bad:
            raise ValueError(f"lexicon verb {key!r}: unknown flags {sorted(bad)}")
        parts = key.strip().lower().split()
        if len(parts) > 2:
            raise ValueError(f"lexicon verb {key!r}: a lemma and at most one particle")
        category = flags.get("category", "speech")
        if category not in CATEGORIES:
            raise ValueError(f"lexicon verb {key!r}: category must be one of {CATEGORIES}")
        target = _bool(flags.get("target", False), f"{key}.target")
        preps = _words(flags.get("preps"), f"{key}.preps") or (("of", "for") if target else ())
        entry = CueVerb(
            lemma=parts[0],
            particle=parts[1] if len(parts) == 2 else None,
            category=category,
            quote=_bool(flags.get("quote", category == "speech"), f"{key}.quote"),
            clause=_bool(flags.get("clause", True), f"{key}.clause"),
            object=_bool(flags.get("object", target), f"{key}.object"),
            xcomp=_bool(flags.get("xcomp", False), f"{key}.xcomp"),
            addressee=_bool(flags.get("addressee", False), f"{key}.addressee"),
            target=target,
            preps=preps,
        )
        verbs.setdefault(entry.lemma, []).append(entry)
    nouns: dict[str, CueNoun] = {}
    for key, flags in (data.get("nouns") or {}).items():
        flags = flags or {}
        if not isinstance(key, str) or len(key.split()) != 1 or not isinstance(flags, dict) or set(flags) - {"category", "xcomp"}:
            raise ValueError(f"lexicon noun {key!r}: one word with flags category/xcomp expected")
        category = flags.get("category", "speech")
        if category not in CATEGORIES:
            raise ValueError(f"lexicon noun {key!r}: category must be one of {CATEGORIES}")
        nouns[key.lower()] = CueNoun(key.lower(), category, _bool(flags.get("xcomp", False), f"{key}.xcomp"))
    phrases = []
    for item in data.get("phrases") or []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError(f"lexicon phrase {item!r}: {{text: ..., kind: ...}} expected")
        kind = item.get("kind", "according_to")
        if kind not in ("according_to", "auto"):
            raise ValueError(f"lexicon phrase {item['text']!r}: kind must be according_to or auto")
        words = tuple(item["text"].lower().split())
        if not words:
            raise ValueError("lexicon phrase: empty text")
        phrases.append(CuePhrase(words, kind))
    nominals = data.get("nominals") or {}
    if not isinstance(nominals, dict) or set(nominals) - {"person", "org"}:
        raise ValueError("lexicon nominals: a mapping with person and org lists expected")
    enabled = frozenset(_words(data.get("enabled", ["speech"]), "enabled"))
    if enabled - set(CATEGORIES):
        raise ValueError(f"lexicon enabled: categories must be among {CATEGORIES}")
    # Entries with a particle first: "point out" is tried before "point".
    return Lexicon(
        verbs={k: tuple(sorted(v, key=lambda e: e.particle is None)) for k, v in verbs.items()},
        phrases=tuple(phrases),
        enabled=enabled,
        person_nominals=frozenset(_words(nominals.get("person"), "nominals.person")),
        org_nominals=frozenset(_words(nominals.get("org"), "nominals.org")),
        nouns=nouns,
    )


def load_lexicon(path: str | Path | None = None, *, categories: Iterable[str] | None = None) -> Lexicon:
    """The cue lexicon from ``path`` (default: the one shipped in ``newsetl/data``).
    ``categories`` overrides the file's ``enabled`` list (speech, evidence, cognition)."""
    if path is None:
        raw = importlib.resources.files("newsetl").joinpath("data", "reporting_verbs.yaml").read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    lex = parse_lexicon(yaml.safe_load(raw))
    return lex.with_categories(categories) if categories is not None else lex


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once per process."""
    return load_lexicon()


# ============================================================================ helpers
_TRIM = " \t\r\n,;:—–-"
_NP_LEFT_SKIP = frozenset({"punct", "cc", "preconj"})
_NP_RIGHT_KEEP = frozenset({"compound", "flat", "nmod", "nummod", "case", "poss", "amod"})
# Where the parser hangs a subject it did not attach to its verb.
_STRAY_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "appos", "npadvmod", "dep", "ROOT", "nmod"})
_MAX_QUOTE_GAP = 3  # chars of ", " or ": " between a quote and its cue clause


@dataclass
class _Claim:
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


def _tok_span(tok: Token) -> tuple[int, int]:
    return tok.idx, tok.idx + len(tok)


def _subtree_span(tok: Token) -> tuple[int, int]:
    return tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge)


def _np_span(head: Token) -> tuple[int, int]:
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


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _cut(span: tuple[int, int], forbidden: Sequence[tuple[int, int] | None]) -> list[tuple[int, int]]:
    """``span`` minus the forbidden spans: the non-empty pieces left, in order."""
    pieces = [span]
    for f in forbidden:
        if f is None:
            continue
        nxt = []
        for a, b in pieces:
            if not _overlaps((a, b), f):
                nxt.append((a, b))
                continue
            if a < f[0]:
                nxt.append((a, f[0]))
            if f[1] < b:
                nxt.append((f[1], b))
        pieces = nxt
    return [p for p in pieces if p[1] > p[0]]


def _clip(span: tuple[int, int], core: tuple[int, int], forbidden: Sequence[tuple[int, int] | None]) -> tuple[int, int]:
    """Narrow ``span`` around ``core`` so it overlaps none of the forbidden spans."""
    a, b = span
    for f in forbidden:
        if f is None or not _overlaps((a, b), f):
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


class _Article:
    """Everything about one Doc the rules need."""

    def __init__(self, doc: Doc, mentions: Sequence[dict], lexicon: Lexicon) -> None:
        self.doc = doc
        self.text = doc.text
        self.lexicon = lexicon
        self.quotes = QuoteIndex(find_quotes(self.text))
        self.resolver = SpeakerResolver(doc, mentions, self.quotes, lexicon.person_nominals, lexicon.org_nominals)
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
            if any(f is not None and _overlaps(grown, f) and not _overlaps(span, f) for f in forbidden):
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


# ============================================================================ rules
def _interjected(art: _Article, subj: Token, verb: Token) -> bool:
    """", he said" inside a quote that was never closed: the writer forgot the closing
    mark before the attribution ("“We will fight this, he said after the hearing.")."""
    left = subj.left_edge.i
    return (
        0 < left
        and art.doc[left - 1].text == ","
        and verb.i - subj.i in (1, 2)
        and subj.i < verb.i
        and (subj.pos_ == "PRON" or subj.ent_type_ == "PERSON" or subj.pos_ == "PROPN")
    )


def _verb_entry(tok: Token, lexicon: Lexicon) -> CueVerb | None:
    if tok.pos_ not in ("VERB", "AUX") and not tok.tag_.startswith("VB"):
        return None
    entries = lexicon.entries(tok.lemma_.lower())
    if not entries:
        # Lemmatizer misses ("tweeted" -> "tweet"): try the lower-cased form too.
        entries = lexicon.entries(tok.lower_)
    for e in entries:
        if e.particle is None:
            return e
        if any(c.dep_ in ("prt", "prep") and c.lower_ == e.particle for c in tok.children):
            return e
    return None


def _child(tok: Token, *deps: str) -> Token | None:
    for c in tok.children:
        if c.dep_ in deps:
            return c
    return None


def _prep_object(prep: Token) -> Token | None:
    for c in prep.children:
        if c.dep_ in ("pobj", "pcomp"):
            return c
    return None


def _in_line_of(art: _Article, tok: Token, cand: Token) -> bool:
    a, b = art.line_of(tok.idx)
    return a <= cand.idx < b


def _clause_child(art: _Article, verb: Token) -> Token | None:
    """The clause complement of a cue verb: its ccomp in the cue's paragraph (nearest
    first), else a that/if/whether clause hanging lower on its right ("said in a
    statement that ...", "said for the first time that ...", "asked if ...")."""
    ccomps = [c for c in verb.children if c.dep_ == "ccomp" and _in_line_of(art, verb, c)]
    if len(ccomps) > 1:
        # Two clauses is a parse error around quotes: the one in the quote next to the
        # cue clause, else a quoted one, else the nearest.
        subj, _ = art.subject_of(verb)
        near = _adjacent_quote(art, verb, _np_span(subj) if subj is not None else None, _tok_span(verb))
        return min(
            ccomps,
            key=lambda c: (
                not (near is not None and near.start <= c.idx < near.end),
                art.quotes.at(c.idx) is None,
                abs(c.i - verb.i),
            ),
        )
    if ccomps:
        return ccomps[0]
    frontier = [c for c in verb.rights]
    for _ in range(3):
        nxt = []
        for t in frontier:
            if t.dep_ in ("ccomp", "advcl", "acl", "relcl", "pcomp", "xcomp") and any(
                m.dep_ == "mark" and m.lower_ in ("that", "if", "whether") and m.i < t.i for m in t.children
            ):
                return t if _in_line_of(art, verb, t) else None
            if t.dep_ in ("prep", "pobj", "npadvmod", "advmod", "dobj") or (t.dep_ == "dative"):
                nxt.extend(t.children)
        frontier = [t for t in nxt if t.i > verb.i]
    return None


def _prep_content(verb: Token, entry: CueVerb, holders: Sequence[Token | None]) -> tuple[tuple[int, int], Token] | None:
    """The object of one of the entry's prepositions ("accused X of Y", "called for Y to Z")."""
    for holder in holders:
        if holder is None:
            continue
        for c in holder.children:
            if c.dep_ in ("prep", "prt") and c.lower_ in entry.preps and c.i > verb.i:
                obj = _prep_object(c)
                if obj is None:
                    continue
                a, b = _subtree_span(obj)
                # "called on all nations to limit ...": the infinitive hangs on the verb.
                for r in verb.rights:
                    if r.i > obj.i and r.dep_ in ("advcl", "xcomp") and r.tag_ == "VB" and any(t.lower_ == "to" for t in r.lefts):
                        b = max(b, _subtree_span(r)[1])
                        break
                return (a, b), obj
    return None


def _verb_claim(art: _Article, tok: Token, entry: CueVerb) -> _Claim | None:
    cue_end_tok = tok
    if entry.particle:
        for c in tok.children:
            if c.dep_ in ("prt", "prep") and c.lower_ == entry.particle and c.i == tok.i + 1:
                cue_end_tok = c
    cue = (tok.idx, cue_end_tok.idx + len(cue_end_tok))

    subj, passive = art.subject_of(tok)
    speaker = _np_span(subj) if subj is not None else None
    forbidden = [speaker, cue]

    target: Token | None = None
    core: tuple[int, int] | None = None
    root: Token | None = None
    dobj = _child(tok, "dobj")
    preps = entry.preps + ((entry.particle,) if entry.particle else ())

    if entry.target:
        target = dobj
        if target is None and passive:
            target = _child(tok, "nsubjpass")
        found = _prep_content(tok, replace(entry, preps=preps), (tok, dobj))
        if found:
            core, root = found
    if core is None and entry.clause:
        cc = _clause_child(art, tok)
        if cc is not None:
            core, root = _subtree_span(cc), cc
            # "said X, but that Y": a second that-clause coordinated on the verb.
            for c in tok.rights:
                if c.i > cc.i and c.dep_ == "conj" and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children):
                    core = (core[0], max(core[1], _subtree_span(c)[1]))
    if core is None and entry.xcomp:
        x = _child(tok, "xcomp")
        if x is not None and x.i > tok.i:
            core, root = _subtree_span(x), x
    if core is None and preps and not entry.target:
        found = _prep_content(tok, replace(entry, preps=preps), (tok,))
        if found:
            core, root = found
    if core is None and entry.object and not entry.addressee:
        if dobj is not None:
            core, root = _object_span(tok, dobj), dobj
            if entry.target:
                target = dobj
        else:
            # "called the mogul an obvious phony" parsed as two predicates.
            comps = [c for c in tok.rights if c.dep_ in ("oprd", "xcomp") and c.pos_ in ("NOUN", "PROPN", "PRON")]
            if comps:
                core, root = (comps[0].left_edge.idx, _subtree_span(comps[-1])[1]), comps[0]
    if subj is None and core is not None and entry.quote and core[0] >= cue[1]:
        # "…, says CFR’s Daniel Markey." parsed as if the name were what was said.
        inverted = _inverted_speaker(art, tok, cue, core)
        if inverted is not None:
            subj, speaker = inverted
            forbidden = [speaker, cue]
            core, root = _preceding_clause(art, tok, speaker, cue), None
    if core is None and entry.quote:
        # A quote right next to the cue clause ("“…,” she said", "he said: “…”").
        q = _adjacent_quote(art, tok, speaker, cue)
        if q is not None:
            core = (q.inner_start, q.inner_end)
    if core is None and entry.quote and entry.clause:
        # "Couple exposure with a lightning rod and Clevelanders get nervous, said Link."
        core = _preceding_clause(art, tok, speaker, cue)
    pieces: list[tuple[int, int]] = []
    as_clause = tok.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "as" for c in tok.children)
    if as_clause and not (core and entry.category == "speech" and core[0] > tok.idx):
        # "as the Post reported, <clause>" / "As reported by X, <clause>": the clause around.
        core = None
    if core is None and entry.clause and (
        (entry.category == "speech" and tok.dep_ in ("parataxis", "ccomp")) or as_clause
    ) and tok.head.i != tok.i:
        # "The plan, he said, is dead" / "“A,” he said, “B”": the clause around the cue.
        head = tok.head
        a, b = _subtree_span(head)
        ca, cb = _subtree_span(tok)
        pieces = [p for p in ((a, ca), (cb, b)) if p[1] > p[0]]
        root = head
    if core is not None:
        pieces = [core]
    if not pieces:
        return None

    split: list[tuple[int, int]] = []
    for p in pieces:
        p = art.in_line(p, tok.idx)
        # A clause that wraps its own cue ("It is no surprise, said X, that ..."): the sides.
        split.extend(_cut(p, forbidden))
    out_pieces = []
    for p in split:
        span = art.to_quote(p, forbidden)
        span = _clip(span, p, forbidden)
        a, b = art.trim(*span)
        a, b = art.trim(*art.strip_complementizer(a, b))
        a, b = art.balance(a, b)
        if b > a and art.words(a, b) >= 2:
            out_pieces.append((a, b))
    if not out_pieces:
        return None
    claim = _Claim(cue, tok, speaker, subj, out_pieces, target=target, content_root=root)
    if target is not None:
        claim.target_span = _np_span(target)
    return claim


_COMPLEMENT_DEPS = frozenset({"oprd", "xcomp", "ccomp", "attr", "acomp", "dobj"})


def _object_span(verb: Token, dobj: Token) -> tuple[int, int]:
    """The object with the complement that completes it: "called it “a disaster”",
    "described the plan as a buzz" (object + predicate, not the adverbials after)."""
    a, b = _subtree_span(dobj)
    for c in verb.rights:
        if c.i <= dobj.i:
            continue
        if c.dep_ in _COMPLEMENT_DEPS or (c.dep_ == "prep" and c.lower_ == "as"):
            b = max(b, _subtree_span(c)[1])
        elif c.dep_ != "punct":
            break
    return a, b


def _inverted_speaker(art: _Article, tok: Token, cue: tuple[int, int], core: tuple[int, int]) -> tuple[Token, tuple[int, int]] | None:
    """A short name after the cue that ends the sentence, after a comma: the speaker."""
    sent = tok.sent
    if art.words(*core) > 8 or art.text[core[1] : sent.end_char].strip(" .\n\"”'’") or art.words(sent.start_char, cue[0]) < 3:
        return None
    if not art.text[sent.start_char : cue[0]].rstrip().endswith(","):
        return None
    names = [m for m in art.resolver.mentions.within(*core) if m["label"] in ("PERSON", "ORG", "GPE", "NORP")]
    if not names:
        return None
    last = names[-1]
    head = art.token_at(int(last["end_char"]) - 1)
    if head is None:
        return None
    return head, core


def _preceding_clause(art: _Article, tok: Token, speaker: tuple[int, int] | None, cue: tuple[int, int]) -> tuple[int, int] | None:
    """The sentence before a cue clause that closes it after a comma ("…, said X.")."""
    sent = tok.sent
    clause_start = min(cue[0], speaker[0]) if speaker else cue[0]
    clause_end = max(cue[1], speaker[1]) if speaker else cue[1]
    before = art.text[sent.start_char : clause_start].rstrip()
    if not before.endswith(",") or art.words(sent.start_char, clause_start) < 3:
        return None
    # Only adverbials may follow the cue clause ("said in an email", "said Monday").
    for t in sent:
        if t.idx >= clause_end and t.dep_ not in ("prep", "pobj", "npadvmod", "advmod", "punct", "det", "amod", "compound", "nummod", "poss", "case", "appos", "acl", "relcl") and t.head.i >= tok.i:
            if t.head.i == tok.i:
                return None
    return sent.start_char, sent.start_char + len(before) - 1


def _adjacent_quote(art: _Article, tok: Token, speaker: tuple[int, int] | None, cue: tuple[int, int]) -> Quote | None:
    """A quote that ends just before the cue clause ("“…,” she said") or starts just after
    it ("she said: “…”")."""
    text = art.text
    clause_start = min(cue[0], speaker[0]) if speaker else cue[0]
    clause_end = max(cue[1], speaker[1]) if speaker else cue[1]
    q = art.quotes.last_before(clause_start)
    if q is not None and clause_start - q.end <= _MAX_QUOTE_GAP and not text[q.end : clause_start].strip(" ,—–-"):
        return q
    q = art.quotes.next_after(clause_end)
    if q is not None:
        gap = text[clause_end : q.start]
        # "said in a statement: “…”", "told reporters, “…”"
        if len(gap) <= 40 and "\n" not in gap and re.fullmatch(r"[\w ,.\-’']*?[:,]?\s*", gap) and (":" in gap or "," in gap or not gap.strip()):
            if not re.search(r"[.!?]\s", gap):
                return q
    return None


_MAKING_DEPS = frozenset({"dobj", "nsubjpass", "attr"})


def _noun_claim(art: _Article, tok: Token, entry: CueNoun) -> _Claim | None:
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
            speaker = _prep_object(c) or speaker
    if speaker is None and tok.dep_ in _MAKING_DEPS and tok.head.pos_ in ("VERB", "AUX"):
        subj, _ = art.subject_of(tok.head)
        speaker = subj
    cue = _tok_span(tok)
    sp = _np_span(speaker) if speaker is not None else None
    if sp is not None and sp[1] > cue[0] and speaker.i < tok.i:
        sp = (sp[0], min(sp[1], cue[0]))
        sp = art.trim(*sp)
        if sp[1] <= sp[0]:
            sp, speaker = None, None
    forbidden = [sp, cue]
    p = art.in_line(_subtree_span(content), tok.idx)
    pieces = []
    for piece in _cut(p, forbidden):
        span = _clip(art.to_quote(piece, forbidden), piece, forbidden)
        a, b = art.trim(*span)
        a, b = art.balance(*art.trim(*art.strip_complementizer(a, b)))
        if b > a and art.words(a, b) >= 2:
            pieces.append((a, b))
    if not pieces:
        return None
    return _Claim(cue, tok, sp, speaker, pieces, content_root=content)


# Objects of "according to" that are not sources.
_NOT_SOURCES = frozenset(
    {"plan", "schedule", "preference", "rule", "law", "guideline", "instruction", "script", "need", "size",
     "type", "custom", "tradition", "standard", "procedure", "protocol", "design", "order", "age", "taste"}
)


def _phrase_claims(art: _Article) -> list[_Claim]:
    doc = art.doc
    out: list[_Claim] = []
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
            obj = _prep_object(last)
            if obj is None:
                nxt = doc[last.i + 1] if last.i + 1 < len(doc) else None
                obj = nxt.head if nxt is not None and nxt.head.i > last.i and nxt.pos_ in ("DET", "PROPN", "NOUN", "PRON", "ADJ") else None
                if obj is None:
                    continue
            if obj.lemma_.lower() in _NOT_SOURCES or any(c.dep_ == "poss" and c.lower_ in ("your", "my", "our") for c in obj.children):
                continue  # "according to plan", "according to your preferences"
            speaker = _np_span(obj)
            cue = (tok.idx, last.idx + len(last))
            phrase_span = (tok.idx, max(speaker[1], cue[1], _subtree_span(obj)[1]))
            claim = _phrase_content(art, tok, cue, speaker, phrase_span)
            if claim is None:
                continue
            claim.speaker_head = obj
            claim.kind = "according_to" if ph.kind == "according_to" else None
            out.append(claim)
            break
    return out


def _phrase_content(art: _Article, tok: Token, cue: tuple[int, int], speaker: tuple[int, int], phrase: tuple[int, int]) -> _Claim | None:
    text = art.text
    claim = _phrase_clause(art, tok, cue, speaker, phrase)
    if claim is not None:
        return claim
    # A quote right before the phrase (“…,” according to X).
    q = art.quotes.last_before(phrase[0])
    if q is not None and not text[q.end : phrase[0]].strip(" ,(—–-") and not q.contains(*phrase):
        return _Claim(cue, tok, speaker, None, [(q.inner_start, q.inner_end)])
    return None


def _phrase_clause(art: _Article, tok: Token, cue: tuple[int, int], speaker: tuple[int, int], phrase: tuple[int, int]) -> _Claim | None:
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
    a, b = _subtree_span(head)
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
        span = _clip(span, piece, forbidden)
        pa, pb = art.balance(*art.trim(*span))
        if pb > pa and art.words(pa, pb) >= 2:
            pieces.append((pa, pb))
    if not pieces:
        return None
    return _Claim(cue, tok, speaker, None, pieces, content_root=head)


_NESTED_PRONOUNS = frozenset({"he", "she", "they", "it", "i", "we", "him", "her"})


class _PieceIndex:
    """Content pieces of a list of claims, by position (contents are local: a lookup
    only looks back over ``window`` characters, so a long article stays linear)."""

    def __init__(self, claims: Sequence[_Claim], window: int = 20_000) -> None:
        items = sorted(((a, b, c) for c in claims for a, b in c.pieces), key=lambda x: x[0])
        self._items = items
        self._starts = [x[0] for x in items]
        self.window = window

    def overlapping(self, a: int, b: int) -> Iterable[_Claim]:
        i = bisect.bisect_left(self._starts, b) - 1
        while i >= 0 and self._items[i][0] > a - self.window:
            pa, pb, c = self._items[i]
            if pa < b and a < pb:
                yield c
            i -= 1


def _drop_nested(claims: list[_Claim]) -> list[_Claim]:
    """A claim reported inside the content of another claim by the same speaker ("he said
    he believes X") repeats it: keep the outer one."""
    index = _PieceIndex(claims)
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


def _split_quote_claims(art: _Article, claims: list[_Claim]) -> list[_Claim]:
    """“A,” she said. “B.” -> B is a second row of the claim whose content is A."""
    text = art.text
    index = _PieceIndex(claims)
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
            out.append(_Claim(c.cue, c.cue_tok, c.speaker, c.speaker_head, [(pa, pb)], extra={"continues": c}))
    return out


_FLOATING_MAX = 3  # paragraphs of quote after the attributed one


def _floating_quote_claims(art: _Article, claims: list[_Claim]) -> list[_Claim]:
    """A paragraph that is one quote, with no attribution of its own, right after a
    paragraph that ends by attributing a quote: the same speaker goes on ("“A,” she said.
    ¶ “B.”"). Up to three such paragraphs."""
    text = art.text
    index = _PieceIndex(claims)
    cue_starts = sorted(c.cue[0] for c in claims)
    out: list[_Claim] = []
    by_cue: dict[tuple[int, int], list[_Claim]] = {}
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
            out.append(_Claim(cue, first.cue_tok, first.speaker, first.speaker_head, [(a, b)], extra={"continues": first}))
            line_end = q.end if q.end > line_end else line_end
    return out


def _trim_right(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


# ============================================================================ rows
def _kind(art: _Article, a: int, b: int) -> str:
    quotes = [q for q in art.quotes.overlapping(a, b) if q.inner_start < b and a < q.inner_end]
    if not quotes:
        return "indirect"
    for q in quotes:
        if q.inner_start <= a and b <= q.inner_end:
            return "direct"
    return "mixed"


def _target(art: _Article, claim: _Claim, speaker_res: Resolution | None) -> Resolution | None:
    resolver = art.resolver
    if claim.target is not None and claim.target_span is not None:
        return resolver.resolve(claim.target, *claim.target_span)
    root = claim.content_root
    if root is not None:
        subj = _child(root, "nsubj", "nsubjpass")
        if subj is not None and subj.lower_ not in FIRST_PERSON and subj.lower_ not in RELATIVE:
            res = resolver.resolve(subj, *_np_span(subj))
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
    art = _Article(doc, mentions, lexicon)

    claims: list[_Claim] = []
    for tok in doc:
        entry = _verb_entry(tok, lexicon)
        if entry is None:
            continue
        q = art.quotes.at(tok.idx)
        if q is not None:
            # A cue inside direct speech belongs to the quoted words ("“I told them ...”"),
            # unless its subject stands outside: Mattis “reiterated that ...”.
            subj, _ = art.subject_of(tok)
            if subj is None:
                continue
            if q.start <= subj.idx < q.end and (q.closed or not _interjected(art, subj, tok)):
                continue
        c = _verb_claim(art, tok, entry)
        if c is not None:
            claims.append(c)
    for tok in doc:
        if tok.pos_ != "NOUN":
            continue
        noun = lexicon.noun(tok.lemma_.lower())
        if noun is None or art.quotes.at(tok.idx) is not None:
            continue
        c = _noun_claim(art, tok, noun)
        if c is not None:
            claims.append(c)
    claims.extend(_phrase_claims(art))
    claims = _drop_nested(claims)
    claims.extend(_split_quote_claims(art, claims))
    claims.extend(_floating_quote_claims(art, claims))
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
    index = _PieceIndex(claims)
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
        res = c.resolution
        target = _target(art, c, res)
        for a, b in c.pieces:
            if (a, b) in seen or b <= a:
                continue
            if c.speaker is not None and _overlaps((a, b), c.speaker):
                continue
            if _overlaps((a, b), c.cue):
                continue
            seen.add((a, b))
            kind = c.kind or _kind(art, a, b)
            rows.append(
                {
                    "claim_id": short_hash(article_id, str(a), str(b)),
                    "article_id": article_id,
                    "speaker_surface": text[c.speaker[0] : c.speaker[1]] if c.speaker else None,
                    "speaker_name": res.name if res else None,
                    "speaker_entity_id": res.entity_id if res else None,
                    "speaker_start": c.speaker[0] if c.speaker else None,
                    "speaker_end": c.speaker[1] if c.speaker else None,
                    "cue": text[c.cue[0] : c.cue[1]],
                    "cue_start": c.cue[0],
                    "cue_end": c.cue[1],
                    "content": text[a:b],
                    "content_start": a,
                    "content_end": b,
                    "kind": kind,
                    "target_name": target.name if target else None,
                    "target_entity_id": target.entity_id if target else None,
                    "sentence_index": art.sentence_index(c.cue_tok),
                    "run_id": run_id,
                }
            )
    rows.sort(key=lambda r: (r["content_start"], r["content_end"]))
    return rows


def claims_consumer(run_id: str, lexicon: Lexicon | None = None) -> Callable[[str, Doc, list[dict]], list[dict]]:
    """:func:`claims_from_doc` as an enrich-stage consumer: ``(article_id, doc, mention
    rows) -> claim rows`` (``newsetl.enrich.DocConsumer``)."""
    lex = lexicon or default_lexicon()

    def consume(article_id: str, doc: Doc, mentions: list[dict]) -> list[dict]:
        return claims_from_doc(article_id, doc, mentions, run_id, lex)

    return consume


def claims_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Claim rows -> a DataFrame with the table's columns and dtypes (also when empty)."""
    df = pd.DataFrame(list(rows), columns=CLAIM_COLUMNS)
    for col in ("speaker_start", "speaker_end"):
        df[col] = df[col].astype("Int64")
    for col in ("cue_start", "cue_end", "content_start", "content_end", "sentence_index"):
        df[col] = df[col].astype("int64")
    return df


__all__ = [
    "CATEGORIES",
    "CLAIM_COLUMNS",
    "CuePhrase",
    "CueVerb",
    "Lexicon",
    "claims_consumer",
    "claims_frame",
    "claims_from_doc",
    "default_lexicon",
    "load_lexicon",
    "parse_lexicon",
]
