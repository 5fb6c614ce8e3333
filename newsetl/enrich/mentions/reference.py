"""The reference data of the enrich stage, loaded into typed objects.

* ``data/entities.yaml``: well-known entities (canonical name, label, Wikidata id,
  aliases) so that "U.S.", "US", "the United States" and "America" are one entity in
  every article.
* ``data/ner_fixes.yaml``: rules for the model's systematic errors (titles inside
  spans, job-title fragments tagged as organizations, militant groups tagged as
  people, provinces tagged as organizations ...).

Both are data: fixing a new error class means editing YAML, not code. Loading
validates them (labels, Q-ids, regexes, and that no alias names two entities).
"""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from newsetl.enrich.mentions.phrases import PhraseScanner
from schemas.mentions import LABELS

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014]+")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_QID = re.compile(r"^Q[1-9][0-9]*$")
_WS = re.compile(r"\s+")


def name_key(name: str) -> str:
    """The comparison key of a name: case, periods, a leading "the", apostrophe style and
    hyphen-vs-space do not matter ("U.S." == "US" == "the U.S."; "al-Qaeda" == "Al Qaeda")."""
    s = unicodedata.normalize("NFKC", name).translate(_APOSTROPHES)
    s = _LEADING_THE.sub("", s.strip())
    s = s.replace(".", "")
    s = _SEPARATORS.sub(" ", s)
    return s.casefold().strip()


@dataclass(frozen=True)
class ReferenceEntity:
    name: str
    label: str
    wikidata_id: str | None = None
    aliases: tuple[str, ...] = ()
    weak_aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelabelRule:
    name: str
    pattern: re.Pattern[str]
    to: str
    from_labels: frozenset[str]

    def applies(self, surface: str, label: str) -> bool:
        return label in self.from_labels and self.pattern.fullmatch(surface) is not None


@dataclass(frozen=True)
class ContextRule:
    """Relabel a span from its right-hand context: the text after it matches ``after``,
    or the next span (after a comma) has a label in ``followed_by``."""

    name: str
    to: str
    from_labels: frozenset[str]
    after: re.Pattern[str] | None = None
    followed_by: frozenset[str] = frozenset()
    then: re.Pattern[str] | None = None  # what must come right after the following span
    single_word: bool = False


@dataclass(frozen=True)
class NerFixes:
    leading_words: frozenset[str]
    trailing_words: frozenset[str]
    titles: tuple[str, ...]
    title_phrases: tuple[str, ...]
    require_capital: bool
    drop_surfaces: frozenset[str]
    relabel: tuple[RelabelRule, ...]
    drop_rules: tuple[RelabelRule, ...] = ()  # `to` unused: a match drops the span
    context_rules: tuple[ContextRule, ...] = ()
    max_chars: int = 100
    max_words: int = 12
    places_not_surnames: frozenset[str] = frozenset()
    # Derived.
    title_prefix: re.Pattern[str] = field(init=False, repr=False, compare=False)
    title_phrase_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    title_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        titles = sorted(self.titles, key=len, reverse=True)
        alternation = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in titles)
        # One title (optionally "former"/"ex-" before it) followed by whitespace.
        object.__setattr__(
            self,
            "title_prefix",
            re.compile(rf"(?:(?:[Ff]ormer|[Ee]x-|[Aa]cting|[Dd]eputy)\s*)?(?:{alternation})(?:\s+|(?<=\.)(?=[A-Z]))"),
        )
        object.__setattr__(self, "title_keys", frozenset(_WS.sub(" ", t.replace(".", "")).strip() for t in self.titles))
        phrases = sorted(self.title_phrases, key=len, reverse=True)
        object.__setattr__(
            self,
            "title_phrase_re",
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + r")(?!\w)")
            if phrases
            else None,
        )

    def is_title(self, surface: str) -> bool:
        """Is the whole surface a title ("Cmdr.", "Lt Col")? Periods do not matter."""
        key = _WS.sub(" ", surface.replace(".", "")).strip()
        return key in self.title_keys

    def drops(self, surface: str, label: str) -> bool:
        return any(rule.applies(surface, label) for rule in self.drop_rules)

    def relabel_for(self, surface: str, label: str) -> str:
        for rule in self.relabel:
            if rule.applies(surface, label):
                return rule.to
        return label


class EntityReference:
    """Reference entities and NER fixes, with lookups by name and a text scanner."""

    def __init__(self, entities: list[ReferenceEntity], fixes: NerFixes) -> None:
        self.entities: tuple[ReferenceEntity, ...] = tuple(entities)
        self.fixes = fixes
        self._strong: dict[str, ReferenceEntity] = {}
        self._weak: dict[str, ReferenceEntity] = {}
        self._by_canonical: dict[str, ReferenceEntity] = {}
        for ent in entities:
            self._by_canonical[ent.name.casefold()] = ent
            for alias in (ent.name, *ent.aliases):
                self._add(self._strong, alias, ent)
        for ent in entities:
            for alias in ent.weak_aliases:
                if name_key(alias) in self._strong:
                    raise ValueError(f"weak alias {alias!r} of {ent.name!r} is already a name or alias")
                self._add(self._weak, alias, ent)
        self._scanner = self._build_scanner(entities)

    @staticmethod
    def _add(table: dict[str, ReferenceEntity], alias: str, ent: ReferenceEntity) -> None:
        key = name_key(alias)
        if not key:
            raise ValueError(f"empty alias in {ent.name!r}")
        other = table.get(key)
        if other is not None and other is not ent:
            raise ValueError(f"alias {alias!r} names both {other.name!r} and {ent.name!r}")
        table[key] = ent

    @staticmethod
    def _build_scanner(entities: list[ReferenceEntity]) -> PhraseScanner:
        forms: set[str] = set()
        for ent in entities:
            for alias in (ent.name, *ent.aliases):
                alias = _LEADING_THE.sub("", alias.strip())
                forms.add(alias)
                if alias[:1].islower():
                    forms.add(alias[:1].upper() + alias[1:])
        # Hyphen and space are interchangeable between the parts of a name.
        return PhraseScanner(forms, _SEPARATORS)

    # ------------------------------------------------------------------ lookups
    def lookup(self, name: str) -> ReferenceEntity | None:
        """The entity whose name or (strong) alias ``name`` is."""
        return self._strong.get(name_key(name))

    def lookup_weak(self, name: str) -> ReferenceEntity | None:
        """The entity whose weak alias (typically a bare surname) ``name`` is."""
        return self._weak.get(name_key(name))

    def by_canonical(self, canonical_name: str) -> ReferenceEntity | None:
        return self._by_canonical.get(canonical_name.casefold())

    def scan(self, text: str) -> Iterator[tuple[int, int, ReferenceEntity]]:
        """Occurrences of names and strong aliases in ``text``: whole words, case-sensitive
        (an alias written lowercase also matches capitalised), longest first."""
        for start, end in self._scanner.scan(text):
            ent = self.lookup(text[start:end])
            if ent is not None:
                yield start, end, ent

    def __len__(self) -> int:
        return len(self.entities)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, entities_path: str | Path | None = None, fixes_path: str | Path | None = None) -> EntityReference:
        entities = _load_entities(_read_yaml(entities_path, "entities.yaml"))
        return cls(entities, _load_fixes(_read_yaml(fixes_path, "ner_fixes.yaml")))


def _read_yaml(path: str | Path | None, default_name: str) -> Any:
    if path is None:
        text = importlib.resources.files("newsetl").joinpath("data", default_name).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _str_list(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{what} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _load_entities(data: Any) -> list[ReferenceEntity]:
    if not isinstance(data, list):
        raise ValueError("entities.yaml must be a list of entities")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError(f"entity #{i}: needs a name")
        unknown = set(item) - {"name", "label", "wikidata", "aliases", "weak_aliases"}
        if unknown:
            raise ValueError(f"entity {item['name']!r}: unknown keys {sorted(unknown)}")
        label = item.get("label")
        if label not in LABELS:
            raise ValueError(f"entity {item['name']!r}: label {label!r} not in {LABELS}")
        qid = item.get("wikidata")
        if qid is not None and not (isinstance(qid, str) and _QID.match(qid)):
            raise ValueError(f"entity {item['name']!r}: bad wikidata id {qid!r}")
        out.append(
            ReferenceEntity(
                name=item["name"].strip(),
                label=label,
                wikidata_id=qid,
                aliases=_str_list(item.get("aliases"), f"{item['name']}: aliases"),
                weak_aliases=_str_list(item.get("weak_aliases"), f"{item['name']}: weak_aliases"),
            )
        )
    return out


def _load_fixes(data: Any) -> NerFixes:
    if not isinstance(data, dict):
        raise ValueError("ner_fixes.yaml must be a mapping")
    edges = data.get("edges") or {}
    drop = data.get("drop") or {}
    def rules(items: Any, what: str, with_target: bool) -> tuple[RelabelRule, ...]:
        out = []
        for i, rule in enumerate(items or []):
            try:
                pattern = re.compile(rule["pattern"].strip())
            except (KeyError, TypeError, AttributeError, re.error) as exc:
                raise ValueError(f"{what} rule #{i}: bad pattern: {exc}") from exc
            to = rule.get("to") if with_target else LABELS[0]
            from_labels = frozenset(_str_list(rule.get("from"), f"{what} rule #{i}: from"))
            if to not in LABELS or not from_labels or not from_labels <= set(LABELS):
                raise ValueError(f"{what} rule #{i}: labels must be in {LABELS}")
            name = str(rule.get("name", f"rule {i}"))
            out.append(RelabelRule(name=name, pattern=pattern, to=to, from_labels=from_labels))
        return tuple(out)
    context = []
    for i, rule in enumerate(data.get("context_relabel") or []):
        what = f"context_relabel rule #{i}"
        try:
            after = re.compile(rule["after"]) if rule.get("after") else None
            then = re.compile(rule["then"]) if rule.get("then") else None
        except (TypeError, re.error) as exc:
            raise ValueError(f"{what}: bad pattern: {exc}") from exc
        followed_by = frozenset(_str_list(rule.get("followed_by"), f"{what}: followed_by"))
        from_labels = frozenset(_str_list(rule.get("from"), f"{what}: from"))
        to = rule.get("to")
        if to not in LABELS or not from_labels or not (from_labels | followed_by) <= set(LABELS):
            raise ValueError(f"{what}: labels must be in {LABELS}")
        if after is None and not followed_by:
            raise ValueError(f"{what}: needs `after` or `followed_by`")
        name = str(rule.get("name", what))
        context.append(ContextRule(name, to, from_labels, after, followed_by, then, bool(rule.get("single_word"))))
    return NerFixes(
        leading_words=frozenset(_str_list(edges.get("leading"), "edges.leading")),
        trailing_words=frozenset(_str_list(edges.get("trailing"), "edges.trailing")),
        titles=_str_list(data.get("titles"), "titles"),
        title_phrases=_str_list(data.get("title_phrases"), "title_phrases"),
        require_capital=bool(drop.get("require_capital", True)),
        drop_surfaces=frozenset(_str_list(drop.get("surfaces"), "drop.surfaces")),
        relabel=rules(data.get("relabel"), "relabel", True),
        drop_rules=rules(drop.get("rules"), "drop", False),
        context_rules=tuple(context),
        max_chars=int(drop.get("max_chars", 100)),
        max_words=int(drop.get("max_words", 12)),
        places_not_surnames=frozenset(_str_list(data.get("places_not_surnames"), "places_not_surnames")),
    )


@lru_cache(maxsize=1)
def default_reference() -> EntityReference:
    """The reference shipped in ``newsetl/data`` (loaded once per process)."""
    return EntityReference.load()


def load_reference(entities_path: str | Path | None = None, fixes_path: str | Path | None = None) -> EntityReference:
    if entities_path is None and fixes_path is None:
        return default_reference()
    return EntityReference.load(entities_path, fixes_path)


__all__ = [
    "ContextRule",
    "EntityReference",
    "NerFixes",
    "ReferenceEntity",
    "RelabelRule",
    "default_reference",
    "load_reference",
    "name_key",
]
