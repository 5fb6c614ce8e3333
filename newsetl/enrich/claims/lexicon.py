"""The cue lexicon: reporting verbs, nouns and phrases, kept as data
(``newsetl/data/reporting_verbs.yaml``) and validated here."""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATEGORIES = ("speech", "evidence", "cognition", "stance")


@dataclass(frozen=True)
class CueVerb:
    """One reporting verb of the lexicon (see ``data/reporting_verbs.yaml`` for the flags)."""

    lemma: str
    particle: str | None = None
    category: str = "speech"
    quote: bool = True
    clause: bool = True
    object: bool = False
    xcomp: bool = False
    addressee: bool = False
    target: bool = False
    preps: tuple[str, ...] = ()


@dataclass(frozen=True)
class CueNoun:
    """A reporting noun: its that-clause (or, with ``xcomp``, its to-infinitive) is the content."""

    lemma: str
    category: str = "speech"
    xcomp: bool = False


@dataclass(frozen=True)
class CuePhrase:
    """A fixed attributing expression ("according to"); its last word takes the speaker."""

    words: tuple[str, ...]
    kind: str = "according_to"  # or "auto"


@dataclass(frozen=True)
class Lexicon:
    verbs: dict[str, tuple[CueVerb, ...]]  # lemma -> entries (with and without particle)
    phrases: tuple[CuePhrase, ...]
    enabled: frozenset[str]
    person_nominals: frozenset[str] = frozenset()
    org_nominals: frozenset[str] = frozenset()
    nouns: dict[str, CueNoun] = field(default_factory=dict)
    # The entries of the enabled categories by lemma, filtered once: the rules ask for
    # every verb of every article (D79).
    _enabled_verbs: dict[str, tuple[CueVerb, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        enabled = {lemma: tuple(v for v in entries if v.category in self.enabled) for lemma, entries in self.verbs.items()}
        object.__setattr__(self, "_enabled_verbs", enabled)

    def entries(self, lemma: str) -> tuple[CueVerb, ...]:
        return self._enabled_verbs.get(lemma, ())

    def noun(self, lemma: str) -> CueNoun | None:
        n = self.nouns.get(lemma)
        return n if n is not None and n.category in self.enabled else None

    def with_categories(self, categories: Iterable[str]) -> Lexicon:
        cats = frozenset(categories)
        unknown = cats - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown cue categories: {sorted(unknown)}")
        return replace(self, enabled=cats)


_VERB_FLAGS = {"category", "quote", "clause", "object", "xcomp", "addressee", "target", "preps"}


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false, not {value!r}")
    return value


def _words(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{what} must be a list of words")
    return tuple(v.strip().lower() for v in value)


def parse_lexicon(data: Any) -> Lexicon:
    """Validate the YAML structure of ``reporting_verbs.yaml`` into a :class:`Lexicon`."""
    if not isinstance(data, dict):
        raise ValueError("lexicon: a mapping with verbs, phrases, nominals expected")
    unknown = set(data) - {"version", "enabled", "verbs", "nouns", "phrases", "nominals"}
    if unknown:
        raise ValueError(f"lexicon: unknown keys {sorted(unknown)}")
    verbs: dict[str, list[CueVerb]] = {}
    for key, flags in (data.get("verbs") or {}).items():
        flags = flags or {}
        if not isinstance(key, str) or not key.strip() or not isinstance(flags, dict):
            raise ValueError(f"lexicon verb {key!r}: a lemma with a mapping of flags expected")
        bad = set(flags) - _VERB_FLAGS
        if bad:
            raise ValueError(f"lexicon verb {key!r}: unknown flags {sorted(bad)}")
        parts = key.strip().lower().split()
        if len(parts) > 2:
            raise ValueError(f"lexicon verb {key!r}: a lemma and at most one particle")
        category = flags.get("category", "speech")
        if category not in CATEGORIES:
            raise ValueError(f"lexicon verb {key!r}: category must be one of {CATEGORIES}")
        target = _bool(flags.get("target", False), f"{key}.target")
        preps = _words(flags.get("preps"), f"{key}.preps") or (("of", "for") if target else ())
        entry = CueVerb(
            lemma=parts[0],
            particle=parts[1] if len(parts) == 2 else None,
            category=category,
            quote=_bool(flags.get("quote", category == "speech"), f"{key}.quote"),
            clause=_bool(flags.get("clause", True), f"{key}.clause"),
            object=_bool(flags.get("object", target), f"{key}.object"),
            xcomp=_bool(flags.get("xcomp", False), f"{key}.xcomp"),
            addressee=_bool(flags.get("addressee", False), f"{key}.addressee"),
            target=target,
            preps=preps,
        )
        verbs.setdefault(entry.lemma, []).append(entry)
    nouns: dict[str, CueNoun] = {}
    for key, flags in (data.get("nouns") or {}).items():
        flags = flags or {}
        if not isinstance(key, str) or len(key.split()) != 1 or not isinstance(flags, dict) or set(flags) - {"category", "xcomp"}:
            raise ValueError(f"lexicon noun {key!r}: one word with flags category/xcomp expected")
        category = flags.get("category", "speech")
        if category not in CATEGORIES:
            raise ValueError(f"lexicon noun {key!r}: category must be one of {CATEGORIES}")
        nouns[key.lower()] = CueNoun(key.lower(), category, _bool(flags.get("xcomp", False), f"{key}.xcomp"))
    phrases = []
    for item in data.get("phrases") or []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError(f"lexicon phrase {item!r}: {{text: ..., kind: ...}} expected")
        kind = item.get("kind", "according_to")
        if kind not in ("according_to", "auto"):
            raise ValueError(f"lexicon phrase {item['text']!r}: kind must be according_to or auto")
        words = tuple(item["text"].lower().split())
        if not words:
            raise ValueError("lexicon phrase: empty text")
        phrases.append(CuePhrase(words, kind))
    nominals = data.get("nominals") or {}
    if not isinstance(nominals, dict) or set(nominals) - {"person", "org"}:
        raise ValueError("lexicon nominals: a mapping with person and org lists expected")
    enabled = frozenset(_words(data.get("enabled", ["speech"]), "enabled"))
    if enabled - set(CATEGORIES):
        raise ValueError(f"lexicon enabled: categories must be among {CATEGORIES}")
    # Entries with a particle first: "point out" is tried before "point".
    return Lexicon(
        verbs={k: tuple(sorted(v, key=lambda e: e.particle is None)) for k, v in verbs.items()},
        phrases=tuple(phrases),
        enabled=enabled,
        person_nominals=frozenset(_words(nominals.get("person"), "nominals.person")),
        org_nominals=frozenset(_words(nominals.get("org"), "nominals.org")),
        nouns=nouns,
    )


def load_lexicon(path: str | Path | None = None, *, categories: Iterable[str] | None = None) -> Lexicon:
    """The cue lexicon from ``path`` (default: the one shipped in ``newsetl/data``).
    ``categories`` overrides the file's ``enabled`` list (speech, evidence, cognition)."""
    if path is None:
        raw = importlib.resources.files("newsetl").joinpath("data", "reporting_verbs.yaml").read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    lex = parse_lexicon(yaml.safe_load(raw))
    return lex.with_categories(categories) if categories is not None else lex


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once per process."""
    return load_lexicon()
