"""An article's language: what its text is written in, told apart from what its page says.

py3langid (D54) identifies the text; the page's declaration (``<html lang>``, metas,
JSON-LD) is a claim that templates often get wrong (``lang="en"`` on every page of a
site, French ones included). The text decides when it is clear; the declaration decides
between languages the text leaves open (Indonesian or Malay, Portuguese or Galician) and
for texts too short to judge; ``None`` only when neither says anything.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import tempfile
from array import array
from importlib.metadata import version
from pathlib import Path

import numpy as np
from py3langid import modelio
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from schemas import count_words

# The beginning of the text is enough (on the benchmark's 181 articles every language
# is right from 50 words on) and costs a fraction of the whole: py3langid walks every byte.
SAMPLE_CHARS = 1_000
# Below this many words the text cannot say (py3langid alone, on the benchmark: 85% right
# at 5 words, 66% at 3).
MIN_WORDS = 5
# Probability from which the text overrules the page's declaration (every one of the
# benchmark texts identified at 0.9 or more was right, at any length)...
CLEAR = 0.9
# ...and from which it is an answer at all.
LIKELY = 0.5
# A declared language with at least this probability is one the text leaves open.
PLAUSIBLE = 0.1
# Dialect labels of the model, by the ISO 639-1 code of their macrolanguage. Other labels
# without one (and "zxx", no linguistic content) are no answer: the contract wants two letters.
_MACRO = {"arz": "ar", "ary": "ar", "yue": "zh", "wuu": "zh", "uzs": "uz"}


LOGGER = logging.getLogger(__name__)

#: Where the decompressed py3langid model is kept (default ``$XDG_CACHE_HOME/newsetl``,
#: else ``~/.cache/newsetl``).
CACHE_ENV = "NEWSETL_CACHE_DIR"
# The model's six parts, as py3langid's load_model returns them (D98).
_PARTS = ("ptc", "pc", "classes", "nextmove", "row", "output")


@functools.cache
def _identifier() -> LanguageIdentifier:
    """py3langid's identifier, loaded once per process: its own ``from_model_file``, but
    with the model's arrays read from a cache folder once they have been decompressed."""
    ptc, pc, classes, nextmove, row, output = _model_parts(MODEL_DIR / MODEL_FILE)
    return LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, norm_probs=True, tk_row=row)


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsetl"


def _model_parts(path: Path) -> tuple:
    """``py3langid.modelio.load_model(path)``, through the cache. The model ships as 4.5 MB of
    LZMA (68 MB of arrays); decompressing it is 0.4-0.5 s of CPU in every process that
    identifies a language, reading the decompressed arrays 0.04 s (D98). The cache folder
    is named after py3langid's version and the model file's size and time, so a new
    model is decompressed again; a cache that cannot be read or written is no error: the
    model is then decompressed as py3langid does it."""
    try:
        stat = path.stat()
        folder = cache_dir() / f"py3langid-{version('py3langid')}-{stat.st_size}-{stat.st_mtime_ns}"
    except (OSError, ValueError) as err:  # ValueError: an unknown package version
        LOGGER.debug("no cache for the language model: %r", err)
        return modelio.load_model(path)
    if folder.is_dir():
        try:
            return _read_parts(folder)
        except Exception as err:  # noqa: BLE001 - a damaged cache is decompressed again
            LOGGER.debug("language model cache %s unreadable: %r", folder, err)
            shutil.rmtree(folder, ignore_errors=True)
    parts = modelio.load_model(path)
    try:
        _write_parts(folder, parts)
    except OSError as err:
        LOGGER.debug("language model cache %s not written: %r", folder, err)
    return parts


def _write_parts(folder: Path, parts: tuple) -> None:
    ptc, pc, classes, nextmove, row, output = parts
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        arrays = {"ptc": np.asarray(ptc), "pc": np.asarray(pc), "classes": np.array(classes),
                  "nextmove": np.asarray(nextmove), "row": np.asarray(row), "output": np.asarray(output, dtype=np.int64)}
        for name, values in arrays.items():
            np.save(tmp / f"{name}.npy", values, allow_pickle=False)
        meta = {"nextmove": nextmove.typecode, "row": row.typecode}
        (tmp / "parts.json").write_text(json.dumps(meta), encoding="utf-8")
        tmp.rename(folder)  # whole or not at all; another process may have been first
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_parts(folder: Path) -> tuple:
    meta = json.loads((folder / "parts.json").read_text(encoding="utf-8"))
    got = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in _PARTS}

    def stdlib_array(name: str) -> array:
        out = array(meta[name])
        out.frombytes(got[name].tobytes())
        return out

    return (got["ptc"], got["pc"], got["classes"].tolist(), stdlib_array("nextmove"), stdlib_array("row"),
            got["output"].tolist())


def language_probabilities(text: str) -> dict[str, float]:
    """Probability of each ISO 639-1 language for ``text``'s sample, most likely first."""
    merged: dict[str, float] = {}
    for label, p in _identifier().rank(text[:SAMPLE_CHARS]):
        code = _MACRO.get(label, label)
        if len(code) == 2:
            merged[code] = merged.get(code, 0.0) + p
    return dict(sorted(merged.items(), key=lambda item: item[1], reverse=True))


def identify_language(text: str, declared: str | None = None) -> str | None:
    """The ISO 639-1 language of an article's ``text``, given what its page ``declared``."""
    if count_words(text[:SAMPLE_CHARS]) < MIN_WORDS:
        return declared
    probabilities = language_probabilities(text)
    top, p = next(iter(probabilities.items()), (None, 0.0))
    if declared and p < CLEAR and probabilities.get(declared, 0.0) >= PLAUSIBLE:
        return declared
    if p >= LIKELY:
        return top
    return declared
