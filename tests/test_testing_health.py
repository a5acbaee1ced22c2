"""The training-health check: train warns when a finished run went backwards or learned nothing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris

import nnet
from nnet import NeuralNetwork, train
from nnet.callbacks import History
from nnet.costs import get_cost
from nnet.kernels import use_kernels
from nnet.optimizers import SGD, Momentum
from nnet.training import TrainingHealthWarning, training_health

X_IRIS, y_iris = load_iris(return_X_y=True)
Y_IRIS = np.eye(3)[y_iris]
X_STD = (X_IRIS - X_IRIS.mean(axis=0)) / X_IRIS.std(axis=0)


@pytest.fixture(autouse=True)
def numpy_kernels():
    """Runs at learning rate 50 are chaotic: where they end depends on the last bits of every
    step, so they run the reference (NumPy) kernels whatever NNET_KERNELS says."""
    previous = use_kernels("numpy")
    yield
    use_kernels(previous)


def _train(X, optimizer, **options):
    net = NeuralNetwork(4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = train(net, optimizer, X, Y_IRIS, epochs=100, batch_size=10, seed=0,
                        metrics=["accuracy"], **options)  # fmt: skip
    return history, [w for w in caught if issubclass(w.category, TrainingHealthWarning)]


def test_raw_iris_with_a_huge_learning_rate_warns_chance():
    history, [warning] = _train(X_IRIS, SGD(50))
    assert history.stop_reason == "completed" and history.metrics["accuracy"][-1] < 0.34
    message = str(warning.message)
    assert "chance loss" in message and f"{np.log(3):.4g}" in message
    assert "learning rate" in message and "standardize" in message
    assert warning.filename == __file__  # points at the caller's train(...) line


def test_a_loss_that_rose_warns():
    history, [warning] = _train(X_STD, Momentum(50, 0.9))
    assert history.train_loss[-1] > history.train_loss[0]
    assert f"rose from {history.train_loss[0]:.4g} (first epoch) to" in str(warning.message)


def test_warn_false_silences_it_and_the_history_still_says_why():
    history, caught = _train(X_IRIS, SGD(50), warn=False)
    assert caught == [] and history.stop_reason == "completed"
    _, [warning] = _train(X_IRIS, SGD(50))
    assert history.health == str(warning.message) and "chance loss" in history.health
    assert history.as_dict()["health"] == history.health


def test_a_healthy_run_does_not_warn():
    history, caught = _train(X_STD, "adam")
    assert caught == [] and history.metrics["accuracy"][-1] > 0.9
    assert history.health is None


def test_warn_must_be_a_bool():
    net = NeuralNetwork(4, [3], ["softmax"], cost_fun="cross_entropy", seed=0)
    before = [(W.copy(), b.copy()) for W, b in net.layers]
    with pytest.raises(TypeError, match="warn"):
        train(net, "sgd", X_STD, Y_IRIS, warn="yes")
    assert all(np.array_equal(W, W0) for (W, _), (W0, _) in zip(net.layers, before))


@pytest.mark.parametrize(
    ("history", "Y", "cost", "words"),
    [
        (History(train_loss=[1.0, 0.5], stop_reason="completed",
                 metrics={"accuracy": [0.5, 0.6]}), np.eye(2)[[0, 0, 0, 1]], "cross_entropy",
         "chance accuracy: 0.6 <= 0.75"),
        (History(train_loss=[0.8, 0.69], stop_reason="completed"), np.array([[0.0], [1.0]]),
         "binary_cross_entropy", "chance loss"),
        (History(train_loss=[1.0, 1.5], stop_reason="early_stopping", best_epoch=0,
                 restored_best=True), np.zeros((2, 1)), "mse", None),
        (History(train_loss=[1.0, 1.5], stop_reason="diverged"), np.zeros((2, 1)), "mse", None),
        (History(train_loss=[1.0, 1.5], stop_reason="completed"), np.zeros((2, 1)), "mse",
         "rose from 1 (first epoch) to 1.5"),
    ],
)  # fmt: skip
def test_training_health_decides_from_the_history(history, Y, cost, words):
    message = training_health(history, Y, get_cost(cost))
    if words is None:
        assert message is None
    else:
        assert words in message


def test_the_estimators_keep_scikit_learns_warnings():
    from nnet.estimators import NeuralNetClassifier

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NeuralNetClassifier(solver="sgd", learning_rate_init=50.0, max_iter=20,
                            random_state=0).fit(X_IRIS, y_iris)  # fmt: skip
    assert not [w for w in caught if issubclass(w.category, TrainingHealthWarning)]


def test_the_warning_is_exported():
    assert nnet.TrainingHealthWarning is TrainingHealthWarning
    assert issubclass(TrainingHealthWarning, UserWarning)
