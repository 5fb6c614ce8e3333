"""The learned line classifier: boosted trees stored as JSON arrays, evaluated with numpy.

Trained by ``bench/train_textdump.py`` (``make train-textdump``), never at run time.
The file holds numbers only (feature names, per tree the split feature, threshold,
children and leaf values): loading it executes nothing, and
the package needs no learning library at run time.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsetl.extract.textdump.features import FEATURES

MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "textdump_model.json"  # newsetl/data
FORMAT = "newsetl-textdump-trees/1"


@dataclass(frozen=True)
class _Tree:
    feature: np.ndarray  # -1 at leaves
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray


# Rows of a dump scored together: (rows × trees) int64 arrays of about 6 MB at 200 trees.
ROWS_AT_ONCE = 4096


class Model:
    def __init__(self, trees: list[_Tree]) -> None:
        self.trees = trees
        # All trees in one set of arrays (children offset to their tree's slice), so that
        # every unit walks every tree at once: one numpy step per tree level.
        offsets = np.cumsum([0] + [len(t.feature) for t in trees[:-1]])
        self._roots = offsets.astype(np.int64)
        self._feature = np.concatenate([t.feature for t in trees])
        self._threshold = np.concatenate([t.threshold for t in trees])
        self._left = np.concatenate([np.where(t.feature >= 0, t.left + o, -1) for t, o in zip(trees, offsets)])
        self._right = np.concatenate([np.where(t.feature >= 0, t.right + o, -1) for t, o in zip(trees, offsets)])
        self._value = np.concatenate([t.value for t in trees])

    def probability(self, X: np.ndarray) -> np.ndarray:
        """P(body) of each row of ``X`` (columns as ``features.FEATURES``).

        Rows are walked ``ROWS_AT_ONCE`` at a time: each step holds a few (rows × trees)
        arrays, which for a dump of 200,000 lines were 320 MB apiece (2.1 GB peak, D99);
        a row's probability does not depend on the others, so the result is the same."""
        if X.shape[0] <= ROWS_AT_ONCE:
            return self._probability(X)
        return np.concatenate([self._probability(X[i : i + ROWS_AT_ONCE]) for i in range(0, X.shape[0], ROWS_AT_ONCE)])

    def _probability(self, X: np.ndarray) -> np.ndarray:
        n = X.shape[0]
        node = np.broadcast_to(self._roots, (n, len(self._roots))).copy()
        rows = np.arange(n)[:, None]
        while True:
            feature = self._feature[node]
            split = feature >= 0
            if not split.any():
                break
            go_left = X[rows, np.where(split, feature, 0)] <= self._threshold[node]
            node = np.where(split, np.where(go_left, self._left[node], self._right[node]), node)
        raw = self._value[node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))


def _flatten(structure: dict[str, Any]) -> dict[str, list]:
    """One LightGBM tree (nested dicts) as parallel arrays, root at index 0."""
    arrays: dict[str, list] = {"feature": [], "threshold": [], "left": [], "right": [], "value": []}

    def visit(node: dict[str, Any]) -> int:
        index = len(arrays["feature"])
        for values in arrays.values():
            values.append(0)
        if "leaf_value" in node:
            arrays["feature"][index] = -1
            arrays["value"][index] = node["leaf_value"]
            return index
        if node.get("decision_type", "<=") != "<=":
            raise ValueError(f"unsupported split {node.get('decision_type')!r}")
        arrays["feature"][index] = node["split_feature"]
        arrays["threshold"][index] = node["threshold"]
        arrays["left"][index] = visit(node["left_child"])
        arrays["right"][index] = visit(node["right_child"])
        return index

    visit(structure)
    return arrays


def save(lightgbm_dump: dict[str, Any], path: Path = MODEL_PATH) -> None:
    """Write a trained LightGBM model (``Booster.dump_model()``) in this module's format."""
    if list(lightgbm_dump["feature_names"]) != list(FEATURES):
        raise ValueError("the model was trained on other features")
    payload = {
        "format": FORMAT,
        "features": list(FEATURES),
        "trees": [_flatten(info["tree_structure"]) for info in lightgbm_dump["tree_info"]],
    }
    path.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")


@functools.cache
def load(path: Path = MODEL_PATH) -> Model:
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} file")
    if payload["features"] != list(FEATURES):
        raise ValueError(f"{path}: trained on other features; run `make train-textdump`")
    trees = [
        _Tree(
            np.array(t["feature"], dtype=np.int64), np.array(t["threshold"], dtype=float),
            np.array(t["left"], dtype=np.int64), np.array(t["right"], dtype=np.int64),
            np.array(t["value"], dtype=float),
        )
        for t in payload["trees"]
    ]
    return Model(trees)
