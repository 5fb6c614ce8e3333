"""The second stage's document-context and form inputs (D85), on parsed sentences, and
weights saved before them (D81's 20 inputs) deciding exactly as before."""

from __future__ import annotations

import math

import pytest

from newsetl.enrich.claims.model import accept as A
from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model.model import Attribution, AttributionModel, default_model


def cand(doc, cue: str, content: str, prob: float, source: str | None = None, nth: int = 0) -> Attribution:
    """A decoded candidate on ``doc``: the ``nth`` ``cue`` word, ``content`` found after it."""
    text = doc.text
    at = -1
    for _ in range(nth + 1):
        at = text.index(cue, at + 1)
    i = next(t.i for t in doc if t.idx == at)
    c = text.index(content, at)
    x = next((t.i for t in doc if t.idx == text.index(source)), None) if source else None
    return Attribution((at, at + len(cue)), i, [(c, c + len(content))], None, x, prob, "clause", {"cue_prob": prob})


def annotated(nlp, text: str, *specs) -> list[dict]:
    doc = nlp(text)
    found = [cand(doc, *s) for s in specs]
    A.annotate(F.DocView(doc), found)
    return [a.extra for a in found]


def test_candidates_in_the_same_sentence_and_paragraph_are_counted(nlp):
    text = ("Officials said the plan failed, critics argued.\n\n"
            "The mayor said the budget would pass. Later he added that taxes rise.")
    said, argued, mayor, added = annotated(
        nlp, text, ("said", "the plan failed", 0.9), ("argued", ".", 0.4),
        ("said", "the budget would pass", 0.8, None, 1), ("added", "taxes rise", 0.6))
    assert (said["sent_n"], said["sent_conf"], said["para_n"]) == (1, 0, 1)
    assert (argued["sent_n"], argued["sent_conf"]) == (1, 1)
    assert (mayor["sent_n"], mayor["para_n"], mayor["para_conf"]) == (0, 1, 1)
    assert said["first_sent"] and not mayor["first_sent"]
    assert (said["para"], mayor["para"]) == (0, 1)


def test_a_content_claimed_by_a_more_confident_cue_is_a_duplicate(nlp):
    text = "Smith said and Jones claimed that the tax would rise sharply next year."
    said, claimed = annotated(nlp, text, ("said", "the tax would rise sharply next year", 0.9),
                              ("claimed", "the tax would rise sharply", 0.5))
    assert not said["dup_equal"] and not said["dup_overlap"]  # nothing more confident
    assert claimed["dup_overlap"] and not claimed["dup_equal"]
    # the kept input: the share of the longer content both cover
    assert A.INPUTS["content_overlap"](claimed) == pytest.approx(len("the tax would rise sharply") / len("the tax would rise sharply next year"))
    assert A.INPUTS["content_overlap"](said) == 0.0
    _, same = annotated(nlp, text, ("said", "the tax would rise", 0.9), ("claimed", "the tax would rise", 0.5))
    assert same["dup_equal"] and same["dup_overlap"]


def test_a_content_holding_a_more_confident_cue(nlp):
    text = "The mayor suggested that critics said the plan would fail."
    suggested, said = annotated(nlp, text, ("suggested", "critics said the plan would fail", 0.4),
                                ("said", "the plan would fail", 0.9))
    assert suggested["holds_conf"] and not said["holds_conf"]


def test_a_headline_line_has_no_final_punctuation(nlp):
    text = "Trump says tariffs will work\n\nThe president said on Monday that tariffs work."
    head, body = annotated(nlp, text, ("says", "tariffs will work", 0.8), ("said", "tariffs work", 0.9))
    assert head["headline"] and not body["headline"]


def test_the_cues_part_of_speech_tense_and_mood(nlp):
    text = ("The minister will say that taxes rise. Did he say that taxes would rise? "
            "She did not say that prices fell. Her claim that prices fell was wrong.")
    will, did, neg, claim = annotated(nlp, text, ("say", "taxes rise", 0.6), ("say", "taxes would rise", 0.6, None, 1),
                                      ("say", "prices fell", 0.6, None, 2), ("claim", "prices fell", 0.6))
    assert will["future"] and not will["question"] and will["cue_pos"] == "verb"
    assert did["question"] and not did["future"]
    assert neg["negated"] and not will["negated"]
    assert claim["cue_pos"] == "noun" and not claim["future"]


def test_the_contents_length_clause_and_quotes(nlp):
    text = ("He said \u201cthe economy is strong and growing.\u201d "
            "She said the plan, \u201ca disaster\u201d in her words. They praised the new budget.")
    quoted, partly, noun = annotated(nlp, text, ("said", "the economy is strong and growing.", 0.9),
                                     ("said", "the plan, \u201ca disaster\u201d in her words", 0.7, None, 1),
                                     ("praised", "the new budget", 0.5))
    assert quoted["fully_quoted"] and quoted["content_clause"] and quoted["content_words"] == 6
    assert not partly["fully_quoted"] and not partly["content_clause"]
    assert not noun["content_clause"] and noun["content_words"] == 3


def test_what_kind_of_word_the_source_is(nlp):
    text = "Barack Obama said taxes rise. He said prices fall. Microsoft said sales grew. The report said crime fell."
    person, pronoun, org, noun = annotated(
        nlp, text, ("said", "taxes rise", 0.9, "Obama"), ("said", "prices fall", 0.9, "He", 1),
        ("said", "sales grew", 0.9, "Microsoft", 2), ("said", "crime fell", 0.9, "report", 3))
    assert [e["source_kind"] for e in (person, pronoun, org, noun)] == ["person", "pronoun", "org", "noun"]
    assert A.INPUTS["source_person"](person) == 1.0 and A.INPUTS["source_pronoun"](person) == 0.0


def test_the_models_candidates_carry_the_new_inputs(nlp):
    model = AttributionModel(*(getattr(default_model(), k) for k in ("cue", "content", "source")),
                             {**{k: v for k, v in default_model().settings.items() if k != "accept"},
                              "cue_threshold": 0.2, "_candidates": True})
    found = model.predict(nlp("The mayor said that critics claimed the plan would fail."), [])
    assert found and all(len(A.vector(a.extra, A.NAMES)) == len(A.NAMES) for a in found)
    # run time computes the kept input only, and as annotate computes it
    kept = {a.cue: a.extra["dup_max"] for a in found}
    A.content_overlap(found)
    assert {a.cue: a.extra["dup_max"] for a in found} == kept
    top = max(found, key=lambda a: a.cue_prob)
    assert kept[top.cue] == 0.0 and 0.0 <= min(kept.values()) <= max(kept.values()) <= 1.0


# ------------------------------------------------------------------ backward compatibility
def d81_vector(e: dict) -> list[float]:
    """The second stage's inputs exactly as D81 computed them (20)."""
    lg = math.log(min(max(e["cue_prob"], 1e-6), 1 - 1e-6) / (1 - min(max(e["cue_prob"], 1e-6), 1 - 1e-6)))
    cls = [1.0 if e["cls"] == c else 0.0 for c in ("speech", "cognition", "document", "other")]
    return [1.0, lg, *cls, *(lg * c for c in cls), max(min(e["content_margin"], 10.0), -10.0),
            min(e["content_gap"], 10.0), math.log1p(e["n_content"]), 1.0 if e["source"] else 0.0,
            max(min(e["source_margin"], 10.0), -10.0), 1.0 if e["quoted"] else 0.0, 1.0 if e["rule"] else 0.0,
            1.0 if e["nested"] else 0.0, 1.0 if e["nested"] and not e["subject"] else 0.0, 1.0 if e["subject"] else 0.0]


def test_weights_saved_without_their_input_names_read_d81s_twenty(nlp):
    model = default_model()
    stage = model.settings.get("accept")
    if stage is None:
        pytest.skip("the shipped model has no second stage")
    assert "inputs" not in stage and len(stage["weights"]) == 20 == len(A.NAMES_V1)
    assert A.names_of(stage) == A.NAMES_V1
    doc = nlp("The mayor said that critics claimed the plan would fail. \u201cIt works,\u201d she told reporters.")
    every = AttributionModel(model.cue, model.content, model.source,
                             {**{k: v for k, v in model.settings.items() if k != "accept"},
                              "cue_threshold": float(stage["floor"]), "_candidates": True}).predict(doc, [])
    expect = []
    for a in every:
        m = sum(w * x for w, x in zip(stage["weights"], d81_vector(a.extra)))
        if 1 / (1 + math.exp(-m)) >= stage["threshold"]:
            expect.append(a.cue)
    got = model.predict(doc, [])
    assert [a.cue for a in got] == expect
    for a in got:
        assert a.extra["accept_prob"] == pytest.approx(1 / (1 + math.exp(-sum(
            w * x for w, x in zip(stage["weights"], d81_vector(a.extra))))), abs=1e-12)


def test_a_stage_saved_with_its_input_names_reads_those(nlp, tmp_path):
    base = default_model()
    names = (*A.NAMES_V1, "content_overlap")
    weights = [0.0] * len(names)
    weights[0], weights[-1] = 1.0, -20.0  # a content a more confident cue already claims is never one
    settings = {k: v for k, v in base.settings.items() if k != "accept"}
    model = AttributionModel(base.cue, base.content, base.source,
                             {**settings, "accept": {"weights": weights, "threshold": 0.5, "floor": 0.3, "inputs": list(names)}})
    model.save(tmp_path)
    again = AttributionModel.load(tmp_path)
    doc = nlp("The mayor said that critics claimed the plan would fail, and the governor agreed that it would.")
    every = AttributionModel(base.cue, base.content, base.source,
                             {**settings, "cue_threshold": 0.3, "_candidates": True}).predict(doc, [])
    assert any(a.extra["dup_max"] > 0.05 for a in every)  # the sentence has such a cue
    assert [a.cue for a in again.predict(doc, [])] == [a.cue for a in every if a.extra["dup_max"] <= 0.05]
