"""Cue classes the part of speech and the lemma hide (D97), as cue candidates when the
model's settings name them (``features.extra_cues``, ``train.CONFIG["extra_cues"]``):
"reportedly" and its kin, a headline's verb the tagger calls a proper noun ("Carly Fiorina
Endorses Ted Cruz"), "To many, ..." and a dash signing a quotation. Without the setting the
candidates are the old ones (the shipped weights were trained so).

One spaCy pipeline (the enrich stage's claim components) per session (conftest).
"""

from __future__ import annotations

import numpy as np
import pytest

from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model import train as T
from newsetl.enrich.claims.model.linear import LinearModel
from newsetl.enrich.claims.model.model import AttributionModel, default_model

ALL = frozenset({"hearsay", "title", "to_agent", "dash_sig"})


@pytest.fixture(scope="module")
def lexicon():
    return T.lexicon_categories()


def _found(nlp, text: str, lexicon, classes=ALL) -> dict[str, str]:
    doc = nlp(text)
    v = F.DocView(doc)
    return {doc[i].text: k for i, k in F.extra_cues(v, frozenset(classes), lexicon).items()}


def _new_candidates(nlp, text: str, lexicon, classes) -> list[str]:
    """The words the classes add to the shipped model's candidates."""
    doc = nlp(text)
    model = default_model()
    old = set(F.cue_candidates(F.DocView(doc), model.cue_nouns, model.skip_lemmas))
    new = F.cue_candidates(F.DocView(doc), model.cue_nouns, model.skip_lemmas, classes, lexicon)
    assert old <= set(new)
    return [doc[i].text for i in new if i not in old]


@pytest.mark.parametrize("text", [
    "The FBI is reportedly making arrangements to interview Hillary Clinton.",
    "Both Google and Facebook have reportedly looked at Twitter and passed.",
])
def test_reportedly_is_a_candidate(nlp, lexicon, text):
    assert _new_candidates(nlp, text, lexicon, ("hearsay",)) == ["reportedly"]
    assert _new_candidates(nlp, text, lexicon, ()) == []


def test_allegedly_is_no_candidate(nlp, lexicon):
    # mostly no cue in PolNeAR (1 of 8 on the fit slice of fold 0)
    assert _found(nlp, "Roof was able to obtain the gun he allegedly used to kill nine people.", lexicon) == {}


def test_a_headline_verb_tagged_a_proper_noun_is_a_candidate_with_the_verbs_lemma(nlp, lexicon):
    text = "Glenn Beck Blasts Drudge for Mocking His Fast.\nHe spoke on Friday."
    doc = nlp(text)
    i = next(t.i for t in doc if t.text == "Blasts")
    assert doc[i].pos_ == "PROPN"
    assert _new_candidates(nlp, text, lexicon, ("title",)) == ["Blasts"]
    v = F.DocView(doc)
    F.extra_cues(v, frozenset({"title"}), lexicon)
    # the lemma the features and the lexicon category read is the verb's
    assert v.lemma[i] == "blast"
    feats = F.cue_features(v, i, lexicon.get("blast"))
    assert "lem=blast" in feats and "xcue=title" in feats
    assert _found(nlp, "Donald Trump Praises Breitbart’s Washington Political Editor Matthew Boyle.\nHe spoke on Friday.",
                  lexicon) == {"Praises": "title"}
    assert _found(nlp, "Maher Tells Guest Muslim Violence is Beyond Compare.\nHe spoke.", lexicon) == {"Tells": "title"}


def test_a_title_word_of_a_place_or_outside_a_title_line_is_no_candidate(nlp, lexicon):
    # "States" inflects "state" but is part of a place's name; the second line is no title
    assert "States" not in _found(nlp, "The United States Says Nothing.\nHe Says Tells In Body Text, and more of it follows here.", lexicon)
    assert _found(nlp, "Officials in the United States said on Monday that the Post reports were wrong.", lexicon) == {}


def test_to_many_opening_a_clause_is_a_candidate(nlp, lexicon):
    assert _found(nlp, "To many, Santilli is a provocateur and a mouthpiece for the movement.", lexicon) == {"To": "to_agent"}
    # a "to" of direction is not, nor "for" (rarely a cue: 5 of 32)
    assert _found(nlp, "She drove to Boston, and the rally began at noon.", lexicon) == {}
    assert _found(nlp, "For many, that candidate is Trump.", lexicon) == {}


def test_a_dash_signing_a_quotation_is_a_candidate(nlp, lexicon):
    assert _found(nlp, '"We will win this state."\n- Bernie Sanders.', lexicon) == {"-": "dash_sig"}
    assert _found(nlp, "The vote was 52-48 in the end.", lexicon) == {}


def test_the_model_scores_the_classes_only_when_its_settings_say_so(nlp):
    # the setting travels with the weights (attribution.json): a model trained without it
    # (the shipped one until the retrain) keeps the old candidates
    text = "The FBI is reportedly making arrangements to interview Hillary Clinton."
    doc = nlp(text)
    i = next(t.i for t in doc if t.text == "reportedly")
    bits = 12
    empty = LinearModel(np.zeros(1 << bits, dtype=np.float32), 0.0, bits, np.zeros(2 * F.TENSOR_WIDTH, np.float32))
    for setting, expect in ((["hearsay"], True), (None, False)):
        settings: dict = {"cue_nouns": [], "cue_threshold": 0.5}
        if setting is not None:
            settings["extra_cues"] = setting
        model = AttributionModel(empty, empty, empty, settings)
        assert (i in dict(model.cue_probs(F.DocView(doc)))) is expect
