"""Mentions of people, organizations and places in one article, with canonical entities.

:func:`mentions_from_doc` turns the entities of one spaCy Doc into rows of the
``mentions`` table (``schemas.mentions.MentionModel``). Every row satisfies
``text[start_char:end_char] == surface``: spans are only ever narrowed or added by
character offsets into the same text, never rebuilt from strings.

Steps, per article:

1. Clean the model's spans (rules in ``data/ner_fixes.yaml``): cut "the", trailing
   function words, punctuation, possessives ("Pakistan's" -> "Pakistan") and leading
   titles ("Secretary Tillerson" -> "Tillerson"); split "Expansion (ACR)" and
   "Pakistan's Inter-Services Intelligence"; drop job-title fragments ("State" in
   "Secretary of State") and non-names; relabel systematic label errors.
2. Add what the model missed: names and aliases from the reference list
   (``data/entities.yaml``) found in the text, and every occurrence of an acronym the
   article defines ("Inter-Services Intelligence (ISI)" ... "ISI").
3. Canonicalize inside the article: an acronym joins its expansion; a person's short
   form ("Tillerson", "Asif", "Mahmood Hayat") joins the fullest name the article uses
   for them ("Rex Tillerson"), whatever label the model gave the short form.
4. Canonicalize across articles: a name or alias of a reference entity becomes its
   canonical name ("U.S.", "America" -> "United States"); a reference weak alias (a
   bare surname such as "Trump") only when the article names nobody else that way.

``entity_id`` is the first 16 hex digits of SHA-256 of the casefolded canonical name, so
the same canonical name gets the same id in every article and every run.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc

from newsetl.entity_reference import EntityReference, ReferenceEntity, name_key
from newsetl.identity import short_hash
from schemas.mentions import LABELS

_LABELS = frozenset(LABELS)
# Labels the model is known to give to a person's bare surname ("Mattis" NORP,
# "Tillerson" ORG, "Mir" FAC, "Sondland" GPE). Known places are protected: reference
# entities and ner_fixes.yaml `places_not_surnames` ("Washington" next to "George Washington").
_SURNAME_MISLABELS = frozenset({"PERSON", "ORG", "NORP", "FAC", "LOC", "GPE"})

_LEAD_PUNCT = "\"'“”‘’«»([{/\\-–—•*,;:!?|#"
_TRAIL_PUNCT = "\"'“”‘’«»]}/\\-–—•*,;:!?|#"
_LEADING_CLITIC = re.compile(r"^['’]?s\s+(?=\S)")
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")
_INNER_POSSESSIVE = re.compile(r"^(.+?)['’]s\s+(\S.*)$", re.S)
_PAREN_SUFFIX = re.compile(r"^(.*?\S)\s*\(\s*([^()]+?)\s*\)$", re.S)
_ACRONYM_AFTER = re.compile(r"\s*\(\s*([A-Z][A-Za-z0-9&.\-]{1,11})\s*\)")
_WS = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def entity_id_for(canonical_name: str) -> str:
    """The entity id of a canonical name: SHA-256 of the casefolded name, 16 hex digits
    (the same name in two articles, runs or spellings of case, the same id)."""
    return short_hash(canonical_name.casefold())


def mention_id_for(article_id: str, start_char: int, end_char: int) -> str:
    return short_hash(article_id, str(start_char), str(end_char))


@dataclass
class _Cand:
    start: int
    end: int
    label: str
    source: str  # "ner" | "reference" | "acronym" | "surname"
    ref: ReferenceEntity | None = None
    acronym_of: _Cand | None = None  # an acronym occurrence -> its expansion
    person: _Cand | None = None  # a short form -> the fullest name of the same person
    words: tuple[str, ...] = field(default=(), repr=False)


def _surface(text: str, c: _Cand) -> str:
    return text[c.start : c.end]


def _words(s: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in s.split())


# ----------------------------------------------------------------------- cleaning
def _trim(text: str, start: int, end: int, ref: EntityReference) -> tuple[int, int]:
    """Narrow [start, end) until no edge rule applies."""
    fx = ref.fixes
    while start < end:
        s = text[start:end]
        before = (start, end)
        # Whitespace and punctuation at the edges.
        stripped = s.lstrip()
        start += len(s) - len(stripped)
        s = stripped.rstrip()
        end = start + len(s)
        while s and s[0] in _LEAD_PUNCT:
            s, start = s[1:], start + 1
        # A possessive clitic the model put in front ("city’s Hoa Lo" -> "’s Hoa Lo").
        m = _LEADING_CLITIC.match(s)
        if m:
            s, start = s[m.end() :], start + m.end()
        while s and (s[-1] in _TRAIL_PUNCT or (s[-1] == ")" and s.count("(") < s.count(")"))):
            s, end = s[:-1], end - 1
        # Possessive: "Pakistan’s", "Mattis’".
        m = _POSSESSIVE.search(s)
        if m and m.start() > 0:
            end -= len(s) - m.start()
            s = s[: m.start()]
        # Function words at the edges.
        parts = s.split(None, 1)
        if len(parts) == 2 and parts[0] in fx.leading_words:
            start += s.index(parts[1], len(parts[0]))
            s = text[start:end]
        parts = s.rsplit(None, 1)
        if len(parts) == 2 and parts[1] in fx.trailing_words:
            end = start + len(parts[0].rstrip())
        if (start, end) == before:
            break
    return start, max(start, end)


def _strip_titles(text: str, start: int, end: int, ref: EntityReference, *, trailing: bool = True) -> tuple[int, int]:
    """Cut honorifics/job titles off the front (and a trailing title off the back:
    "U.S. Secretary" -> "U.S.", "Joint Chiefs Chairman" -> "Joint Chiefs") when a name remains."""
    fx = ref.fixes
    while True:
        m = fx.title_prefix.match(text, start, end)
        if not m or m.end() >= end or not text[m.end()].isupper():
            break
        start = m.end()
    if trailing:
        s = text[start:end]
        parts = s.rsplit(None, 1)
        if len(parts) == 2 and parts[1] in fx.titles and parts[0][:1].isupper():
            # A trailing one-word title ("Secretary", "Chairman") after a name or place.
            end = start + len(parts[0].rstrip())
    return start, end


def _is_name(s: str, ref: EntityReference) -> bool:
    fx = ref.fixes
    if not s or len(s) > fx.max_chars or len(s.split()) > fx.max_words or not any(ch.isalpha() for ch in s):
        return False
    if ref.fixes.require_capital and not any(ch.isupper() for ch in s):
        return False
    return s not in ref.fixes.drop_surfaces


def _clean_span(
    text: str,
    start: int,
    end: int,
    label: str,
    ref: EntityReference,
    known: dict[str, str] | None = None,
    depth: int = 0,
) -> list[tuple[int, int, str]]:
    """The model's span -> zero, one or two clean spans (start, end, label).
    ``known``: surface -> label of the names the model tags elsewhere in the article."""
    known = known or {}
    # A span that runs over a line break: keep its first line ("Trump\n\nPushed by" -> "Trump").
    s = text[start:end]
    lead = len(s) - len(s.lstrip())
    nl = _LINE_BREAK.search(s, lead)
    if nl and s[nl.start() :].strip():
        end = start + nl.start()
    start, end = _trim(text, start, end, ref)
    s = text[start:end]
    if depth < 2:
        # "U.S.-Pakistan", "Afghanistan-Pakistan": two known places joined by a hyphen;
        # "Arif Ali/AFP": a name and an agency in a photo credit.
        for sep in ("/", "-"):
            if sep in s and ref.lookup(s) is None:
                pos = s.find(sep)
                while pos > 0:
                    left, right = s[:pos], s[pos + 1 :]
                    lref, rref = ref.lookup(left), ref.lookup(right)
                    both = sep == "-" and lref and rref
                    credit = sep == "/" and (lref or rref) and left.strip() and right.strip()
                    if both or credit:
                        llabel, rlabel = lref.label if lref else label, rref.label if rref else label
                        return _clean_span(text, start, start + pos, llabel, ref, known, depth + 1) + _clean_span(
                            text, start + pos + 1, end, rlabel, ref, known, depth + 1
                        )
                    pos = s.find(sep, pos + 1)
        # "Inter-Services Intelligence (ISI)" inside one span: two mentions.
        m = _PAREN_SUFFIX.match(s)
        if m and len(m.group(2)) >= 2 and ref.lookup(s) is None:  # not "Pakistan Muslim League (N)"
            inner_start = start + m.start(2)
            return _clean_span(text, start, start + m.end(1), label, ref, known, depth + 1) + _clean_span(
                text, inner_start, inner_start + len(m.group(2)), label, ref, known, depth + 1
            )
        # "Pakistan’s Inter-Services Intelligence": the owner and the owned are two mentions.
        # Only when the owner is a known entity or the owned is a person: "People’s
        # Liberation Army" and "Children’s Hospital" are single names.
        m = _INNER_POSSESSIVE.match(s)
        owner_name = m.group(1) if m else ""
        owner = (ref.lookup(owner_name) or ref.lookup_weak(owner_name)) if m else None
        if m and m.group(2)[:1].isupper() and (label == "PERSON" or owner or owner_name in known):
            owner_label = owner.label if owner else known.get(owner_name) or ("ORG" if label == "PERSON" else label)
            return _clean_span(text, start, start + len(m.group(1)), owner_label, ref, known, depth + 1) + _clean_span(
                text, start + m.start(2), end, label, ref, known, depth + 1
            )
    if label == "PERSON":
        start, end = _strip_titles(text, start, end, ref, trailing=False)
        start, end = _trim(text, start, end, ref)
    s = text[start:end]
    if not _is_name(s, ref) or ref.fixes.drops(s, label) or ref.fixes.is_title(s):
        return []
    return [(start, end, ref.fixes.relabel_for(s, label))]


def _title_phrase_spans(text: str, ref: EntityReference) -> list[tuple[int, int]]:
    pattern = ref.fixes.title_phrase_re
    return [m.span() for m in pattern.finditer(text)] if pattern is not None else []


def _inside_any(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Is [start, end) inside one of ``spans`` (sorted, non-overlapping)?"""
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


class _Occupied:
    """The candidates of an article: sorted, non-overlapping, with O(log n) overlap queries
    (a 2 MB article has tens of thousands of them)."""

    def __init__(self, cands: list[_Cand]) -> None:
        self.items = sorted(cands, key=lambda c: c.start)
        self.starts = [c.start for c in self.items]

    def overlapping(self, start: int, end: int) -> list[_Cand]:
        out = []
        j = bisect.bisect_left(self.starts, end) - 1
        while j >= 0 and self.items[j].end > start:
            out.append(self.items[j])
            j -= 1
        return out

    def add(self, c: _Cand) -> None:
        i = bisect.bisect_left(self.starts, c.start)
        self.starts.insert(i, c.start)
        self.items.insert(i, c)

    def remove(self, c: _Cand) -> None:
        i = bisect.bisect_left(self.starts, c.start)
        while self.items[i] is not c:
            i += 1
        del self.starts[i]
        del self.items[i]


# ----------------------------------------------------------------------- candidates
def _candidates(doc: Doc, ref: EntityReference, titles: list[tuple[int, int]]) -> list[_Cand]:
    text = doc.text
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in _LABELS]
    known: dict[str, str] = {}
    for start, end, label in ents:
        known.setdefault(text[start:end], label)
    cands: dict[tuple[int, int], _Cand] = {}
    for ent_start, ent_end, ent_label in ents:
        for start, end, label in _clean_span(text, ent_start, ent_end, ent_label, ref, known):
            if _inside_any(start, end, titles):
                continue  # "State" of "Secretary of State"
            if label != "PERSON":
                # "U.S. Secretary" -> "U.S."; "Joint Chiefs Chairman" -> "Joint Chiefs".
                s2, e2 = _strip_titles(text, start, end, ref)
                if (s2, e2) != (start, end) and s2 == start and ref.lookup(text[s2:e2]) is not None:
                    end = e2
            cands.setdefault((start, end), _Cand(start, end, label, "ner"))
    ordered = sorted(cands.values(), key=lambda c: (c.start, -c.end))
    # Drop spans nested in another (possible after splitting); keep the outer one.
    out: list[_Cand] = []
    for c in ordered:
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out


def _add_reference_matches(
    text: str, cands: list[_Cand], ref: EntityReference, titles: list[tuple[int, int]]
) -> list[_Cand]:
    """Names/aliases of reference entities the model missed or cut short."""
    occupied = _Occupied(cands)
    for start, end, ent in ref.scan(text):
        if _inside_any(start, end, titles):
            continue
        hit = occupied.overlapping(start, end)
        if not hit:
            occupied.add(_Cand(start, end, ent.label, "reference", ref=ent))
        elif all(start <= c.start and c.end <= end for c in hit) and any((c.start, c.end) != (start, end) for c in hit):
            # The model found only part of it ("Haqqani" of "Haqqani network"): take the whole.
            for c in hit:
                occupied.remove(c)
            occupied.add(_Cand(start, end, ent.label, "reference", ref=ent))
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


def _add_acronyms(text: str, cands: list[_Cand]) -> list[_Cand]:
    """"Expansion (ACR)" defines ACR for this article: link every occurrence of ACR."""
    defined: dict[str, _Cand] = {}
    for c in list(cands):
        if c.acronym_of is not None:
            continue
        m = _ACRONYM_AFTER.match(text, c.end)
        if not m:
            continue
        acr = m.group(1).rstrip(".")
        if sum(ch.isupper() for ch in acr) < 2 or acr in defined:
            continue
        if not _initials_match(_surface(text, c), acr):
            continue
        if c.label == "PERSON":
            c.label = "ORG"  # a person has no acronym: "Maghawir al Thawra (MaT)" tagged PERSON
        defined[acr] = c
    if not defined:
        return cands
    occupied = _Occupied(cands)
    alternation = "|".join(map(re.escape, sorted(defined, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![\w.])(?:{alternation})(?!\w|\.\w)")
    for m in pattern.finditer(text):
        start, end = m.span()
        expansion = defined[m.group(0)]
        hit = occupied.overlapping(start, end)
        if not hit:
            occupied.add(_Cand(start, end, expansion.label, "acronym", acronym_of=expansion))
        elif len(hit) == 1 and (hit[0].start, hit[0].end) == (start, end) and hit[0] is not expansion:
            hit[0].acronym_of = expansion
            hit[0].ref = None
    return occupied.items


def _add_surnames(text: str, cands: list[_Cand], ref: EntityReference) -> list[_Cand]:
    """A person named in full is later often called by surname alone, and the model
    misses some of those ("Asif said ..."): find them. Skipped when the word is part of a
    longer capitalised sequence (another name) or names a known non-person."""
    titles = ref.fixes.titles
    surnames: set[str] = set()
    for c in cands:
        if c.label != "PERSON" or c.acronym_of is not None or (c.ref is not None and c.ref.label != "PERSON"):
            continue
        parts = _surface(text, c).split()
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
    occupied = _Occupied(cands)
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
        occupied.add(_Cand(start, end, "PERSON", "surname"))
    return occupied.items


def _split_place_person(text: str, cands: list[_Cand], ref: EntityReference) -> list[_Cand]:
    """"envoy to Ukraine Kurt Volker" comes back from the model as one ORG. When a span is
    a known place followed by two or more capitalised words whose last word the article
    also uses on its own ("Volker said"), it is that place and a person."""
    standalone = Counter(_surface(text, c) for c in cands)
    places = {_surface(text, c) for c in cands if c.label in ("GPE", "LOC")}
    out: list[_Cand] = []
    for c in cands:
        s = _surface(text, c)
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
        out.append(_Cand(c.start, head_end, head.label if head else "GPE", c.source, ref=head))
        out.append(_Cand(c.start + offset, c.end, "PERSON", c.source))
    return out


def _relabel_by_context(text: str, cands: list[_Cand], ref: EntityReference) -> None:
    """Context rules of ner_fixes.yaml: "Pangram area" -> place; "Sarkh, Logar" -> place."""
    rules = ref.fixes.context_rules
    if not rules:
        return
    by_start = {c.start: c for c in cands}
    for c in cands:
        surface = _surface(text, c)
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


# ----------------------------------------------------------------------- resolution
_NAME_PARTICLES = frozenset("al el bin ibn ul ud e i de da di do dos du la le van von der den ter y".split())


def _looks_like_a_name(s: str) -> bool:
    """Capitalised words (initials allowed), lowercase only for particles ("Abu Yahya
    al-Libi", "Mohammed Zia ul-Haq"), and no digits: "older MacBook Pro" is not a name."""
    words = s.split()
    if not words or not words[0][:1].isupper() or any(ch.isdigit() for ch in s):
        return False
    return all(w[:1].isupper() or w.split("-")[0] in _NAME_PARTICLES for w in words)


def _link_people(text: str, cands: list[_Cand], ref: EntityReference) -> None:
    """Short forms of a person -> the fullest name the article uses for them."""
    for c in cands:
        c.words = _words(_surface(text, c))
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
        and _looks_like_a_name(_surface(text, c))
    ]
    if not full:
        return
    protected = {w.casefold() for w in ref.fixes.places_not_surnames}
    by_last: dict[str, list[_Cand]] = {}
    by_first: dict[str, list[_Cand]] = {}
    for f in full:  # in text order
        by_last.setdefault(f.words[-1], []).append(f)
        by_first.setdefault(f.words[0], []).append(f)
    for c in cands:
        if c.acronym_of is not None or c.label not in _SURNAME_MISLABELS:
            continue
        if c.ref is not None and c.ref.label != "PERSON":
            continue  # a known organization/place stays what it is
        if c.label == "GPE" and (" ".join(c.words) in protected or ref.lookup(_surface(text, c)) is not None):
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
            s2, e2 = _strip_titles(text, c.start, c.end, ref, trailing=False)
            if s2 != c.start:
                words, start = _words(text[s2:e2]), s2
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


def _resolve(text: str, c: _Cand, ref: EntityReference, depth: int = 0) -> tuple[str, str, ReferenceEntity | None]:
    """(canonical name, label, reference entity or None) of one candidate."""
    if depth < 3 and c.acronym_of is not None:
        return _resolve(text, c.acronym_of, ref, depth + 1)
    if depth < 3 and c.person is not None:
        return _resolve(text, c.person, ref, depth + 1)
    surface = _WS.sub(" ", _surface(text, c)).strip()
    ent = c.ref or ref.lookup(surface)
    if ent is None:
        weak = ref.lookup_weak(surface)
        if weak is not None:
            if weak.label == "PERSON":
                # A surname; the model also tags it ORG/NORP ("Trump’s decision").
                ent = weak if c.label in _SURNAME_MISLABELS else None
            else:
                ent = weak if c.label != "PERSON" else None
    if ent is not None:
        return ent.name, ent.label, ent
    return surface, c.label, None


def mentions_from_doc(article_id: str, doc: Doc, run_id: str, reference: EntityReference) -> list[dict]:
    """Rows of the ``mentions`` table for one article (see the module docstring).

    ``doc.text`` must be the article's ``text`` exactly (``newsetl.nlp.pipe_texts``
    guarantees it for long texts too). Rows are ordered by ``start_char``.
    """
    text = doc.text
    titles = _title_phrase_spans(text, reference)
    cands = _candidates(doc, reference, titles)
    cands = _add_reference_matches(text, cands, reference, titles)
    cands = _split_place_person(text, cands, reference)
    _relabel_by_context(text, cands, reference)
    cands = _add_acronyms(text, cands)
    cands = _add_surnames(text, cands, reference)
    _link_people(text, cands, reference)

    resolved = [(c, *_resolve(text, c, reference)) for c in cands]

    # One label and one spelling per entity in this article.
    labels: dict[str, Counter[str]] = {}
    spellings: dict[str, Counter[str]] = {}
    fixed_label: dict[str, str] = {}
    for c, canonical, label, ent in resolved:
        key = canonical.casefold()
        labels.setdefault(key, Counter())[label] += 1
        spellings.setdefault(key, Counter())[canonical] += 1
        if ent is not None:
            fixed_label[key] = ent.label
        elif c.person is not None or (label == "PERSON" and len(c.words) >= 2):
            fixed_label.setdefault(key, "PERSON")

    def entity_label(key: str) -> str:
        if key in fixed_label:
            return fixed_label[key]
        counts = labels[key]
        top = max(counts.values())
        return next(lab for lab in counts if counts[lab] == top)  # first seen among the most frequent

    def entity_name(key: str) -> str:
        counts = spellings[key]
        top = max(counts.values())
        return next(name for name in counts if counts[name] == top)

    sent_starts = _sentence_starts(doc)
    rows: list[dict] = []
    seen: set[tuple[int, int]] = set()
    for c, canonical, _label, _ent in sorted(resolved, key=lambda r: r[0].start):
        if (c.start, c.end) in seen or c.end <= c.start:
            continue
        seen.add((c.start, c.end))
        key = canonical.casefold()
        name = entity_name(key)
        surface = text[c.start : c.end]
        rows.append(
            {
                "mention_id": mention_id_for(article_id, c.start, c.end),
                "article_id": article_id,
                "start_char": c.start,
                "end_char": c.end,
                "surface": surface,
                "label": entity_label(key),
                "entity_id": entity_id_for(name),
                "canonical_name": name,
                "sentence_index": max(0, bisect.bisect_right(sent_starts, c.start) - 1),
                "run_id": run_id,
            }
        )
    return rows


def _sentence_starts(doc: Doc) -> list[int]:
    if len(doc) == 0 or not (doc.has_annotation("SENT_START") or doc.has_annotation("DEP")):
        return [0]
    return [s.start_char for s in doc.sents]


MENTION_COLUMNS = [
    "mention_id",
    "article_id",
    "start_char",
    "end_char",
    "surface",
    "label",
    "entity_id",
    "canonical_name",
    "sentence_index",
    "run_id",
]

__all__ = ["MENTION_COLUMNS", "entity_id_for", "mention_id_for", "mentions_from_doc", "name_key"]
