"""Mentions and entities on real article text, with the real spaCy model (no mocks)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from spacy.language import Language

from newsetl.enrich import enrich_articles
from newsetl.enrich.entities import build_entities
from newsetl.enrich.mentions.reference import EntityReference, load_reference, name_key
from newsetl.enrich.mentions import entity_id_for, mentions_from_doc
from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp, pipe_texts, split_text
from schemas.entities import EntityModel
from schemas.mentions import MentionModel
from support.paths import FIXTURES as TEST_FIXTURES

FIXTURES = TEST_FIXTURES / "mentions"
TILLERSON = (FIXTURES / "seed004_tillerson.txt").read_text(encoding="utf-8")
ASIF = (FIXTURES / "seed003_asif.txt").read_text(encoding="utf-8")
GERMAN = (FIXTURES / "german.txt").read_text(encoding="utf-8")
A_TILLERSON = "a0a0a0a0a0a0a0a0"
A_ASIF = "b1b1b1b1b1b1b1b1"
TITLES = re.compile(
    r"^(?:President|Secretary|Gen\.|Lt\.|Adm\.|Sen\.|Dr\.|Mr\.|Ms\.|Foreign Minister|Air Chief Marshal)\s"
)
POSSESSIVE = re.compile(r"['’]s?$")


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.fixture(scope="module")
def reference() -> EntityReference:
    return load_reference()


@pytest.fixture(scope="module")
def result(nlp, reference):
    return enrich_articles(
        [(A_TILLERSON, TILLERSON, "en"), (A_ASIF, ASIF, None)], nlp, reference, run_id="test-run"
    )


def _article(result, article_id: str) -> pd.DataFrame:
    return result.mentions[result.mentions["article_id"] == article_id]


def _by_surface(df: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in df.itertuples():
        out.setdefault(row.surface, set()).add(row.canonical_name)
    return out


def _assert_exact(df: pd.DataFrame, texts: dict[str, str]) -> None:
    for row in df.itertuples():
        assert texts[row.article_id][row.start_char : row.end_char] == row.surface, row


# ------------------------------------------------------------------ the model
def test_only_needed_components_are_loaded(nlp, reference, result):
    assert nlp.pipe_names == ["paragraph_sentences", "senter", "ner"]
    assert nlp.max_length == 20_000
    # The claims stage's component set: the same mentions from the same single pass.
    claims = load_nlp(CLAIM_COMPONENTS)
    assert {"parser", "ner", "tok2vec"} <= set(claims.pipe_names) and "senter" not in claims.pipe_names
    res = enrich_articles([(A_TILLERSON, TILLERSON, "en")], claims, reference, "test-run")
    cols = ["start_char", "end_char", "entity_id", "label"]
    expected = _article(result, A_TILLERSON)[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.mentions[cols].reset_index(drop=True), expected)


def test_sentences_end_at_paragraph_breaks_and_not_after_titles(result):
    df = _article(result, A_ASIF)
    # "Lt. Col. Mike Andrews said" is one sentence with the quote before it.
    andrews = df[df["surface"] == "Mike Andrews"]["sentence_index"].iloc[0]
    quoted_us = df[df["start_char"] == ASIF.index("The United States and Pakistan militaries") + len("The ")]
    assert andrews == quoted_us["sentence_index"].iloc[0]
    # Each paragraph starts a new sentence: the paragraph-initial "Gibson" is not in the
    # sentence of the last mention of the paragraph before.
    gibson = df[(df["surface"] == "Gibson") & (df["start_char"] == ASIF.index("Gibson said Pakistani"))]
    before = df[df["start_char"] < ASIF.index("Gibson said Pakistani")]
    assert gibson["sentence_index"].iloc[0] == before["sentence_index"].max() + 1


# ------------------------------------------------------------------ spans and schema
def test_spans_slice_the_text_exactly_and_rows_match_the_schema(result):
    df = result.mentions
    assert len(df) > 40
    _assert_exact(df, {A_TILLERSON: TILLERSON, A_ASIF: ASIF})
    MentionModel.validate(df)
    assert df["run_id"].eq("test-run").all()
    assert (df["sentence_index"] > 0).any()
    # Titles, "the" and possessives are not inside spans.
    assert not df["surface"].str.match(TITLES).any()
    assert not df["surface"].str.contains(POSSESSIVE).any()
    assert not df["surface"].str.startswith(("the ", "The ")).any()


def test_surname_and_titled_forms_merge_with_the_full_name(result):
    t = _by_surface(_article(result, A_TILLERSON))
    assert t["Rex Tillerson"] == {"Rex Tillerson"}
    assert t["Tillerson"] == {"Rex Tillerson"}  # incl. "Secretary Tillerson" and "Tillerson’s visit"
    tillerson = _article(result, A_TILLERSON)
    tillerson = tillerson[tillerson["canonical_name"] == "Rex Tillerson"]
    assert len(tillerson) >= 6 and tillerson["label"].eq("PERSON").all()
    assert tillerson["entity_id"].nunique() == 1

    a = _by_surface(_article(result, A_ASIF))
    assert a["Asif"] == {"Khawaja Asif"}  # "Asif said ...", missed by the model itself
    assert a["Gibson"] == {"Jen Gibson"}
    assert a["Hayat"] == {"Zubair Mahmood Hayat"}
    assert a["Aman"] == {"Sohail Aman"}
    assert a["H.R. McMaster"] == {"H.R. McMaster"}  # "Lt. Gen." cut off
    assert a["Joseph Dunford"] == {"Joseph Dunford"}  # "Gen." cut off
    assert a["Mike Andrews"] == {"Mike Andrews"}  # "Lt. Col." cut off
    assert a["Trump"] == {"Donald Trump"}  # reference: a bare surname of a well-known person


def test_titles_and_possessives_are_not_in_canonical_names(result):
    names = set(result.mentions["canonical_name"])
    assert not any(TITLES.match(n) for n in names), names
    assert not any(POSSESSIVE.search(n) for n in names), names
    assert "Pakistan" in names and "Donald Trump" in names  # "Pakistan’s", "Donald Trump’s"
    surfaces = set(_article(result, A_TILLERSON)["surface"])
    assert "Donald Trump" in surfaces and "Donald Trump’s" not in surfaces


def test_acronym_merges_with_its_expansion(result):
    df = _article(result, A_TILLERSON)
    by = _by_surface(df)
    assert by["ISI"] == by["Inter-Services Intelligence"] == {"Inter-Services Intelligence"}
    # Not in the reference list: merged because the article defines it.
    assert by["QCG"] == by["Quadrilateral Cooperation Group"] == {"Quadrilateral Cooperation Group"}
    ids = df[df["surface"].isin(["QCG", "Quadrilateral Cooperation Group"])]["entity_id"]
    assert ids.nunique() == 1


def test_a_country_by_three_aliases_is_one_entity(result):
    df = _article(result, A_TILLERSON)
    us = df[df["surface"].isin(["U.S.", "United States", "America"])]
    assert set(us["surface"]) == {"U.S.", "United States", "America"}
    assert us["entity_id"].nunique() == 1
    assert set(us["canonical_name"]) == {"United States"} and set(us["label"]) == {"GPE"}


def test_same_canonical_name_in_two_articles_has_the_same_id(result):
    ids = {}
    for article_id in (A_TILLERSON, A_ASIF):
        df = _article(result, article_id)
        ids[article_id] = set(df[df["canonical_name"] == "Rex Tillerson"]["entity_id"])
    assert ids[A_TILLERSON] == ids[A_ASIF] == {entity_id_for("Rex Tillerson")}
    assert entity_id_for("rex tillerson") == entity_id_for("Rex Tillerson")


# ------------------------------------------------------------------ bad and odd input
def test_non_english_and_empty_texts_are_skipped_and_counted(nlp, reference):
    articles = [
        ("c2c2c2c2c2c2c2c2", GERMAN, "de"),
        ("d3d3d3d3d3d3d3d3", "", "en"),
        ("e4e4e4e4e4e4e4e4", "  \n\n ", None),
        ("f5f5f5f5f5f5f5f5", None, None),
        ("a6a6a6a6a6a6a6a6", ASIF, "EN"),
        ("b7b7b7b7b7b7b7b7", "Word " * 60, "en"),  # English without a single name
    ]
    res = enrich_articles(articles, nlp, reference, run_id="r")
    c = res.counts
    assert c["articles_in"] == 6
    assert c["skipped_non_english"] == 1
    assert c["skipped_empty"] == 3
    assert c["articles_enriched"] == 2
    assert c["failed"] == 0 and not res.errors
    assert set(res.mentions["article_id"]) == {"a6a6a6a6a6a6a6a6"}
    # Nothing at all to analyse still gives a typed, valid (empty) table.
    empty = enrich_articles([("c2c2c2c2c2c2c2c2", GERMAN, "de")], nlp, reference, run_id="r")
    assert empty.mentions.empty and list(empty.mentions.columns) == list(MentionModel.to_schema().columns)
    MentionModel.validate(empty.mentions)


@Language.component("newsetl_test_explodes")
def _explodes(doc):
    if "BOOM" in doc.text:
        raise ValueError("cannot analyse this")
    return doc


@pytest.fixture(scope="module")
def exploding_nlp():
    nlp = load_nlp()
    nlp.add_pipe("newsetl_test_explodes", first=True)
    return nlp


def test_a_model_error_on_one_article_does_not_stop_the_run(exploding_nlp, reference):
    nlp = exploding_nlp
    long_bad = TILLERSON + "\n\nBOOM\n\n" + TILLERSON  # chunked: one chunk fails, the whole text fails
    articles = [(A_TILLERSON, TILLERSON, "en"), ("c3c3c3c3c3c3c3c3", long_bad, "en"), (A_ASIF, ASIF, "en")]
    res = enrich_articles(articles, nlp, reference, "r", batch_size=1, max_chars=3000)
    assert res.counts["failed"] == 1 and res.counts["articles_enriched"] == 2 and res.counts["chunked"] == 2
    assert res.errors[0][0] == "c3c3c3c3c3c3c3c3" and "cannot analyse this" in res.errors[0][1]
    assert set(res.mentions["article_id"]) == {A_TILLERSON, A_ASIF}
    _assert_exact(res.mentions, {A_TILLERSON: TILLERSON, A_ASIF: ASIF})
    # The caller's error handling is left as it was.
    with pytest.raises(ValueError):
        nlp("BOOM")


def test_a_2mb_text_does_not_crash_and_keeps_exact_spans(nlp, reference):
    # Real prose at the start, the middle and the end of 2 MB; in between, the kind of
    # junk a bad extraction leaves (long base64 lines), which is cheap for the model.
    junk_line = ("aGVsbG8gd29ybGQgdGhpcyBpcyBqdW5r" * 160)[:5000]
    filler = "\n\n".join([junk_line] * 130)
    parts = [TILLERSON, filler, ASIF, filler, TILLERSON]
    text = "\n\n".join(parts)
    starts = [sum(len(p) + 2 for p in parts[:i]) for i in range(len(parts))]
    # Pad to exactly 2 MB (the articles table's maximum) with one 600 kB "word".
    text += "\n\n" + "x" * (2_000_000 - len(text) - 2)
    assert len(text) == 2_000_000 and len(text) - starts[4] > 600_000
    res = enrich_articles([("9f9f9f9f9f9f9f9f", text, "en")], nlp, reference, run_id="r")
    assert res.counts["chunked"] == 1 and res.counts["articles_enriched"] == 1 and res.counts["failed"] == 0
    df = res.mentions
    _assert_exact(df, {"9f9f9f9f9f9f9f9f": text})
    MentionModel.validate(df)
    # Mentions are found in every part, and short forms link across chunks.
    expected = [
        (starts[0], TILLERSON, "Rex Tillerson"),
        (starts[2], ASIF, "Khawaja Asif"),
        (starts[4], TILLERSON, "Rex Tillerson"),
    ]
    for start, prose, name in expected:
        part = df[(df["start_char"] >= start) & (df["end_char"] <= start + len(prose))]
        assert name in set(part["canonical_name"]), start
        assert len(part) > 20
    last = df[df["start_char"] >= starts[4]]
    assert set(last[last["surface"] == "Tillerson"]["canonical_name"]) == {"Rex Tillerson"}
    assert df["sentence_index"].is_monotonic_increasing


def test_chunking_keeps_offsets_and_finds_the_same_entities(nlp, reference):
    whole = mentions_from_doc(A_TILLERSON, nlp(TILLERSON), "r", reference)
    [(doc, _)] = list(pipe_texts(nlp, [(TILLERSON, None)], max_chars=1500))
    assert doc.text == TILLERSON
    chunked = mentions_from_doc(A_TILLERSON, doc, "r", reference)
    assert all(TILLERSON[m["start_char"] : m["end_char"]] == m["surface"] for m in chunked)
    assert {m["entity_id"] for m in chunked} == {m["entity_id"] for m in whole}


def test_split_text_is_lossless_and_prefers_paragraph_breaks():
    text = ("One sentence here. " * 30 + "\n\n") * 20
    chunks = split_text(text, 2000)
    assert "".join(c for _, c in chunks) == text
    assert all(len(c) <= 2000 for _, c in chunks)
    assert all(text[o : o + len(c)] == c for o, c in chunks)
    assert all(c.endswith("\n\n") for _, c in chunks[:-1])
    nospace = "y" * 5000
    assert "".join(c for _, c in split_text(nospace, 1000)) == nospace


def test_consumers_get_each_doc_once_with_its_mentions(nlp, reference):
    seen = []

    def sentences(article_id, doc, mentions):
        seen.append(article_id)
        return [{"article_id": article_id, "sentences": len(list(doc.sents)), "mentions": len(mentions)}]

    res = enrich_articles(
        [(A_TILLERSON, TILLERSON, "en"), (A_ASIF, ASIF, "en")], nlp, reference, "r", consumers={"sentences": sentences}
    )
    assert seen == [A_TILLERSON, A_ASIF]
    rows = res.outputs["sentences"]
    assert [r["mentions"] for r in rows] == [
        len(res.mentions[res.mentions["article_id"] == a]) for a in (A_TILLERSON, A_ASIF)
    ]


# ------------------------------------------------------------------ entities table
def test_entities_table(result, reference):
    articles = pd.DataFrame(
        {
            "article_id": [A_TILLERSON, A_ASIF],
            "published_at": pd.to_datetime(["2017-11-01T00:00:00Z", "2017-12-20T00:00:00Z"], utc=True),
        }
    )
    ents = build_entities(result.mentions, articles, reference)
    EntityModel.validate(ents)
    rows = ents.set_index("canonical_name")
    rex = rows.loc["Rex Tillerson"]
    assert rex["entity_id"] == entity_id_for("Rex Tillerson")
    assert rex["article_count"] == 2 and rex["label"] == "PERSON"
    assert {"Rex Tillerson", "Tillerson"} <= set(json.loads(rex["aliases"]))
    assert rex["first_seen"] == pd.Timestamp("2017-11-01", tz="UTC")
    assert rex["last_seen"] == pd.Timestamp("2017-12-20", tz="UTC")
    us = rows.loc["United States"]
    assert us["wikidata_id"] == "Q30" and us["label"] == "GPE"
    assert {"U.S.", "United States", "America"} <= set(json.loads(us["aliases"]))
    assert rows.loc["Quadrilateral Cooperation Group"]["wikidata_id"] is None
    assert len(ents) == result.mentions["entity_id"].nunique()
    EntityModel.validate(build_entities(result.mentions.iloc[0:0], articles, reference))


# ------------------------------------------------------------------ reference data
def test_reference_data_loads_and_normalizes(reference):
    assert reference.lookup("the U.S.").name == "United States"
    assert reference.lookup("US").name == reference.lookup("America").name == "United States"
    assert reference.lookup("Lashkar e-Taiba").name == "Lashkar-e-Taiba"
    assert reference.lookup("Pentagon").name == reference.lookup("Defense Department").name
    assert reference.lookup("Trump") is None and reference.lookup_weak("Trump").name == "Donald Trump"
    assert reference.lookup("Washington") is None  # metonyms stay places of their own
    assert name_key("Al Qaeda") == name_key("al-Qaeda")


@pytest.mark.parametrize(("text", "found"), [
    # Inside what the model keeps as one token ("U.S.-Pakistan"), both names are found.
    ("Ties between U.S.-Pakistan officials eased.", [("U.S.", "United States"), ("Pakistan", "Pakistan")]),
    ("Officials of al-Qaeda and al Qaeda and al - Qaeda met.", [("al-Qaeda", "al-Qaeda"), ("al Qaeda", "al-Qaeda"),
                                                              ("al - Qaeda", "al-Qaeda")]),
    ("A pro-Taliban rally; the Haqqani network’s leaders.", [("Taliban", "Taliban"), ("Haqqani network", "Haqqani network")]),
    # Not across a line break, not with a gap inside a part, not inside a longer word or abbreviation.
    ("the al\nQaeda cell, the U. S. Army, Pakistani troops, the Pakistan.gov site, x.Pakistan", []),
])
def test_reference_names_are_found_as_the_text_writes_them(reference, text, found):
    assert [(text[s:e], ent.name) for s, e, ent in reference.scan(text)] == found


def test_a_long_reference_list_is_matched_like_a_short_one(reference):
    """The matcher's cost follows the text, not the list (bench: 1.5 ms an article at 10,000
    entities, where the regex alternation took 66 ms); what it finds is the same."""
    from newsetl.enrich.mentions.reference import ReferenceEntity

    extra = [ReferenceEntity(f"Person {chr(65 + i // 26)}{chr(65 + i % 26)} Example", "PERSON") for i in range(600)]
    big = EntityReference([*reference.entities, *extra], reference.fixes)
    text = TILLERSON + "\n\nPerson QZ Example and Person AB Example spoke to al-Qaeda."
    found = [(s, e, ent.name) for s, e, ent in big.scan(text)]
    assert [x for x in found if x[2] not in {e.name for e in extra}] == [
        (s, e, ent.name) for s, e, ent in reference.scan(text)]
    assert [name for _, _, name in found if name.startswith("Person")] == ["Person QZ Example", "Person AB Example"]


def test_reference_rejects_an_alias_naming_two_entities(tmp_path):
    bad = tmp_path / "entities.yaml"
    bad.write_text(
        "- {name: Central Intelligence Agency, label: ORG, aliases: [CIA]}\n"
        "- {name: Culinary Institute of America, label: ORG, aliases: [CIA]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="CIA"):
        EntityReference.load(bad)
