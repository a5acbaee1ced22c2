"""net.evaluate / nnet.metrics.evaluate, and integer class labels for cross-entropy networks."""

from __future__ import annotations

import numpy as np
import pytest

from nnet import NeuralNetwork
from nnet.metrics import evaluate, get_metrics
from nnet.training import train


def regression_net():
    net = NeuralNetwork(1, [4, 1], ["tanh", "identity"], seed=0, l2=0.01)
    X = np.linspace(-1, 1, 30).reshape(-1, 1)
    return net, X, np.sin(3 * X[:, 0])


def classifier(cost="cross_entropy", out="softmax"):
    net = NeuralNetwork(3, [5, 4], ["relu", out], cost_fun=cost, seed=1)
    rng = np.random.default_rng(2)
    return net, rng.normal(size=(40, 3)), rng.integers(0, 4, 40)


def test_evaluate_returns_the_cost_and_the_metrics_computed_by_hand():
    net, X, y = regression_net()
    scores = net.evaluate(X, y, metrics=["mse", "r2"])
    pred = net.predict(X)[:, 0]
    mse = np.mean((pred - y) ** 2)
    assert list(scores) == ["loss", "mse", "r2"]
    assert scores["loss"] == pytest.approx(net.cost(X, y))  # penalty included
    assert scores["loss"] > scores["mse"]
    assert scores["mse"] == pytest.approx(mse)
    assert scores["r2"] == pytest.approx(1 - mse / np.var(y))
    assert net.evaluate(X, y) == {"loss": scores["loss"]}
    assert evaluate(net, X, y.reshape(-1, 1), "mse") == net.evaluate(X, y, ["mse"])


def test_evaluate_refuses_targets_that_do_not_fit_the_network():
    net, X, y = regression_net()
    with pytest.raises(ValueError, match=r"Y must have shape \(30, 1\)"):
        net.evaluate(X, np.c_[y, y])
    with pytest.raises(ValueError, match=r"Y must have shape \(30, 1\)"):
        net.evaluate(X, y[:-1])
    with pytest.raises(ValueError, match="unknown metric"):
        net.evaluate(X, y, metrics=["rmse"])
    with pytest.raises(TypeError, match="net must be a NeuralNetwork"):
        evaluate("net", X, y)


def test_custom_metrics_get_the_checked_two_dimensional_targets():
    net, X, y = regression_net()
    seen = []

    def spy(Y_true, Y_pred):
        seen.append((Y_true.shape, Y_pred.shape))
        return 0.0

    net.evaluate(X, y, metrics=[spy])
    assert seen == [((30, 1), (30, 1))]


def test_get_metrics_refuses_duplicates_and_non_lists():
    with pytest.raises(ValueError, match="distinct"):
        get_metrics(["mse", "MSE"])
    with pytest.raises(TypeError, match="list of names"):
        get_metrics(3)


@pytest.mark.parametrize(
    ("cost", "out"), [("cross_entropy", "softmax"), ("binary_cross_entropy", "sigmoid")]
)
def test_integer_class_labels_equal_one_hot_targets_everywhere(cost, out):
    net, X, y = classifier(cost, out)
    Y = np.eye(4)[y]
    assert net.cost(X, y) == net.cost(X, Y)
    for (dW, db), (eW, eb) in zip(net.compute_gradient(X, y), net.compute_gradient(X, Y)):
        np.testing.assert_array_equal(dW, eW)
        np.testing.assert_array_equal(db, eb)
    assert net.evaluate(X, y, ["accuracy"]) == net.evaluate(X, Y, ["accuracy"])
    twin, _, _ = classifier(cost, out)
    h1 = train(net, "adam", X, y, epochs=3, seed=0, validation_data=(X, y))
    h2 = train(twin, "adam", X, Y, epochs=3, seed=0, validation_data=(X, Y))
    assert h1.train_loss == h2.train_loss and h1.val_loss == h2.val_loss


def test_integer_labels_out_of_range_or_for_other_costs_are_refused():
    net, X, y = classifier()
    with pytest.raises(ValueError, match=r"class indices from 0 to 4; expected indices in 0\.\.3"):
        net.cost(X, np.where(y == 3, 4, y))
    with pytest.raises(ValueError, match=r"from -1 to"):
        net.cost(X, y - 1)
    mse_net = NeuralNetwork(3, [4], ["identity"], seed=0)
    with pytest.raises(ValueError, match="integer class indices"):
        mse_net.cost(X, y)  # not one-hot encoded for a regression cost: a shape error
    with pytest.raises(ValueError, match="must have shape"):
        net.cost(X, y.astype(float))  # float labels are not class indices
