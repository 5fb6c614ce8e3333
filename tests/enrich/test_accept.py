"""The attribution model's accept decision (D81): the second-stage logistic is fitted
deterministically, saved with the model and decides what ``predict`` returns; the
committed weights (without it) decide by one threshold as before."""

from __future__ import annotations

import numpy as np
import pytest

from newsetl.enrich.claims.model import accept as A
from newsetl.enrich.claims.model import train as T
from newsetl.enrich.claims.model.features import DocView
from newsetl.enrich.claims.model.model import Attribution, AttributionModel, default_model
from newsetl.enrich.claims.model.polnear import GoldArticle, GoldAttribution
TEXT = ("The senator said that the bill would pass. Critics argued that it was flawed. "
        "\u201cWe will win,\u201d she told reporters. The report found that crime fell.")


def extra(**kw) -> dict:
    base = {"cue_prob": 0.6, "cls": "speech", "content_margin": 1.0, "content_gap": 0.5, "n_content": 3,
            "source": True, "source_margin": 2.0, "quoted": False, "rule": True, "nested": False, "subject": True}
    return {**base, **kw}


def with_settings(model: AttributionModel, **settings) -> AttributionModel:
    """``model``'s weights with ``settings``, without the second stage it may have been trained with."""
    base = {k: v for k, v in model.settings.items() if k != "accept"}
    return AttributionModel(model.cue, model.content, model.source, {**base, **settings})


def cues(model: AttributionModel, doc) -> list[tuple[int, int]]:
    return [a.cue for a in model.predict(doc, [])]


# ----------------------------------------------------------------------------- pure parts
def test_the_stacker_learns_a_separable_rule_deterministically():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(400), rng.normal(size=400), rng.normal(size=400)])
    y = (X[:, 1] - 0.5 * X[:, 2] > 0).astype(float)
    w = A.fit_stacker(X, y, l2=0.1)
    assert np.array_equal(w, A.fit_stacker(X, y, l2=0.1))
    assert ((X @ w > 0) == (y == 1)).mean() > 0.97
    assert w[1] > 0 > w[2]
    # a stronger ridge shrinks the weights, never the bias
    w_big = A.fit_stacker(X, y, l2=100.0)
    assert np.abs(w_big[1:]).sum() < np.abs(w[1:]).sum()


def test_best_threshold_maximises_f1_of_the_matched_count():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.3])
    labels = np.array([1, 1, 0, 1, 0], dtype=float)
    # t=0.6 keeps 4 with 3 matched: 2*3/(4+4)=0.75; t=0.8 keeps 2: 2*2/(2+4)=0.667
    assert A.best_threshold(scores, labels, 4, [0.3, 0.6, 0.8]) == (0.6, pytest.approx(0.75))


def test_the_stackers_inputs_grow_with_confidence_and_nesting():
    v1, v2 = A.vector(extra()), A.vector(extra(cue_prob=0.9, nested=True, subject=False))
    assert len(v1) == len(v2) == len(A.NAMES) and v1[0] == 1.0
    assert v2[1] > v1[1]
    assert sum(v2[-3:-1]) == 2.0 and sum(v1[-3:-1]) == 0.0


# ----------------------------------------------------------------------------- in the model
def test_a_model_without_a_second_stage_decides_by_one_threshold(nlp):
    model = with_settings(default_model())  # as the weights before D81 were saved
    doc = nlp(TEXT)
    thr = model.settings["cue_threshold"]
    every = model.candidates(DocView(doc, []), 0.2)
    assert cues(model, doc) == [a.cue for a in every if a.cue_prob >= thr]


def test_the_second_stage_decides_and_survives_a_save_and_load(nlp, tmp_path):
    model = with_settings(default_model())
    doc = nlp(TEXT)
    n = len(A.vector(extra()))
    thr = model.settings["cue_threshold"]
    accept_all = with_settings(model, accept={"weights": [30.0] + [0.0] * (n - 1), "threshold": 0.5, "floor": thr})
    assert cues(accept_all, doc) == cues(model, doc)
    nested_out = [0.0] * n
    nested_out[0], nested_out[-3] = 10.0, -20.0  # reject what sits in a more confident cue's content
    stacked = with_settings(model, accept={"weights": nested_out, "threshold": 0.5, "floor": 0.2})
    every = model.candidates(DocView(doc, []), 0.2)
    assert cues(stacked, doc) == [a.cue for a in every if not a.extra["nested"]]
    stacked.save(tmp_path)
    again = AttributionModel.load(tmp_path)
    assert again.settings["accept"] == stacked.settings["accept"]
    assert cues(again, doc) == cues(stacked, doc)


def test_nested_means_inside_a_more_confident_cues_content(nlp):
    doc = nlp("The mayor said that critics claimed the plan would fail.")
    found = {doc.text[a.cue[0]:a.cue[1]]: a.extra for a in default_model().candidates(DocView(doc, []), 0.2)}
    assert found["said"]["nested"] is False
    assert found["claimed"]["nested"] is True and found["claimed"]["subject"] is True


def candidate(text: str, cue: str, content: str, prob: float, **kw) -> Attribution:
    a, c = text.index(cue), text.index(content)
    span = (c, c + len(content))
    return Attribution((a, a + len(cue)), a, [span], None, None, prob, "clause", extra(cue_prob=prob, **kw))


def test_a_duplicate_of_a_match_already_made_is_labelled_false(monkeypatch):
    monkeypatch.setitem(T.CONFIG, "stack_target", "greedy")  # D81's target (D87's: test_accept_overlap.py)
    text = "Smith said that Jones claimed the tax would rise. Brown noted rain."
    gold = [GoldAttribution([(text.index("the tax"), text.index(" Brown") - 1)], [], [])]
    s = T.Sample("a", text, None, [], [], GoldArticle("a", text, gold))
    said = candidate(text, "said", "Jones claimed the tax would rise", 0.9)
    claimed = candidate(text, "claimed", "the tax would rise", 0.6, nested=True)
    noted = candidate(text, "noted", "rain", 0.7)
    # "claimed" matches best, but "said" is more confident and takes the gold first
    assert T.match_labels(s, [claimed, noted, said]) == [0.0, 0.0, 1.0]


def test_the_stack_decision_is_chosen_on_candidates_and_saved_as_plain_json(monkeypatch):
    import json

    text = "A said x. B said y. C said z. D thought w."
    rng = np.random.default_rng(3)
    samples, preds = [], []
    for k in range(40):
        gold, cands = [], []
        for cue, content in (("said x", "x"), ("said y", "y"), ("said z", "z"), ("thought w", "w")):
            right = bool(rng.random() < 0.6)
            nested = not right and bool(rng.random() < 0.8)
            if right:
                gold.append(GoldAttribution([(text.index(cue) + len(cue) - 1, text.index(cue) + len(cue))], [], []))
            cands.append(candidate(text, cue.split()[0] if cue.startswith("thought") else cue, cue, float(rng.uniform(0.3, 0.9)),
                                   nested=nested))
        for c, (cue, content) in zip(cands, (("said x", "x"), ("said y", "y"), ("said z", "z"), ("thought w", "w"))):
            i = text.index(cue) + len(cue) - 1
            c.pieces = [(i, i + 1)]
        samples.append(T.Sample(str(k), text, None, [], [], GoldArticle(str(k), text, gold)))
        A.content_overlap(cands)
        preds.append(cands)
    monkeypatch.setitem(T.CONFIG, "decision", "stack")
    d = T.choose_decision(samples, preds, 0.45)
    again = json.loads(json.dumps(d))
    assert again == d and again["accept"]["floor"] == T.CONFIG["stack_floor"]
    w = again["accept"]["weights"]
    assert w[A.NAMES.index("nested")] < -1.0  # the nested candidates were the wrong ones
    assert d == T.choose_decision(samples, preds, 0.45)
