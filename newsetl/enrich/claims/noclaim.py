"""Cues that attribute nothing, whatever scored them (D88): the model's output filter.

Two hand-judged samples of the model's rows on other sites' pages (``bench/claims_audit.py``,
D83 and D88) both showed the writer addressing the reader taken for an attribution, outside
quotation marks (inside a quote the speaker may well address "you" or ask a question):
"you" as the source ("you should have notified the police", "so you know how I came up
with this"), the writer telling "you" ("I'm going to show you how"), an imperative
("Expect the senator to ...", "Think about it") and a question no one named asks ("Is it
fair to say that ...?", "Wondering how ...?").
"""

from __future__ import annotations

from spacy.tokens import Token

from newsetl.enrich.claims.quotemarks import QuoteIndex

_READER = frozenset({"you"})
_WRITER = frozenset({"i", "we"})
# Sources of a question that name no one the writer reports ("Is it fair to say ...?").
_UNNAMED = frozenset({"it", "you", "i", "we", "this", "that", "there"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})


def to_the_reader(cue: Token, speaker: Token | None, quotes: QuoteIndex) -> bool:
    """The writer speaks to the reader: "you" as the source, "I"/"we" telling "you", an
    imperative, or a question no one named asks; never inside a quotation."""
    if quotes.at(cue.idx) is not None or (speaker is not None and quotes.at(speaker.idx) is not None):
        return False
    if speaker is not None and speaker.lower_ in _READER:
        return True
    if speaker is not None and speaker.lower_ in _WRITER and any(
            c.lower_ in _READER and c.dep_ in ("dobj", "dative") for c in cue.children):
        return True  # "I'm going to show you how ...", "we tell you"
    if imperative(cue):
        return True
    return _question(cue) and (speaker is None or speaker.lower_ in _UNNAMED)


def imperative(cue: Token) -> bool:
    """A bare verb ruling its sentence with no subject and no auxiliary ("Expect ...",
    "Think about it"), or a conjunct of one ("Ignore all the techniques …, and just aim to
    master …", where the tagger reads "aim" as a present tense)."""
    if any(c.dep_ in _SUBJECTS or c.dep_ == "aux" for c in cue.children):
        return False
    if cue.dep_ == "ROOT":
        return cue.tag_ == "VB"
    return cue.tag_ in ("VB", "VBP") and cue.dep_ == "conj" and cue.head.dep_ == "ROOT" and imperative(cue.head)


def _question(cue: Token) -> bool:
    return cue.sent.text.rstrip().rstrip("\"'”’)").endswith("?")
