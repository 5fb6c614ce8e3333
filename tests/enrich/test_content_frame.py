"""What a cue is said of, joined to its complement, as a content candidate (D93).

PolNeAR splits such a content in two pieces around the cue: "⟦the island⟧ was known as
⟦the Poorhouse of the Caribbean⟧" (a passive cue's subject and its complement), "⟦a remote
valley⟧ that was known as ⟦a clannish backwater⟧" (the noun a relative-clause cue hangs
on, without the clause), "⟦Berlin's hesitance⟧ may seem like ⟦a snag⟧". Without the
setting the candidates are the old ones (the shipped weights were trained so).

One spaCy pipeline (the enrich stage's claim components) per module.
"""

from __future__ import annotations

import numpy as np
import pytest

from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model.linear import LinearModel, hash_features
from newsetl.enrich.claims.model.model import AttributionModel
from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp

PASSIVE = "In 1962 the island was known as the Poorhouse of the Caribbean."
RELATIVE = "She found herself in a remote valley that was known as a clannish backwater."
SEEMING = "Berlin's hesitance may seem like little more than a snag."
SPEAKER = "The mayor said in a statement that the city had hired more officers."


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(CLAIM_COMPONENTS)


def _texts(text: str, cands: list[F.Candidate]) -> dict[str, list[str]]:
    return {c.kind.split("+")[0]: [text[a:b] for a, b in c.pieces] for c in cands}


def _cue(doc, word: str) -> int:
    return next(t.i for t in doc if t.text == word)


def _frames(nlp, text: str, word: str, frame: bool = True) -> dict[str, list[str]]:
    doc = nlp(text)
    v = F.DocView(doc)
    cands = F.content_candidates(v, _cue(doc, word), subject=True, frame=frame)
    return {k: p for k, p in _texts(text, cands).items() if k.startswith(("subj:", "ante:")) and "-" in k}


def test_a_passive_cue_joins_its_subject_to_its_complement(nlp):
    got = _frames(nlp, PASSIVE, "known")
    assert got["subj:nsubjpass-prep:as-obj"] == ["the island", "the Poorhouse of the Caribbean"]
    assert got["subj:nsubjpass-prep:as"] == ["the island", "as the Poorhouse of the Caribbean"]
    assert _frames(nlp, PASSIVE, "known", frame=False) == {}


def test_a_relative_clause_cue_joins_the_noun_it_hangs_on(nlp):
    # the relative pronoun "that" is no content: the noun the clause hangs on is
    got = _frames(nlp, RELATIVE, "known")
    assert got["ante:relcl-prep:as-obj"] == ["a remote valley", "a clannish backwater"]
    assert not any(pieces[0] == "that" for pieces in got.values())


def test_an_active_subject_joins_only_where_it_cannot_speak(nlp):
    got = _frames(nlp, SEEMING, "seem")
    assert got["subj:nsubj-prep:like-obj"] == ["Berlin's hesitance", "little more than a snag"]
    # "The mayor said in a statement …": the subject is the speaker, not what was said of
    assert _frames(nlp, SPEAKER, "said") == {}


def _model(content_frame: bool | None) -> AttributionModel:
    """A model whose content decision favours the joined candidate, and nothing else."""
    bits = 12
    w = np.zeros(1 << bits, dtype=np.float32)
    w[hash_features(["k=subj:nsubjpass-prep:as-obj"], bits)] = 5.0
    settings: dict = {"cue_nouns": [], "cue_threshold": 0.5, "content_subject": True}
    if content_frame is not None:
        settings["content_frame"] = content_frame
    empty = LinearModel(np.zeros(1 << bits, dtype=np.float32), 0.0, bits)
    return AttributionModel(empty, LinearModel(w, 0.0, bits), empty, settings)


def test_the_model_offers_the_joined_candidate_only_when_its_settings_say_so(nlp):
    doc = nlp(PASSIVE)
    i = _cue(doc, "known")
    chosen, _ = _model(True).best_content(F.DocView(doc), i)
    assert [PASSIVE[a:b] for a, b in chosen.pieces] == ["the island", "the Poorhouse of the Caribbean"]
    for setting in (False, None):
        chosen, _ = _model(setting).best_content(F.DocView(doc), i)
        assert not chosen.kind.startswith("subj:nsubjpass-prep")
