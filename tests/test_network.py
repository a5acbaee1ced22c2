"""NeuralNetwork: hand-worked numbers, dtypes, batching, custom callables and display."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from helpers import relative_error

from nnet import NeuralNetwork
from nnet.activations import relu, sigmoid, sigmoid_der, softmax
from nnet.costs import cross_entropy, mse


def _relu_regression_net() -> NeuralNetwork:
    net = NeuralNetwork(2, [2, 1], [relu, "identity"], cost_fun=mse)
    net.layers = [
        (np.array([[1.0, -1.0], [0.5, 1.0]]), np.array([0.0, -2.0])),
        (np.array([[3.0], [4.0]]), np.array([1.0])),
    ]
    return net


def test_hand_worked_forward_and_gradient():
    net = _relu_regression_net()
    X, Y = np.array([[1.0, 2.0]]), np.array([[5.0]])
    # z1 = [1*1 + 2*0.5 + 0, 1*(-1) + 2*1 - 2] = [2, -1];  a1 = relu(z1) = [2, 0]
    # z2 = 2*3 + 0*4 + 1 = 7;  pred = 7;  cost = (7 - 5)^2 = 4
    assert net.predict(X).tolist() == [[7.0]]
    assert net.cost(X, Y) == 4.0
    # delta2 = dC/dpred = 2 (7 - 5) / 1 = 4;  dW2 = a1^T delta2 = [[8], [0]];  db2 = [4]
    # delta1 = (delta2 W2^T) * relu'(z1) = [12, 16] * [1, 0] = [12, 0]
    # dW1 = x^T delta1 = [[12, 0], [24, 0]];  db1 = [12, 0]
    (dW1, db1), (dW2, db2) = net.compute_gradient(X, Y)
    assert dW2.tolist() == [[8.0], [0.0]] and db2.tolist() == [4.0]
    assert dW1.tolist() == [[12.0, 0.0], [24.0, 0.0]] and db1.tolist() == [12.0, 0.0]


def test_hand_worked_softmax_cross_entropy_and_l2():
    net = NeuralNetwork(2, [2], [softmax], cost_fun=cross_entropy, l2=0.5)
    net.layers = [(np.array([[1.0, 1.0], [0.0, 0.0]]), np.zeros(2))]
    X, Y = np.array([[3.0, -1.0]]), np.array([[1.0, 0.0]])
    # z = [3, 3] -> p = [1/2, 1/2];  cost = -log(1/2) + 0.5 * (1 + 1) = log 2 + 1
    assert net.cost(X, Y) == pytest.approx(np.log(2) + 1.0, rel=1e-15)
    # delta = p - t = [-1/2, 1/2];  dW = x^T delta + 2 * 0.5 * W
    #   = [[-3/2, 3/2], [1/2, -1/2]] + [[1, 1], [0, 0]] = [[-1/2, 5/2], [1/2, -1/2]]
    ((dW, db),) = net.compute_gradient(X, Y)
    np.testing.assert_allclose(dW, [[-0.5, 2.5], [0.5, -0.5]], rtol=1e-15)
    np.testing.assert_allclose(db, [-0.5, 0.5], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_end_to_end(dtype):
    net = NeuralNetwork(3, [4, 2], ["tanh", "softmax"], cost_fun="cross_entropy", dtype=dtype)
    X = np.random.default_rng(0).normal(size=(5, 3)).astype(dtype)
    Y = np.eye(2)[[0, 1, 1, 0, 1]]
    assert net.predict(X).dtype == dtype
    assert all(W.dtype == dtype and b.dtype == dtype for W, b in net.layers)
    assert all(dW.dtype == dtype and db.dtype == dtype for dW, db in net.compute_gradient(X, Y))
    assert isinstance(net.cost(X, Y), float)


def test_float32_network_matches_float64_network_closely():
    X = np.random.default_rng(1).normal(size=(6, 3))
    net64 = NeuralNetwork(3, [4, 1], ["sigmoid", "identity"], seed=3)
    net32 = NeuralNetwork(3, [4, 1], ["sigmoid", "identity"], seed=3, dtype=np.float32)
    np.testing.assert_allclose(net32.predict(X), net64.predict(X), rtol=1e-5)


def test_predict_does_not_depend_on_batch_splitting():
    net = NeuralNetwork(5, [16, 8, 3], ["relu", "tanh", "softmax"], seed=0)
    X = np.random.default_rng(2).normal(size=(37, 5))
    whole = net.predict(X)
    for cut in (1, 10, 36):
        split = np.vstack([net.predict(X[:cut]), net.predict(X[cut:])])
        np.testing.assert_allclose(split, whole, rtol=1e-13, atol=1e-15)
    rows = np.vstack([net.predict(x.reshape(1, -1)) for x in X])
    np.testing.assert_allclose(rows, whole, rtol=1e-13, atol=1e-15)


def test_zero_hidden_layers_is_logistic_regression():
    net = NeuralNetwork(3, [1], ["sigmoid"], cost_fun="binary_cross_entropy", seed=0)
    X = np.random.default_rng(3).normal(size=(4, 3))
    ((W, b),) = net.layers
    np.testing.assert_allclose(net.predict(X), 1 / (1 + np.exp(-(X @ W + b))), rtol=1e-14)


def test_same_seed_same_weights_and_rng_is_used():
    a = NeuralNetwork(3, [4, 2], ["relu", "identity"], seed=7)
    b = NeuralNetwork(3, [4, 2], ["relu", "identity"], rng=np.random.default_rng(7))
    c = NeuralNetwork(3, [4, 2], ["relu", "identity"], seed=8)
    assert relative_error(a.layers, b.layers) == 0.0
    assert relative_error(a.layers, c.layers) > 0.0


@pytest.mark.parametrize("init", ["normal", "xavier", "glorot", "he"])
def test_initializers_give_the_documented_scale(init):
    net = NeuralNetwork(400, [300], ["identity"], init=init, seed=0)
    ((W, b),) = net.layers
    expected_std = {
        "normal": 1.0,
        "xavier": np.sqrt(2 / 700),
        "glorot": np.sqrt(2 / 700),
        "he": np.sqrt(2 / 400),
    }[init]
    assert W.std() == pytest.approx(expected_std, rel=0.02)
    assert (b.std() > 0.5) if init == "normal" else not b.any()


def test_callable_init_is_used():
    def ones(n_in, n_out, rng):
        return np.ones((n_in, n_out)), np.full(n_out, 2.0)

    net = NeuralNetwork(2, [3], ["identity"], init=ones)
    assert net.predict(np.array([[1.0, 1.0]])).tolist() == [[4.0, 4.0, 4.0]]


def test_custom_activation_and_cost_are_differentiated_by_autograd():
    def swish(z):
        return z / (1.0 + anp.exp(-z))

    def mean_abs_cubed(pred, target):
        return anp.mean(anp.abs(pred - target) ** 3)

    net = NeuralNetwork(3, [6, 2], [swish, "identity"], cost_fun=mean_abs_cubed, seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 2))
    assert relative_error(net.compute_gradient(X, Y), net.autograd_gradient(X, Y)) < 1e-10


def test_given_derivatives_are_used():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    right = NeuralNetwork(2, [1], [sigmoid], [sigmoid_der], seed=0)
    wrong = NeuralNetwork(2, [1], [sigmoid], [lambda z: 2 * sigmoid_der(z)], seed=0)
    ((dW, _),) = right.compute_gradient(X, Y)
    ((dW_wrong, _),) = wrong.compute_gradient(X, Y)
    np.testing.assert_allclose(dW_wrong, 2 * dW, rtol=1e-14)


def test_names_and_functions_are_interchangeable():
    by_name = NeuralNetwork(2, [3, 2], ["sigmoid", "softmax"], cost_fun="cross_entropy")
    by_func = NeuralNetwork(2, [3, 2], [sigmoid, softmax], [sigmoid_der, None], cross_entropy)
    assert [a.name for a in by_func.activation_funcs] == ["sigmoid", "softmax"]
    assert by_name.cost_fun is by_func.cost_fun


def test_update_weights_adds_in_place_and_layers_are_read_only():
    net = NeuralNetwork(2, [2], ["identity"], seed=0)
    ((W, b),) = [(W.copy(), b.copy()) for W, b in net.layers]
    net.update_weights([(np.ones((2, 2)), np.full(2, -1.0))])
    ((W2, b2),) = net.layers
    np.testing.assert_array_equal(W2, W + 1)
    np.testing.assert_array_equal(b2, b - 1)
    with pytest.raises(ValueError, match="read-only"):
        W2[0, 0] = 5.0


def test_assigned_layers_are_copied():
    net = NeuralNetwork(1, [1], ["identity"])
    W, b = np.array([[2.0]]), np.array([1.0])
    net.layers = [(W, b)]
    net.update_weights([(np.array([[1.0]]), np.array([1.0]))])
    assert W.tolist() == [[2.0]] and b.tolist() == [1.0]


def test_summary_and_repr():
    net = NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", l2=0.01)
    text = net.summary()
    for piece in (
        "(4, 8)",
        "(8, 3)",
        "sigmoid",
        "softmax",
        "cross_entropy",
        f"total parameters: {4 * 8 + 8 + 8 * 3 + 3}",
    ):
        assert piece in text
    assert net.n_params == 4 * 8 + 8 + 8 * 3 + 3
    assert repr(net).startswith("NeuralNetwork(network_input_size=4, layer_output_sizes=[8, 3]")
    assert "l2=0.01" in repr(net)


# --- get_config and clone ------------------------------------------------------------------------


def _cube(z):
    return z**3


def _cube_der(z):
    return 3.0 * z**2


def _half_mse(pred, target):
    return anp.mean((pred - target) ** 2) / 2.0


def _half_mse_der(pred, target):
    return (pred - target) / pred.size


ARGS = {
    "network_input_size": 3,
    "layer_output_sizes": [4, 2],
    "activation_funcs": ["elu", "sigmoid"],
    "cost_fun": "binary_cross_entropy",
    "l1": 0.01,
    "l2": 0.02,
    "regularize_bias": True,
    "init": "he",
    "dtype": np.float32,
}


@pytest.mark.parametrize("seed", [0, 7])
def test_clone_with_a_seed_is_the_network_built_with_the_same_arguments(seed):
    net = NeuralNetwork(**ARGS, seed=123)
    twin, built = net.clone(seed=seed), NeuralNetwork(**ARGS, seed=seed)
    X = np.random.default_rng(1).normal(size=(5, 3))
    Y = np.random.default_rng(2).integers(0, 2, (5, 2))
    for (W, b), (W2, b2) in zip(twin.layers, built.layers):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    np.testing.assert_array_equal(twin.predict(X), built.predict(X))
    assert twin.cost(X, Y) == built.cost(X, Y)
    assert twin.get_config() == built.get_config() == net.get_config()
    assert repr(twin) == repr(built)


def test_get_config_holds_the_constructor_arguments_but_no_weights_or_seed():
    config = NeuralNetwork(**ARGS, seed=0).get_config()
    assert sorted(config) == sorted(ARGS)
    assert config["layer_output_sizes"] == [4, 2] and config["init"] == "he"
    assert config["regularize_bias"] is True and config["dtype"] == np.float32
    assert [act.name for act in config["activation_funcs"]] == ["elu", "sigmoid"]


def test_clone_carries_custom_activations_and_costs_with_their_derivatives():
    net = NeuralNetwork(2, [3, 1], [_cube, "identity"], [_cube_der, None],
                        cost_fun=_half_mse, cost_der=_half_mse_der, seed=0)  # fmt: skip
    twin = net.clone(seed=1)
    assert twin.activation_funcs[0].der is _cube_der and twin.cost_fun.der is _half_mse_der
    twin.layers = net.layers
    X, Y = np.array([[0.5, -1.0], [2.0, 0.1]]), np.array([[1.0], [0.0]])
    assert relative_error(twin.compute_gradient(X, Y), net.compute_gradient(X, Y)) == 0.0


def test_clone_applies_changes_and_leaves_the_original_alone():
    net = NeuralNetwork(2, [3, 1], ["tanh", "identity"], seed=0)
    before = [(W.copy(), b.copy()) for W, b in net.layers]
    wider = net.clone(layer_output_sizes=[5, 1], l2=0.5, regularize_bias=True, seed=1)
    assert wider.layer_output_sizes == (5, 1) and wider.l2 == 0.5 and wider.regularize_bias
    assert net.layer_output_sizes == (3, 1) and net.l2 == 0.0 and not net.regularize_bias
    assert relative_error(net.layers, before) == 0.0
    assert net.clone(seed=0).layers[0][0].tolist() == before[0][0].tolist()


def test_clone_does_not_copy_the_weights():
    net = NeuralNetwork(2, [3, 1], ["tanh", "identity"], seed=0)
    net.layers = [(W + 1.0, b + 1.0) for W, b in net.layers]
    assert relative_error(net.clone(seed=0).layers, net.layers) > 0


@pytest.mark.parametrize("key", ["seeed", "activation_ders_typo"])
def test_clone_refuses_an_unknown_argument_by_name(key):
    net = NeuralNetwork(2, [3, 1], ["tanh", "identity"], seed=0)
    with pytest.raises(TypeError, match=key):
        net.clone(**{key: 1})
