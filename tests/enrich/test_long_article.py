"""A long article costs the claims stage about what its parts would (D101), held without
timing: by counting the lines of claims code run, the passes over the rules' claims and
the pairs of cues tried.

The text is two real stories (``tests/fixtures/stories``) and the same joined four times,
parsed the way the pipeline does (``pipe_texts``: chunks of ``nlp.max_length``). Before
D101, every cue and content candidate scanned all of the article's rule claims, every
decoded cue the contents of all more confident ones, and every accepted cue every other
candidate: four times the text ran 4.9 times the lines of claims code (3.55 after).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import newsetl
from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model import joint as J
from newsetl.enrich.claims.model.extract import attribution_rows
from newsetl.enrich.claims.model.model import default_model
from newsetl.enrich.claims.rows import claims_from_doc
from newsetl.enrich.mentions import default_reference, mentions_from_doc
from newsetl.enrich.nlp import pipe_texts, split_text
from support.paths import FIXTURES

ARTICLE = "0123456789abcdef"
RUN = "test-run"
STORIES = ("seed-001.txt", "seed-003.txt")
TIMES = 4
CLAIMS_CODE = str(Path(newsetl.__file__).parent / "enrich" / "claims")


@pytest.fixture(scope="module")
def parsed(nlp):
    base = "\n\n".join((FIXTURES / "stories" / name).read_text(encoding="utf-8").strip() for name in STORIES)
    out = {}
    for k in (1, TIMES):
        [(doc, _)] = list(pipe_texts(nlp, [("\n\n".join([base] * k), None)]))
        out[k] = (doc, mentions_from_doc(ARTICLE, doc, RUN, default_reference()))
    return out


def _lines_run(fn) -> int:
    """Lines of ``newsetl/enrich/claims`` code executed by ``fn()`` (loops count each turn)."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def enter(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(CLAIMS_CODE) else None

    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return count


def test_claims_code_run_grows_with_the_text_not_its_square(parsed):
    lines = {k: _lines_run(lambda doc=doc, m=m: attribution_rows(ARTICLE, doc, m, RUN)) for k, (doc, m) in parsed.items()}
    ratio = lines[TIMES] / lines[1]
    # linear: about TIMES less the per-Doc set-up (3.55 measured); quadratic scans: 4.9
    assert ratio < TIMES + 0.25, (lines, ratio)


class _CountingDict(dict):
    """A dict that counts the passes over it."""

    passes = 0

    def __iter__(self):
        type(self).passes += 1
        return super().__iter__()

    def items(self):
        type(self).passes += 1
        return super().items()

    def keys(self):
        type(self).passes += 1
        return super().keys()

    def values(self):
        type(self).passes += 1
        return super().values()


def test_rule_claims_are_indexed_once_per_doc_not_scanned_per_candidate(parsed):
    doc, mentions = parsed[TIMES]
    rules = claims_from_doc(ARTICLE, doc, mentions, RUN)
    v = F.DocView(doc, rules)
    v.rule_tok = _CountingDict(v.rule_tok)
    _CountingDict.passes = 0
    found = default_model().predict(doc, rules, view=v)
    assert len(v.rule_tok) > 50 and len(found) > 50
    # the index (cues, their set, contents), the per-sentence counts: a few passes per Doc,
    # whatever the number of candidates (thousands of content candidates here)
    assert _CountingDict.passes <= 5, _CountingDict.passes
    assert isinstance(v.cache.get("rule_index"), F.RuleIndex)


def test_sibling_pairs_are_looked_up_not_every_pair_tried(parsed, monkeypatch):
    doc, mentions = parsed[TIMES]
    calls = 0
    cut = J.sibling_cut

    def counted(*args):
        nonlocal calls
        calls += 1
        return cut(*args)

    monkeypatch.setattr(J, "sibling_cut", counted)
    rules = claims_from_doc(ARTICLE, doc, mentions, RUN)
    model = default_model()
    v = F.DocView(doc, rules)
    found = model.candidates(v, float(model.settings["accept"]["floor"]))
    model.predict(doc, rules, view=F.DocView(doc, rules))
    # a candidate is tried only under the cue it hangs on (or the one whose clause it
    # hangs on): at most two outers each, in each of the two joint steps
    assert len(found) > 100
    assert calls <= 4 * len(found), (calls, len(found))


def test_span_lookups_match_a_scan():
    import random

    rng = random.Random(101)
    spans = [(a, a + rng.randint(0, 40), k) for k, a in enumerate(rng.randint(0, 500) for _ in range(300))]
    index = F.SpanIndex(spans)
    covered = F.Covered()
    for a, b, _ in spans[:150]:
        covered.add(a, b)
    for _ in range(500):
        x = rng.randint(-5, 560)
        y = x + rng.randint(0, 60)
        assert sorted(index.overlapping(x, y)) == sorted(k for a, b, k in spans if a < y and b > x)
        assert (x in covered) == any(a <= x < b for a, b, _ in spans[:150])
    rule_tok = {t: {"pieces": [(a, b)], "speaker": None} for a, b, t in spans[:100]}
    rules = F.RuleIndex(rule_tok)
    contents = sorted((a, b, t) for t, e in rule_tok.items() for a, b in e["pieces"])
    for x in range(-2, 560, 3):
        last = [t for a, b, t in contents if a <= x < b]
        assert list(rules.covering(x)) == last[::-1]
        first, end = sorted((rng.randint(0, 120), rng.randint(0, 120)))
        assert rules.cues_between(first, end, x % 120) == any(first <= t <= end and t != x % 120 for t in rule_tok)


def test_a_long_texts_chunks_go_through_the_model_one_at_a_time(nlp, monkeypatch):
    """The model's working memory grows with the characters of a batch: the chunks of one
    long text are not one batch (D101), and the Docs are the same as in one batch."""
    from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, SENT_START, TAG

    story = (FIXTURES / "stories" / "seed-001.txt").read_text(encoding="utf-8").strip()
    short = (FIXTURES / "stories" / "aljazeera-helicopter-crash.txt").read_text(encoding="utf-8").strip()
    items = [(short, "a"), (short, "b"), (story, "long"), (story, "long2"), (short, "c")]
    limit = 2000
    batches: list[int] = []
    pipe = type(nlp).pipe

    def recorded(self, texts, *args, **kwargs):
        if kwargs.get("as_tuples"):  # pipe_texts' calls (spaCy's own pipe calls itself without)
            batches.append(kwargs.get("batch_size"))
        return pipe(self, texts, *args, **kwargs)

    monkeypatch.setattr(type(nlp), "pipe", recorded)
    docs = list(pipe_texts(nlp, items, batch_size=8, max_chars=limit))
    monkeypatch.undo()
    assert [c for _, c in docs] == ["a", "b", "long", "long2", "c"]
    assert [d.text for d, _ in docs] == [t for t, _ in items]
    # three calls: the two short texts (batches of 8), the two long texts' chunks (one by
    # one), the last short text
    assert batches == [8, 1, 8]
    attrs = [HEAD, DEP, TAG, LEMMA, ENT_IOB, ENT_TYPE, SENT_START]
    chunks = [c for _, c in split_text(story, limit)]
    together = list(nlp.pipe(chunks, batch_size=len(chunks)))
    alone = [nlp(c) for c in chunks]
    for a, b in zip(together, alone, strict=True):
        assert (a.to_array(attrs) == b.to_array(attrs)).all() and (a.tensor == b.tensor).all()


def test_running_tallies_of_the_mentions_before_a_phrase_match_a_pass_over_them(parsed):
    """"the company", "the governor": the mentions before the phrase are counted once per
    article, carried on in text order and begun again when a phrase comes earlier (D101)."""
    import random

    from newsetl.enrich.claims.quotemarks import QuoteIndex, find_quotes
    from newsetl.enrich.claims.speakers import SpeakerResolver

    doc, mentions = parsed[1]
    resolver = SpeakerResolver(doc, mentions, QuoteIndex(find_quotes(doc.text)))
    fresh = SpeakerResolver(doc, mentions, QuoteIndex(find_quotes(doc.text)))
    rows = resolver.mentions.rows
    assert len(rows) > 50
    rng = random.Random(101)
    positions = sorted(rng.randint(0, len(doc.text)) for _ in range(40)) + [rng.randint(0, len(doc.text)) for _ in range(20)]
    for pos in positions:
        seen = resolver._tally_before(pos, "ids", list, lambda m, tally: tally.append(m["entity_id"]))
        assert seen == [m["entity_id"] for m in rows if int(m["start_char"]) < pos]
        for lemma in ("president", "governor"):
            fresh._tallies.clear()
            assert resolver._titled(pos, lemma) == fresh._titled(pos, lemma)
