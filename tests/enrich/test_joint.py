"""The joint step over an article's accepted attributions (D86): a sibling clause of a cue
("…, while emphasizing that …", "… and questioned how …") is its own attribution and ends
the first cue's content; on parsed sentences with the shipped model."""

from __future__ import annotations

import pytest

from newsetl.enrich.claims.model import accept as A
from newsetl.enrich.claims.model import joint as J
from newsetl.enrich.claims.model.extract import attribution_rows
from newsetl.enrich.claims.model.features import DocView
from newsetl.enrich.claims.model.model import AttributionModel, default_model

EMPHASIZING = "The mayor said the city had hired more police officers, while emphasizing that crime was still too high."
QUESTIONED = "Jones said he makes $41,000 a year and questioned how he would be helped by the plan to raise taxes."
ADDED = "The senator said it was too early to congratulate the winners but added that the results looked good."
POINTING = "The company said its profits rose sharply, pointing to strong sales of its new phone in China."


def with_joint(rules: list[str]) -> AttributionModel:
    model = default_model()
    return AttributionModel(model.cue, model.content, model.source, {**model.settings, "joint": rules})


def claims(model: AttributionModel, doc) -> dict[str, str]:
    """cue word -> its content (pieces joined)."""
    text = doc.text
    return {text[a.cue[0]:a.cue[1]]: " | ".join(text[x:y] for x, y in a.pieces) for a in model.predict(doc, [])}


@pytest.mark.parametrize(("text", "first", "sibling", "its_content"), [
    (EMPHASIZING, "the city had hired more police officers", "emphasizing", "that crime was still too high"),
    # the parser hangs the coordinated verb on the reported clause's verb ("makes"), not on "said"
    (QUESTIONED, "he makes $41,000 a year", "questioned", "how he would be helped by the plan to raise taxes"),
    (ADDED, "it was too early to congratulate the winners", "added", "that the results looked good"),
    (POINTING, "its profits rose sharply", "pointing", "strong sales of its new phone in China"),
])
def test_a_sibling_clause_is_its_own_claim_and_ends_the_first_content(nlp, text, first, sibling, its_content):
    got = claims(default_model(), nlp(text))
    assert got["said"] == first
    assert got[sibling] == its_content


def test_the_claim_rows_show_both_claims_with_their_own_confidence(nlp):
    doc = nlp(EMPHASIZING)
    rows = attribution_rows("a" * 16, doc, [], "run", [])
    by_cue = {doc.text[r["cue_start"]:r["cue_end"]]: r for r in rows}
    assert by_cue["said"]["content"] == "the city had hired more police officers"
    assert by_cue["emphasizing"]["content"] == "that crime was still too high"
    assert by_cue["said"]["speaker_surface"] == by_cue["emphasizing"]["speaker_surface"] == "The mayor"
    assert 0.0 < by_cue["emphasizing"]["confidence"] < by_cue["said"]["confidence"] <= 1.0


def with_stage(weights: list[float], rules: list[str]) -> AttributionModel:
    model = default_model()
    stage = {**model.settings["accept"], "weights": weights}
    return AttributionModel(model.cue, model.content, model.source, {**model.settings, "accept": stage, "joint": rules})


def test_a_rejected_sibling_is_scored_again_over_the_cut_content(nlp):
    """A sibling the stage rejects as nested in the first content (the shipped stage since
    D87 weighs nesting less and takes "emphasizing" alone; a stage that weighs it as D81's
    did rejects it) is scored again with ``nested`` and the overlaps read over the cut
    content, and accepted on that probability."""
    doc = nlp(EMPHASIZING)
    stage = default_model().settings["accept"]
    names = A.names_of(stage)
    weights = list(stage["weights"])
    weights[names.index("nested")] -= 3.0
    model = with_stage(weights, ["sibling"])
    alone = {doc.text[a.cue[0]:a.cue[1]]: a for a in model.candidates(DocView(doc, []), stage["floor"])}
    e = alone["emphasizing"].extra
    assert e["nested"] is True and e["dup_conf"] > 0.0  # inside "said"'s content as decoded alone
    assert A.accept_prob(weights, e, names) < stage["threshold"]
    after = {doc.text[a.cue[0]:a.cue[1]]: a for a in model.predict(doc, [])}
    e = after["emphasizing"].extra
    assert e["nested"] is False and e["dup_conf"] == 0.0
    assert e["accept_prob"] == pytest.approx(A.accept_prob(weights, e, names)) and e["accept_prob"] >= stage["threshold"]
    assert doc.text[slice(*after["said"].pieces[-1])] == "the city had hired more police officers"


def test_an_accepted_sibling_ends_the_first_content_too(nlp):
    """A sibling the stage takes on its own still ends the first content ("accepted")."""
    doc = nlp(EMPHASIZING)
    stage = default_model().settings["accept"]
    alone = {doc.text[a.cue[0]:a.cue[1]]: a for a in default_model().candidates(DocView(doc, []), stage["floor"])}
    assert A.accept_prob(stage["weights"], alone["emphasizing"].extra, A.names_of(stage)) >= stage["threshold"]
    assert claims(with_joint(["sibling"]), doc)["said"].endswith("while emphasizing that crime was still too high")
    assert claims(with_joint(["sibling", "accepted"]), doc)["said"] == "the city had hired more police officers"


def test_without_the_joint_step_the_first_content_runs_over_the_sibling(nlp):
    """The setting switches it off: the decision as it was before D86."""
    doc = nlp(EMPHASIZING)
    off = with_joint([])
    got = claims(off, doc)
    assert got["said"].endswith("while emphasizing that crime was still too high")
    stage = off.settings["accept"]
    every = off.candidates(DocView(doc, []), stage["floor"])
    expected = [a.cue for a in every if A.accept_prob(stage["weights"], a.extra, A.names_of(stage)) >= stage["threshold"]]
    assert [a.cue for a in off.predict(doc, [])] == expected


def test_a_clause_with_its_own_subject_is_not_a_sibling(nlp):
    """"… and 60 percent said …" reports another speaker: the joint step leaves it alone."""
    doc = nlp("Most voters said they were satisfied with the president and 60 percent said they wanted his policies to continue.")
    assert claims(default_model(), doc) == claims(with_joint([]), doc)


def test_a_sibling_between_two_quotes_leaves_both_quotes_with_the_first_cue(nlp):
    """"“A,” X said, referring to … “B.”": where the first content is the two quotes around
    the sibling (PolNeAR keeps both with "said"), the sibling does not cut it; where the
    first content runs through the sibling's clause, it does."""
    text = "\u201cWe had a great night,\u201d Smith said, referring to the debate in Ohio. \u201cNobody can stop us now.\u201d"
    doc = nlp(text)
    v = DocView(doc, [])
    found = {text[a.cue[0]:a.cue[1]]: a for a in default_model().candidates(v, 0.3)}
    said, referring = found["said"], found["referring"]
    assert doc[referring.cue_i].head.i == said.cue_i and doc[referring.cue_i].dep_ == "advcl"
    first, second = text.index("\u201cWe"), text.index("\u201cNobody")
    said.pieces = [(first, text.index(" Smith")), (second, len(text))]
    assert J.sibling_cut(v, said, referring) is None
    said.pieces = [(text.index("referring") - 2, len(text))]  # ", referring to … now.”"
    assert J.sibling_cut(v, said, referring) == text.index("referring")


def test_a_sibling_inside_the_first_content_cuts_it_before_its_clause(nlp):
    doc = nlp(POINTING)
    v = DocView(doc, [])
    found = {doc.text[a.cue[0]:a.cue[1]]: a for a in default_model().candidates(v, 0.3)}
    said, pointing = found["said"], found["pointing"]
    cut = J.sibling_cut(v, said, pointing)
    assert cut == doc.text.index("pointing")
    assert [doc.text[a:b] for a, b in J.cut_pieces(v, said, cut)] == ["its profits rose sharply"]
    assert J.sibling_cut(v, pointing, said) is None  # only after the first cue


def test_the_joint_step_is_deterministic_and_keeps_token_order(nlp):
    doc = nlp(QUESTIONED + " " + EMPHASIZING)
    model = default_model()
    first = [(a.cue, a.pieces, a.extra["accept_prob"]) for a in model.predict(doc, [])]
    again = [(a.cue, a.pieces, a.extra["accept_prob"]) for a in model.predict(doc, [])]
    assert first == again
    assert [c for c, _, _ in first] == sorted(c for c, _, _ in first)
    assert len(first) == 4
