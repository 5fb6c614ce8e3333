"""The cue's subject as a content candidate (D90): PolNeAR marks the subject as what was
attributed where the cue is passive ("the agreement was signed") or a verb of seeming
("Support for the plan appears to have faded": the subject and the complement, two pieces).
Without the setting the candidates are the old ones (the shipped weights were trained so).

One spaCy pipeline (the enrich stage's claim components) per module.
"""

from __future__ import annotations

import numpy as np
import pytest

from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model.linear import LinearModel, hash_features
from newsetl.enrich.claims.model.model import AttributionModel
from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp

PASSIVE = "The agreement was signed by both governments on Friday."
SEEMING = "Support for the plan appears to have faded since the spring, officials said."


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(CLAIM_COMPONENTS)


def _texts(text: str, cands: list[F.Candidate]) -> dict[str, list[str]]:
    return {c.kind: [text[a:b] for a, b in c.pieces] for c in cands}


def _cue(doc, word: str) -> int:
    return next(t.i for t in doc if t.text == word)


def test_a_passive_cue_offers_its_subject(nlp):
    doc = nlp(PASSIVE)
    v = F.DocView(doc)
    cands = _texts(PASSIVE, F.content_candidates(v, _cue(doc, "signed"), subject=True))
    assert cands["subj:nsubjpass"] == ["The agreement"]
    assert ["The agreement"] not in _texts(PASSIVE, F.content_candidates(v, _cue(doc, "signed"))).values()


def test_a_verb_of_seeming_offers_its_subject_with_its_complement(nlp):
    doc = nlp(SEEMING)
    v = F.DocView(doc)
    cands = _texts(SEEMING, F.content_candidates(v, _cue(doc, "appears"), subject=True))
    assert cands["subj:nsubj-xcomp"] == ["Support for the plan", "to have faded since the spring"]
    assert cands["subj:nsubj"] == ["Support for the plan"]
    # "officials said": the subject is the speaker; it is offered too, with the feature
    # (subj_agent: a name or pronoun "agent", here a plain noun "thing") from which the
    # ranker learns that a subject who can speak is rarely the content
    said = F.content_candidates(v, _cue(doc, "said"), subject=True)
    by_kind = {c.kind: c for c in said}
    assert "subj_agent=subj:nsubj|thing" in F.content_features(v, _cue(doc, "said"), by_kind["subj:nsubj"], None)


def _model(content_subject: bool | None) -> AttributionModel:
    """A model whose content decision favours the subject candidate, and nothing else."""
    bits = 12
    w = np.zeros(1 << bits, dtype=np.float32)
    w[hash_features(["k=subj:nsubjpass"], bits)] = 5.0
    settings: dict = {"cue_nouns": [], "cue_threshold": 0.5}
    if content_subject is not None:
        settings["content_subject"] = content_subject
    empty = LinearModel(np.zeros(1 << bits, dtype=np.float32), 0.0, bits)
    return AttributionModel(empty, LinearModel(w, 0.0, bits), empty, settings)


def test_the_model_offers_the_subject_only_when_its_settings_say_so(nlp):
    # the setting travels with the weights (attribution.json): a model trained without
    # it (the shipped one until the retrain) keeps the old candidates
    doc = nlp(PASSIVE)
    v = F.DocView(doc)
    i = _cue(doc, "signed")
    chosen, _ = _model(True).best_content(v, i)
    assert [PASSIVE[a:b] for a, b in chosen.pieces] == ["The agreement"]
    for setting in (False, None):
        chosen, _ = _model(setting).best_content(F.DocView(doc), i)
        assert chosen.kind != "subj:nsubjpass"
