"""The attribution model: three logistic decisions (cue, content, source) and decoding
them into attributions, with the rules' answers as features.

Saved as two files in one folder: ``attribution.npz`` (the non-zero weights, numeric
arrays only, read with ``allow_pickle=False``) and ``attribution.json`` (settings: the
cue nouns, the decision thresholds, how it was trained and what it scored on train CV).
"""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from spacy.tokens import Doc

from newsetl.enrich.claims.model import accept as A
from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model import joint as J
from newsetl.enrich.claims.model.linear import LinearModel

MODEL_FILES = ("attribution.npz", "attribution.json")


@dataclass
class Attribution:
    """One predicted attribution: cue, content pieces, source (all character spans)."""

    cue: F.Span
    cue_i: int
    pieces: list[F.Span]
    speaker: F.Span | None
    speaker_i: int | None
    cue_prob: float
    content_kind: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class AttributionModel:
    cue: LinearModel
    content: LinearModel
    source: LinearModel
    settings: dict[str, Any]

    @property
    def cue_nouns(self) -> frozenset[str]:
        return frozenset(self.settings["cue_nouns"])

    @property
    def lexicon_categories(self) -> dict[str, str]:
        return self.settings.get("lexicon_categories", {})

    # ------------------------------------------------------------------ storage
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        for name in ("cue", "content", "source"):
            arrays.update(getattr(self, name).to_arrays(name))
        np.savez_compressed(folder / MODEL_FILES[0], **arrays)
        settings = {k: v for k, v in self.settings.items() if not k.startswith("_")}
        (folder / MODEL_FILES[1]).write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path | None = None) -> AttributionModel:
        """The model in ``folder`` (default: the one shipped in ``newsetl/data/attribution``)."""
        if folder is None:
            base = importlib.resources.files("newsetl").joinpath("data", "attribution")
            npz_bytes = base.joinpath(MODEL_FILES[0]).read_bytes()
            settings = json.loads(base.joinpath(MODEL_FILES[1]).read_text(encoding="utf-8"))
            import io

            arrays = dict(np.load(io.BytesIO(npz_bytes), allow_pickle=False))
        else:
            arrays = dict(np.load(folder / MODEL_FILES[0], allow_pickle=False))
            settings = json.loads((folder / MODEL_FILES[1]).read_text(encoding="utf-8"))
        return cls(*(LinearModel.from_arrays(arrays, n) for n in ("cue", "content", "source")), settings)

    # ------------------------------------------------------------------ decoding
    def lexicon_category(self, v: F.DocView, i: int) -> str | None:
        cats = self.lexicon_categories
        return cats.get(v.lemma[i]) or cats.get(v.lower[i])

    def cue_probs(self, v: F.DocView) -> list[tuple[int, float]]:
        nouns = self.cue_nouns
        skip = self.skip_lemmas
        w = F.TENSOR_WIDTH
        own, head = self.cue.project(v.tensor, 0, w).tolist(), self.cue.project(v.tensor, 1, w).tolist()
        out = []
        for i in F.cue_candidates(v, nouns, skip):
            dense = own[i] + head[v.head[i]]
            out.append((i, self.cue.prob(F.cue_features(v, i, self.lexicon_category(v, i)), dense)))
        return out

    def best_content(self, v: F.DocView, i: int, info: dict | None = None) -> tuple[F.Candidate, float] | None:
        """The best content candidate of cue ``i`` and its probability; ``info`` (if given)
        gets the ranker's top margin, its gap to the second and the number of candidates."""
        cands = F.content_candidates(v, i, self.content_subject)
        if not cands:
            return None
        cat = self.lexicon_category(v, i)
        proj = v.cache.get("content")
        if proj is None:
            w = F.TENSOR_WIDTH
            proj = v.cache["content"] = (self.content.project(v.tensor, 0, w).tolist(), self.content.project(v.tensor, 1, w).tolist())
        first, last = proj
        scored = []
        for k, c in enumerate(cands):
            a, b = F.content_ends(v, c)
            scored.append((self.content.margin(F.content_features(v, i, c, cat), first[a] + last[b]), k))
        m, k = max(scored)
        if info is not None:
            second = max((x for x, j in scored if j != k), default=m - 10.0)
            info.update(content_margin=float(m), content_gap=float(m - second), n_content=len(cands))
        return cands[k], float(1.0 / (1.0 + np.exp(-m)))

    def best_source(self, v: F.DocView, i: int, pieces: list[F.Span], info: dict | None = None) -> tuple[int, F.Span] | None:
        """The source token and span of cue ``i`` (None: no source); ``info`` (if given) gets
        the winning margin."""
        subj = F.subject_of(v, i)
        w = F.TENSOR_WIDTH
        own = v.cache.get("source")
        if own is None:
            own = v.cache["source"] = self.source.project(v.tensor, 0, w)
        cands = F.source_candidates(v, i, pieces)
        block = self.source.dense[w : 2 * w]
        xs = [x for x, _ in cands]
        inter = (v.tensor[xs] @ (block * v.tensor[i])).tolist() if xs and len(block) == w else [0.0] * len(xs)
        best: tuple[float, tuple[int, F.Span] | None] = (self.source.margin(F.source_features(v, i, None, pieces, subj), 0.0), None)
        for (x, span), d in zip(cands, inter):
            m = self.source.margin(F.source_features(v, i, x, pieces, subj), float(own[x]) + d)
            if m > best[0]:
                best = (m, (x, span))
        if info is not None:
            info["source_margin"] = float(best[0])
        return best[1]

    def predict(self, doc: Doc, rules_rows: list[dict], view: F.DocView | None = None) -> list[Attribution]:
        """Attributions of one parsed Doc; ``rules_rows`` are the rules' claim rows for it.
        The accept decision (:mod:`accept`): the cue threshold, or the second stage when the
        settings have ``accept`` (then the joint step over the article, :mod:`joint`)."""
        v = view or F.DocView(doc, rules_rows)
        if not v.parsed:
            return []
        stage2 = self.settings.get("accept")
        if stage2 is None:
            thr = float(self.settings["cue_threshold"])
            probs = [(i, p) for i, p in self.cue_probs(v) if p >= thr]
            return [a for a in (self._decode(v, i, p) for i, p in probs) if a is not None]
        found = self.candidates(v, float(stage2["floor"]))
        w, t, names = stage2["weights"], float(stage2["threshold"]), A.names_of(stage2)
        for a in found:
            a.extra["accept_prob"] = A.accept_prob(w, a.extra, names)  # kept: the claim's confidence
        return J.resolve(v, found, lambda e: A.accept_prob(w, e, names), t, self.settings.get("joint", J.DEFAULT))

    def _decode(self, v: F.DocView, i: int, p: float, info: dict | None = None) -> Attribution | None:
        best = self.best_content(v, i, info)
        if best is None:
            return None
        cand, _ = best
        src = self.best_source(v, i, cand.pieces, info)
        return Attribution(v.tok_span(i), i, cand.pieces, src[1] if src else None, src[0] if src else None, p, cand.kind,
                           info if info is not None else {})

    def candidates(self, v: F.DocView, floor: float) -> list[Attribution]:
        """Every candidate cue of a parsed view scored at ``floor`` or over, decoded, with the
        second stage's inputs in ``extra`` (:func:`accept.vector`; the contents' overlaps,
        :func:`accept.content_overlap`), in token order. Decoded from the most confident cue
        down, so "nested" (the cue lies in the content of a more confident cue scored at
        ``accept.NEST_P`` or over) is known."""
        probs = sorted(((p, i) for i, p in self.cue_probs(v) if p >= floor), key=lambda x: (-x[0], x[1]))
        out: list[Attribution] = []
        outer = F.Covered()  # the contents of the confident cues decoded so far
        for p, i in probs:
            at = v.idx[i]
            info = {"cue_prob": p, "cls": A.candidate_class(v, i), "source_margin": 0.0, "rule": i in v.rule_tok,
                    "subject": F.subject_of(v, i) is not None, "nested": at in outer}
            a = self._decode(v, i, p, info)
            if a is None:
                continue
            info["source"] = a.speaker is not None
            info["quoted"] = any(q.inner_start < pb and pa < q.inner_end for pa, pb in a.pieces for q in v.quotes.overlapping(pa, pb))
            out.append(a)
            if p >= A.NEST_P:
                for pa, pb in a.pieces:
                    outer.add(pa, pb)
        out.sort(key=lambda a: a.cue_i)
        A.content_overlap(out)
        return out

    @property
    def content_subject(self) -> bool:
        """Whether the cue's subject is a content candidate (D90; the weights must be
        trained with it, so the setting travels with them)."""
        return bool(self.settings.get("content_subject", False))

    @property
    def skip_lemmas(self) -> frozenset[str]:
        """Lemmas never a cue in training although frequent: not scored at all (speed)."""
        cached = self.settings.get("_skip")
        if cached is None:
            cached = frozenset(self.settings.get("skip_lemmas", ()))
            self.settings["_skip"] = cached
        return cached


@lru_cache(maxsize=1)
def default_model() -> AttributionModel:
    """The shipped model, loaded once per process."""
    return AttributionModel.load()
