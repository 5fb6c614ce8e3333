"""Mention candidates of one article: the model's entities, cleaned, then fixed (a place
and a person run together, labels by context), kept sorted and non-overlapping."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc

from newsetl.enrich.mentions.clean import clean_span, strip_titles
from newsetl.enrich.mentions.reference import EntityReference, ReferenceEntity
from newsetl.enrich.nlp import doc_text
from schemas.mentions import LABELS

_LABELS = frozenset(LABELS)
# Labels the model is known to give to a person's bare surname ("Mattis" NORP,
# "Tillerson" ORG, "Mir" FAC, "Sondland" GPE). Known places are protected: reference
# entities and ner_fixes.yaml `places_not_surnames` ("Washington" next to "George Washington").
SURNAME_MISLABELS = frozenset({"PERSON", "ORG", "NORP", "FAC", "LOC", "GPE"})


@dataclass
class Cand:
    start: int
    end: int
    label: str
    source: str  # "ner" | "reference" | "acronym" | "surname"
    ref: ReferenceEntity | None = None
    acronym_of: Cand | None = None  # an acronym occurrence -> its expansion
    person: Cand | None = None  # a short form -> the fullest name of the same person
    words: tuple[str, ...] = field(default=(), repr=False)


def surface_of(text: str, c: Cand) -> str:
    return text[c.start : c.end]


def casefolded_words(s: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in s.split())


def title_phrase_spans(text: str, ref: EntityReference) -> list[tuple[int, int]]:
    pattern = ref.fixes.title_phrase_re
    return [m.span() for m in pattern.finditer(text)] if pattern is not None else []


def inside_any(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Is [start, end) inside one of ``spans`` (sorted, non-overlapping)?"""
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


class Occupied:
    """The candidates of an article: sorted, non-overlapping, with O(log n) overlap queries
    (a 2 MB article has tens of thousands of them)."""

    def __init__(self, cands: list[Cand]) -> None:
        self.items = sorted(cands, key=lambda c: c.start)
        self.starts = [c.start for c in self.items]

    def overlapping(self, start: int, end: int) -> list[Cand]:
        out = []
        j = bisect.bisect_left(self.starts, end) - 1
        while j >= 0 and self.items[j].end > start:
            out.append(self.items[j])
            j -= 1
        return out

    def add(self, c: Cand) -> None:
        i = bisect.bisect_left(self.starts, c.start)
        self.starts.insert(i, c.start)
        self.items.insert(i, c)

    def remove(self, c: Cand) -> None:
        i = bisect.bisect_left(self.starts, c.start)
        while self.items[i] is not c:
            i += 1
        del self.starts[i]
        del self.items[i]



def ner_candidates(doc: Doc, ref: EntityReference, titles: list[tuple[int, int]]) -> list[Cand]:
    text = doc_text(doc)
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in _LABELS]
    known: dict[str, str] = {}
    for start, end, label in ents:
        known.setdefault(text[start:end], label)
    cands: dict[tuple[int, int], Cand] = {}
    for ent_start, ent_end, ent_label in ents:
        for start, end, label in clean_span(text, ent_start, ent_end, ent_label, ref, known):
            if inside_any(start, end, titles):
                continue  # "State" of "Secretary of State"
            if label != "PERSON":
                # "U.S. Secretary" -> "U.S."; "Joint Chiefs Chairman" -> "Joint Chiefs".
                s2, e2 = strip_titles(text, start, end, ref)
                if (s2, e2) != (start, end) and s2 == start and ref.lookup(text[s2:e2]) is not None:
                    end = e2
            cands.setdefault((start, end), Cand(start, end, label, "ner"))
    ordered = sorted(cands.values(), key=lambda c: (c.start, -c.end))
    # Drop spans nested in another (possible after splitting); keep the outer one.
    out: list[Cand] = []
    for c in ordered:
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out



def split_place_person(text: str, cands: list[Cand], ref: EntityReference) -> list[Cand]:
    """"envoy to Ukraine Kurt Volker" comes back from the model as one ORG. When a span is
    a known place followed by two or more capitalised words whose last word the article
    also uses on its own ("Volker said"), it is that place and a person."""
    standalone = Counter(surface_of(text, c) for c in cands)
    places = {surface_of(text, c) for c in cands if c.label in ("GPE", "LOC")}
    out: list[Cand] = []
    for c in cands:
        s = surface_of(text, c)
        words = s.split()
        split = None
        if c.label != "PERSON" and c.ref is None and len(words) >= 3 and ref.lookup(s) is None:
            for k in range(1, len(words) - 1):
                head_name = " ".join(words[:k])
                head = ref.lookup(head_name)
                rest = words[k:]
                is_place = (head is not None and head.label in ("GPE", "LOC")) or (head is None and head_name in places)
                if is_place and all(w[:1].isupper() for w in rest):
                    if standalone[rest[-1]] > 0 and ref.lookup(" ".join(rest)) is None:
                        split = (head, s.index(rest[0], len(head_name)))
                    break
        if split is None:
            out.append(c)
            continue
        head, offset = split
        head_end = c.start + len(s[:offset].rstrip())
        out.append(Cand(c.start, head_end, head.label if head else "GPE", c.source, ref=head))
        out.append(Cand(c.start + offset, c.end, "PERSON", c.source))
    return out


def relabel_by_context(text: str, cands: list[Cand], ref: EntityReference) -> None:
    """Context rules of ner_fixes.yaml: "Pangram area" -> place; "Sarkh, Logar" -> place."""
    rules = ref.fixes.context_rules
    if not rules:
        return
    by_start = {c.start: c for c in cands}
    for c in cands:
        surface = surface_of(text, c)
        if c.ref is not None or ref.lookup(surface) or ref.lookup_weak(surface):
            continue
        after = text[c.end : c.end + 60]
        for rule in rules:
            if c.label not in rule.from_labels or (rule.single_word and len(surface.split()) > 1):
                continue
            if rule.after is not None and rule.after.match(after):
                c.label = rule.to
                break
            if rule.followed_by:
                m = re.match(r",[ \t]*", after)
                nxt = by_start.get(c.end + m.end()) if m else None
                if nxt is None or nxt.label not in rule.followed_by:
                    continue
                if rule.then is None or rule.then.match(text, nxt.end):
                    c.label = rule.to
                    break
