"""Hashed-feature logistic regression (or a softmax ranker over groups of rows): the
learned parts of the attribution model.

Features are strings ("lemma=say", "dep=ccomp|type=child"); each is hashed with CRC-32
into ``2**bits`` weights (stable across processes and machines, unlike ``hash()``).
Weights are saved as the non-zero entries in an ``.npz`` (no pickle: ``allow_pickle``
stays off when loading) next to the model's JSON settings.

"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

DEFAULT_BITS = 20
_CACHE_MAX = 200_000  # feature strings whose weight is kept by string (the frequent ones come first)


def hash_features(features: Sequence[str], bits: int = DEFAULT_BITS) -> np.ndarray:
    mask = (1 << bits) - 1
    return np.fromiter((zlib.crc32(f.encode("utf-8")) & mask for f in features), dtype=np.int64, count=len(features))


class LinearModel:
    """A logistic model over hashed string features plus a dense vector (the parse's own
    token vectors, ``doc.tensor``)."""

    def __init__(self, weights: np.ndarray, bias: float, bits: int = DEFAULT_BITS, dense: np.ndarray | None = None) -> None:
        self.w = weights.astype(np.float32, copy=False)
        self.bias = float(bias)
        self.bits = bits
        self.dense = dense.astype(np.float32, copy=False) if dense is not None else np.zeros(0, np.float32)
        self._mask = (1 << bits) - 1
        self._cache: dict[str, float] = {}

    def margin(self, features: Sequence[str], dense: np.ndarray | float | None = None) -> float:
        """The logit; ``dense`` is the dense vector or its dot product with ``self.dense``
        already computed (:meth:`project` per Doc, faster)."""
        # Weights of the feature strings seen so far, by string: one dict lookup each.
        ws = list(map(self._cache.get, features))
        if None in ws:
            ws = [self._weight(f) if w is None else w for f, w in zip(features, ws)]
        # sum() adds left to right on Python 3.11 (pyproject pins it): the same float as a
        # loop, faster. (3.12's compensated sum() would move margins in the last bit.)
        s = sum(ws, self.bias)
        if isinstance(dense, float):
            s += dense
        elif dense is not None and len(self.dense):
            s += float(self.dense @ dense)
        return s

    def _weight(self, feature: str) -> float:
        w = float(self.w[zlib.crc32(feature.encode("utf-8")) & self._mask])
        if len(self._cache) < _CACHE_MAX:
            self._cache[feature] = w
        return w

    def project(self, tensor: np.ndarray, part: int, width: int) -> np.ndarray:
        """``tensor @ dense[part * width:(part + 1) * width]``: one dense block's share of
        the logit for every token of a Doc at once."""
        block = self.dense[part * width : (part + 1) * width]
        if len(block) != tensor.shape[1]:
            return np.zeros(len(tensor), dtype=np.float32)
        return tensor @ block

    def prob(self, features: Sequence[str], dense: np.ndarray | float | None = None) -> float:
        return float(1.0 / (1.0 + np.exp(-self.margin(features, dense))))

    # ------------------------------------------------------------------ storage
    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        nz = np.flatnonzero(self.w)
        return {
            f"{prefix}_index": nz.astype(np.int32),
            f"{prefix}_value": self.w[nz].astype(np.float32),
            f"{prefix}_meta": np.array([self.bias, float(self.bits)], dtype=np.float64),
            f"{prefix}_dense": self.dense.astype(np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> LinearModel:
        bias, bits = arrays[f"{prefix}_meta"].tolist()
        w = np.zeros(1 << int(bits), dtype=np.float32)
        w[arrays[f"{prefix}_index"]] = arrays[f"{prefix}_value"]
        return cls(w, bias, int(bits), arrays.get(f"{prefix}_dense"))


def train_logistic(
    rows: Sequence[np.ndarray],
    targets: Sequence[float],
    dense: np.ndarray | None = None,
    *,
    bits: int = DEFAULT_BITS,
    epochs: int = 12,
    l2: float = 1e-6,
    lr: float = 0.2,
    batch: int = 256,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> LinearModel:
    """AdaGrad minibatch logistic regression; ``targets`` in [0, 1] (soft labels allowed).
    Deterministic for a given seed (a single thread of numpy).

    ``groups`` (row offsets: group k is rows ``groups[k]:groups[k + 1]``) trains a ranker
    instead: a softmax over each group's rows against its targets of 1 normalised to sum
    1 (groups without one are skipped); batches are then of ``batch // 10`` groups."""
    n = len(rows)
    y = np.asarray(targets, dtype=np.float64)
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=n)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows]) if n else np.zeros(0, np.int64)
    dim = 1 << bits
    w = np.zeros(dim, dtype=np.float64)
    g2 = np.full(dim, 1e-8)
    b, gb2 = 0.0, 1e-8
    X = np.asarray(dense, dtype=np.float64) if dense is not None and len(dense) else None
    if X is not None:
        dw = np.zeros(X.shape[1])
        dg2 = np.full(X.shape[1], 1e-8)
    rng = np.random.default_rng(seed)
    units = np.arange(n) if groups is None else np.flatnonzero(np.diff(groups) > 0)  # groups with rows
    step = batch if groups is None else max(1, batch // 10)
    for _ in range(epochs):
        order = rng.permutation(n) if groups is None else units[rng.permutation(len(units))]
        for s in range(0, len(units), step):
            idx = order[s : s + step]
            if groups is not None:
                sizes = groups[idx + 1] - groups[idx]
                idx = np.concatenate([np.arange(groups[k], groups[k + 1]) for k in idx]) if len(idx) else idx
            starts, ends = offsets[idx], offsets[idx + 1]
            lens = ends - starts
            feat = np.concatenate([flat[a:e] for a, e in zip(starts, ends)]) if len(idx) else np.zeros(0, np.int64)
            owner = np.repeat(np.arange(len(idx)), lens)
            m = np.bincount(owner, weights=w[feat], minlength=len(idx)) + b
            if X is not None:
                m += X[idx] @ dw
            if groups is None:
                p = 1.0 / (1.0 + np.exp(-np.clip(m, -30, 30)))
                r = p - y[idx]
            else:
                r = _softmax_residual(m, y[idx], sizes)
            uf, inv = np.unique(feat, return_inverse=True)
            grad = np.bincount(inv, weights=r[owner], minlength=len(uf)) + l2 * len(idx) * w[uf]
            g2[uf] += grad * grad
            w[uf] -= lr * grad / np.sqrt(g2[uf])
            if X is not None:
                dgrad = X[idx].T @ r + l2 * len(idx) * dw
                dg2 += dgrad * dgrad
                dw -= lr * dgrad / np.sqrt(dg2)
            gb = r.sum()
            gb2 += gb * gb
            b -= lr * gb / np.sqrt(gb2)
    return LinearModel(w.astype(np.float32), b, bits, dw.astype(np.float32) if X is not None else None)


def _softmax_residual(m: np.ndarray, y: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """d(cross-entropy)/d(margin) of a softmax over each group of consecutive rows, against
    the group's rows at target 1 normalised to sum 1; 0 for a group without such a row."""
    gid = np.repeat(np.arange(len(sizes)), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    e = np.exp(m - np.maximum.reduceat(m, first)[gid])
    p = e / np.add.reduceat(e, first)[gid]
    t = (y >= 1.0).astype(np.float64)
    total = np.add.reduceat(t, first)[gid]
    return np.where(total > 0, p - t / np.maximum(total, 1.0), 0.0)  # a total is 0 or a count
