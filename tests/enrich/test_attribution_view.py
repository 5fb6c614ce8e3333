"""The attribution model's fast paths give what the slow ones give (D70): the DocView's
tree, sentences and token columns against spaCy's own Token attributes, the cue
candidates against the per-token test, the margin against a plain left-to-right sum, and
doc.text read once per Doc. On real sentences of the seed articles, one spaCy pipeline
(the enrich stage's claim components) per module.
"""

from __future__ import annotations

import zlib

import pytest

from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model.model import default_model
from newsetl.enrich.nlp import CLAIM_COMPONENTS, doc_text, load_nlp
from support.paths import REPO

SEEDS = REPO / "raw" / "samples" / "seeds"


@pytest.fixture(scope="module")
def doc():
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))[:2])
    assert text.strip()
    return load_nlp(CLAIM_COMPONENTS)(text)


def test_doc_view_matches_spacy_tokens(doc):
    v = F.DocView(doc)
    assert v.n == len(doc)
    for t in doc:
        i = t.i
        assert (v.idx[i], v.end[i], v.head[i]) == (t.idx, t.idx + len(t), t.head.i)
        assert (v.punct[i], v.stop[i]) == (t.is_punct, t.is_stop)
        assert (v.lower[i], v.lemma[i], v.pos[i], v.dep[i], v.ent[i]) == (t.lower_, t.lemma_.lower(), t.pos_, t.dep_, t.ent_type_)
        assert list(v.children[i]) == [c.i for c in t.children]
        assert (v.left[i], v.right[i]) == (t.left_edge.i, t.right_edge.i)
    assert v.sent_bounds == [(s.start, s.end) for s in doc.sents]
    assert all(type(x) is bool for x in v.punct + v.stop)


def test_cue_candidates_are_the_tokens_the_per_token_test_accepts(doc):
    v = F.DocView(doc)
    model = default_model()
    nouns, skip = model.cue_nouns, model.skip_lemmas
    expected = [i for i in range(v.n) if v.lemma[i] not in skip and F.is_cue_candidate(v, i, nouns)]
    assert expected and F.cue_candidates(v, nouns, skip) == expected


def test_sentence_quote_counts(doc):
    v = F.DocView(doc)
    for k in range(len(v.sent_bounds)):
        a, b = v.sent_chars(k)
        assert v.sent_quotes(k) == len(v.quotes.overlapping(a, b))
    assert any(v.sent_quotes(k) for k in range(len(v.sent_bounds)))


def test_margin_is_the_left_to_right_sum_of_the_weights(doc):
    # The decisions compare margins: the fast sum must be the same float as adding the
    # weights one by one in feature order (a compensated sum would not be).
    v = F.DocView(doc)
    cue = default_model().cue
    for i in F.cue_candidates(v, default_model().cue_nouns)[:50]:
        feats = F.cue_features(v, i, None)
        s = cue.bias
        for f in feats:
            s += float(cue.w[zlib.crc32(f.encode("utf-8")) & cue._mask])
        assert cue.margin(feats) == s
        assert cue.margin(feats) == s  # the second time from the cache


def test_doc_text_is_read_once_and_is_the_text(doc):
    text = doc_text(doc)
    assert text == doc.text
    assert doc_text(doc) is text


def test_pipe_texts_hands_each_doc_its_text():
    # D98: the Docs of pipe_texts carry the text they were made from (whole and chunked),
    # odd whitespace included, so doc_text never rebuilds it from the tokens.
    from newsetl.enrich.nlp import _TEXT_KEY, pipe_texts

    nlp = load_nlp(CLAIM_COMPONENTS)
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))[:3]]
    texts = [*seeds, "  Two  spaces,\ttab\r\nand\u00a0nbsp.  \n\n\n", "\n".join(seeds) * 2]
    docs = list(pipe_texts(nlp, [(t, k) for k, t in enumerate(texts)], max_chars=2000))
    assert [k for _, k in docs] == list(range(len(texts)))
    for doc, k in docs:
        assert doc.user_data[_TEXT_KEY] == doc.text == texts[k]
        assert doc_text(doc) is doc.user_data[_TEXT_KEY]


def test_cue_context_features_read_the_clause_not_the_word():
    # D74: features of the cue's clause that hold for any lemma. "claimed" hangs on "said"
    # (a cue the rules found): speech inside speech; both have a subject that can speak and
    # a clause complement; a noun cue has its possessor's kind and its governing verb.
    from newsetl.enrich.claims import claims_from_doc, default_lexicon

    text = "She said he claimed that the plan was dead. Critics voiced their displeasure with the plan."
    doc = load_nlp(CLAIM_COMPONENTS)(text)
    rules = claims_from_doc("0" * 16, doc, [], "test", default_lexicon())
    v = F.DocView(doc, rules)
    said, claimed, displeasure = (next(t.i for t in doc if t.text == w) for w in ("said", "claimed", "displeasure"))
    assert said in v.rule_tok and claimed not in v.rule_tok  # the rules take the outer cue only
    outer, inner, noun = (F.cue_features(v, i, None) for i in (said, claimed, displeasure))
    assert "shape=VERB|ROOT|agent|ccomp" in outer and "under_rule=no" in outer
    assert "shape=VERB|ccomp|agent|ccomp" in inner and "under_rule=ccomp" in inner
    assert "sent_rules=0|True" in outer and "sent_rules=1|False" in inner
    assert "poss=agent|NOUN" in noun and "hlem_dep=voice|dobj" in noun and "under_rule=dobj" in noun


def test_content_features_say_which_arguments_a_candidate_holds_and_where_it_stops():
    # D76: the object alone leaves the cue's "despite" adjunct out and stops at it (a
    # preposition, IN); the object grown to its complement and the rest of the sentence hold
    # both, and the rest runs to the sentence's end. For the last "said", the sentence before holds
    # "criticized", a cue the rules found (speech inside the candidate); the clause complement none.
    from newsetl.enrich.claims import claims_from_doc, default_lexicon

    text = "He said the plan was dead. The senator criticized the plan despite the warnings. She said it was alive."
    doc = load_nlp(CLAIM_COMPONENTS)(text)
    rules = claims_from_doc("0" * 16, doc, [], "test", default_lexicon())
    v = F.DocView(doc, rules)
    crit = next(t.i for t in doc if t.text == "criticized")
    said = [t.i for t in doc if t.text == "said"][1]
    by_kind = {c.kind: c for c in F.content_candidates(v, crit)}
    obj, grown, rest = (F.content_features(v, crit, by_kind[k], None) for k in ("c:dobj+rule", "c:dobj+", "rest+sent-minus"))
    assert {"arg=dobj+", "arg=prep:despite-", "args_k=c:dobj|dobj+,prep:despite-", "stop_at=IN", "stop_at_k=c:dobj|IN"} <= set(obj)
    assert {"arg=dobj+", "arg=prep:despite+", "stop_at=.", "stop_at_k=c:dobj|."} <= set(grown)
    assert {"arg=dobj+", "arg=prep:despite+", "args_k=rest|dobj+,prep:despite+", "stop_at=</s>"} <= set(rest)
    by_kind = {c.kind: c for c in F.content_candidates(v, said)}
    assert crit in v.rule_tok
    assert "has_cue=True" in F.content_features(v, said, by_kind["prev-sent"], None)
    assert "has_cue=False" in F.content_features(v, said, by_kind["c:ccomp+rule"], None)


def test_cue_placement_features_say_where_the_candidate_sits():
    # D78: "claimed" lies in what the rule cue "said" before it reports, as that content's
    # head; "was" deeper in it; "is" inside a quote the cue after it reports. "backing" has
    # no subject of its own: a participle on a noun that is no person. The last "said"
    # sits 4 characters after a quote, the first far from any. "seem" is a cognition verb
    # of cue_classes.yaml (the lexicon lacks it), "said" a speech one.
    from newsetl.enrich.claims import claims_from_doc, default_lexicon

    text = 'She said he claimed that the plan was wrong. Voters backing the plan seem tired. "It is over," he said.'
    doc = load_nlp(CLAIM_COMPONENTS)(text)
    rules = claims_from_doc("0" * 16, doc, [], "test", default_lexicon())
    v = F.DocView(doc, rules)
    said, claimed, was, backing, seem, is_ = (next(t.i for t in doc if t.text == w)
                                              for w in ("said", "claimed", "was", "backing", "seem", "is"))
    last_said = [t.i for t in doc if t.text == "said"][-1]
    assert said in v.rule_tok and last_said in v.rule_tok and claimed not in v.rule_tok
    feats = {i: set(F.cue_features(v, i, None)) for i in (said, claimed, was, backing, seem, is_, last_said)}
    assert {"in_rule_content=no|False|None", "qnear=100|None", "cls=speech|VERB"} <= feats[said]
    assert not any(f.startswith(("rule_content_top=", "implied_subj=")) for f in feats[said])
    assert {"in_rule_content=after|False|None", "rule_content_top=after|True|VERB"} <= feats[claimed]
    assert "rule_content_top=after|False|AUX" in feats[was]
    assert {"in_rule_content=before|True|None", "qin=10|None"} <= feats[is_]
    assert {"implied_subj=acl|thing|VBG", "in_rule_content=no|False|None"} <= feats[backing]
    assert {"cls=cognition|VERB", "cls_frame=cognition|thing|-|ROOT"} <= feats[seem]
    assert "qnear=5|None" in feats[last_said]
