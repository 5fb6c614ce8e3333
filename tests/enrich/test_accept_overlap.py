"""The second stage's overlap inputs (D85, D87) on parsed sentences, and weights saved
before them (D81's 20 inputs) deciding exactly as before."""

from __future__ import annotations

import math

import pytest

from newsetl.enrich.claims.model import accept as A
from newsetl.enrich.claims.model import train as T
from newsetl.enrich.claims.model.features import DocView
from newsetl.enrich.claims.model.model import Attribution, AttributionModel, default_model

SENTENCE = "Smith said and Jones claimed that the tax would rise sharply next year."


def cand(doc, cue: str, content: str, prob: float) -> Attribution:
    """A decoded candidate on ``doc``: the ``cue`` word, ``content`` found after it."""
    at = doc.text.index(cue)
    i = next(t.i for t in doc if t.idx == at)
    c = doc.text.index(content, at)
    return Attribution((at, at + len(cue)), i, [(c, c + len(content))], None, None, prob, "clause", {"cue_prob": prob})


def overlaps(nlp, said_p: float, claimed_p: float) -> tuple[dict, dict]:
    doc = nlp(SENTENCE)
    found = [cand(doc, "said", "the tax would rise sharply next year", said_p),
             cand(doc, "claimed", "the tax would rise sharply", claimed_p)]
    A.content_overlap(found)
    return found[0].extra, found[1].extra


def test_the_share_of_a_content_a_more_confident_cue_claims(nlp):
    said, claimed = overlaps(nlp, 0.9, 0.5)
    share = len("the tax would rise sharply") / len("the tax would rise sharply next year")
    assert A.INPUTS["content_overlap"](claimed) == pytest.approx(share)
    assert A.INPUTS["confident_overlap"](claimed) == pytest.approx(share)
    assert A.INPUTS["content_overlap"](said) == A.INPUTS["confident_overlap"](said) == 0.0  # nothing more confident
    # the more confident one decides which is covered, not the order in the text
    said, claimed = overlaps(nlp, 0.5, 0.9)
    assert said["dup_max"] == pytest.approx(share) and claimed["dup_max"] == 0.0


def test_confident_overlap_counts_only_a_cover_scored_at_the_nesting_bar(nlp):
    said, claimed = overlaps(nlp, A.NEST_P - 0.05, 0.35)
    assert claimed["dup_max"] > 0.5  # D85's input sees the weak cover
    assert claimed["dup_conf"] == 0.0  # D87's does not
    _, claimed = overlaps(nlp, A.NEST_P, 0.35)
    assert claimed["dup_conf"] == claimed["dup_max"] > 0.5


def every_candidate(model: AttributionModel, doc, floor: float) -> list[Attribution]:
    return model.candidates(DocView(doc, []), floor)


def test_the_models_candidates_carry_the_overlap_inputs(nlp):
    doc = nlp("The mayor said that critics claimed the plan would fail, and the governor agreed that it would.")
    found = every_candidate(default_model(), doc, 0.2)
    kept = {a.cue: (a.extra["dup_max"], a.extra["dup_conf"]) for a in found}
    assert any(x > 0 for x, _ in kept.values())
    A.content_overlap(found)  # run time computes them as the function does
    assert {a.cue: (a.extra["dup_max"], a.extra["dup_conf"]) for a in found} == kept
    top = max(found, key=lambda a: a.cue_prob)
    assert kept[top.cue] == (0.0, 0.0)
    assert all(0.0 <= c <= m <= 1.0 for m, c in kept.values())


# ------------------------------------------------------------------ backward compatibility
def d81_vector(e: dict) -> list[float]:
    """The second stage's inputs exactly as D81 computed them (20)."""
    p = min(max(e["cue_prob"], 1e-6), 1 - 1e-6)
    lg = math.log(p / (1 - p))
    cls = [1.0 if e["cls"] == c else 0.0 for c in ("speech", "cognition", "document", "other")]
    return [1.0, lg, *cls, *(lg * c for c in cls), max(min(e["content_margin"], 10.0), -10.0),
            min(e["content_gap"], 10.0), math.log1p(e["n_content"]), 1.0 if e["source"] else 0.0,
            max(min(e["source_margin"], 10.0), -10.0), 1.0 if e["quoted"] else 0.0, 1.0 if e["rule"] else 0.0,
            1.0 if e["nested"] else 0.0, 1.0 if e["nested"] and not e["subject"] else 0.0, 1.0 if e["subject"] else 0.0]


# The second stage D81's merge shipped (saved before stages named their inputs).
D81_STAGE = {"floor": 0.3, "threshold": 0.37, "weights": [
    0.184458, 0.384824, -0.055474, 0.009533, 0.41532, -0.369379, -0.012703, -0.13123, 0.519365, 0.009391, 0.31848,
    -0.133217, -0.565399, -0.066872, 0.104749, 0.44675, 0.940217, -2.313639, 0.059442, -0.166952]}


def test_weights_saved_without_their_input_names_read_d81s_twenty(nlp, tmp_path):
    base = default_model()
    settings = {k: v for k, v in base.settings.items() if k != "accept"}
    AttributionModel(base.cue, base.content, base.source, {**settings, "accept": D81_STAGE}).save(tmp_path)
    model = AttributionModel.load(tmp_path)
    stage = model.settings["accept"]
    assert "inputs" not in stage and A.names_of(stage) == A.NAMES_V1
    doc = nlp("The mayor said that critics claimed the plan would fail. \u201cIt works,\u201d she told reporters.")
    prob = {a.cue: 1 / (1 + math.exp(-sum(w * x for w, x in zip(stage["weights"], d81_vector(a.extra)))))
            for a in every_candidate(model, doc, float(stage["floor"]))}
    got = model.predict(doc, [])
    assert got and [a.cue for a in got] == sorted((c for c, p in prob.items() if p >= stage["threshold"]), key=lambda c: c[0])
    for a in got:
        assert a.extra["accept_prob"] == pytest.approx(prob[a.cue], abs=1e-12)


def test_a_stage_saved_with_its_input_names_reads_those(nlp, tmp_path):
    base = default_model()
    names = (*A.NAMES_V1, "confident_overlap")
    weights = [0.0] * len(names)
    weights[0], weights[-1] = 1.0, -20.0  # a content a confident cue already claims is never one
    settings = {k: v for k, v in base.settings.items() if k != "accept"}
    model = AttributionModel(base.cue, base.content, base.source,
                             {**settings, "accept": {"weights": weights, "threshold": 0.5, "floor": 0.3, "inputs": list(names)}})
    model.save(tmp_path)
    again = AttributionModel.load(tmp_path)
    doc = nlp("The mayor said that critics claimed the plan would fail, and the governor agreed that it would.")
    every = every_candidate(base, doc, 0.3)
    assert any(a.extra["dup_conf"] > 0.05 for a in every)  # the sentence has such a cue
    assert [a.cue for a in again.predict(doc, [])] == [a.cue for a in every if a.extra["dup_conf"] <= 0.05]


def test_the_chosen_stage_saves_the_names_of_its_inputs(nlp, monkeypatch):
    from newsetl.enrich.claims.model.polnear import GoldArticle, GoldAttribution

    doc = nlp(SENTENCE)
    text = doc.text
    gold = GoldArticle("a", text, [GoldAttribution([(text.index("the tax"), text.index(" next"))], [], [])])
    samples, preds = [], []
    for k in range(30):
        said = cand(doc, "said", "the tax would rise sharply next year", 0.6 + k / 100)
        claimed = cand(doc, "claimed", "the tax would rise sharply", 0.55)
        for a in (said, claimed):
            a.extra.update(cls="speech", content_margin=1.0, content_gap=0.5, n_content=2, source=True, source_margin=1.0,
                           quoted=False, rule=k % 2 == 0, nested=False, subject=True)
        found = [said, claimed]
        A.content_overlap(found)
        samples.append(T.Sample(str(k), text, doc, [], [], gold))
        preds.append(found)
    monkeypatch.setitem(T.CONFIG, "decision", "stack")
    monkeypatch.setitem(T.CONFIG, "stack_target", "greedy")  # "said" takes the gold first
    monkeypatch.setitem(T.CONFIG, "stack_extra", ())
    assert T.choose_decision(samples, preds, 0.45)["accept"]["inputs"] == list(A.NAMES_V1)
    monkeypatch.setitem(T.CONFIG, "stack_extra", ("confident_overlap",))
    stage = T.choose_decision(samples, preds, 0.45)["accept"]
    assert stage["inputs"] == [*A.NAMES_V1, "confident_overlap"] and len(stage["weights"]) == 21
    assert stage["weights"][-1] < 0  # the covered duplicate is the false one


# ------------------------------------------------------------------------------- the target
def labelled(nlp, monkeypatch, target: str, claimed_p: float) -> list[float]:
    from newsetl.enrich.claims.model.polnear import GoldArticle, GoldAttribution

    doc = nlp("Smith said that Jones claimed the tax would rise. Brown noted rain.")
    text = doc.text
    gold = GoldArticle("a", text, [GoldAttribution([(text.index("the tax"), text.index(". Brown"))], [], [])])
    s = T.Sample("a", text, doc, [], [], gold)
    said = cand(doc, "said", "Jones claimed the tax would rise", 0.9)
    claimed = cand(doc, "claimed", "the tax would rise", claimed_p)
    noted = cand(doc, "noted", "rain", 0.7)
    monkeypatch.setitem(T.CONFIG, "stack_target", target)
    return T.match_labels(s, [said, claimed, noted])


def test_the_cue_whose_content_is_the_golds_takes_it_ahead_of_a_more_confident_one(nlp, monkeypatch):
    # D81's target: "said" is more confident and its content overlaps the gold at 30%
    assert labelled(nlp, monkeypatch, "greedy", 0.6) == [1.0, 0.0, 0.0]
    # D87's: "claimed" matches it at 80%, as the scorer pairs them, so it is the right one
    assert labelled(nlp, monkeypatch, "exact_first", 0.6) == [0.0, 1.0, 0.0]
    # ... when the stage decides it at all (under the floor it is never decoded)
    assert labelled(nlp, monkeypatch, "exact_first", T.CONFIG["stack_floor"] - 0.05) == [1.0, 0.0, 0.0]
