"""Sparse inputs stay sparse: a SciPy sparse X gives what its dense twin gives, never densified.

The first layer's products ``X @ W`` and ``X.T @ delta`` are sparse-times-dense products; every
other array of the network is dense already. Each test compares the sparse path with the
dense one on the same numbers, and the ``no_densifying`` fixture makes ``toarray``/``todense``
raise, so that a path which quietly densified would fail.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from nnet import NeuralNetwork, sweep, train
from nnet.optimizers import SGD, Adam, Momentum

FORMATS = [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array, sp.csc_array]


WIDE = 10
"""The inputs of these tests have at least this many columns; label matrices have fewer."""


@pytest.fixture
def no_densifying(monkeypatch):
    """Make every way of turning a sparse matrix as wide as X dense raise (scikit-learn's
    label binarizer may densify its own narrow indicator matrices)."""

    def refusing(original):
        def densify(self, *args, **kwargs):
            if self.shape[1] >= WIDE:
                raise AssertionError("a sparse X was made dense")
            return original(self, *args, **kwargs)

        return densify

    for cls in (sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array):
        for name in ("toarray", "todense"):
            monkeypatch.setattr(cls, name, refusing(getattr(cls, name)))


def sparse_problem(seed, n=30, n_in=12, density=0.2, classes=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in)) * (rng.random((n, n_in)) < density)
    Y = np.eye(classes)[rng.integers(0, classes, n)]
    return X, Y


def largest_difference(pairs_a, pairs_b):
    return max(float(np.abs(a - b).max()) for p, q in zip(pairs_a, pairs_b) for a, b in zip(p, q))


@settings(max_examples=40)
@given(
    seed=st.integers(0, 2**16),
    fmt=st.sampled_from(FORMATS),
    hidden=st.lists(st.integers(1, 6), max_size=2),
    output=st.sampled_from([("softmax", "cross_entropy"), ("identity", "mse"),
                            ("sigmoid", "binary_cross_entropy")]),
    dtype=st.sampled_from([np.float64, np.float32]),
    l2=st.sampled_from([0.0, 0.1]),
)  # fmt: skip
def test_sparse_inputs_give_the_dense_outputs_cost_and_gradient(
    seed, fmt, hidden, output, dtype, l2
):
    X, Y = sparse_problem(seed)
    act, cost = output
    net = NeuralNetwork(12, [*hidden, 3], ["tanh"] * len(hidden) + [act], cost_fun=cost,
                        l2=l2, dtype=dtype, seed=seed)  # fmt: skip
    tol = 1e-12 if dtype == np.float64 else 1e-5
    Xs = fmt(X)
    np.testing.assert_allclose(net.predict(Xs), net.predict(X), rtol=tol, atol=tol)
    assert net.cost(Xs, Y) == pytest.approx(net.cost(X, Y), rel=tol, abs=tol)
    assert largest_difference(net.compute_gradient(Xs, Y), net.compute_gradient(X, Y)) < tol * 10
    # The autograd reference takes sparse inputs too (it is allowed to densify them).
    reference = net.autograd_gradient(Xs, Y)
    assert largest_difference(net.compute_gradient(Xs, Y), reference) < tol * 10


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("optimizer", [SGD(0.1), Momentum(0.05, 0.9), Adam(0.01)])
def test_training_on_sparse_inputs_follows_the_dense_path(fmt, optimizer, no_densifying):
    X, Y = sparse_problem(0, n=50)
    runs = []
    for inputs in (fmt(X), X):
        net = NeuralNetwork(12, [6, 3], ["relu", "softmax"], cost_fun="cross_entropy", seed=1)
        fresh = type(optimizer)(**optimizer.get_config())
        history = train(net, fresh, inputs, Y, epochs=4, batch_size=8, seed=2,
                        validation_split=0.2, metrics=["accuracy"])  # fmt: skip
        runs.append((history, net))
    (sparse_history, sparse_net), (dense_history, dense_net) = runs
    np.testing.assert_allclose(sparse_history.train_loss, dense_history.train_loss, rtol=1e-12)
    np.testing.assert_allclose(sparse_history.val_loss, dense_history.val_loss, rtol=1e-12)
    assert sparse_history.metrics == dense_history.metrics
    assert largest_difference(sparse_net.layers, dense_net.layers) < 1e-12


def test_a_sweep_over_sparse_inputs_gives_the_dense_study(no_densifying):
    X, Y = sparse_problem(3, n=40)
    net = NeuralNetwork(12, [5, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", seed=0)
    grid = {"learning_rate": [0.05, 0.2], "l2": [0.0, 0.01]}
    studies = [
        sweep(
            net,
            Momentum(0.1),
            inputs,
            Y,
            grid=grid,
            epochs=3,
            batch_size=8,
            seed=0,
            validation_data=(inputs[:10], Y[:10]),
        )
        for inputs in (sp.csr_matrix(X), X)
    ]
    for sparse_history, dense_history in zip(studies[0].histories, studies[1].histories):
        np.testing.assert_allclose(sparse_history.train_loss, dense_history.train_loss, rtol=1e-12)
        np.testing.assert_allclose(sparse_history.val_loss, dense_history.val_loss, rtol=1e-12)


def test_a_network_without_hidden_layers_takes_sparse_inputs(no_densifying):
    X, Y = sparse_problem(4)
    net = NeuralNetwork(12, [3], ["softmax"], cost_fun="cross_entropy", seed=0)
    Xs = sp.csr_matrix(X)
    assert largest_difference(net.compute_gradient(Xs, Y), net.compute_gradient(X, Y)) < 1e-12
    saturated = NeuralNetwork(12, [3], ["softmax"], cost_fun="cross_entropy", seed=0)
    saturated.layers = [(W * 1e4, b) for W, b in net.layers]  # the cost from the logits
    assert saturated.cost(Xs, Y) == pytest.approx(saturated.cost(X, Y), rel=1e-12)


def test_sparse_inputs_are_checked_like_dense_ones_and_never_modified():
    X, Y = sparse_problem(5)
    net = NeuralNetwork(12, [4, 3], ["tanh", "softmax"], cost_fun="cross_entropy", seed=0)
    Xs = sp.csr_matrix(X.astype(np.float32))
    data, indices = Xs.data.copy(), Xs.indices.copy()
    train(net, SGD(0.1), Xs, Y, epochs=2, seed=0)
    assert Xs.dtype == np.float32 and np.array_equal(Xs.data, data)
    assert np.array_equal(Xs.indices, indices)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 12\), got shape"):
        net.predict(sp.csr_matrix(X[:, :5]))
    bad = Xs.copy()
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        net.predict(bad)
    with pytest.raises(TypeError, match="X must hold real numbers"):
        net.predict(sp.csr_matrix(X.astype(complex)))
    with pytest.raises(ValueError, match="X must have shape"):
        net.predict(sp.csr_matrix((0, 12)))


# ----------------------------------------------------------------------------- estimators
ESTIMATOR_CASES = [
    ({"solver": "adam"}, None),
    ({"solver": "sgd", "early_stopping": True}, None),
    ({"solver": "lbfgs"}, None),
    ({"solver": "adam"}, "weights"),
    ({"solver": "lbfgs"}, "weights"),
]


@pytest.mark.parametrize(("params", "weighted"), ESTIMATOR_CASES)
@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_array])
def test_estimators_fit_and_predict_sparse_inputs_as_their_dense_twins(
    params, weighted, fmt, no_densifying
):
    from nnet import NeuralNetClassifier, NeuralNetRegressor

    X, Y = sparse_problem(6, n=80, n_in=40, density=0.1)
    y = Y.argmax(axis=1)
    weights = np.random.default_rng(7).random(80) if weighted else None
    for Estimator, target in ((NeuralNetClassifier, y), (NeuralNetRegressor, X[:, 0] - y)):
        kwargs = {"hidden_layer_sizes": (8,), "max_iter": 15, "random_state": 0, **params}
        fits = [
            Estimator(**kwargs).fit(inputs, target, sample_weight=weights) for inputs in (fmt(X), X)
        ]
        sparse_fit, dense_fit = fits
        for a, b in zip(sparse_fit.coefs_, dense_fit.coefs_):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(sparse_fit.predict(fmt(X)), dense_fit.predict(X), rtol=1e-9)
        assert sparse_fit.score(fmt(X), target) == pytest.approx(dense_fit.score(X, target))
    partial = NeuralNetClassifier(hidden_layer_sizes=(8,), random_state=0)
    partial.partial_fit(fmt(X), y, classes=[0, 1, 2])
    assert partial.predict(fmt(X)).shape == (80,)


def test_a_sparse_multilabel_target_round_trips_as_scikit_learns():
    from sklearn.neural_network import MLPClassifier

    from nnet import NeuralNetClassifier

    rng = np.random.default_rng(8)
    X = sp.csr_matrix(rng.normal(size=(60, 10)))
    Y = sp.csr_matrix((rng.random((60, 4)) < 0.4).astype(int))
    ours = NeuralNetClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(X, Y)
    theirs = MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(X, Y)
    predicted = ours.predict(X)
    assert sp.issparse(predicted) and predicted.shape == (60, 4)
    assert type(predicted) is type(theirs.predict(X))
    assert ours.score(X, Y) == pytest.approx(theirs.score(X, Y), abs=0.05)
