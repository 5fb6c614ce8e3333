"""D96: the cue decision can read which cue a candidate governs (``CONFIG["cue_outer"]``):
the outer cue of nested speech ("expressed amusement [that Mr. Rubio had at last
described …]") is the class of missed cues whose content a predicted inner cue takes at
30% and misses at 80%. On parsed sentences; the setting travels with the weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from newsetl.enrich.claims import claims_from_doc, default_lexicon
from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model import train as T
from newsetl.enrich.claims.model.linear import LinearModel
from newsetl.enrich.claims.model.model import AttributionModel, default_model
from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp

AMUSEMENT = "He expressed amusement that Mr. Rubio had at last described his views on immigration."


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(CLAIM_COMPONENTS)


def _tok(doc, word: str) -> int:
    return next(t.i for t in doc if t.text == word)


def _holds(feats: list[str]) -> list[str]:
    return [f for f in feats if f.startswith("holds")]


def test_a_noun_cue_holding_a_cue_in_its_clause_says_so(nlp):
    doc = nlp(AMUSEMENT)
    v = F.DocView(doc)
    amusement, expressed, described = (_tok(doc, w) for w in ("amusement", "expressed", "described"))
    # "described" hangs on "amusement" as its that-clause (acl): one step, a speech verb.
    assert doc[described].head.i == amusement and doc[described].dep_ == "acl"
    assert "holds=speech|1|acl" in F.cue_features(v, amusement, None, True)
    assert "holds_dep=acl|dobj|NOUN" in F.cue_features(v, amusement, None, True)
    # The verb governing the noun holds it two steps down, through its object.
    assert "holds=speech|2|dobj" in F.cue_features(v, expressed, None, True)
    # Off (the committed weights' features): nothing new, the list as before.
    assert _holds(F.cue_features(v, amusement, None)) == []
    assert F.cue_features(v, amusement, None) == F.cue_features(v, amusement, None, True)[: len(F.cue_features(v, amusement, None))]


def test_a_candidate_governing_no_cue_and_a_rule_cue_below_one(nlp):
    text = "The report noted that Smith said the bridge was closed, and she left."
    doc = nlp(text)
    rules = claims_from_doc("0" * 16, doc, [], "test", default_lexicon())
    v = F.DocView(doc, rules)
    noted, said, left = (_tok(doc, w) for w in ("noted", "said", "left"))
    assert said in v.rule_tok
    # a cue the rules found below it outranks a class verb at the same distance
    assert "holds=rule|1|ccomp" in F.cue_features(v, noted, None, True)
    assert _holds(F.cue_features(v, said, None, True)) == ["holds=-|VERB"]
    assert _holds(F.cue_features(v, left, None, True)) == ["holds=-|VERB"]


def test_the_setting_travels_with_the_weights(nlp):
    # A cue decision whose only weight is on "amusement holds a speech cue through its
    # that-clause": the probability moves only when the model's settings say it reads it.
    from newsetl.enrich.claims.model.linear import hash_features

    doc = nlp(AMUSEMENT)
    v = F.DocView(doc)
    amusement = _tok(doc, "amusement")
    w = np.zeros(1 << 20, dtype=np.float32)
    w[hash_features(["holds=speech|1|acl"], 20)[0]] = 3.0
    cue = LinearModel(w, 0.0)
    empty = LinearModel(np.zeros(1 << 20, dtype=np.float32), 0.0)
    settings = {"cue_nouns": ["amusement"], "lexicon_categories": {}, "cue_threshold": 0.5}
    off = dict(AttributionModel(cue, empty, empty, dict(settings)).cue_probs(v))
    on = dict(AttributionModel(cue, empty, empty, dict(settings, cue_outer=True)).cue_probs(v))
    assert off[amusement] == pytest.approx(0.5)
    assert on[amusement] == pytest.approx(1 / (1 + np.exp(-3.0)))
    assert default_model().cue_outer is False  # the committed weights were trained without it


def test_fit_saves_the_setting():
    saved = T.CONFIG["cue_outer"]
    try:
        for flag in (False, True):
            T.CONFIG["cue_outer"] = flag
            base = AttributionModel(None, None, None, {"cue_nouns": [], "lexicon_categories": {}})  # type: ignore[arg-type]
            model = T.fit([], base, T.CONFIG["seed"])
            assert model.settings["cue_outer"] is flag
    finally:
        T.CONFIG["cue_outer"] = saved
