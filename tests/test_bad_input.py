"""Every bad input raises a clear error that names the argument, before any state changes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnet import NeuralNetwork

GOOD = dict(
    network_input_size=3,
    layer_output_sizes=[4, 2],
    activation_funcs=["sigmoid", "softmax"],
    cost_fun="cross_entropy",
)

CONSTRUCTOR_CASES = [
    ({"network_input_size": 0}, ValueError, "network_input_size"),
    ({"network_input_size": 2.5}, TypeError, "network_input_size"),
    ({"network_input_size": True}, TypeError, "network_input_size"),
    ({"layer_output_sizes": []}, ValueError, "layer_output_sizes"),
    ({"layer_output_sizes": [4, -2]}, ValueError, r"layer_output_sizes\[1\]"),
    ({"layer_output_sizes": [4, "2"]}, TypeError, r"layer_output_sizes\[1\]"),
    ({"layer_output_sizes": 4}, TypeError, "layer_output_sizes"),
    ({"activation_funcs": ["sigmoid"]}, ValueError, "activation_funcs has 1 entries"),
    ({"activation_funcs": "sigmoid"}, TypeError, "activation_funcs"),
    ({"activation_funcs": ["sigmoid", "softmaxx"]}, ValueError, "unknown activation 'softmaxx'"),
    ({"activation_funcs": ["sigmoid", 3]}, TypeError, r"activation_funcs\[1\]"),
    ({"activation_ders": [None]}, ValueError, "activation_ders has 1 entries"),
    ({"activation_ders": [None, "x"]}, TypeError, r"activation_funcs\[1\]"),
    ({"cost_fun": "mae"}, ValueError, "unknown cost 'mae'"),
    ({"cost_fun": 1.0}, TypeError, "cost_fun"),
    ({"activation_funcs": ["sigmoid", "identity"]}, ValueError, "needs probabilities"),
    ({"l2": -0.1}, ValueError, "l2"),
    ({"l1": "a lot"}, TypeError, "l1"),
    ({"l1": math.nan}, ValueError, "l1"),
    ({"init": "zeros"}, ValueError, "init"),
    ({"init": 3}, TypeError, "init"),
    ({"dtype": np.int64}, ValueError, "dtype"),
    ({"dtype": "banana"}, TypeError, "dtype"),
    ({"seed": 1, "rng": np.random.default_rng(1)}, ValueError, "seed or rng"),
    ({"seed": 1.5}, TypeError, "seed"),
    ({"rng": 5}, TypeError, "rng"),
    (
        {"activation_funcs": [lambda z: np.vectorize(math.tanh)(z), "softmax"]},
        TypeError,
        r"activation_funcs\[0\]: autograd cannot differentiate",
    ),
    ({"activation_funcs": [lambda z: z[:, :1], "softmax"]}, ValueError, "shaped like its input"),
    ({"cost_fun": lambda p, t: float(np.sum(p - t))}, TypeError, "cost_fun: autograd cannot"),
]


@pytest.mark.parametrize(("change", "error", "match"), CONSTRUCTOR_CASES)
def test_constructor_refuses_bad_arguments(change, error, match):
    with pytest.raises(error, match=match):
        NeuralNetwork(**{**GOOD, **change})


def _net_and_data():
    net = NeuralNetwork(**GOOD, seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    Y = np.eye(2)[[0, 1, 0, 1, 1]]
    return net, X, Y


X_GOOD = np.zeros((5, 3))
Y_GOOD = np.eye(2)[[0, 1, 0, 1, 1]]
DATA_CASES = [
    (np.zeros((5, 4)), Y_GOOD, ValueError, r"X must have shape \(n_samples, 3\)"),
    (np.zeros(3), Y_GOOD, ValueError, r"reshape\(1, -1\)"),
    (np.zeros((5, 3, 1)), Y_GOOD, ValueError, "X must have shape"),
    (np.full((5, 3), np.nan), Y_GOOD, ValueError, "X contains NaN"),
    (np.full((5, 3), np.inf), Y_GOOD, ValueError, "X contains NaN or infinity"),
    (np.array([["a", "b", "c"]] * 5), Y_GOOD, TypeError, "X must hold real numbers"),
    (np.zeros((0, 3)), Y_GOOD, ValueError, "X is empty"),
    (np.zeros((5, 3)) + 0j, Y_GOOD, TypeError, "X must hold real numbers"),
    (X_GOOD, np.eye(2)[[0, 1, 0]], ValueError, r"Y must have shape \(5, 2\)"),
    (X_GOOD, np.array([0.0, 1, 0, 1, 1]), ValueError, "one-hot encode"),  # ints: class indices
    (X_GOOD, np.array([0, 1, 2, 1, 1]), ValueError, r"expected indices in 0\.\.1"),
    (X_GOOD, np.full((5, 2), np.nan), ValueError, "Y contains NaN"),
    (X_GOOD, 2 * Y_GOOD, ValueError, r"Y must lie in \[0, 1\]"),
    (X_GOOD, np.array([[None, 1]] * 5), TypeError, "Y must hold real numbers"),
]


@pytest.mark.parametrize("method", ["cost", "compute_gradient", "autograd_gradient"])
@pytest.mark.parametrize(("X", "Y", "error", "match"), DATA_CASES)
def test_data_methods_refuse_bad_data(method, X, Y, error, match):
    net = NeuralNetwork(**GOOD, seed=0)
    with pytest.raises(error, match=match):
        getattr(net, method)(X, Y)


@pytest.mark.parametrize(("X", "Y", "error", "match"), [c for c in DATA_CASES if c[1] is Y_GOOD])
def test_predict_refuses_bad_inputs(X, Y, error, match):
    with pytest.raises(error, match=match):
        NeuralNetwork(**GOOD).predict(X)


def test_one_dimensional_target_is_one_column_for_one_output():
    net = NeuralNetwork(3, [1], ["identity"], seed=0)
    X, y = np.ones((4, 3)), np.arange(4.0)
    assert net.cost(X, y) == net.cost(X, y.reshape(-1, 1))


def _snapshot(pairs):
    return [(a.copy(), b.copy()) for a, b in pairs]


@pytest.mark.parametrize(
    "updates",
    [
        [(np.ones((3, 4)), np.ones(4))],
        [(np.ones((3, 4)), np.ones(4)), (np.ones((4, 2)), np.ones(3))],
        [(np.ones((3, 4)), np.ones(4)), (np.ones((2, 4)), np.ones(2))],
        [(np.ones((3, 4)), np.ones(4)), np.ones(2)],
        "not a list",
    ],
)
def test_bad_updates_change_nothing(updates):
    net, _, _ = _net_and_data()
    before = _snapshot(net.layers)
    with pytest.raises((ValueError, TypeError), match="updates"):
        net.update_weights(updates)
    for (W, b), (W0, b0) in zip(net.layers, before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_bad_layers_change_nothing():
    net, _, _ = _net_and_data()
    before = _snapshot(net.layers)
    bad = [(np.ones((3, 4)), np.ones(4)), (np.full((4, 2), np.nan), np.ones(2))]
    with pytest.raises(ValueError, match="layers"):
        net.layers = bad
    with pytest.raises(ValueError, match=r"layers\[0\] W must be a real array of shape \(3, 4\)"):
        net.layers = [(np.ones((4, 3)), np.ones(4)), before[1]]
    for (W, b), (W0, b0) in zip(net.layers, before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_callers_arrays_are_never_modified():
    net, X, Y = _net_and_data()
    X_copy, Y_copy = X.copy(), Y.copy()
    updates = [(np.ones_like(W), np.ones_like(b)) for W, b in net.layers]
    updates_copy = _snapshot(updates)
    net.predict(X)
    net.cost(X, Y)
    net.compute_gradient(X, Y)
    net.autograd_gradient(X, Y)
    net.update_weights(updates)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Y, Y_copy)
    for (a, b), (a0, b0) in zip(updates, updates_copy):
        np.testing.assert_array_equal(a, a0)
        np.testing.assert_array_equal(b, b0)
