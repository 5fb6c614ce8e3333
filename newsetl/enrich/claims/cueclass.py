"""The class of a claim's cue (``claims.cue_class``): speech, cognition, document or other.

The cue's lemma decides (``data/cue_classes.yaml``), with three corrections that keep
``speech`` (what analysts count by default) to things someone said:

* a source that is a document ("the poll found", "according to the report") makes any
  speech or document cue ``document``;
* a document verb ("show", "find", "indicate") whose source is not a document is
  ``other``: "the Taliban show their strength" reports no finding; "report" is then a
  speech verb ("Reuters reported that ...", the yaml's ``reporting`` list) unless it is
  a passive with no one reporting ("a case was reported in China");
* a speech verb whose whole content is a noun phrase outside quotation marks is
  ``other``: "Trump announcing his Afghanistan war strategy" names an event, it does
  not say what was said ("announced that ..." and "called it “a disaster”" stay speech),
  unless the verb states a stance on its object ("The family denies any involvement",
  the yaml's ``stance`` list).

Both extractors (the rules and the model) and the benchmark's gold use this one function.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import yaml
from spacy.tokens import Doc, Token

from schemas.claims import CUE_CLASSES

# Punctuation a transcript or headline uses as a cue ("FALLIN: ...", "Trump — ...").
CUE_PUNCT = frozenset({":", "—", "–", "--"})
_CLAUSE_POS = frozenset({"VERB", "AUX"})


@dataclass(frozen=True)
class CueTable:
    classes: dict[str, str]  # lemma or word -> speech/cognition/document
    document_sources: frozenset[str]
    stance: frozenset[str]  # speech verbs whose noun-phrase object is what they claim
    reporting: frozenset[str]  # document words that are speech verbs ("Reuters reported")


@lru_cache(maxsize=1)
def cue_class_table() -> CueTable:
    raw = importlib.resources.files("newsetl").joinpath("data", "cue_classes.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    classes: dict[str, str] = {}
    for cls in CUE_CLASSES[:-1]:
        for word in data.get(cls) or []:
            classes[str(word).lower()] = cls
    return CueTable(classes, _words(data, "document_sources"), _words(data, "stance"), _words(data, "reporting"))


def _words(data: dict, key: str) -> frozenset[str]:
    return frozenset(str(w).lower() for w in data.get(key) or [])


def cue_class(cue: Token, speaker: Token | None, pieces: Sequence[tuple[int, int]] | None = None,
              quoted: bool = False) -> str:
    """The class of ``cue`` said by ``speaker`` (the source's head token, if any).
    ``pieces``: the content's character spans when known (then ``quoted``: any of it is
    inside quotation marks); None skips the noun-phrase check (the benchmark's gold)."""
    table = cue_class_table()
    from_document = speaker is not None and speaker.lemma_.lower() in table.document_sources
    if cue.lower_ == "according":
        return "document" if from_document else "speech"
    if cue.lower_ in CUE_PUNCT:
        return "speech"
    cls = table.classes.get(cue.lemma_.lower()) or table.classes.get(cue.lower_)
    if from_document and cls in (None, "speech", "document"):
        return "document"
    if cls == "document" and cue.pos_ == "VERB":
        if cue.lemma_.lower() not in table.reporting or _agentless_passive(cue):
            return "other"  # a finding needs a document to make it
        cls = "speech"  # "Reuters reported that ..."
    if (cls == "speech" and cue.pos_ == "VERB" and pieces and not quoted and cue.lemma_.lower() not in table.stance
            and not _has_clause(cue.doc, pieces)):
        return "other"
    return cls or "other"


def _agentless_passive(cue: Token) -> bool:
    """"A case of the plague was reported in China", "the number of tuft cells previously
    reported": an occurrence on record, nobody saying it."""
    passive = cue.dep_ in ("acl", "amod") or any(c.dep_ == "auxpass" for c in cue.children)
    return passive and not any(c.dep_ == "agent" for c in cue.children)


def _has_clause(doc: Doc, pieces: Sequence[tuple[int, int]]) -> bool:
    for a, b in pieces:
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is not None and any(t.pos_ in _CLAUSE_POS for t in span):
            return True
    return False


# "only time will tell whether ...", "history will judge": an idiom, nobody is cited.
IDIOM_SOURCES = frozenset({"time", "history"})


def idiom(cue: Token, speaker: Token | None) -> bool:
    return speaker is not None and speaker.lemma_.lower() in IDIOM_SOURCES and cue.lemma_.lower() in ("tell", "judge", "show")
