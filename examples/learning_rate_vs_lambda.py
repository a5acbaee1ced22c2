r"""
Learning rate vs regularization: a grid-search heatmap
======================================================

The two hyperparameters every course project tunes first are the learning
rate :math:`\eta` of stochastic gradient descent and the strength
:math:`\lambda` of the L2 penalty, which adds :math:`\lambda\sum W^2` to the
cost. Here a network with one hidden layer of 32 sigmoid units classifies
the breast-cancer data set bundled with scikit-learn (569 tumours, 30
features, benign or malignant) with a sigmoid output and binary
cross-entropy, for every pair on a grid, and the heatmaps show the accuracy
on the test and the training split.

A run that diverges (the loss overflows) is stopped by
:func:`~nnet.training.train` with a :class:`~nnet.training.DivergenceWarning`;
its cell is left blank (``nan``).
"""

import argparse
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from nnet import NeuralNetwork
from nnet.optimizers import SGD
from nnet.plotting import plot_heatmap
from nnet.training import DivergenceWarning, train

parser = argparse.ArgumentParser(description="Heatmap of accuracy over learning rate x lambda.")
parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny settings (or NNET_EXAMPLES_QUICK=1)")
args, _ = parser.parse_known_args()
QUICK = args.quick or os.environ.get("NNET_EXAMPLES_QUICK") == "1"
args.out.mkdir(parents=True, exist_ok=True)

# %%
# Data
# ----
X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# The grid
# --------
# Learning rates on a log scale; :math:`\lambda = 0` (no penalty) and then
# powers of ten. Every run starts from the same initial weights (``seed=0``)
# and sees the same mini-batches.
if QUICK:
    etas, lambdas, epochs = np.logspace(-2, 1, 3), [0.0, 1e-2, 1.0], 5
else:
    etas, lambdas, epochs = np.logspace(-3, 1, 5), [0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0], 100


def accuracy(net, X, y):
    return float(np.mean((net.predict(X).ravel() > 0.5) == y))


test_accuracy = np.full((len(lambdas), len(etas)), np.nan)
train_accuracy = np.full_like(test_accuracy, np.nan)
for i, lam in enumerate(lambdas):
    for j, eta in enumerate(etas):
        net = NeuralNetwork(
            30,
            [32, 1],
            ["sigmoid", "sigmoid"],
            cost_fun="binary_cross_entropy",
            l2=lam,
            init="glorot",
            seed=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            history = train(net, SGD(learning_rate=eta), X_train, y_train, epochs=epochs, seed=0)
        if history.stop_reason != "diverged":
            test_accuracy[i, j] = accuracy(net, X_test, y_test)
            train_accuracy[i, j] = accuracy(net, X_train, y_train)

best = np.unravel_index(np.nanargmax(test_accuracy), test_accuracy.shape)
print(f"best test accuracy {test_accuracy[best]:.3f} at eta={etas[best[1]]:g}, ", end="")
print(f"lambda={lambdas[best[0]]:g}; diverged runs: {int(np.isnan(test_accuracy).sum())}")

# %%
# The heatmaps
# ------------
# Small :math:`\lambda` and large :math:`\eta` fit the training data perfectly
# but not the test data (overfitting); large :math:`\lambda` shrinks the weights
# until the network predicts the majority class (63 % of the tumours are
# benign); too large a learning rate diverges. The best cell is outlined.
fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
for ax, scores, split in zip(axes, (test_accuracy, train_accuracy), ("test", "training")):
    plot_heatmap(
        scores,
        etas,
        lambdas,
        r"learning rate $\eta$",
        r"L2 penalty $\lambda$",
        ax=ax,
        fmt=".3f",
        colorbar_label=f"{split} accuracy",
        highlight="max",
    )
    ax.set_title(f"{split} accuracy, 30 → 32 sigmoid → 1, SGD, {epochs} epochs")
fig.savefig(args.out / "learning_rate_vs_lambda.png", dpi=100)
