"""The attribution model's learner: the content decision's ranker (D77) puts each cue's
best candidate first and skips cues without one; training is deterministic for a seed and
a model is saved and loaded whole. Small synthetic data, numpy only."""

from __future__ import annotations

import numpy as np
import pytest

from newsetl.enrich.claims.model.linear import LinearModel, hash_features, train_logistic

BITS = 8


def ranking_data(n_groups: int, seed: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Groups of 2-5 rows of kinds drawn from 0-5 without repeats; the row of the highest kind
    is the group's target (1), the others score below 1 (soft labels the ranker ignores)."""
    rng = np.random.default_rng(seed)
    rows, y, offsets = [], [], [0]
    for _ in range(n_groups):
        kinds = rng.choice(6, size=int(rng.integers(2, 6)), replace=False)
        for k in kinds:
            rows.append(hash_features([f"kind={k}", "bias"], BITS))
            y.append(1.0 if k == kinds.max() else 0.3 * rng.random())
        offsets.append(len(y))
    return rows, np.array(y), np.array(offsets)


def test_the_ranker_puts_each_groups_target_first():
    rows, y, groups = ranking_data(300, 1)
    # empty groups (cues without candidates) are skipped, not an error
    groups = np.repeat(groups, 2)
    model = train_logistic(rows, y, bits=BITS, epochs=10, seed=3, groups=groups)
    test_rows, test_y, test_groups = ranking_data(100, 2)
    margins = np.array([model.bias + float(model.w[r].sum()) for r in test_rows])
    firsts = [a + int(np.argmax(margins[a:b])) for a, b in zip(test_groups[:-1], test_groups[1:])]
    assert all(test_y[k] == 1.0 for k in firsts)


def test_the_ranker_learns_nothing_from_groups_without_a_target():
    rows, y, groups = ranking_data(50, 3)
    model = train_logistic(rows, np.minimum(y, 0.9), bits=BITS, epochs=3, seed=3, groups=groups)
    assert not model.w.any() and model.bias == 0.0


def test_training_is_deterministic_for_a_seed_and_the_weights_load_whole():
    rows, y, groups = ranking_data(200, 4)
    x = np.random.default_rng(4).normal(size=(len(y), 3))
    a, b = (train_logistic(rows, y, x, bits=BITS, epochs=3, seed=7, groups=groups) for _ in range(2))
    c = train_logistic(rows, y, x, bits=BITS, epochs=3, seed=8, groups=groups)
    assert np.array_equal(a.w, b.w) and np.array_equal(a.dense, b.dense) and a.bias == b.bias
    assert not np.array_equal(a.w, c.w)
    again = LinearModel.from_arrays({k: np.array(v) for k, v in a.to_arrays("content").items()}, "content")
    for r, row in zip(rows[:20], x[:20]):
        assert again.margin(["bias"], row) == pytest.approx(a.margin(["bias"], row), abs=1e-6)
