"""The acceptance bar: the course notebook's Iris classifier trained by nnet.training.train.

4 -> 8 (sigmoid) -> 3 (softmax), cross-entropy on one-hot targets, Momentum(0.01, 0.9),
100 epochs of mini-batches of 10, accuracy on the whole set. Seed s (0..19, all of them,
not chosen) seeds both the initial weights and the shuffling.

(a) The notebook's recipe, raw features and init="normal": the median accuracy is >= 0.95
    (an unlucky initialization may saturate the sigmoids, so not every seed need pass).
(b) Standardized features and init="xavier": every seed reaches >= 0.95.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from nnet.metrics import accuracy
from nnet.network import NeuralNetwork
from nnet.optimizers import Momentum
from nnet.training import train

SEEDS = range(20)


def iris_accuracies(standardize: bool, init: str) -> list[float]:
    X, y = load_iris(return_X_y=True)
    Y = np.eye(3)[y]
    if standardize:
        X = StandardScaler().fit_transform(X)
    accuracies = []
    for seed in SEEDS:
        net = NeuralNetwork(
            4, [8, 3], ["sigmoid", "softmax"], cost_fun="cross_entropy", init=init, seed=seed
        )
        history = train(net, Momentum(0.01, 0.9), X, Y, epochs=100, batch_size=10, seed=seed)
        assert history.stop_reason == "completed" and history.epochs_run == 100
        accuracies.append(accuracy(Y, net.predict(X)))
    return accuracies


def report(name: str, accuracies: list[float]) -> str:
    per_seed = ", ".join(f"{s}:{a:.4f}" for s, a in zip(SEEDS, accuracies))
    text = (
        f"{name}: median {np.median(accuracies):.4f}, min {min(accuracies):.4f}; "
        f"per seed {per_seed}"
    )
    print(text)
    return text


def test_notebook_recipe_median_accuracy(record_property):
    accuracies = iris_accuracies(False, "normal")
    text = report("raw features, init=normal", accuracies)
    record_property("accuracies", accuracies)
    assert np.median(accuracies) >= 0.95, text


def test_standardized_xavier_every_seed(record_property):
    accuracies = iris_accuracies(True, "xavier")
    text = report("standardized features, init=xavier", accuracies)
    record_property("accuracies", accuracies)
    assert min(accuracies) >= 0.95, text
