"""Contract of the ``articles`` table: one clean article per input page."""

from __future__ import annotations

import hashlib

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import HEX16, HEX64, UTC_TS, Contract, key, run_id, utc_timestamp
from schemas.words import LETTER_OR_DIGIT, count_words

# Fewer words than this is a navigation page, an error page or a failed extraction,
# not an article. 50 words keeps every gold article of the extraction benchmark.
MIN_WORDS = 50
MAX_TEXT_CHARS = 2_000_000


class ArticleModel(Contract):
    article_id: Series[str] = key("Stable id: from the canonical URL when known, else the input path.")
    source_uri: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="Where the page came from: its path under raw_dir, or the URL it was fetched from.",
    )
    url: Series[str] = pa.Field(nullable=True, description="Canonical URL from the page's metadata.")
    domain: Series[str] = pa.Field(nullable=True, description="Host name of `url`, without `www.`.")
    title: Series[str] = pa.Field(nullable=True, description="Headline.")
    byline: Series[str] = pa.Field(nullable=True, description="Author(s) as printed.")
    published_at: Series[UTC_TS] = utc_timestamp("Publication date (UTC) from metadata.", nullable=True)
    language: Series[str] = pa.Field(
        nullable=True, str_matches=r"^[a-z]{2}$", description="ISO 639-1 language code."
    )
    text: Series[str] = pa.Field(
        str_length={"min_value": 1, "max_value": MAX_TEXT_CHARS},
        description="Clean main text, paragraphs separated by a blank line.",
    )
    word_count: Series["int64"] = pa.Field(
        ge=MIN_WORDS, description=f"Whitespace-separated words in `text` (at least {MIN_WORDS})."
    )
    content_sha256: Series[str] = pa.Field(
        str_matches=HEX64, description="SHA-256 of `text` (UTF-8); equal texts land once."
    )
    extractor: Series[str] = pa.Field(description="Extractor name/version that produced `text`.")
    story_id: Series[str] = pa.Field(
        nullable=True, str_matches=HEX16,
        description="The story: the article_id of its first article landed; the same for all near-duplicates "
                    "(wire copies, updates, re-publications). Set by the run's commit; null while staged and "
                    "for articles landed before stories were wired (read as their own article_id).",
    )
    duplicate_of: Series[str] = pa.Field(
        nullable=True, str_matches=HEX16,
        description="For a near-duplicate, the story's first article (= story_id); null for that first article.",
    )
    run_id: Series[str] = run_id()
    ingested_at: Series[UTC_TS] = utc_timestamp("When this version of the row was written.")

    class Config:
        unique = ["article_id"]
        description = "One row per distinct article (primary key article_id)."

    @pa.check("text", name="has_letter_or_digit", error="has_letter_or_digit")
    def text_has_a_letter_or_digit(cls, text: Series[str]) -> Series[bool]:
        # A page of emoji and symbols only counted hundreds of "words" and landed as an
        # article; its text dump is cut to an empty text (str_length's failure, left alone here).
        return text.eq("") | text.str.contains(LETTER_OR_DIGIT, regex=True)

    @pa.dataframe_check(description="word_count is the word count of text")
    def word_count_matches_text(cls, df: pd.DataFrame) -> Series[bool]:
        return df["word_count"] == df["text"].map(count_words)

    @pa.dataframe_check(description="content_sha256 is the SHA-256 of text")
    def sha_matches_text(cls, df: pd.DataFrame) -> Series[bool]:
        return df["content_sha256"] == df["text"].map(
            lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest()
        )
