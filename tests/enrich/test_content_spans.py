"""Content spans of the trained attribution model (issue 15, D72) on real sentences: a
content covers the whole attributed clause, across commas and sentence breaks; a quote
split by its attribution is one claim in two pieces; "criticized X for Y" keeps "for Y";
a participle after the content ("…, referring to …") is its own claim, as PolNeAR
annotates it, credited to the same speaker.

One spaCy pipeline (the enrich stage's claim components) is loaded per module.
"""

from __future__ import annotations

import json


from newsetl.enrich.claims.model.extract import attribution_rows
from support.claims import find
from support.paths import REPO

SEEDS = REPO / "raw" / "samples" / "seeds"
ARTICLE = "0123456789abcdef"
RUN = "test-run"


def rows_of(nlp, text: str) -> list[dict]:
    from newsetl.enrich.mentions import default_reference, mentions_from_doc

    doc = nlp(text)
    return attribution_rows(ARTICLE, doc, mentions_from_doc(ARTICLE, doc, RUN, default_reference()), RUN)


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_a_quote_of_several_sentences_is_one_content(nlp):
    text = ('"We will not accept this. The strikes killed civilians and must stop," '
            "the foreign ministry spokesman Mohammad Faisal said on Thursday.")
    r = find(rows_of(nlp, text), "We will not accept this", cue="said", speaker_name="Mohammad Faisal")
    assert r["content"].endswith("must stop")


def test_an_indirect_content_runs_past_its_comma(nlp):
    # "…, and that …": both reported clauses are what he added
    text = ("The foreign ministry spokesman Mohammad Faisal said the strikes had killed civilians. He added "
            "that Pakistan would raise the matter at the United Nations, and that the talks were suspended.")
    r = find(rows_of(nlp, text), "Pakistan would raise the matter", cue="added", speaker_name="Mohammad Faisal")
    assert r["content"].endswith("and that the talks were suspended")


def test_criticized_for_keeps_for_offering(nlp):
    # seed 003, issue 15: "Trump criticized Pakistan for offering 'safe havens'" lost "for offering"
    r = find(rows_of(nlp, seed("003")), "for offering “safe havens” to extremists", cue="criticized",
             speaker_name="Donald Trump")
    assert r["content"].startswith("Pakistan for offering")


def test_a_quote_split_by_its_attribution_is_one_claim_in_two_pieces(nlp):
    # seed 003: “This is eight, nine years on … not dying,” she said. “These families …”
    rows = rows_of(nlp, seed("003"))
    first = find(rows, "This is eight, nine years on since Obama", cue="said")
    second = find(rows, "These families still want some sort of justice", cue="said")
    assert first["cue_start"] == second["cue_start"] and first["claim_id"] != second["claim_id"]
    pieces = json.loads(first["pieces"])
    assert pieces == json.loads(second["pieces"])
    assert [[first["content_start"], first["content_end"]], [second["content_start"], second["content_end"]]] == pieces
    assert first["speaker_name"] == second["speaker_name"] == "Jen Gibson"


def test_a_participle_after_the_content_is_its_own_claim_by_the_same_speaker(nlp):
    # issue 15 asked for seed 001's "its army is overstretched, referring explicitly to …"
    # as one claim; PolNeAR annotates such a participle as an attribution of its own (180
    # of 198 on 468 train articles, 5 inside the outer content; D72), so it stays a claim
    # of its own, credited to the speaker of the clause it hangs on
    text = ("Publicly, Islamabad argues that its army is overstretched, referring explicitly to ongoing "
            "flood relief activities and counter militancy operations in Pakistan’s other tribal areas.")
    rows = rows_of(nlp, text)
    outer = find(rows, "its army is overstretched", cue="argues", speaker_name="Islamabad")
    inner = find(rows, "ongoing flood relief activities", cue="referring", speaker_name="Islamabad")
    assert outer["cue_start"] != inner["cue_start"]


def test_a_reported_clause_keeps_its_that(nlp):
    # seed 002: PolNeAR's contents start at the complementizer (the gold holds the "that"
    # of 416 of 423 matched contents that start with it on the held-out fifth of train,
    # D72); the weights before D72 dropped it here
    r = find(rows_of(nlp, seed("002")), "they were doing it", cue="told")
    assert r["content"] == "that they were doing it"
