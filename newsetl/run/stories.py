"""Stories: near-duplicate articles (wire copies, the same story on two outlets, a story
updated or re-published) grouped under one ``story_id`` (docs/decisions.md D58).

Pure functions, no I/O: text -> word shingles -> a seeded MinHash signature
(``datasketch``) -> LSH band keys; the run's new signatures against the landed band keys
(a DuckDB join, :func:`candidate_pairs`); and the decision (:func:`decide`,
:func:`assign_stories`): an article joins the story of its most similar candidate
above the threshold, else it founds a story of its own.

A story is named by the ``article_id`` of the article that founded it, the earliest one
landed: ``story_id`` is that id for every article of the story, and ``duplicate_of`` is
that id for every article but the founder (null for it). A story's name never changes
afterwards, so no landed row is rewritten when later copies arrive.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pyarrow as pa
from datasketch import MinHash

# Changing any of these changes every signature. They are part of ``Params.scheme``,
# which every band key hashes, so keys of two schemes never meet: rows of an old scheme
# stop matching (they do not match wrongly) until they are re-keyed.
VERSION = 1  # of tokens() and shingles()
SEED = 17
PERMUTATION = "affine32"  # datasketch >= 2.0; named, since its default may change

# Scripts written without spaces (Chinese, Japanese): one token per character, as
# schemas/words.py counts about two characters a word.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_UNSPACED}]|[^\W_{_UNSPACED}]+")


class Params(NamedTuple):
    """What a signature and its band keys depend on, and the threshold (from the settings)."""

    shingle_words: int = 5
    bands: int = 32
    rows: int = 3
    similarity: float = 0.5

    @classmethod
    def from_settings(cls, settings) -> Params:
        return cls(settings.story_shingle_words, settings.story_bands, settings.story_rows,
                   settings.story_similarity)

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    @property
    def scheme(self) -> str:
        """Names everything a stored signature depends on; stored beside it."""
        return f"minhash{VERSION}-{PERMUTATION}-seed{SEED}-w{self.shingle_words}-p{self.num_perm}"


class Signature(NamedTuple):
    hashvalues: np.ndarray  # uint32[num_perm]: the MinHash
    shingles: int  # distinct shingles of the text (sizes turn Jaccard into containment)

    def to_bytes(self) -> bytes:
        return self.hashvalues.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingles: int) -> Signature:
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32), int(shingles))


class Candidate(NamedTuple):
    """An article a new one may belong with: landed, or decided earlier in the run."""

    article_id: str
    signature: Signature
    story_id: str
    published_at: datetime | None = None


class Story(NamedTuple):
    story_id: str
    duplicate_of: str | None  # the story's founder; None for the founder itself


class NewArticle(NamedTuple):
    article_id: str
    signature: Signature
    published_at: datetime | None = None


# ----------------------------------------------------------------------------- text


def tokens(text: str) -> list[str]:
    """Words of the text, compatibility-normalised and case-folded; punctuation, quote
    styles and line breaks do not count (a reformatted copy has the same tokens)."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd: the rolling combination below loses no token


def shingles(text: str, n: int) -> np.ndarray:
    """The text's distinct runs of ``n`` consecutive tokens, as sorted 64-bit hashes (a
    text of fewer tokens is one shingle). Each token is hashed once (CRC-32: fixed across
    processes, unlike ``hash``) and each run of ``n`` combined with numpy, four times
    faster than hashing every shingle's string."""
    words = tokens(text)
    if not words:
        return np.empty(0, dtype=np.uint64)
    token_hashes = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    width = max(1, len(words) - n + 1)
    combined = np.zeros(width, dtype=np.uint64)
    for k in range(min(n, len(words))):
        combined = combined * _MULT + token_hashes[k:k + width] + np.uint64(1)
    return np.unique(_fmix64(combined))


def _fmix64(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's finaliser: every input bit reaches every output bit, so the 32 bits
    # MinHash keeps depend on all the tokens of the shingle.
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


# ----------------------------------------------------------------------------- signatures


@lru_cache(maxsize=8)
def _empty_minhash(num_perm: int) -> MinHash:
    # Building the permutations costs more than hashing a short article: built once.
    # Shingles come hashed already: datasketch takes their top 32 bits as they are.
    return MinHash(num_perm=num_perm, seed=SEED, scheme=PERMUTATION, hashfunc=int)


def signature(text: str, params: Params) -> Signature:
    """The text's MinHash over its word shingles: the same in every process and run."""
    grams = shingles(text, params.shingle_words)
    minhash = _empty_minhash(params.num_perm).copy()
    minhash.update_batch((grams >> np.uint64(32)).tolist())
    return Signature(minhash.hashvalues.astype(np.uint32), len(grams))


def jaccard(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    if a.shingles == 0 or b.shingles == 0:
        return 0.0
    return float(np.count_nonzero(a.hashvalues == b.hashvalues)) / len(a.hashvalues)


def similarity(a: Signature, b: Signature) -> float:
    """How much of the shorter text the longer one holds: estimated containment of the
    smaller shingle set, from the Jaccard estimate and the two set sizes
    (|A ∩ B| = J (|A| + |B|) / (1 + J)). A trimmed copy (syndication cuts the tail) is
    contained in the full story although their Jaccard is only their length ratio."""
    j = jaccard(a, b)
    if j == 0.0:
        return 0.0
    common = j * (a.shingles + b.shingles) / (1.0 + j)
    return min(1.0, common / min(a.shingles, b.shingles))


# ----------------------------------------------------------------------------- LSH


def band_keys(sig: Signature, params: Params) -> list[int]:
    """One signed 64-bit key per band of ``rows`` hash values (a BIGINT for DuckDB and
    Delta). Two texts share a key when they agree on a whole band: with Jaccard J, the
    chance of at least one shared key is 1 - (1 - J**rows)**bands. The key hashes the
    band's number and the scheme too, so a band never meets another band's values."""
    if sig.shingles == 0:
        return []
    values = sig.hashvalues.astype("<u4")
    prefix = f"{params.scheme}-b{params.bands}".encode()
    rows = params.rows
    keys = []
    for band in range(params.bands):
        data = prefix + band.to_bytes(2, "little") + values[band * rows:(band + 1) * rows].tobytes()
        keys.append(int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True))
    return keys


PAIRS_SCHEMA = pa.schema([("article_id", pa.string()), ("candidate_id", pa.string()),
                          ("shared_bands", pa.int64())])


def candidate_pairs(con, new: Mapping[str, Sequence[int]], landed_bands) -> pa.Table:
    """Candidate pairs for the run's new signatures: ``new`` maps each new (or re-keyed)
    article to its band keys; ``landed_bands`` holds the landed ``(band_key, article_id)``
    rows (a pyarrow table or a DuckDB relation of connection ``con``). Returns
    ``(article_id, candidate_id, shared_bands)``: every landed article sharing a key with a
    new one, and every pair of new articles sharing one (in both directions). Landed keys
    of the articles in ``new`` are ignored: their text is re-keyed by this run.

    DuckDB hashes the run's few keys and streams the landed ones past them: no index is
    held between runs and no pair of articles is compared unless they share a key."""
    rows = [(aid, key) for aid, keys in new.items() for key in set(keys)]
    new_bands = pa.table({"article_id": pa.array([r[0] for r in rows], pa.string()),
                          "band_key": pa.array([r[1] for r in rows], pa.int64())})
    con.register("_story_new_bands", new_bands)
    if isinstance(landed_bands, pa.Table):
        con.register("_story_landed_bands", landed_bands)
    else:
        landed_bands.create_view("_story_landed_bands", replace=True)
    try:
        return con.sql("""
            WITH landed AS (
                SELECT l.band_key, l.article_id FROM _story_landed_bands AS l
                WHERE l.article_id NOT IN (SELECT DISTINCT article_id FROM _story_new_bands)
            ), pairs AS (
                SELECT n.article_id, l.article_id AS candidate_id
                FROM _story_new_bands AS n JOIN landed AS l USING (band_key)
                UNION ALL
                SELECT n.article_id, m.article_id AS candidate_id
                FROM _story_new_bands AS n JOIN _story_new_bands AS m USING (band_key)
                WHERE n.article_id <> m.article_id
            )
            SELECT article_id, candidate_id, count(*)::BIGINT AS shared_bands
            FROM pairs GROUP BY ALL ORDER BY article_id, candidate_id
        """).to_arrow_table().cast(PAIRS_SCHEMA)
    finally:
        con.unregister("_story_new_bands")
        con.unregister("_story_landed_bands")


# ----------------------------------------------------------------------------- decision


def decide(article_id: str, sig: Signature, candidates: Iterable[Candidate], threshold: float) -> Story:
    """The story of a new article: that of its most similar candidate at or above the
    threshold (ties: the earlier candidate, then the smaller id), else a story of its own."""
    best: tuple | None = None
    for cand in candidates:
        if cand.article_id == article_id:
            continue
        score = similarity(sig, cand.signature)
        if score < threshold:
            continue
        rank = (-score, _order(cand.published_at, cand.article_id))
        if best is None or rank < best[0]:
            best = (rank, cand)
    if best is None:
        return Story(article_id, None)
    return Story(best[1].story_id, best[1].story_id)


def _order(published_at: datetime | None, article_id: str) -> tuple:
    # Undated articles after dated ones; the id makes the order total.
    return (published_at is None, published_at.timestamp() if published_at else 0.0, article_id)


def assign_stories(new: Sequence[NewArticle], landed: Iterable[Candidate], pairs: pa.Table,
                   threshold: float) -> dict[str, Story]:
    """Stories for the run's new articles. ``landed`` are the landed candidates named by
    ``pairs`` (from :func:`candidate_pairs`); the new articles are decided earliest
    first (published_at, undated last, then article_id), each seeing the landed
    candidates and the new ones decided before it, so the earliest copy in a run founds
    its story whatever order the inputs came in. Landed articles count as earlier than
    any new one: they founded or joined their stories already. An article the run
    re-keys (its text changed) keeps its story: it goes in ``landed``, with its new
    signature, not in ``new``."""
    by_id: dict[str, Candidate] = {c.article_id: c for c in landed}
    wanted: dict[str, list[str]] = {}
    for aid, cid in zip(pairs.column("article_id").to_pylist(), pairs.column("candidate_id").to_pylist(),
                        strict=True):
        wanted.setdefault(aid, []).append(cid)
    stories: dict[str, Story] = {}
    for art in sorted(new, key=lambda a: _order(a.published_at, a.article_id)):
        candidates = [by_id[cid] for cid in wanted.get(art.article_id, ()) if cid in by_id]
        story = decide(art.article_id, art.signature, candidates, threshold)
        stories[art.article_id] = story
        by_id[art.article_id] = Candidate(art.article_id, art.signature, story.story_id, art.published_at)
    return stories
