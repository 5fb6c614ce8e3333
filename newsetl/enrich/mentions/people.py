"""Short forms of a person joined to the fullest name the article uses for them
("Tillerson", "Secretary Tillerson" -> "Rex Tillerson"), whatever label the model gave."""

from __future__ import annotations

import bisect

from newsetl.enrich.mentions.candidates import SURNAME_MISLABELS, Cand, casefolded_words, surface_of
from newsetl.enrich.mentions.clean import strip_titles
from newsetl.enrich.mentions.reference import EntityReference

_NAME_PARTICLES = frozenset("al el bin ibn ul ud e i de da di do dos du la le van von der den ter y".split())


def _looks_like_a_name(s: str) -> bool:
    """Capitalised words (initials allowed), lowercase only for particles ("Abu Yahya
    al-Libi", "Mohammed Zia ul-Haq"), and no digits: "older MacBook Pro" is not a name."""
    words = s.split()
    if not words or not words[0][:1].isupper() or any(ch.isdigit() for ch in s):
        return False
    return all(w[:1].isupper() or w.split("-")[0] in _NAME_PARTICLES for w in words)


def link_people(text: str, cands: list[Cand], ref: EntityReference) -> None:
    """Short forms of a person -> the fullest name the article uses for them."""
    for c in cands:
        c.words = casefolded_words(surface_of(text, c))
    # A single word the model tags as something else than a person somewhere in the
    # article ("Apple", "Virginia", "Tottenham") does not start a person's name: "Apple
    # Watches", "Virginia Democrats", "Tottenham Hotspur" tagged PERSON are not people.
    not_first = {c.words[0] for c in cands if len(c.words) == 1 and c.label != "PERSON"}
    full = [
        c
        for c in cands
        if c.label == "PERSON"
        and 2 <= len(c.words) <= 6
        and c.acronym_of is None
        and not (c.ref is not None and c.ref.label != "PERSON")
        and c.words[0] not in not_first
        and _looks_like_a_name(surface_of(text, c))
    ]
    if not full:
        return
    protected = {w.casefold() for w in ref.fixes.places_not_surnames}
    by_last: dict[str, list[Cand]] = {}
    by_first: dict[str, list[Cand]] = {}
    for f in full:  # in text order
        by_last.setdefault(f.words[-1], []).append(f)
        by_first.setdefault(f.words[0], []).append(f)
    for c in cands:
        if c.acronym_of is not None or c.label not in SURNAME_MISLABELS:
            continue
        if c.ref is not None and c.ref.label != "PERSON":
            continue  # a known organization/place stays what it is
        if c.label == "GPE" and (" ".join(c.words) in protected or ref.lookup(surface_of(text, c)) is not None):
            continue
        words = c.words
        start = c.start
        if len(words) == 1 and words[0].endswith("s") and words[0] not in by_last:
            # "the Bidens", "the Sharifs": the family, linked to its nearest member named.
            family = by_last.get(words[0][:-1], [])
            if family:
                i = bisect.bisect_left([f.start for f in family], c.start)
                c.person = family[i - 1] if i > 0 else family[0]
                c.label = "PERSON"
                continue
        if c.label != "PERSON":
            # "Secretary Tillerson" tagged ORG: try the name without its title.
            s2, e2 = strip_titles(text, c.start, c.end, ref, trailing=False)
            if s2 != c.start:
                words, start = casefolded_words(text[s2:e2]), s2
        k = len(words)
        if not k:
            continue
        matches = [f for f in by_last.get(words[-1], ()) if len(f.words) > k and f.words[-k:] == words]
        if not matches and k == 1 and c.label == "PERSON" and words[0] not in by_last:
            # A bare given name ("Joe") or an East Asian surname, written first ("Xi" for
            # "Xi Jinping"): only when exactly one person in the article starts that way.
            firsts = by_first.get(words[0], [])
            if len({f.words for f in firsts}) == 1:
                matches = firsts
        if not matches:
            # A full name is a weak match for a single word only as the surname; nothing else.
            if start != c.start and (ref.lookup(text[start : c.end]) or ref.lookup_weak(text[start : c.end])):
                c.start = start
            continue
        longest = max(len(f.words) for f in matches)
        best = [f for f in matches if len(f.words) == longest]
        # Several people share the short form ("Anas Haqqani", "Sirajuddin Haqqani"):
        # the one named most recently before it, else the first named after it.
        i = bisect.bisect_left([f.start for f in best], c.start)
        c.person = best[i - 1] if i > 0 else best[0]
        c.start = start
        c.label = "PERSON"
