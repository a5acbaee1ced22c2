"""nnet.lbfgs.train_lbfgs: full-batch L-BFGS on a NeuralNetwork."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from nnet import NeuralNetwork
from nnet.lbfgs import train_lbfgs


def _runge(n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(-1, 1, n).reshape(-1, 1)
    return x, 1 / (1 + 25 * x**2)


def _net(seed: int = 0, dtype=np.float64) -> NeuralNetwork:
    return NeuralNetwork(1, [16, 1], ["tanh", "identity"], init="xavier", dtype=dtype, seed=seed)


def test_a_logistic_regression_reaches_the_global_minimum():
    # No hidden layer and a convex cost: L-BFGS must find scikit-learn's optimum.
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    net = NeuralNetwork(
        X.shape[1],
        [1],
        ["sigmoid"],
        cost_fun="binary_cross_entropy",
        l2=0.5 / len(X),
        init="xavier",
        seed=0,
    )
    result = train_lbfgs(net, X, y, max_iter=1000, tol=1e-10)
    reference = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, y)
    # nnet's cost is the mean log-loss + (0.5 / n) |W|^2: scikit-learn's C=1 objective / n.
    optimum = NeuralNetwork(
        X.shape[1], [1], ["sigmoid"], cost_fun="binary_cross_entropy", l2=0.5 / len(X)
    )
    optimum.layers = [(reference.coef_.T, reference.intercept_)]
    assert net.cost(X, y) <= optimum.cost(X, y) * (1 + 1e-6)  # SciPy stops on a 1e-9 change
    np.testing.assert_allclose(net.layers[0][0].ravel(), reference.coef_.ravel(), atol=2e-3)
    assert result.converged


def test_it_fits_far_better_than_its_start_and_records_each_iteration():
    X, Y = _runge()
    net = _net()
    start = net.cost(X, Y)
    result = train_lbfgs(net, X, Y, max_iter=500)
    assert net.cost(X, Y) < 1e-3 * start
    assert result.history.epochs_run == result.n_iter == len(result.history.train_loss)
    assert result.history.train_loss[-1] == pytest.approx(net.cost(X, Y))
    assert np.all(np.diff(result.history.train_loss) <= 1e-12)  # a descent method
    assert result.n_fun >= result.n_iter


def test_max_iter_max_fun_and_tol_bound_the_work():
    X, Y = _runge()
    assert train_lbfgs(_net(), X, Y, max_iter=7).n_iter == 7
    assert train_lbfgs(_net(), X, Y, max_iter=500, max_fun=12).n_fun <= 13
    loose = train_lbfgs(_net(), X, Y, max_iter=500, tol=1e-2)
    tight = train_lbfgs(_net(), X, Y, max_iter=500, tol=1e-8)
    assert loose.n_iter < tight.n_iter


def test_scale_changes_the_stopping_tests_not_the_minimum():
    X, Y = _runge()
    plain, scaled = _net(), _net()
    train_lbfgs(plain, X, Y, max_iter=3)
    train_lbfgs(scaled, X, Y, max_iter=3, scale=2.0)
    # Same first iterations: L-BFGS steps are invariant to scaling the function.
    for (W1, b1), (W2, b2) in zip(plain.layers, scaled.layers):
        np.testing.assert_allclose(W1, W2, rtol=1e-6)
        np.testing.assert_allclose(b1, b2, rtol=1e-6)


def test_a_callback_sees_each_iterate_and_can_stop():
    X, Y = _runge()
    seen = []

    def stop_at_three(iteration, history, net):
        seen.append((iteration, net.cost(X, Y), history.train_loss[-1]))
        return iteration == 2

    result = train_lbfgs(_net(), X, Y, max_iter=100, callback=stop_at_three)
    assert [i for i, *_ in seen] == [0, 1, 2]
    assert all(cost == pytest.approx(loss) for _, cost, loss in seen)
    assert result.history.stop_reason == "callback" and result.n_iter == 3


def test_a_float32_network_stays_float32():
    X, Y = _runge()
    net = _net(dtype=np.float32)
    train_lbfgs(net, X, Y, max_iter=20)
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in net.layers)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_iter": 0}, ValueError),
        ({"max_fun": 1.5}, ValueError),
        ({"tol": -1.0}, ValueError),
        ({"scale": 0.0}, ValueError),
        ({"callback": 3}, TypeError),
    ],
)
def test_bad_arguments_are_refused_before_anything_changes(kwargs, error):
    X, Y = _runge()
    net = _net()
    before = [(W.copy(), b.copy()) for W, b in net.layers]
    with pytest.raises(error, match=next(iter(kwargs))):
        train_lbfgs(net, X, Y, **kwargs)
    for (W, b), (W0, b0) in zip(net.layers, before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    with pytest.raises(TypeError, match="net must be a NeuralNetwork"):
        train_lbfgs("net", X, Y)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        train_lbfgs(net, X[:, [0, 0]], Y)
