"""The trained attribution model (newsetl/enrich/claims/model) on real sentences: the committed
weights load offline and without pickle, speakers and spans of the seed articles and of
sentences written for the error classes of issue 15 (nested speech credited to the outer
speaker, "criticized X for Y" keeping "for Y", relative pronouns, pronouns never a
speaker_name, cue classes), the row contract, and the pipeline hook.

One spaCy pipeline (the enrich stage's claim components) is loaded per module.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from newsetl.enrich.claims.cueclass import cue_class_table
from newsetl.enrich.claims.model.extract import attribution_consumer, attribution_rows
from newsetl.quality.spans import span_problems
from newsetl.enrich.claims.model.linear import hash_features
from newsetl.enrich.claims.model.model import MODEL_FILES, AttributionModel, default_model
from newsetl.enrich.claims import CLAIM_COLUMNS
from newsetl.enrich.claims.speakers import FIRST_PERSON, PRONOUNS, RELATIVE
from schemas.claims import CUE_CLASSES
from support.claims import check_claim_rows, find
from support.paths import FIXTURES as _FIXTURES, REPO

FIXTURES = _FIXTURES / "attribution"
SEEDS = REPO / "raw" / "samples" / "seeds"
MODEL_DIR = REPO / "newsetl" / "data" / "attribution"
ARTICLE = "0123456789abcdef"
RUN = "test-run"
NOT_NAMES = {w.casefold() for w in (*PRONOUNS, *FIRST_PERSON, *RELATIVE, "you", "your", "it")}


def mentions_of(doc) -> list[dict]:
    from newsetl.enrich.mentions import default_reference
    from newsetl.enrich.mentions import mentions_from_doc

    return mentions_from_doc(ARTICLE, doc, RUN, default_reference())


def check_rows(text: str, rows: list[dict]) -> None:
    def model_row(r: dict) -> None:
        assert r["speaker_name"] is None or r["speaker_name"].casefold() not in NOT_NAMES, r
        assert r["cue_class"] in CUE_CLASSES
        assert (r["content_start"], r["content_end"]) in [tuple(p) for p in json.loads(r["pieces"])]
        assert span_problems("claims", r, text) == [], r

    check_claim_rows(text, rows, model_row)


def run(nlp, text: str, model: AttributionModel | None = None) -> list[dict]:
    doc = nlp(text)
    rows = attribution_rows(ARTICLE, doc, mentions_of(doc), RUN, model=model)
    check_rows(text, rows)
    return rows


def by_threshold(model: AttributionModel) -> AttributionModel:
    """``model`` deciding by its cue threshold alone, without a second stage (D81): for
    tests of what follows the decision (the grammar's sources), whichever way it goes."""
    settings = {k: v for k, v in model.settings.items() if k != "accept"}
    return AttributionModel(model.cue, model.content, model.source, settings)


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- weights
def test_committed_weights_load_offline_without_pickle():
    files = [MODEL_DIR / name for name in MODEL_FILES]
    assert all(f.is_file() for f in files)
    assert sum(f.stat().st_size for f in files) <= 25 * 2**20
    # only numeric arrays: nothing in the archive that np.load would need pickle for
    with zipfile.ZipFile(files[0]) as z:
        for name in z.namelist():
            with z.open(name) as fh:
                header = fh.read(128)
            assert b"'descr': '|O'" not in header and b"'descr': 'O'" not in header, name
    arrays = np.load(files[0], allow_pickle=False)
    assert {"cue_index", "content_index", "source_index"} <= set(arrays.files)
    settings = json.loads(files[1].read_text(encoding="utf-8"))
    assert 0 < settings["cue_threshold"] < 1
    assert settings["train_cv"]["oof"]["f1_30"] > settings["train_cv"]["rules"]["f1_30"]
    model = default_model()
    assert model.settings["cue_threshold"] == settings["cue_threshold"]
    assert len(model.cue.dense) == len(model.content.dense) == len(model.source.dense) == 2 * 96


def test_save_and_load_round_trip(tmp_path):
    model = AttributionModel.load(MODEL_DIR)
    model.save(tmp_path)
    again = AttributionModel.load(tmp_path)
    feats = ["lem=say", "dep=ROOT", "rule=True"]
    assert again.cue.margin(feats) == pytest.approx(model.cue.margin(feats))
    assert np.array_equal(again.source.dense, model.source.dense)


def test_feature_hashes_are_stable_across_processes():
    # CRC-32, not Python's salted hash(): the committed weights depend on these numbers
    import zlib

    assert hash_features(["lem=say", "bias"]).tolist() == [zlib.crc32(b"lem=say") & 0xFFFFF, zlib.crc32(b"bias") & 0xFFFFF]


# ----------------------------------------------------------------------------- error classes
def test_nested_speech_is_credited_to_the_outer_speaker(nlp):
    rows = run(nlp, (FIXTURES / "speakers.txt").read_text(encoding="utf-8"))
    r = find(rows, "Washington considers Islamabad an important actor", cue="said")
    assert r["speaker_name"] == "Rex Tillerson"
    assert r["content"].startswith("Washington considers")


def test_criticized_for_keeps_the_reason(nlp):
    rows = run(nlp, (FIXTURES / "speakers.txt").read_text(encoding="utf-8"))
    r = find(rows, "offering safe havens to extremists", cue="criticized")
    assert r["speaker_name"] == "Donald Trump"


def test_pronouns_relatives_and_you_are_never_names(nlp):
    text = (FIXTURES / "speakers.txt").read_text(encoding="utf-8")
    rows = run(nlp, text)
    # "she said" after Mariam Khan: the pronoun keeps its surface and gets her name
    r = find(rows, "We have counted more than forty dead", speaker_surface="she")
    assert r["speaker_name"] == "Mariam Khan"
    find(rows, "the program has failed", speaker_name="Mariam Khan", kind="direct")
    # "which" is the organization its clause hangs on
    find(rows, "the strikes are illegal", speaker_surface="which", speaker_name="Amnesty International")
    assert not any((r["speaker_surface"] or "").casefold() == "you" and r["speaker_name"] for r in rows)


def test_first_person_in_an_interview_answer_is_the_interviewee(nlp):
    rows = run(nlp, (FIXTURES / "interview.txt").read_text(encoding="utf-8"))
    # the transcript's label in capitals is the speaker, named as the article names her
    find(rows, "I think he is trying to campaign", cue=":", speaker_surface="MARY FALLIN", speaker_name="Mary Fallin")
    # "I believe ..." inside her answer: she believes it ("I think" before it falls below the
    # cue threshold since D74's retrain: 0.39 against 0.47)
    find(rows, "that has been part of his message", cue="believe", speaker_surface="I", speaker_name="Mary Fallin")


def test_first_person_of_an_op_ed_is_its_author(nlp):
    text = (FIXTURES / "oped.txt").read_text(encoding="utf-8")
    doc = nlp(text)
    mentions = mentions_of(doc)
    rows = attribution_rows(ARTICLE, doc, mentions, RUN, byline="By Sarah Malik")
    check_rows(text, rows)
    find(rows, "the strikes have made Pakistan less safe", cue="believe", speaker_surface="I", speaker_name="Sarah Malik")
    find(rows, "it has not", cue="argue", speaker_name="Sarah Malik")
    # "I" inside the commander's quote is the commander, not the author
    assert not any(r["speaker_name"] == "Sarah Malik" for r in rows if r["cue"] == "said")
    # "you" is nobody
    assert not any((r["speaker_surface"] or "").casefold() == "you" and r["speaker_name"] for r in rows)
    # without a byline the author's "I" stays unresolved, and several authors name nobody
    for byline in (None, "By Sarah Malik and Tom Chen"):
        rows = attribution_rows(ARTICLE, doc, mentions, RUN, byline=byline)
        assert not any(r["speaker_name"] for r in rows if r["speaker_surface"] == "I" and r["cue"] in ("believe", "argue"))


def test_the_pipeline_passes_the_byline(nlp):
    from newsetl.enrich.analysis import analyse_articles, load_models
    from newsetl.settings import Settings

    settings = Settings()
    text = (FIXTURES / "oped.txt").read_text(encoding="utf-8")
    articles = pd.DataFrame({"article_id": [ARTICLE], "text": [text], "language": ["en"], "source_uri": ["oped.txt"],
                             "byline": ["Sarah Malik"]})
    claims = analyse_articles(articles, load_models(settings), settings, RUN).claims
    assert "Sarah Malik" in set(claims.loc[claims["speaker_surface"] == "I", "speaker_name"])


@pytest.mark.parametrize("extractor", ["model", "rules"])
def test_a_pronoun_the_ner_took_for_a_name_names_nobody(nlp, extractor):
    """The NER sometimes tags a capitalised "We" or "It" as an organization: its mention's
    canonical name is then the pronoun, which must not become a speaker_name."""
    from newsetl.enrich.claims import claims_from_doc

    text = "Pakistan rejected the report.\n\nWe said the strikes had killed civilians."
    doc = nlp(text)
    we = text.index("We")
    mentions = [*mentions_of(doc), {"mention_id": "00000000000000aa", "article_id": ARTICLE, "start_char": we,
                                    "end_char": we + 2, "surface": "We", "label": "ORG", "entity_id": "00000000000000bb",
                                    "canonical_name": "We", "sentence_index": 1, "run_id": RUN}]
    rows = (attribution_rows(ARTICLE, doc, mentions, RUN) if extractor == "model"
            else claims_from_doc(ARTICLE, doc, mentions, RUN))
    r = find(rows, "the strikes had killed civilians", speaker_surface="We")
    assert r["speaker_name"] is None and r["speaker_entity_id"] is None


def test_cue_classes(nlp):
    rows = run(nlp, (FIXTURES / "speakers.txt").read_text(encoding="utf-8"))
    find(rows, "most Americans oppose the strikes", cue_class="document")
    find(rows, "the aid should be cut", cue="believes", cue_class="cognition")
    find(rows, "the strikes had killed civilians", cue="said", cue_class="speech")
    table = cue_class_table()
    assert table.classes["say"] == "speech" and table.classes["want"] == "cognition"
    assert "poll" in table.document_sources


# ----------------------------------------------------------------------------- source by grammar (D71)
# tests/fixtures/attribution/grammar.txt: one sentence each from six PolNeAR train articles
# (nyt_2016-02-09_rubio-is-tested-as-republican-ri, usa-today_2016-01-15_republicans-pile-on-obama-clinto,
# huff-post_2016-07-28_charleston-church-shooting-survi, usa-today_2016-04-27_clinton-takes-pa-md-and-del-most,
# usa-today_2016-01-13_trump-cruz-break-away-from-the-p, wash-post_2016-03-18_why-obama-s-high-court-pick-migh),
# where the model credited the sentence's subject and the gold has no source.
def test_a_raising_verb_cites_nobody(nlp):
    # "X appeared to be ...": X is the subject of the content, not a source
    rows = run(nlp, (FIXTURES / "grammar.txt").read_text(encoding="utf-8"))
    r = find(rows, "to be on the upswing", cue="appeared")
    assert r["speaker_surface"] is None and r["speaker_name"] is None
    # "look" as "seem": "X looks dead on arrival", "X looks like ..." (the latter a cue or not:
    # 0.45 against the threshold of 0.47 since D74's retrain; never with a speaker)
    assert find(rows, "dead on arrival", cue="looks")["speaker_surface"] is None
    assert all(r["speaker_surface"] is None for r in rows if "a two-person race" in r["content"])
    text = seed("004")
    rows = run(nlp, text)
    # (whether "appear" is a cue there moves with each retrain: none of the two since D87's;
    # whichever is, cites nobody)
    here = []
    for phrase in ("The Taliban appear to be launching", "the Pakistani government appears to be signaling"):
        at = text.index(phrase)
        here += [r for r in rows if at <= r["cue_start"] < at + len(phrase)]
    assert all(r["speaker_surface"] is None for r in here), here


def test_the_subject_of_a_passive_cue_is_not_its_source(nlp):
    rows = run(nlp, (FIXTURES / "grammar.txt").read_text(encoding="utf-8"))
    # D77: the content is "killing nine people …" (was "of killing …"; PolNeAR's "accused"
    # contents never start with "of": 0 of 50 on train)
    r = find(rows, "killing nine people", cue="accused")
    assert r["speaker_surface"] is None
    r = find(rows, "the winner in the Pennsylvania", cue="declared")
    assert r["speaker_name"] != "Hillary Clinton"
    # seed 000: "U.S.-Pakistan relations have been described as a marriage of convenience"
    r = find(run(nlp, seed("000"), by_threshold(default_model())), "a marriage of convenience", cue="described")
    assert r["speaker_surface"] is None


def test_a_cue_noun_the_subject_faces_is_not_the_subjects(nlp):
    rows = run(nlp, (FIXTURES / "grammar.txt").read_text(encoding="utf-8"))
    r = find(rows, "unreported loans", cue="criticism")
    assert r["speaker_name"] != "Cruz" and r["speaker_surface"] is None


def test_seed_000_iran_was_the_first_nation_to_rebuke(nlp):
    # issue 15's last seed: "Iran was also the first nation to rebuke the United States"
    find(run(nlp, seed("000")), "the United States", cue="rebuke", speaker_surface="Iran", speaker_name="Iran")


# ----------------------------------------------------------------------------- non-claim cues
NOT_SPEECH = (  # issue 15: cues on the seeds that report no statement
    ("001", "badly wants Pakistan", "wants"),
    ("003", "In announcing his Afghanistan", "announcing"),
    ("003", "doesn’t always know whom", "know"),
    ("004", "the Taliban will no longer be able to show", "show"),
    ("004", "only time will tell", "tell"),
)


@pytest.mark.parametrize("extractor", ["model", "rules"])
def test_cues_that_are_not_statements_are_not_speech(nlp, extractor):
    from newsetl.enrich.claims import claims_from_doc

    for prefix, phrase, cue in NOT_SPEECH:
        text = seed(prefix)
        doc = nlp(text)
        mentions = mentions_of(doc)
        rows = (attribution_rows(ARTICLE, doc, mentions, RUN) if extractor == "model"
                else claims_from_doc(ARTICLE, doc, mentions, RUN))
        check_rows(text, rows)
        at = text.index(phrase) + phrase.index(cue)
        here = [r for r in rows if r["cue_start"] == at]
        assert all(r["cue_class"] != "speech" for r in here), (phrase, here)
        if cue == "tell":  # an idiom: nobody is cited at all
            assert here == []
    rows = run(nlp, seed("003"))
    find(rows, "whom a strike killed", cue="know", cue_class="cognition")
    find(rows, "his Afghanistan war strategy", cue="announcing", cue_class="other")
    find(rows, "Pakistan for offering", cue="criticized", cue_class="speech")


# ----------------------------------------------------------------------------- seeds
def test_seed_000_accusation_and_the_foreign_office(nlp):
    rows = run(nlp, seed("000"))
    r = find(rows, "deception, lies and of providing safe haven to terrorists", cue="accused")
    assert r["speaker_name"] == "Donald Trump" and r["target_name"] == "Pakistan"
    r = find(rows, "the U.S. directly targeted an Afghan refugee camp", cue="claimed")
    assert r["speaker_surface"] == "the Foreign Office"


def test_seed_000_relative_pronoun_takes_the_name_in_apposition(nlp):
    # "the Pakistan Army's media wing - the Inter-Services Public Relations - which publicly
    # confirmed ...": ISPR spoke, not the Army named inside the noun phrase
    rows = run(nlp, seed("000"))
    find(rows, "the Foreign Office’s position", cue="confirmed", speaker_surface="which",
         speaker_name="Inter-Services Public Relations")
    find(rows, "targeting a refugee camp", cue="condemned", speaker_name="Inter-Services Public Relations")


def test_seed_003_criticized_for_and_004_nested_speech(nlp):
    # issue 15: the rules lost "for offering" and credited the reported clause's own
    # subject ("... reassured Pakistan that Washington considers Islamabad ...")
    rows = run(nlp, seed("003"))
    find(rows, "Pakistan for offering “safe havens” to extremists", cue="criticized", speaker_name="Donald Trump")
    text = seed("004")
    rows = run(nlp, text)
    # "Washington considers Islamabad an important actor" is Washington's own (nested,
    # cognition) claim, which D81's second stage may take; no other cue's content is his
    assert not any(r["speaker_name"] == "Washington" and "Islamabad an important actor" in r["content"]
                   and text[r["cue_start"] : r["cue_end"]] != "considers" for r in rows)


def test_seed_003_speakers(nlp):
    rows = run(nlp, seed("003"))
    find(rows, "The Pakistani senate’s resolution is a step", speaker_name="Jen Gibson", cue="said")
    find(rows, "Part of what’s probably driving", speaker_name="Jen Gibson", kind="direct")
    r = find(rows, "Trump officials have created a “trust deficit” with Pakistan", cue="said")
    assert r["speaker_name"] == "Khawaja Asif"
    r = find(rows, "The United States and Pakistan militaries consistently communicate", cue="said")
    assert r["speaker_name"] == "Mike Andrews"


def test_seed_004_tillerson(nlp):
    rows = run(nlp, seed("004"))
    r = find(rows, "then the United States would do so unilaterally", cue="asserted", speaker_name="Rex Tillerson")
    assert r["content"].startswith("If Pakistan did not act")


def test_all_seeds_satisfy_the_contract_and_name_no_pronoun(nlp):
    for path in sorted(SEEDS.glob("*.txt")):
        rows = run(nlp, path.read_text(encoding="utf-8"))  # run() checks spans, names, contract
        assert rows, path.name


def test_empty_and_unparsed_docs(nlp):
    import spacy

    assert attribution_rows(ARTICLE, nlp(""), [], RUN) == []
    assert attribution_rows(ARTICLE, spacy.blank("en")("He said it rains."), [], RUN) == []


# ----------------------------------------------------------------------------- pipeline hook
def test_consumer_rows_fit_the_table(nlp):
    text = seed("003")
    doc = nlp(text)
    rows = attribution_consumer(RUN)(ARTICLE, doc, mentions_of(doc))
    assert rows and all(list(r) == CLAIM_COLUMNS for r in rows)


def test_pipeline_uses_the_model_when_asked():
    from newsetl.enrich.analysis import analyse_articles, load_models
    from newsetl.settings import Settings

    settings = Settings(claims_extractor="model")
    models = load_models(settings)
    assert models.attribution is not None
    text = seed("004")
    articles = pd.DataFrame({"article_id": [ARTICLE], "text": [text], "language": ["en"], "source_uri": ["seed004.txt"]})
    result = analyse_articles(articles, models, settings, RUN)
    assert result.counts["claims"] == len(result.claims) > 0
    assert result.quarantine.empty
    assert "Rex Tillerson" in set(result.claims["speaker_name"].dropna())
