"""``claims.confidence`` (D84): the model's probability that a claim is an attribution, on
every piece of it; null on the rules' rows. Expectations come from the loaded model (or a
second stage set here), never from figures a retrain moves.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from pandera.errors import SchemaError

from newsetl.enrich.claims import claims_frame, claims_from_doc
from newsetl.enrich.claims.model import accept as A
from newsetl.enrich.claims.model.extract import attribution_rows
from newsetl.enrich.claims.model.model import AttributionModel, default_model
from newsetl.enrich.mentions import default_reference, mentions_from_doc
from schemas.claims import ClaimModel
from support.claims import find
from support.paths import REPO

ARTICLE = "0123456789abcdef"
RUN = "test-run"
SEEDS = REPO / "raw" / "samples" / "seeds"
# politifact.com, "PolitiFact's guide to understanding tariffs" (Zyte extraction benchmark,
# MIT): the D83 audit judged the model's "imposed" here no attribution ("imposed by": an action).
TARIFFS = "Retaliatory tariffs imposed by China have particularly hurt U.S. farmers."


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def parsed(nlp, text: str):
    doc = nlp(text)
    return doc, mentions_from_doc(ARTICLE, doc, RUN, default_reference())


def model_rows(nlp, text: str, model: AttributionModel | None = None) -> list[dict]:
    doc, mentions = parsed(nlp, text)
    return attribution_rows(ARTICLE, doc, mentions, RUN, model=model)


def expected_confidence(model: AttributionModel, nlp, text: str) -> dict[int, float]:
    """cue start -> the probability the loaded model decides that cue on: the second
    stage's when its settings have one, else the cue decision's."""
    doc, mentions = parsed(nlp, text)
    stage2 = model.settings.get("accept")
    out = {}
    for a in model.predict(doc, claims_from_doc(ARTICLE, doc, mentions, RUN)):
        out[a.cue[0]] = A.accept_prob(stage2["weights"], a.extra, A.names_of(stage2)) if stage2 else a.cue_prob
    return out


def with_second_stage(model: AttributionModel, bias: float) -> AttributionModel:
    """``model`` deciding by a second stage that gives every candidate sigmoid(bias)."""
    weights = [bias] + [0.0] * (len(A.NAMES) - 1)
    settings = {**model.settings, "accept": {"weights": weights, "threshold": 0.5, "floor": 0.3}}
    return AttributionModel(model.cue, model.content, model.source, settings)


def test_model_rows_carry_the_probability_the_model_decided_on(nlp):
    text = seed("000")
    rows = model_rows(nlp, text)
    assert len(rows) > 10
    expected = expected_confidence(default_model(), nlp, text)
    for r in rows:
        assert 0.0 <= r["confidence"] <= 1.0, r
        assert math.isclose(r["confidence"], expected[r["cue_start"]], rel_tol=1e-9), r
    # Every piece of one claim shares it; claims differ (a ranking, not a constant).
    by_cue: dict[int, set[float]] = {}
    for r in rows:
        by_cue.setdefault(r["cue_start"], set()).add(r["confidence"])
    assert all(len(v) == 1 for v in by_cue.values())
    assert len({r["confidence"] for r in rows}) > len(by_cue) / 2
    ClaimModel.validate(claims_frame(rows))


def test_a_split_quote_has_one_confidence_on_both_pieces(nlp):
    text = "“We will not accept this,” the minister said on Tuesday. “The talks are over.”"
    rows = model_rows(nlp, text)
    pieces = [r for r in rows if len(json.loads(r["pieces"])) > 1]
    assert len(pieces) == 2, rows
    assert pieces[0]["confidence"] == pieces[1]["confidence"] is not None


def test_with_a_second_stage_the_confidence_is_its_accept_probability(nlp):
    """Not the cue probability: a second stage that gives every candidate 0.731 gives every
    row 0.731 (the committed weights may have no second stage; this one is set here)."""
    rows = model_rows(nlp, seed("000"), with_second_stage(default_model(), 1.0))
    assert rows
    assert {round(r["confidence"], 9) for r in rows} == {round(1 / (1 + math.exp(-1.0)), 9)}


def test_rules_rows_have_no_confidence(nlp):
    doc, mentions = parsed(nlp, seed("000"))
    rows = claims_from_doc(ARTICLE, doc, mentions, RUN)
    assert rows and all(r["confidence"] is None for r in rows)
    frame = claims_frame(rows)
    assert frame["confidence"].isna().all()
    ClaimModel.validate(frame)


def test_the_contract_keeps_confidence_in_zero_to_one(nlp):
    rows = model_rows(nlp, seed("000"))
    ClaimModel.validate(claims_frame(rows))
    for bad in (1.5, -0.1):
        with pytest.raises(SchemaError, match="confidence"):
            ClaimModel.validate(claims_frame([{**rows[0], "confidence": bad}]))
    assert pd.isna(claims_frame([{**rows[0], "confidence": None}])["confidence"][0])


def test_a_threshold_keeps_the_accusation_and_drops_a_non_attribution(nlp):
    """Seed 000's "President Trump accused Pakistan of …" against a cue the D83 audit judged
    no attribution: where the model still emits that cue, it is less confident of it, so a
    threshold at the accusation's confidence keeps one and drops the other."""
    accused = find(model_rows(nlp, seed("000")), "deception, lies", cue="accused", speaker_name="Donald Trump")
    assert accused["confidence"] >= 0.6  # the README's example threshold keeps it
    for r in model_rows(nlp, TARIFFS):
        if r["cue"] == "imposed":
            assert r["confidence"] < accused["confidence"], (r, accused)
