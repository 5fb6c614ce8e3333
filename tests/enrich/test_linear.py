"""The attribution model's learner (D77): the hidden layer over the dense vector learns what
a linear model cannot, training is deterministic for a seed, and a model with hidden units
is saved and loaded whole. Small synthetic data, numpy only."""

from __future__ import annotations

import numpy as np
import pytest

from newsetl.enrich.claims.model.linear import HiddenLayer, LinearModel, hash_features, train_logistic

BITS = 8


def xor_data(n: int, seed: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Label 1 where the two dense inputs have opposite signs: no weighted sum separates it.
    Every row has the same single string feature, so only the dense part can tell them apart."""
    rng = np.random.default_rng(seed)
    x = rng.choice([-1.0, 1.0], size=(n, 2)) + rng.normal(0, 0.2, (n, 2))
    y = (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(float)
    rows = [hash_features(["bias"], BITS)] * n
    return rows, y, x


def accuracy(model: LinearModel, x: np.ndarray, y: np.ndarray) -> float:
    p = np.array([model.prob(["bias"], row) for row in x])
    return float(np.mean((p >= 0.5) == (y == 1)))


def test_hidden_units_learn_xor_a_linear_model_cannot():
    rows, y, x = xor_data(800, 1)
    _, y_test, x_test = xor_data(400, 2)
    linear = train_logistic(rows, y, x, bits=BITS, epochs=30, seed=3)
    hidden = train_logistic(rows, y, x, bits=BITS, epochs=30, seed=3, hidden=8, hidden_lr=0.1)
    assert linear.hidden is None and hidden.hidden is not None
    assert accuracy(linear, x_test, y_test) < 0.8  # a line gets three quadrants of four at best
    assert accuracy(hidden, x_test, y_test) > 0.95


def test_training_is_deterministic_for_a_seed():
    rows, y, x = xor_data(300, 4)
    a, b = (train_logistic(rows, y, x, bits=BITS, epochs=5, seed=7, hidden=4) for _ in range(2))
    c = train_logistic(rows, y, x, bits=BITS, epochs=5, seed=8, hidden=4)
    for name in ("w", "b", "v"):
        assert np.array_equal(getattr(a.hidden, name), getattr(b.hidden, name))
    assert np.array_equal(a.w, b.w) and np.array_equal(a.dense, b.dense) and a.bias == b.bias
    assert not np.array_equal(a.hidden.w, c.hidden.w)


def test_no_hidden_units_trains_exactly_the_linear_model():
    # hidden=0 draws nothing from the seed: the committed linear decisions stay bit for bit
    rows, y, x = xor_data(300, 5)
    a = train_logistic(rows, y, x, bits=BITS, epochs=5, seed=7)
    b = train_logistic(rows, y, x, bits=BITS, epochs=5, seed=7, hidden=0, hidden_lr=0.3)
    assert a.hidden is None and np.array_equal(a.w, b.w) and np.array_equal(a.dense, b.dense) and a.bias == b.bias


def test_save_and_load_round_trip_keeps_the_hidden_layer():
    rows, y, x = xor_data(300, 6)
    model = train_logistic(rows, y, x, bits=BITS, epochs=5, seed=7, hidden=4)
    arrays = {k: np.array(v) for k, v in model.to_arrays("content").items()}
    assert {"content_hidden_w", "content_hidden_b", "content_hidden_v"} <= set(arrays)
    again = LinearModel.from_arrays(arrays, "content")
    for row in x[:20]:
        assert again.margin(["bias"], row) == pytest.approx(model.margin(["bias"], row), abs=1e-6)
    linear = LinearModel.from_arrays(train_logistic(rows, y, x, bits=BITS, epochs=5, seed=7).to_arrays("cue"), "cue")
    assert linear.hidden is None


def test_hidden_margins_from_per_token_projections_equal_the_whole_vector():
    # The chooser adds the hidden share from per-Doc projections of two token blocks
    rng = np.random.default_rng(0)
    layer = HiddenLayer(rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32),
                        rng.normal(size=4).astype(np.float32))
    tensor = rng.normal(size=(5, 3)).astype(np.float32)
    first, last = layer.project(tensor, 0, 3), layer.project(tensor, 1, 3)
    pairs = [(0, 4), (2, 2), (1, 3)]
    whole = [float(np.tanh(np.concatenate([tensor[a], tensor[b]]) @ layer.w + layer.b) @ layer.v) for a, b in pairs]
    fast = layer.margins(first[[a for a, _ in pairs]] + last[[b for _, b in pairs]])
    assert fast.tolist() == pytest.approx(whole, abs=1e-5)


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
