"""Content candidates cut before a trailing aside (D80), on real sentences: with the
model's ``content_cuts`` setting a one-piece candidate is also offered without the aside
a mark sets off (", which ...", " — ..."), never cut at an unmarked adjunct, and every
candidate says where it stops; without the setting (weights trained before D80) the
candidates are the ones they were.
"""

from __future__ import annotations

from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model.model import AttributionModel


def _view(nlp, text: str) -> tuple[F.DocView, int]:
    doc = nlp(text)
    return F.DocView(doc), next(t.i for t in doc if t.text == "said")


def _texts(v: F.DocView, cands: list[F.Candidate]) -> dict[str, F.Candidate]:
    return {" || ".join(v.text[a:b] for a, b in c.pieces): c for c in cands}


def test_a_trailing_relative_clause_after_a_comma_is_cut_off(nlp):
    v, said = _view(nlp, "The senator said the bill would raise taxes on families, which critics called a disaster.")
    cands = _texts(v, F.content_candidates(v, said, cuts=True))
    cut = cands["the bill would raise taxes on families"]
    assert cut.kind.split("+")[0] == "c:ccomp/cut"
    assert {"cut=relcl|,", "cut=relcl|,|c:ccomp/cut"} <= set(cut.feats)
    # the uncut clause is still a candidate, and says it ends with that aside
    whole = cands["the bill would raise taxes on families, which critics called a disaster"]
    assert "tail=relcl|," in whole.feats and not any(f.startswith("cut=") for f in whole.feats)
    # what follows the cut's end hangs on a word inside it; after the whole clause, nothing
    assert "nx=dobj|,|in" in cut.feats and "nx=</s>|whole" in whole.feats
    # the features the chooser scores carry them
    assert "cut=relcl|," in F.content_features(v, said, cut, None)


def test_an_aside_after_a_dash_is_cut_off(nlp):
    v, said = _view(nlp, "She said the deal was dead in the water — a view her party does not share.")
    cands = _texts(v, F.content_candidates(v, said, cuts=True))
    assert "cut=appos|—" in cands["the deal was dead in the water"].feats


def test_an_unmarked_adjunct_is_not_cut(nlp):
    # "in the end" hangs on "fail" with no mark before it: the annotators keep such
    # adjuncts far more often than not, so no cut is offered
    v, said = _view(nlp, "He said the plan would fail in the end.")
    cands = F.content_candidates(v, said, cuts=True)
    assert not any("/cut" in c.kind for c in cands)
    assert "the plan would fail" not in _texts(v, cands)


def test_without_the_setting_the_candidates_are_unchanged(nlp):
    v, said = _view(nlp, "The senator said the bill would raise taxes on families, which critics called a disaster.")
    plain = F.content_candidates(v, said)
    cut = F.content_candidates(v, said, cuts=True)
    assert all(c.feats == [] for c in plain)
    assert {tuple(c.pieces) for c in plain} < {tuple(c.pieces) for c in cut}
    assert not any("/cut" in c.kind for c in plain)


def test_the_model_cuts_only_when_its_weights_were_trained_with_cuts():
    assert AttributionModel(None, None, None, {"content_cuts": True}).content_cuts is True  # type: ignore[arg-type]
    assert AttributionModel(None, None, None, {}).content_cuts is False  # type: ignore[arg-type]
