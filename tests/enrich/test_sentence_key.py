"""sentence_key: one integer per (article, sentence), the id of the sentence's first
landed mention (D68)."""

from __future__ import annotations

import pandas as pd

from newsetl.enrich.mentions import mention_id_for, sentence_key_of, with_sentence_keys


def _mention(article_id: str, sentence_index: int, start: int) -> dict:
    return {"mention_id": mention_id_for(article_id, start, start + 5), "article_id": article_id,
            "start_char": start, "end_char": start + 5, "sentence_index": sentence_index}


def test_a_sentence_key_is_its_first_mentions_id_and_tells_sentences_apart():
    a, b = "00000000000000aa", "00000000000000bb"
    rows = [_mention(a, 0, 40), _mention(a, 0, 3), _mention(a, 1, 90), _mention(b, 0, 3), _mention(b, 1, 70)]
    df = with_sentence_keys(pd.DataFrame(rows))
    assert df["sentence_key"].dtype == "Int64"
    assert list(df["sentence_key"]) == [sentence_key_of(rows[1]["mention_id"])] * 2 + [
        sentence_key_of(r["mention_id"]) for r in rows[2:]]
    # Same key <=> same (article, sentence): article b's sentence 0 shares an index and a
    # start with article a's, not a key.
    assert df.groupby("sentence_key")[["article_id", "sentence_index"]].nunique().max().max() == 1
    assert df.groupby(["article_id", "sentence_index"])["sentence_key"].nunique().max() == 1


def test_a_sentence_key_is_a_signed_64_bit_integer_one_to_one_with_the_id():
    assert sentence_key_of("0000000000000001") == 1
    assert sentence_key_of("7fffffffffffffff") == 2**63 - 1
    assert sentence_key_of("8000000000000000") == -(2**63)
    assert sentence_key_of("ffffffffffffffff") == -1


def test_the_key_comes_from_the_rows_that_land():
    """A sentence whose first mention was quarantined takes its next one's id: the key is
    always the id of a row in the table, which the primary key keeps unique."""
    a = "00000000000000aa"
    rows = [_mention(a, 0, 3), _mention(a, 0, 20), _mention(a, 0, 50)]
    landed = with_sentence_keys(pd.DataFrame(rows[1:]))
    assert set(landed["sentence_key"]) == {sentence_key_of(rows[1]["mention_id"])}


def test_no_mentions_no_keys():
    empty = pd.DataFrame(columns=["mention_id", "article_id", "start_char", "end_char", "sentence_index"])
    assert with_sentence_keys(empty)["sentence_key"].dtype == "Int64"
