"""Speaker (and target) resolution for the claims stage.

A speaker phrase found in the parse is linked to a canonical entity of the ``mentions``
table, in this order:

1. a mention covering the phrase's head word ("Asif", "Pentagon spokesman Lt. Col.
   Mike Andrews"), or a name whose tail the phrase is ("Disease Control" of "The Centers
   for Disease Control") -> that mention's entity;
2. a pronoun ("he", "she", "they", "it") or a definite nominal ("the spokesman", "the
   ministry") -> the nearest compatible speaker or subject earlier in the text (a
   person's name opening a sentence counts as its subject, whatever the parse)
   (:meth:`SpeakerResolver.resolve`): a person for he/she and person nominals (with
   the gender seen so far: "Mr."/"Ms.", the pronouns after the person's name in the
   text, then pronouns already resolved to that person),
   an organization or place for "it" and organization nominals, an organization,
   nationality or plural speaker for "they". When the nearest compatible candidate is
   unnamed ("officials said ... they said"), the speaker stays unresolved;
3. a name the parse sets beside a nameless head: in apposition to it ("Cmdr. Sean
   Robertson", "China's ambassador to Britain Liu Xiaming"), the name it is the
   apposition of ("the People's Daily, the mouthpiece of the Communist party"), the
   person whose entourage it is ("Paganini and his team"); a named person in apposition
   closing the phrase ("the head of the air force, Air Chief Marshal Sohail Aman"), else
   an organization/place the phrase is affiliated to ("Pentagon officials", "a spokesman
   for the Pentagon"; not a nationality: "Israeli settlers") -> that entity;
4. otherwise unresolved: the surface is kept, the name is null.

Only the mention rows (dicts with start_char, end_char, label, entity_id,
canonical_name) are used, so any mentions producer with that contract works.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from spacy.tokens import Doc, Span, Token

from newsetl.enrich.claims.quotemarks import QuoteIndex
from newsetl.enrich.nlp import doc_text

PERSON = "PERSON"
ORG_LABELS = frozenset({"ORG", "GPE", "FAC"})

# pronoun -> (compatible class, gender)
PRONOUNS: dict[str, tuple[str, str | None]] = {
    "he": ("person", "m"),
    "him": ("person", "m"),
    "she": ("person", "f"),
    "her": ("person", "f"),
    "they": ("group", None),
    "them": ("group", None),
    "it": ("org", None),
}
FIRST_PERSON = frozenset({"i", "me", "we", "us"})
RELATIVE = frozenset({"who", "which", "that", "whom"})
# Words that are never a speaker's name, whatever the NER says ("We" as an ORG).
NOT_NAMES = frozenset({*PRONOUNS, *FIRST_PERSON, *RELATIVE, "you", "your", "yours", "my", "our", "us", "it", "its",
                       "his", "hers", "their", "this", "these", "those", "whose", "one", "someone", "somebody"})
_HONORIFICS = {"mr.": "m", "mr": "m", "mrs.": "f", "mrs": "f", "ms.": "f", "ms": "f", "miss": "f"}
_DEFINITE = frozenset({"the", "this", "that"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
_APPOSED_LABELS = frozenset({PERSON, "ORG"})
# Who a person's "X and his team" speaks with: the person is the speaker.
_ENTOURAGE = frozenset({"team", "colleague", "co-author", "coauthor", "collaborator", "lab", "group", "staff"})
# Person nouns that name no role anyone is introduced by: "the man" after "Dempsey said" is
# the patient, not the doctor; they take only a speaker whose phrase had the same word.
_GENERIC_PERSONS = frozenset({"man", "woman"})
_NAME_LABELS = frozenset({PERSON, "ORG", "GPE", "NORP"})
# Titles a person is named with ("Gov. Eric Holcomb", "President Trump"): "the governor"
# is the person the text gave that title, before the nearest speaker (D88: "The governor
# said" after "Bosma said" was Bosma, the House Speaker). Abbreviations by the title.
_TITLES = {"governor": ("gov.", "governor"), "president": ("president", "pres."), "senator": ("sen.", "senator"),
           "mayor": ("mayor",), "congressman": ("rep.", "congressman"), "congresswoman": ("rep.", "congresswoman"),
           "representative": ("rep.", "representative"), "secretary": ("secretary", "sec."),
           "chancellor": ("chancellor",), "premier": ("premier",), "judge": ("judge",), "pope": ("pope",),
           "ambassador": ("ambassador", "amb."), "attorney": ("attorney",), "professor": ("professor", "prof.")}
_TITLE_WINDOW = 24  # characters before a name that may hold its title ("Republican Gov. Eric Holcomb")
_AFFILIATION_LABELS = frozenset({"ORG", "GPE"})
# Third-person singular pronouns that tell a person's gender (D92's votes).
_OBJECT_FORMS = frozenset({"him", "her"})
_NAME_LINKS = frozenset({"of", "for", "and", "on", "the", "&"})  # lower-case words inside a long name
# Nouns for a business that stand for the one business a story is about ("The automaker says",
# "The company flat-out denied"): besides the same-word rule, they take the organization the
# story is about, when the text makes it plain (``SpeakerResolver._story_org``, D95).
_COMPANY_NOMINALS = frozenset({"company", "firm", "automaker", "carmaker", "retailer", "startup", "airline",
                               "studio", "publisher", "developer", "manufacturer", "chipmaker", "insurer", "agency"})
# The dash closing a dateline ("WASHINGTON (AP) — ", "HONOLULU, Hawaii (HawaiiNewsNow) - ").
_DATELINE_DASH = re.compile(r"\s[-–—]{1,2}\s")
_WORDS = re.compile(r"\w+")
_PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "himself": "m", "she": "f", "her": "f", "hers": "f", "herself": "f"}


@dataclass(frozen=True)
class Resolution:
    """A linked entity: canonical name, mentions.entity_id and label."""

    name: str
    entity_id: str
    label: str


@dataclass
class _Candidate:
    pos: int
    cls: str  # "person" | "org" | "group" | "thing"
    resolution: Resolution | None
    head_lemma: str = ""
    words: frozenset[str] = frozenset()


class MentionIndex:
    """Mention rows of one article, by position."""

    def __init__(self, mentions: Iterable[dict]) -> None:
        rows = sorted(
            (m for m in mentions if m.get("end_char", 0) > m.get("start_char", 0)),
            key=lambda m: (int(m["start_char"]), -int(m["end_char"])),
        )
        self.rows = rows
        self._starts = [int(m["start_char"]) for m in rows]
        self.by_surface: dict[str, dict] = {}
        for m in rows:
            if m.get("label") in _NAME_LABELS and isinstance(m.get("surface"), str):
                self.by_surface.setdefault(m["surface"].casefold(), m)

    @cached_property
    def _person_by_last_word(self) -> dict[str, dict]:
        index: dict[str, dict] = {}
        for m in self.rows:
            if m["label"] == PERSON:
                names = _WORDS.findall(str(m["canonical_name"]))
                if names:
                    index.setdefault(names[-1].casefold(), m)
        return index

    def person_by_last_word(self, last: str) -> dict | None:
        """The first person (by position) whose canonical name's last ``\\w+`` word,
        casefolded, is ``last`` (a transcript's label in capitals names that person)."""
        return self._person_by_last_word.get(last)

    @cached_property
    def _full_names_by_first_word(self) -> dict[str, dict[str, dict]]:
        index: dict[str, dict[str, dict]] = {}
        for o in self.rows:
            if o["label"] == PERSON:
                words = str(o["canonical_name"]).split()
                if len(words) > 1:
                    index.setdefault(words[0], {})[str(o["canonical_name"])] = o
        return index

    def full_names(self, first: str) -> dict[str, dict]:
        """The persons named with more than one word whose first word is ``first``: canonical
        name -> its last mention row (as a scan of the rows in order makes it)."""
        return self._full_names_by_first_word.get(first, {})

    def within(self, start: int, end: int) -> list[dict]:
        """Mentions lying inside [start, end)."""
        i = bisect.bisect_left(self._starts, start)
        out = []
        while i < len(self.rows) and self._starts[i] < end:
            if int(self.rows[i]["end_char"]) <= end:
                out.append(self.rows[i])
            i += 1
        return out

    def covering(self, start: int, end: int) -> dict | None:
        """The mention that overlaps [start, end) (a word), if any."""
        i = bisect.bisect_right(self._starts, start) - 1
        for j in (i, i + 1):
            if 0 <= j < len(self.rows):
                m = self.rows[j]
                if int(m["start_char"]) < end and start < int(m["end_char"]):
                    return m
        return None


def resolution_of(m: dict) -> Resolution:
    return Resolution(str(m["canonical_name"]), str(m["entity_id"]), str(m["label"]))


def named(res: Resolution | None) -> Resolution | None:
    """A resolution whose name is a pronoun ("We" tagged as an organization) names nobody:
    a pronoun is never a ``speaker_name``."""
    return None if res is None or res.name.casefold() in NOT_NAMES else res


def _cls_of_label(label: str) -> str:
    if label == PERSON:
        return "person"
    if label in ORG_LABELS:
        return "org"
    return "group"


class SpeakerResolver:
    """Resolves speaker phrases of one article; call :meth:`resolve` in text order and
    :meth:`remember` each speaker so that later pronouns can refer back to it."""

    def __init__(
        self,
        doc: Doc,
        mentions: Sequence[dict],
        quotes: QuoteIndex,
        person_nominals: Iterable[str] = (),
        org_nominals: Iterable[str] = (),
        text: str | None = None,
    ) -> None:
        self.doc = doc
        self.text = doc_text(doc) if text is None else text
        self.mentions = MentionIndex(mentions)
        self.quotes = quotes
        self.person_nominals = frozenset(person_nominals)
        self.org_nominals = frozenset(org_nominals)
        self.gender: dict[str, str] = {}
        self._history: list[_Candidate] = []
        self._history_pos: list[int] = []
        self._tallies: dict[str, list] = {}  # _tally_before's running counts
        self._subjects = self._subject_mentions()
        self._subject_pos = [c.pos for c in self._subjects]
        self._learn_honorifics()
        self._learn_pronouns()

    # ------------------------------------------------------------------ set-up
    def _subject_mentions(self) -> list[_Candidate]:
        """Named people and organizations in subject position outside quotes."""
        out: list[_Candidate] = []
        for m in self.mentions.rows:
            if self._subject_span(m, opening=True) is not None:
                out.append(_Candidate(int(m["start_char"]), _cls_of_label(str(m["label"])), resolution_of(m)))
        return out

    def _subject_span(self, m: dict, opening: bool) -> Span | None:
        """The mention's span when it stands outside quotes as a subject (or a compound or
        apposition of one); with ``opening``, also a person's name opening its sentence that
        the parser made the root ("Buckley, who hadn't sung in a long time, worried about
        ...") is that sentence's subject."""
        start, end = int(m["start_char"]), int(m["end_char"])
        if self.quotes.at(start) is not None:
            return None
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None or len(span) == 0:
            return None
        root = span.root
        if root.dep_ in _SUBJECT_DEPS or (root.dep_ in ("compound", "appos") and root.head.dep_ in _SUBJECT_DEPS):
            return span
        opening_root = (opening and m["label"] == PERSON and root.dep_ == "ROOT" and root.pos_ == "PROPN"
                        and span.start == root.sent.start)
        return span if opening_root else None

    def _learn_honorifics(self) -> None:
        text = self.text
        for m in self.mentions.rows:
            if m["label"] != PERSON:
                continue
            start = int(m["start_char"])
            before = text[max(0, start - 6) : start].split()
            if before:
                g = _HONORIFICS.get(before[-1].lower())
                if g:
                    self.gender.setdefault(str(m["entity_id"]), g)

    def _learn_pronouns(self) -> None:
        """A person's gender from the text around the names (D92). After each mention of a
        person as a subject outside quotes, the first "he"/"his"/"himself" or "she"/"her"
        (possessive)/"herself" outside quotes in the rest of its sentence or the next one
        votes for that person, unless another person is named first; an object "him"/"her"
        is someone else ("Elise Matthesen found him"). A clear majority (more than twice the
        other side) is the person's gender unless an honorific gave it. Before, the first
        pronoun the resolver guessed for a person fixed it, right or wrong ("her eyes ...,
        telling me", Helen's, taken for John M. Ford made him "she", and every later "he"
        went past him)."""
        doc = self.doc
        persons = [m for m in self.mentions.rows if m["label"] == PERSON]
        starts = {int(m["start_char"]) for m in persons}
        votes: dict[str, Counter] = {}
        for m in persons:
            # not an object or a name in a list: the next pronoun is more often the subject's
            span = self._subject_span(m, opening=False)
            if span is None:
                continue
            stop = span.sent.end
            if stop < len(doc):
                stop = doc[stop].sent.end
            for tok in doc[span.end : stop]:
                if tok.idx in starts:
                    break
                g = _PRONOUN_GENDER.get(tok.lower_)
                if g is not None:
                    # "Elise Matthesen found him": an object pronoun is someone else; "her"
                    # counts only as a possessive ("she spoke of her late nephew")
                    if tok.lower_ in _OBJECT_FORMS and not (tok.lower_ == "her" and tok.dep_ == "poss"):
                        continue
                    if self.quotes.at(tok.idx) is not None:
                        continue  # a quote's "he" is the speaker's business
                    votes.setdefault(str(m["entity_id"]), Counter())[g] += 1
                    break
        for entity, c in votes.items():
            for g, other in (("m", "f"), ("f", "m")):
                if c[g] > 2 * c[other]:
                    self.gender.setdefault(entity, g)

    # ------------------------------------------------------------------ lookups
    def _mention_of(self, tok: Token) -> dict | None:
        return self.mentions.covering(tok.idx, tok.idx + len(tok))

    def _backward(
        self, pos: int, cls: str, gender: str | None = None, lemma: str | None = None, same_word_only: bool = False
    ) -> Resolution | None:
        """Nearest earlier compatible candidate (speakers and subject mentions)."""
        best: _Candidate | None = None
        # Speakers already seen, nearest first.
        i = bisect.bisect_left(self._history_pos, pos) - 1
        steps = 0
        same_word: _Candidate | None = None
        while i >= 0 and steps < 400:
            c = self._history[i]
            if self._compatible(c, cls, gender):
                if best is None:
                    best = c
                if lemma and (c.head_lemma == lemma or lemma in c.words) and c.resolution is not None:
                    same_word = c
                    break
            i -= 1
            steps += 1
        if same_word is not None:
            return same_word.resolution
        if same_word_only:
            return None
        # A named subject nearer than that speaker wins (person/org classes only).
        j = bisect.bisect_left(self._subject_pos, pos) - 1
        steps = 0
        while j >= 0 and steps < 400:
            c = self._subjects[j]
            if best is not None and c.pos <= best.pos:
                break
            if self._compatible(c, cls, gender):
                best = c
                break
            j -= 1
            steps += 1
        return best.resolution if best is not None else None

    def _compatible(self, c: _Candidate, cls: str, gender: str | None) -> bool:
        if cls == "person":
            if c.cls != "person":
                return False
            if gender and c.resolution is not None:
                known = self.gender.get(c.resolution.entity_id)
                if known and known != gender:
                    return False
            return True
        if cls == "org":
            return c.cls == "org"
        if cls == "group":
            return c.cls in ("group", "org")
        return False

    # ------------------------------------------------------------------ API
    def resolve(self, head: Token, start: int, end: int) -> Resolution | None:
        """The entity of the speaker phrase ``text[start:end]`` whose head word is ``head``."""
        if head.lower_ in RELATIVE and head.head.dep_ == "relcl" and head.head.head.pos_ in ("NOUN", "PROPN"):
            # "Reprieve, which argues ...": the noun the relative clause hangs on.
            antecedent = head.head.head
            for c in antecedent.children:
                # "the Army's media wing - the Inter-Services Public Relations - which ...":
                # the name in apposition, not the possessor inside the noun phrase.
                if c.dep_ == "appos" and c.pos_ == "PROPN" and c.i < head.i:
                    m = self._mention_of(c)
                    if m is not None:
                        return resolution_of(m)
            a = antecedent.left_edge.idx if antecedent.left_edge.i <= antecedent.i else antecedent.idx
            return self.resolve(antecedent, min(a, antecedent.idx), antecedent.idx + len(antecedent))
        m = self._mention_of(head)
        if m is None and head.pos_ == "PROPN":
            m = self._named_elsewhere(head)
        elif m is not None and not (start <= int(m["start_char"]) and int(m["end_char"]) <= end
                                    or self._name_cut(m, start, end)):
            m = None
        if m is not None:
            return None if self._in_coordination(head) else self._full_name(m)
        low = head.lower_
        if low in PRONOUNS:
            cls, gender = PRONOUNS[low]
            res = self._backward(start, cls, gender)
            if res is not None and gender and res.label == PERSON:
                self.gender.setdefault(res.entity_id, gender)
            return res
        res = self._apposed_name(head)
        if res is not None:
            return res
        # A dateline the phrase took in ("HONOLULU, Hawaii (HawaiiNewsNow) - NASA scientists",
        # D95): the place of the dateline is no affiliation; the phrase starts after the dash.
        cut = None
        for cut in _DATELINE_DASH.finditer(self.text, start, head.idx):
            pass
        if cut is not None:
            start = cut.end()
        inside = self.mentions.within(start, end)
        # A named person in apposition, closing the phrase: "the head of the air force,
        # Air Chief Marshal Sohail Aman".
        for mm in inside:
            if mm["label"] == PERSON and int(mm["end_char"]) == end and "," in self.text[start : int(mm["start_char"])]:
                return resolution_of(mm)
        lemma = head.lemma_.lower()
        det = next((t.lower_ for t in head.children if t.dep_ in ("det", "poss")), None)
        groups = [mm for mm in inside if mm["label"] in _AFFILIATION_LABELS]
        if groups:
            # Affiliation: "Pentagon officials", "US officials". A nationality is no one who
            # speaks: "Israeli settlers", "The French foreign ministry" name nobody (D83).
            return resolution_of(groups[0])
        if not inside and head.tag_ == "NNS":
            # The same, when the NER tagged the name only elsewhere on the page ("Alibaba
            # leaders have denied", D95): a capitalized modifier of a plural head. Not a
            # singular one: the quotes bench's gold leaves "a WeWork spokesperson" unnamed.
            for c in head.children:
                if c.dep_ in ("compound", "amod", "nmod") and c.text[:1].isupper() and c.i < head.i:
                    mm = self._named_elsewhere(c)
                    if mm is not None and mm["label"] in _AFFILIATION_LABELS and named(resolution_of(mm)):
                        return resolution_of(mm)
        if not inside and det in _DEFINITE:
            if lemma in _TITLES and head.tag_ in ("NN", "NNP"):
                return self._titled(start, lemma) or self._backward(start, "person", lemma=lemma)
            if lemma in self.person_nominals and head.tag_ in ("NN", "NNP"):
                return self._backward(start, "person", lemma=lemma, same_word_only=lemma in _GENERIC_PERSONS)
            if (lemma in self.org_nominals or lemma in _COMPANY_NOMINALS) and head.tag_ in ("NN", "NNP"):
                # Only to an organization named with the same word ("the ministry" ->
                # "the Foreign Ministry"): "the administration" is too often someone else.
                res = self._backward(start, "org", lemma=lemma, same_word_only=True)
                if lemma in _COMPANY_NOMINALS:
                    # "the company" is the story's business, or an earlier "the company"'s,
                    # unless another organization acts right before it (D95)
                    res = res or self._story_org(head, start)
                    if res is not None and self._other_org_acts(head, res.name.casefold()):
                        return None
                return res
        return None

    def _story_org(self, head: Token, pos: int) -> Resolution | None:
        """The business "the company" stands for (D95): the organization (label ORG) the text
        names before ``pos`` at least twice and at least twice as often as any other (by
        canonical name), when it is named again in the phrase's sentence or the two before
        and no other organization is a subject or possessor there ("McClatchy reported a
        loss ... But the company also reported" is McClatchy, not the story's GateHouse;
        "across Facebook's various platforms, according to the company" is no one sure).
        The nearest organization alone, or the one named most by any margin, was too often
        the wrong one (D88: the state attorney general for WeWork, Stadia for Google); a
        null is better than a wrong name."""
        def count(m: dict, tally: tuple[Counter, dict[str, dict]]) -> None:
            if m["label"] != "ORG" or named(resolution_of(m)) is None:
                return
            key = str(m["canonical_name"]).casefold()
            tally[0][key] += 1
            tally[1].setdefault(key, m)

        counts, rows = self._tally_before(pos, "orgs", lambda: (Counter(), {}), count)
        top = counts.most_common(2)
        if not top:
            return None
        key, n = top[0]
        if n < 2 or (len(top) > 1 and n < 2 * top[1][1]):
            return None
        return resolution_of(rows[key]) if self._named_near(head, pos, key) else None

    def _window(self, head: Token) -> int:
        """The first token of the phrase's sentence or the two before it."""
        sent = head.sent
        for _ in range(2):
            if sent.start == 0:
                break
            sent = self.doc[sent.start - 1].sent
        return sent.start

    def _named_near(self, head: Token, pos: int, key: str) -> bool:
        """The organization ``key`` (a canonical name, casefolded) is named in the phrase's
        sentence or the two before it."""
        return any(m["label"] == "ORG" and str(m["canonical_name"]).casefold() == key
                   for m in self.mentions.within(self.doc[self._window(head)].idx, pos))

    def _other_org_acts(self, head: Token, key: str) -> bool:
        """Another organization than ``key`` is a subject or possessor in the phrase's
        sentence or the two before it, tagged or not ("McClatchy reported a loss ... But
        the company also reported": the NER tagged only an earlier "McClatchy")."""
        for tok in self.doc[self._window(head) : head.i]:
            if tok.pos_ != "PROPN" or not (tok.dep_ in (*_SUBJECT_DEPS, "poss")
                                           or tok.dep_ == "compound" and tok.head.dep_ in (*_SUBJECT_DEPS, "poss")):
                continue
            if any(c.dep_ == "expl" for c in tok.head.children):
                continue  # "there's AppleSkin, a faux-leather": a thing there is, no actor
            m = self._mention_of(tok) or self._named_elsewhere(tok)
            if m is not None and m["label"] == "ORG" and str(m["canonical_name"]).casefold() != key:
                return True
        return False

    def _titled(self, pos: int, lemma: str) -> Resolution | None:
        """The speaker whose phrase had the title (the same-word rule), else the person the
        text named with it before ``pos`` ("Gov. Eric Holcomb" for "the governor")."""
        same = self._backward(pos, "person", lemma=lemma, same_word_only=True)
        if same is not None:
            return same
        marks = _TITLES[lemma]

        def count(m: dict, tally: tuple[dict[str, dict], Counter]) -> None:
            if m["label"] != PERSON:
                return
            start = int(m["start_char"])
            tally[1][m["entity_id"]] += 1
            before = self.text[max(0, start - _TITLE_WINDOW) : start].casefold().split()
            if before and before[-1] in marks or before[-2:-1] and before[-2] in marks:
                tally[0][m["entity_id"]] = m

        titled, named = self._tally_before(pos, "titled:" + lemma, lambda: ({}, Counter()), count)
        if not titled:
            return None
        # The story's governor is the one it names most ("Gov. Eric Holcomb", then "Holcomb"
        # three times), not another governor it compares him to; a tie goes to the nearest.
        best = max(titled, key=lambda e: (named[e], int(titled[e]["start_char"])))
        return resolution_of(titled[best])

    def _tally_before(self, pos: int, name: str, start: Callable[[], Any], count: Callable[[dict, Any], None]) -> Any:
        """``count`` applied to the mention rows that start before ``pos``, in order, from a
        fresh ``start()``: kept between calls and carried on from the last row counted (the
        phrases come in text order), begun again when ``pos`` goes back. The same tally as
        a pass over those rows on each call, which was quadratic in a long text (D101)."""
        rows = self.mentions.rows
        state = self._tallies.get(name)
        if state is None or (state[0] > 0 and int(rows[state[0] - 1]["start_char"]) >= pos):
            state = self._tallies[name] = [0, start()]
        k, tally = state
        while k < len(rows) and int(rows[k]["start_char"]) < pos:
            count(rows[k], tally)
            k += 1
        state[0] = k
        return tally

    def _full_name(self, m: dict) -> Resolution:
        """A person named by a first name only ("Elise wrote", after "Elise Matthesen", D95)
        is the one person of the text whose full name starts with it; a surname is linked
        by the mentions already ("Cook" = "Tim Cook")."""
        name = str(m["canonical_name"])
        if m["label"] != PERSON or " " in name.strip():
            return resolution_of(m)
        full = self.mentions.full_names(name)
        return resolution_of(next(iter(full.values()))) if len(full) == 1 else resolution_of(m)

    def _name_cut(self, m: dict, start: int, end: int) -> bool:
        """The phrase is the tail of a name the parse cut ("Disease Control" of "The Centers
        for Disease Control", "Human Services" of "Health and Human Services", D92): it ends
        where the name ends and the name's words before it are capitalized or "of", "for",
        "and", "on", "the". A list or a sentence the NER ran together ("CBS All Access,
        Disney", "American Music Awards after Swift") names no one here."""
        a, b = int(m["start_char"]), int(m["end_char"])
        if not (a < start and end == b):
            return False
        before = self.text[a:start]
        words = before.split()
        return bool(words) and "," not in before and all(w[:1].isupper() or w in _NAME_LINKS for w in words)

    def _named_elsewhere(self, head: Token) -> dict | None:
        """The mention elsewhere in the article whose words are the name the NER missed
        here ("The group that owns most of her music, Big Machine, says": "Big Machine"
        is tagged only further on)."""
        first = head.i
        while first > head.sent.start and head.doc[first - 1].dep_ == "compound" and head.doc[first - 1].pos_ == "PROPN":
            first -= 1
        return self.mentions.by_surface.get(head.doc[first : head.i + 1].text.casefold())

    def _in_coordination(self, head: Token) -> bool:
        """``head`` is one of two or more speakers: it has a second speaker coordinated
        with it ("Volker and Morrison testified"), or is that second speaker itself
        ("Noel and Thomas pleaded", where the source chosen is "Thomas", D88)."""
        if any(self._coordinated(t) for t in head.children):
            return True
        # A person after "and": "Customs and Border Protection" is one agency the parse split
        # ("Ford and Fry replied": the NER may take Ford for the carmaker).
        partner = head.head
        return (partner.i != head.i and head.ent_type_ == PERSON and partner.pos_ == "PROPN"
                and self._coordinated(head))

    @staticmethod
    def _coordinated(t: Token) -> bool:
        """``t``, a child of a speaker's head, names a second speaker ("Volker and
        Morrison testified"), unless it is that person's entourage ("Paganini and his
        team") or an apposition the parser took for a conjunct: a common noun right after
        a comma ("Patrick Nielsen Hayden, Teresa's husband and Tor's editor in chief, said")."""
        if t.dep_ != "conj" or t.lemma_.lower() in _ENTOURAGE:
            return False
        after_comma = t.left_edge.i > 0 and t.doc[t.left_edge.i - 1].text == ","
        return not (t.pos_ == "NOUN" and after_comma and not any(c.dep_ == "cc" for c in t.head.children))

    def _apposed_name(self, head: Token) -> Resolution | None:
        """The name a nameless speaker head stands for, by the parse:

        * a name in apposition to it, or closing a list of titles in apposition: "Cmdr.
          Sean Robertson" (the parser's head is the title), "China's ambassador to Britain
          Liu Xiaming", "chairman, CEO and president Craig Menear";
        * the name it is itself in apposition to: "the People's Daily, the mouthpiece of
          the Communist party, warned";
        * the name it is coordinated with when it is that person's entourage: "Paganini
          and his team wrote".
        """
        for c in head.children:
            if c.dep_ != "appos":
                continue
            for t in (c, *(x for x in c.children if x.dep_ == "conj")):
                m = self._mention_of(t)
                if m is not None and self._may_stand_for(head, m):
                    return resolution_of(m)
        if head.dep_ == "appos":
            m = self._mention_of(head.head)
            if m is not None and self._may_stand_for(head, m):
                return resolution_of(m)
        if head.dep_ == "conj" and head.lemma_.lower() in _ENTOURAGE:
            m = self._mention_of(head.head)
            if m is not None and m["label"] == PERSON:
                return resolution_of(m)
        return None

    def _may_stand_for(self, head: Token, m: dict) -> bool:
        """A name the parse sets beside ``head`` names it unless a colon parts them (a
        heading, "New Release: Nintendo Switch Lite ...", "confirmed by lab testing:
        hypersensitivity pneumonitis, or HP") or an organization's word meets a person
        ("Scott Paul, who heads the Alliance, a group that ...": a group is no person)."""
        if m["label"] not in _APPOSED_LABELS:
            return False
        a, b = sorted((head.idx, int(m["start_char"])))
        if ":" in self.text[a:b]:
            return False
        return not (head.lemma_.lower() in self.org_nominals and m["label"] == PERSON)

    def remember(self, pos: int, head: Token | None, resolution: Resolution | None, surface: str = "") -> None:
        """Record a speaker at ``pos`` (in text order) for later pronouns and nominals;
        ``surface`` is the speaker phrase ("Pentagon spokesman Mike Andrews": a later
        "the spokesman" is him)."""
        if head is None:
            return
        low = head.lower_
        if resolution is not None:
            cls = _cls_of_label(resolution.label)
            if cls == "person" and low == "which":
                # "the advocacy group Reprieve, which argues ...": "which" never stands for a
                # person, whatever the NER says; a later "she" is not that speaker (D78)
                cls = "org"
        elif low in PRONOUNS or low in FIRST_PERSON or low in RELATIVE:
            return  # an unresolved pronoun adds nothing
        elif self._in_coordination(head):
            cls = "group"  # "Dale and Martha": a later "they" is both of them, no one name (D88)
        elif head.tag_ in ("NNS", "NNPS"):
            cls = "group"
        elif head.lemma_.lower() in self.person_nominals or head.ent_type_ == PERSON:
            cls = "person"
        elif head.lemma_.lower() in self.org_nominals or head.lemma_.lower() in _COMPANY_NOMINALS:
            cls = "org"
        else:
            cls = "thing"
        # and the words of its apposition: "John Smith, a local man, said" is a later "the man"
        apposed = (t.lemma_.lower() for c in head.children if c.dep_ == "appos" for t in c.subtree)
        words = frozenset((*(w.lower() for w in re.findall(r"\w+", surface)), *apposed))
        cand = _Candidate(pos, cls, resolution, head.lemma_.lower(), words)
        i = bisect.bisect_right(self._history_pos, pos)
        self._history.insert(i, cand)
        self._history_pos.insert(i, pos)


__all__ = ["FIRST_PERSON", "NOT_NAMES", "PRONOUNS", "named", "MentionIndex", "Resolution", "SpeakerResolver", "resolution_of"]
