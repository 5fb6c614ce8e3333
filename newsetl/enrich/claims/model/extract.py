"""Claim rows from the attribution model: the seam the pipeline calls.

:func:`attribution_rows` runs the rules (:func:`newsetl.enrich.claims.claims_from_doc`, whose
answers are features of the model) and the model over one parsed Doc and returns rows of
the ``claims`` table (``schemas.claims.ClaimModel`` columns), one per content piece, with
``cue_class`` (speech, cognition, document, other: :mod:`newsetl.enrich.claims.cueclass`),
``pieces`` (all content spans of the claim, JSON) and ``confidence`` (:func:`confidence`).
"Only time will tell" cites no one and is dropped, and so is the writer addressing the
reader (:mod:`newsetl.enrich.claims.noclaim`, D88). Last, the rules' direct quotes where they
beat the model's rows (:mod:`newsetl.enrich.claims.model.rulequotes`, D89): a quote no model
row touches is kept as the rules' row, a model content cut inside the rules' quote takes it whole.

Where the grammar decides the source, it overrides the model's choice
(:func:`grammatical_source`): "seem"/"appear" and a passive speech verb's subject cite
nobody, a cue noun the subject "faced" is not the subject's, "Iran was the first nation to
rebuke" is Iran's, the active subject the model put into the content ("Big Machine have
twice denied doing anything wrong") is the source. Speakers then go through the same resolver as the rules
(:mod:`newsetl.enrich.claims.speakers`): names, pronouns and nominals to the nearest
compatible speaker; a relative pronoun to the noun its clause hangs on (or the name in
apposition to it); a transcript label ("MARY FALLIN: ...") is the whole label, named as
the article names that person; "I"/"we" inside what another speaker is reported to say
(a quote, an interview answer) to that speaker; "you" is never resolved, and a pronoun is
never a ``speaker_name``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from spacy.tokens import Doc

from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model.model import Attribution, AttributionModel, default_model
from newsetl.enrich.claims.model.rulequotes import with_rule_quotes
from newsetl.enrich.claims.phrases import _NOT_SOURCES as NOT_SOURCES
from newsetl.enrich.claims import CLAIM_COLUMNS, Lexicon, claims_from_doc, default_lexicon
from newsetl.enrich.claims.cueclass import cue_class, cue_class_table, idiom
from newsetl.enrich.claims.noclaim import to_the_reader
from newsetl.enrich.claims.quotemarks import QuoteIndex
from newsetl.enrich.claims.rows import piece_rows
from newsetl.enrich.claims.speakers import FIRST_PERSON, Resolution, SpeakerResolver, named, resolution_of

def _kind(quotes: QuoteIndex, a: int, b: int, according: bool) -> str:
    if according:
        return "according_to"
    qs = [q for q in quotes.overlapping(a, b) if q.inner_start < b and a < q.inner_end]
    if not qs:
        return "indirect"
    if any(q.start <= a and b <= q.end for q in qs):
        return "direct"
    return "mixed"


def _not_a_source(v: F.DocView, a: Attribution) -> bool:
    """"according to plan", "according to your preferences": no one is cited (the rules' list)."""
    if v.lower[a.cue_i] != "according" or a.speaker_i is None:
        return False
    x = a.speaker_i
    return v.lemma[x] in NOT_SOURCES or any(v.dep[c] == "poss" and v.lower[c] in ("your", "my", "our") for c in v.children[x])


_WORDY = re.compile(r"\w")


def _tidy(v: F.DocView, p: tuple[int, int]) -> tuple[int, int]:
    """Separators and a sentence's final period off the ends of an indirect content
    (a quote keeps its own punctuation)."""
    a, b = v.trim(*p)
    if b > a and v.text[b - 1] == "." and v.quotes.at(b - 1) is None and not v.text[a:b].endswith(".."):
        b = v.trim(a, b - 1)[1]
    return a, b


def _strip_marks(v: F.DocView, a: int, b: int) -> tuple[int, int]:
    """A piece that is exactly one quote loses its marks ("content" is what was said)."""
    q = v.quotes.at(a)
    if q is not None and q.start == a and b >= q.inner_end and b <= q.end + 1:
        return q.inner_start, q.inner_end
    return a, b


def attribution_rows(
    article_id: str,
    doc: Doc,
    mentions: Sequence[dict],
    run_id: str,
    rules_rows: Sequence[dict] | None = None,
    model: AttributionModel | None = None,
    lexicon: Lexicon | None = None,
    byline: str | None = None,
) -> list[dict]:
    """Claim rows of one article from the model (see the module docstring). ``byline``
    is the article's author line ("By Jane Doe"): the speaker of the author's own "I"."""
    lexicon = lexicon or default_lexicon()
    model = model or default_model()
    if rules_rows is None:
        rules_rows = claims_from_doc(article_id, doc, mentions, run_id, lexicon)
    v = F.DocView(doc, rules_rows)
    if not v.parsed:
        return []
    found = [a for a in model.predict(doc, list(rules_rows), view=v) if not _not_a_source(v, a)
             and not idiom(doc[a.cue_i], doc[a.speaker_i] if a.speaker_i is not None else None)]
    resolver = SpeakerResolver(doc, mentions, v.quotes, lexicon.person_nominals, lexicon.org_nominals, text=v.text)
    found.sort(key=lambda a: a.cue[0])
    speaking = lexicon.person_nominals | lexicon.org_nominals
    for a in found:
        grammatical_source(v, a, speaking)
    resolutions = {}
    for a in found:
        _label_speaker(v, a)
        res = None
        if a.speaker is not None and a.speaker_i is not None:
            head = doc[a.speaker_i]
            res = resolver.resolve(head, *a.speaker) or _name_in_capitals(v, resolver, a.speaker)
            resolver.remember(a.speaker[0], head, res, v.text[a.speaker[0] : a.speaker[1]])
        resolutions[id(a)] = res
    _first_person(v, found, resolutions, author_resolution(byline, mentions))
    rule_targets = {int(r["cue_start"]): (r.get("target_name"), r.get("target_entity_id")) for r in rules_rows if r.get("target_name")}
    rows: list[dict] = []
    seen: set[tuple[int, int]] = set()
    text = v.text
    for a in found:
        res = named(resolutions[id(a)])
        target = rule_targets.get(a.cue[0]) or _target(resolver, a, res)
        pieces = []
        for pa, pb in a.pieces:
            pa, pb = _strip_marks(v, pa, pb)
            pieces.extend(F.minus((pa, pb), [a.cue, a.speaker]))
        pieces = [_tidy(v, p) for p in pieces]
        pieces = sorted(p for p in pieces if p[1] > p[0] and _WORDY.search(text, p[0], p[1]))
        according = v.lower[a.cue_i] == "according"
        kinds = [_kind(v.quotes, pa, pb, according) for pa, pb in pieces]
        quoted = any(k in ("direct", "mixed") for k in kinds)
        cue, source = doc[a.cue_i], doc[a.speaker_i] if a.speaker_i is not None else None
        if to_the_reader(cue, source, v.quotes):
            continue  # the writer to the reader attributes nothing (D88)
        cls = cue_class(cue, source, pieces, quoted=quoted)
        rows += piece_rows(article_id, text, run_id, seen, speaker=a.speaker, speaker_name=res.name if res else None,
                           speaker_entity_id=(res.entity_id or None) if res else None, cue=a.cue, pieces=pieces,
                           kinds=kinds, cue_class=cls, target=target, sentence_index=v.sent_index(a.cue_i),
                           confidence=confidence(a))
    rows = with_rule_quotes(text, article_id, rows, rules_rows)
    rows.sort(key=lambda r: (r["content_start"], r["content_end"]))
    return rows


def confidence(a: Attribution) -> float:
    """The model's probability that ``a`` is an attribution: the second stage's (D81) when
    the weights have one, the probability it was accepted on; else the cue decision's."""
    return float(a.extra.get("accept_prob", a.cue_prob))


# ----------------------------------------------------------------------------- source by grammar
# "seem"/"appear" raise their clause's subject: "Mr. Rubio appeared to be on the upswing"
# cites no one (PolNeAR train: 78 of 80 such subjects the model chose were wrong).
_RAISING = frozenset({"seem", "appear"})
# Passives whose subject is still the one who holds the view or says it ("she is assured
# of", "voters are worried", "Braynard is quoted as saying").
_SUBJECT_PASSIVES = frozenset({"assure", "worry", "quote"})
_HAS = frozenset({"'s", "’s"})  # "he's said" is "he has said", which the parser takes for a passive
# Verbs whose subject receives or provokes what their object noun says: "faced criticism",
# "fielded questions", "renewed debate" (PolNeAR train: the model took that subject 18 times,
# always wrongly).
_RECEIVED = frozenset({"face", "field", "receive", "entertain", "encounter", "confront", "weather", "endure",
                       "renew", "fuel", "prompt", "spark", "stir"})
# "the first nation to rebuke", "the only candidate to call for": the one who did it.
_RANKS = frozenset({"first", "only", "last", "latest", "second", "third", "lone", "sole"})


def _pobj(v: F.DocView, prep: int) -> int | None:
    return next((c for c in v.children[prep] if v.dep[c] == "pobj"), None)


def _outside(v: F.DocView, a: Attribution, x: int | None) -> int | None:
    """``x`` unless it lies inside the content (a source cannot be what it said)."""
    return None if x is None or any(pa <= v.idx[x] < pb for pa, pb in a.pieces) else x


def _set_source(a: Attribution, v: F.DocView, x: int | None) -> None:
    """The noun phrase headed by token ``x`` becomes the source; None: no source."""
    a.speaker, a.speaker_i = (None, None) if x is None else (v.np_span(x), x)


def grammatical_source(v: F.DocView, a: Attribution, nominals: frozenset[str] = frozenset()) -> None:
    """Where the grammar says who the source is, that overrides the model's choice:

    * a raising verb ("X seems to ...", "X appears to ...", "X looks weak"): nobody, or
      the one it seems to ("To Democrats, it seemed like a smart move");
    * the subject of a passive speech, cognition or document verb is what is talked
      about, not who talks ("Dylann Roof is accused of", "the inference can be drawn"):
      the by-agent ("was declared the winner by news organizations"), else nobody.
      Other passives keep the model's choice: "she was troubled by X" is her view;
    * a cue noun that the subject faces or provokes ("faced criticism"): who it comes
      from ("from Democrats"), else nobody;
    * an infinitive on a ranked predicate of "be" ("Iran was the first nation to rebuke
      the United States"): the subject of "be".
    """
    i = a.cue_i
    kids = v.children[i]
    if v.pos[i] == "NOUN":
        _received(v, a)
        return
    if v.pos[i] not in ("VERB", "AUX"):
        return
    lemma = v.lemma[i]
    if lemma in _RAISING or (lemma == "look" and _looks_like(v, i)):
        to = next((c for c in kids if v.dep[c] == "prep" and v.lower[c] == "to"), None)
        _set_source(a, v, _outside(v, a, _pobj(v, to)) if to is not None else None)
        return
    if _speaking_subject(v, a, nominals):
        return
    aux = [c for c in kids if v.dep[c] == "auxpass"]
    if (aux and not any(v.lower[c] in _HAS for c in aux) and lemma not in _SUBJECT_PASSIVES
            and lemma in cue_class_table().classes and a.speaker_i is not None
            and v.dep[a.speaker_i] == "nsubjpass" and v.head[a.speaker_i] == i):
        agent = next((c for c in kids if v.dep[c] == "agent"), None)
        _set_source(a, v, _outside(v, a, _pobj(v, agent)) if agent is not None else None)
        return
    h = v.head[i]
    if (v.dep[i] in ("relcl", "acl") and v.tag[i] == "VB" and any(v.lower[c] == "to" and v.dep[c] == "aux" for c in kids)
            and v.dep[h] == "attr" and v.lemma[v.head[h]] == "be" and any(v.lower[c] in _RANKS for c in v.children[h])):
        x = _outside(v, a, next((c for c in v.children[v.head[h]] if v.dep[c] == "nsubj"), None))
        if x is not None:
            _set_source(a, v, x)


def _speaking_subject(v: F.DocView, a: Attribution, nominals: frozenset[str] = frozenset()) -> bool:
    """The model took the active subject of a listed cue verb, with the verb's complement,
    as the content and left the source out (D90's subject candidates): "Big Machine have
    twice denied doing anything wrong" read "Big Machine" + "doing anything wrong", said by
    no one. A subject that can speak (a name, tagged or not, a personal pronoun, a person
    or organization noun of the lexicon: "the company") is the source of an active verb,
    and the rest is what it said (D92). A verb of seeming is handled before: its subject
    is what is reported on."""
    i = a.cue_i
    if a.speaker_i is not None or len(a.pieces) < 2 or v.lemma[i] not in cue_class_table().classes:
        return False
    subj = v.child(i, ("nsubj",))
    if subj is None or subj > i:
        return False
    if not (F._agent(v, subj) == "agent" or v.pos[subj] == "PROPN" or v.lemma[subj] in nominals):
        return False
    span = v.subtree_span(subj)
    rest = [p for p in a.pieces if not (span[0] <= p[0] and p[1] <= span[1])]
    if len(rest) == len(a.pieces) or not rest:
        return False
    a.pieces = rest
    _set_source(a, v, subj)
    return True


def _looks_like(v: F.DocView, i: int) -> bool:
    """"X looks weak", "looks like a two-person race", "it looked as if": "look" as "seem"."""
    for c in v.children[i]:
        if v.dep[c] == "acomp" or (v.dep[c] == "prep" and v.lower[c] == "like"):
            return True
        if v.dep[c] == "advcl" and any(v.dep[m] == "mark" and v.lower[m] == "if" for m in v.children[c]):
            return True
    return False


def _received(v: F.DocView, a: Attribution) -> None:
    """A cue noun someone faces or prompts ("Cruz faced criticism for ...", "the attacks
    renew debate on ..."): its source is who it comes from ("from Democrats"), never the
    subject that receives or provokes it."""
    i = a.cue_i
    h = v.head[i]
    x = a.speaker_i
    if v.dep[i] != "dobj" or v.lemma[h] not in _RECEIVED or x is None or v.dep[x] != "nsubj" or v.head[x] != h:
        return
    prep = next((c for c in (*v.children[i], *v.children[h]) if v.dep[c] == "prep" and v.lower[c] in ("from", "by")), None)
    _set_source(a, v, _outside(v, a, _pobj(v, prep)) if prep is not None else None)


_TARGET_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})


def _target(resolver: SpeakerResolver, a: Attribution, speaker) -> tuple[str, str] | None:
    """The first named person, organization or place of the content that is not the speaker."""
    for pa, pb in a.pieces:
        for m in resolver.mentions.within(pa, pb):
            if m["label"] in _TARGET_LABELS and (speaker is None or m["entity_id"] != speaker.entity_id):
                return str(m["canonical_name"]), str(m["entity_id"])
    return None


_LABEL_WORDS = 5  # "MARY FALLIN:", "Sen. Ted Cruz:" - a speaker label, not a sentence


def _label_speaker(v: F.DocView, a: Attribution) -> None:
    """A colon after a short label at the start of its line ("JAKE TAPPER: ...", "Ted
    Cruz: ..."): the whole label is the speaker."""
    if v.lower[a.cue_i] != ":" or a.speaker is None:
        return
    line_start = v.line_of(a.cue[0])[0]
    label = v.trim(line_start, a.cue[0])
    if label[1] > label[0] and v.words([label]) <= _LABEL_WORDS and label[0] <= a.speaker[0] < a.cue[0]:
        a.speaker = label


def _name_in_capitals(v: F.DocView, resolver: SpeakerResolver, span: tuple[int, int]):
    """A transcript's speaker label in capitals ("MARY FALLIN", "FALLIN"), which the
    model does not tag: the person named that way elsewhere in the article."""
    surface = v.text[span[0] : span[1]]
    words = _WORD_RE.findall(surface)
    if not words or not surface.isupper():
        return None
    m = resolver.mentions.person_by_last_word(words[-1].casefold())
    return resolution_of(m) if m is not None else None


_WORD_RE = re.compile(r"\w+")


def _first_person(v: F.DocView, found: list[Attribution], resolutions: dict, author: Resolution | None = None) -> None:
    """"I"/"we" as the source of a cue inside what someone else is reported to say (a
    quote, an interview answer after "FALLIN:"): that speaker. The author's own "I"
    (outside every quote and every other speaker's content): the author the byline
    names, when it names one."""
    # The contents by position (D101: each "I" scanned every attribution of the article);
    # the owners are numbers in ``found``, so the first in that order is the one taken.
    pieces = F.SpanIndex((pa, pb, k) for k, outer in enumerate(found) for pa, pb in outer.pieces)
    for a in found:
        if resolutions[id(a)] is not None or a.speaker_i is None or v.lower[a.speaker_i] not in FIRST_PERSON:
            continue
        pos = a.cue[0]
        q = v.quotes.at(pos)
        lo, hi = (pos, pos + 1) if q is None else (min(pos, q.inner_start), max(pos + 1, q.inner_end))
        for k in sorted(set(pieces.overlapping(lo - 1, hi))):  # type: ignore[type-var]
            outer = found[k]  # type: ignore[index]
            if outer is a or resolutions[id(outer)] is None:
                continue
            inside = any(pa <= pos < pb for pa, pb in outer.pieces) or (
                q is not None and any(pa <= q.inner_start < pb or q.inner_start <= pa < q.inner_end for pa, pb in outer.pieces)
            )
            if inside:
                resolutions[id(a)] = resolutions[id(outer)]
                break
        else:
            own = (author is not None and v.lower[a.speaker_i] in _SINGULAR and q is None
                   and v.quotes.at(v.idx[a.speaker_i]) is None)
            if own and not any(found[k] is not a for k in pieces.overlapping(pos, pos + 1)):  # type: ignore[index]
                resolutions[id(a)] = author


_SINGULAR = frozenset({"i", "me"})  # "we" of an op-ed is the author's side, not the author
_BY = re.compile(r"^\s*by\s+", re.IGNORECASE)
_AUTHORS_SPLIT = re.compile(r"\s*(?:,|;|\||&|\band\b)\s*", re.IGNORECASE)
_NAME_WORD = re.compile(r"^[A-Z][\w'’.\-]*$")


def author_resolution(byline: str | None, mentions: Sequence[dict]) -> Resolution | None:
    """The one author a byline names ("By Jane Doe", "Jane Doe, Reuters"), as a speaker:
    the article's own mention of that person when there is one (same last name), else the
    name alone (no entity id). Several authors ("Jane Doe and John Roe"): nobody (whose "I"?)."""
    if not byline:
        return None
    parts = [p.strip() for p in _AUTHORS_SPLIT.split(_BY.sub("", byline.strip())) if p.strip()]
    names = [p for p in parts if 2 <= len(p.split()) <= 4 and all(_NAME_WORD.match(w) for w in p.split())]
    if len(names) != 1:
        return None
    name = names[0]
    last = name.split()[-1].casefold()
    for m in mentions:
        if m["label"] == "PERSON" and str(m["canonical_name"]).split()[-1].casefold() == last:
            return resolution_of(m)
    return Resolution(name, "", "PERSON")


def attribution_consumer(run_id: str, model: AttributionModel | None = None, lexicon: Lexicon | None = None,
                         bylines: Mapping[str, str | None] | None = None) -> Callable[[str, Doc, list[dict]], list[dict]]:
    """:func:`attribution_rows` as an enrich-stage consumer (``newsetl.enrich.DocConsumer``):
    only the ``claims`` table's columns. ``bylines``: article_id -> the article's byline."""
    mdl = model or default_model()
    lex = lexicon or default_lexicon()
    by = bylines or {}

    def consume(article_id: str, doc: Doc, mentions: list[dict]) -> list[dict]:
        rows = attribution_rows(article_id, doc, mentions, run_id, None, mdl, lex, by.get(article_id))
        return [{k: r[k] for k in CLAIM_COLUMNS} for r in rows]

    return consume
