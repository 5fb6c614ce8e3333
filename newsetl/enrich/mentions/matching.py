"""What the model missed, found by matching the text: names and aliases of the reference
list, every occurrence of an acronym the article defines, and surnames of people the
article names in full."""

from __future__ import annotations

import re

from newsetl.enrich.mentions.candidates import Cand, Occupied, inside_any, surface_of
from newsetl.enrich.mentions.reference import EntityReference

_ACRONYM_AFTER = re.compile(r"\s*\(\s*([A-Z][A-Za-z0-9&.\-]{1,11})\s*\)")


def add_reference_matches(
    text: str, cands: list[Cand], ref: EntityReference, titles: list[tuple[int, int]]
) -> list[Cand]:
    """Names/aliases of reference entities the model missed or cut short."""
    occupied = Occupied(cands)
    for start, end, ent in ref.scan(text):
        if inside_any(start, end, titles):
            continue
        hit = occupied.overlapping(start, end)
        if not hit:
            occupied.add(Cand(start, end, ent.label, "reference", ref=ent))
        elif all(start <= c.start and c.end <= end for c in hit) and any((c.start, c.end) != (start, end) for c in hit):
            # The model found only part of it ("Haqqani" of "Haqqani network"): take the whole.
            for c in hit:
                occupied.remove(c)
            occupied.add(Cand(start, end, ent.label, "reference", ref=ent))
    return occupied.items


def _initials_match(expansion: str, acronym: str) -> bool:
    """Do the acronym's letters follow the expansion's word initials in order?
    ISI <- Inter-Services Intelligence; JuA <- Jamaat-ul-Ahrar; TTP <- Tehrik-i-Taliban Pakistan."""
    letters = [ch.casefold() for ch in acronym if ch.isalpha()]
    initials = [w[0].casefold() for w in re.split(r"[\s\-\u2010\u2011/&]+", expansion) if w and w[0].isalpha()]
    if len(letters) < 2 or not initials or letters[0] != initials[0]:
        return False
    it = iter(initials)
    return all(any(ch == ini for ini in it) for ch in letters)


def add_acronyms(text: str, cands: list[Cand]) -> list[Cand]:
    """"Expansion (ACR)" defines ACR for this article: link every occurrence of ACR."""
    defined: dict[str, Cand] = {}
    for c in list(cands):
        if c.acronym_of is not None:
            continue
        m = _ACRONYM_AFTER.match(text, c.end)
        if not m:
            continue
        acr = m.group(1).rstrip(".")
        if sum(ch.isupper() for ch in acr) < 2 or acr in defined:
            continue
        if not _initials_match(surface_of(text, c), acr):
            continue
        if c.label == "PERSON":
            c.label = "ORG"  # a person has no acronym: "Maghawir al Thawra (MaT)" tagged PERSON
        defined[acr] = c
    if not defined:
        return cands
    occupied = Occupied(cands)
    alternation = "|".join(map(re.escape, sorted(defined, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![\w.])(?:{alternation})(?!\w|\.\w)")
    for m in pattern.finditer(text):
        start, end = m.span()
        expansion = defined[m.group(0)]
        hit = occupied.overlapping(start, end)
        if not hit:
            occupied.add(Cand(start, end, expansion.label, "acronym", acronym_of=expansion))
        elif len(hit) == 1 and (hit[0].start, hit[0].end) == (start, end) and hit[0] is not expansion:
            hit[0].acronym_of = expansion
            hit[0].ref = None
    return occupied.items


def add_surnames(text: str, cands: list[Cand], ref: EntityReference) -> list[Cand]:
    """A person named in full is later often called by surname alone, and the model
    misses some of those ("Asif said ..."): find them. Skipped when the word is part of a
    longer capitalised sequence (another name) or names a known non-person."""
    titles = ref.fixes.titles
    surnames: set[str] = set()
    for c in cands:
        if c.label != "PERSON" or c.acronym_of is not None or (c.ref is not None and c.ref.label != "PERSON"):
            continue
        parts = surface_of(text, c).split()
        if len(parts) < 2:
            continue
        last = parts[-1]
        if len(last) < 3 or not last[0].isupper() or not any(ch.islower() for ch in last) or not last.isalpha():
            continue
        other = ref.lookup(last)
        if other is not None and other.label != "PERSON":
            continue
        surnames.add(last)
    if not surnames:
        return cands
    occupied = Occupied(cands)
    alternation = "|".join(map(re.escape, sorted(surnames, key=len, reverse=True)))
    # Whole words; a possessive may follow ("Asif’s"), other letters may not.
    pattern = re.compile(rf"(?<![\w.\-'’])(?:{alternation})(?![\w\-]|['’][a-rt-z])")
    for m in pattern.finditer(text):
        start, end = m.span()
        if occupied.overlapping(start, end):
            continue
        window = text[max(0, start - 60) : start]
        prev = re.search(r"(\S+)[ \t]+$", window)
        if prev:
            word = prev.group(1)
            sentence_end = word.endswith(".") and word.count(".") == 1 and len(word) > 3  # "Dunford." not "H.R."
            ends_clause = word[-1] in ",;:!?\"”’)" or sentence_end
            if word[:1].isupper() and word not in titles and not ends_clause:
                # "Ali Asif", "Foreign Office Asif": part of something else, unless the
                # capitalised word only starts the sentence ("Then Asif said").
                before_prev = window[: len(window) - len(prev.group(0))].rstrip(" \t")
                if before_prev and before_prev[-1] not in ".!?\n\"“”":
                    continue
        nxt = re.match(r"[ \t]+(\S+)", text[end : end + 40])
        if nxt and nxt.group(1)[:1].isupper():
            continue
        occupied.add(Cand(start, end, "PERSON", "surname"))
    return occupied.items
