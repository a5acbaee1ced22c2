"""NeuralNetwork's constructor and methods under hostile input.

Each bad argument raises a ValueError or TypeError naming it, before anything
changes; the caller's arrays are never modified nor kept.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from nnet import NeuralNetwork
from nnet.network import MAX_PARAMS

GOOD = dict(
    network_input_size=3,
    layer_output_sizes=[4, 2],
    activation_funcs=["tanh", "softmax"],
    cost_fun="cross_entropy",
)


def make_net(**change) -> NeuralNetwork:
    return NeuralNetwork(**{**GOOD, "seed": 0, **change})


def snapshot(net: NeuralNetwork) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(W.copy(), b.copy()) for W, b in net.layers]


def assert_unchanged(net: NeuralNetwork, before) -> None:
    for (W, b), (W0, b0) in zip(net.layers, before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


# --------------------------------------------------------------------------- constructor
CONSTRUCTOR_CASES = [
    ({"seed": -1}, ValueError, "seed must be a non-negative int"),
    ({"seed": np.int64(-5)}, ValueError, "seed must be a non-negative int"),
    ({"layer_output_sizes": [10**20, 3]}, ValueError, "layer_output_sizes: a 3 -> 10"),
    ({"layer_output_sizes": [60000, 60000, 2]}, ValueError, "more than the 1,000,000,000"),
    ({"network_input_size": 10**12, "layer_output_sizes": [4, 2]}, ValueError, "parameters"),
    ({"layer_output_sizes": np.array([4.0, 2.0])}, TypeError, r"layer_output_sizes\[0\]"),
    ({"layer_output_sizes": np.array([[4, 2]])}, TypeError, "layer_output_sizes"),
    ({"layer_output_sizes": np.array([4, -2])}, ValueError, r"layer_output_sizes\[1\]"),
]


@pytest.mark.parametrize(("change", "error", "match"), CONSTRUCTOR_CASES)
def test_constructor_names_the_bad_argument(change, error, match):
    start = time.perf_counter()
    with pytest.raises(error, match=match):
        NeuralNetwork(**{**GOOD, **change})
    assert time.perf_counter() - start < 5  # refused before allocating anything


def test_the_parameter_limit_counts_weights_and_biases():
    # (n_in + 1) * n_out per layer: 1 input and MAX_PARAMS // 2 + 1 outputs is 2 over.
    n_out = MAX_PARAMS // 2
    with pytest.raises(ValueError, match="parameters"):
        NeuralNetwork(1, [n_out + 1], ["identity"])
    assert MAX_PARAMS == 1_000_000_000  # documented in docs/user_guide/errors.rst


@pytest.mark.parametrize("sizes", [np.array([4, 2]), np.array([4, 2], dtype=np.int32), (4, 2)])
def test_integer_arrays_are_accepted_as_layer_sizes(sizes):
    net = make_net(layer_output_sizes=sizes)
    reference = make_net()
    assert net.layer_output_sizes == (4, 2)
    assert all(type(n) is int for n in net.layer_output_sizes)
    for (W, b), (W0, b0) in zip(net.layers, reference.layers):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


# --------------------------------------------------------------------------- data
X_GOOD = np.arange(15.0).reshape(5, 3)
Y_GOOD = np.eye(2)[[0, 1, 0, 1, 1]]
RAGGED = [[1.0, 2.0, 3.0], [4.0, 5.0]]
MASKED_X = np.ma.masked_array(X_GOOD, mask=X_GOOD > 10)
MASKED_Y = np.ma.masked_array(Y_GOOD, mask=np.zeros_like(Y_GOOD, dtype=bool))

DATA_CASES = [
    (RAGGED, Y_GOOD[:2], ValueError, "X must be a rectangular array"),
    (X_GOOD, [[1.0, 0.0], [0.0]] * 2 + [[1.0, 0.0]], ValueError, "Y must be a rectangular"),
    (MASKED_X, Y_GOOD, TypeError, "X is a masked array"),
    (X_GOOD, MASKED_Y, TypeError, "Y is a masked array"),
]


@pytest.mark.parametrize("method", ["cost", "compute_gradient", "autograd_gradient"])
@pytest.mark.parametrize(("X", "Y", "error", "match"), DATA_CASES)
def test_data_methods_refuse_ragged_and_masked_data(method, X, Y, error, match):
    net = make_net()
    with pytest.raises(error, match=match):
        getattr(net, method)(X, Y)


@pytest.mark.parametrize(("X", "match"), [(RAGGED, "rectangular"), (MASKED_X, "masked")])
def test_predict_refuses_ragged_and_masked_inputs(X, match):
    with pytest.raises((TypeError, ValueError), match=f"X .*{match}"):
        make_net().predict(X)


def test_masked_arrays_are_refused_even_without_masked_values():
    X = np.ma.masked_array(X_GOOD)  # nothing masked: still refused, the type is the promise
    with pytest.raises(TypeError, match="fill the masked values"):
        make_net().predict(X)


# --------------------------------------------------------------------------- parameters
def _zeros_like(net: NeuralNetwork) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.zeros_like(W), np.zeros_like(b)) for W, b in net.layers]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (np.nan, r"updates\[1\] b contains NaN or infinity"),
        (np.inf, r"updates\[1\] b contains NaN or infinity"),
        (-np.inf, r"updates\[1\] b contains NaN or infinity"),
    ],
)
def test_update_weights_refuses_non_finite_updates(value, match):
    net = make_net()
    before = snapshot(net)
    updates = _zeros_like(net)
    updates[1] = (updates[1][0], np.full_like(updates[1][1], value))
    with pytest.raises(ValueError, match=match):
        net.update_weights(updates)
    assert_unchanged(net, before)


def test_update_weights_refuses_updates_that_overflow_the_weights():
    net = make_net()
    big = [(np.full_like(W, 1e308), np.zeros_like(b)) for W, b in net.layers]
    net.update_weights(big)  # finite: 1e308 + w
    before = snapshot(net)
    with pytest.raises(ValueError, match=r"updates\[0\] W would make the weights infinite"):
        net.update_weights(big)
    assert_unchanged(net, before)
    assert all(np.isfinite(W).all() for W, _ in net.layers)


def test_float32_update_weights_refuses_what_overflows_float32():
    net = make_net(dtype=np.float32)
    before = snapshot(net)
    updates = [(np.full(W.shape, 1e39), np.zeros_like(b)) for W, b in net.layers]
    with pytest.raises(ValueError, match="infinite"):
        net.update_weights(updates)
    assert_unchanged(net, before)


@pytest.mark.parametrize(
    "bad",
    [
        lambda n: [(RAGGED, b) for _, b in _zeros_like(n)],
        lambda n: [(np.ma.masked_array(W), b) for W, b in _zeros_like(n)],
    ],
    ids=["ragged", "masked"],
)
def test_update_weights_refuses_ragged_and_masked_updates(bad):
    net = make_net()
    before = snapshot(net)
    with pytest.raises((TypeError, ValueError), match=r"updates\[0\] W"):
        net.update_weights(bad(net))
    assert_unchanged(net, before)


def test_assigned_layers_are_copied_not_kept():
    net = make_net()
    mine = [(np.ones_like(W), np.ones_like(b)) for W, b in net.layers]
    net.layers = mine
    mine[0][0][...] = 7.0  # the caller changes its arrays afterwards
    assert np.all(net.layers[0][0] == 1.0)
    W = net.layers[0][0]
    with pytest.raises(ValueError, match="read-only"):
        W[0, 0] = 3.0


def test_assigning_non_finite_layers_changes_nothing():
    net = make_net()
    before = snapshot(net)
    bad = [(np.full_like(W, np.nan), b) for W, b in before]
    with pytest.raises(ValueError, match=r"layers\[0\] W contains NaN"):
        net.layers = bad
    assert_unchanged(net, before)
